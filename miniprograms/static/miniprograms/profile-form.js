/* Mini program profile form: live counters, a logo preview and "add
   another language". Optional: without JavaScript every field works and the server checks
   the same rules (miniprograms/validators.py). */
(function () {
  "use strict";

  // --- counters: the name counts CJK characters as 2 units (ranges sent by the server) -----
  var rangesNode = document.getElementById("mp-wide-ranges");
  var WIDE = rangesNode ? JSON.parse(rangesNode.textContent) : [];

  function isWide(ch) {
    var point = ch.codePointAt(0);
    for (var i = 0; i < WIDE.length; i++) {
      if (point >= WIDE[i][0] && point <= WIDE[i][1]) return true;
    }
    return false;
  }

  function measure(value, counting) {
    // As the server measures: NFC, trimmed, code points (not UTF-16 units).
    var chars = Array.from((value || "").normalize("NFC").trim());
    if (counting !== "width") return chars.length;
    return chars.reduce(function (sum, ch) { return sum + (isWide(ch) ? 2 : 1); }, 0);
  }

  function attachCounter(input) {
    if (input.dataset.counterReady) return;
    input.dataset.counterReady = "1";
    var min = parseInt(input.dataset.min, 10);
    var max = parseInt(input.dataset.max, 10);
    var counting = input.dataset.counter;
    var out = document.createElement("p");
    out.className = "counter";
    out.id = input.id + "_counter";
    out.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", out);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    function update() {
      var n = measure(input.value, counting);
      var unit = counting === "width" ? (n === 1 ? "unit" : "units") : (n === 1 ? "character" : "characters");
      out.textContent = n + " / " + max + " " + unit + (counting === "width" ? " (CJK = 2)" : "") +
        (n > 0 && n < min ? " — at least " + min : "") + (n > max ? " — " + (n - max) + " too many" : "");
      out.classList.toggle("counter-bad", n > max || (n > 0 && n < min));
      out.classList.toggle("counter-ok", n >= min && n <= max);
    }
    input.addEventListener("input", update);
    update();
  }

  function attachCounters(root) {
    root.querySelectorAll("[data-counter]").forEach(attachCounter);
  }
  attachCounters(document);

  // --- logo preview ----------------------------------------------------------------------
  // A data: URL (FileReader), not a blob: one: the console's Content-Security-Policy allows
  // images from 'self' and data: only.
  function sizeLabel(bytes) {
    return bytes < 1024 ? bytes + " B" : (bytes / 1024).toFixed(1).replace(/\.0$/, "") + " KB";
  }
  document.querySelectorAll("input[type=file][name=logo]").forEach(function (input) {
    var box = document.querySelector("[data-logo-preview]");
    if (!box || !window.FileReader) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      var img = document.createElement("img");
      img.className = "thumb thumb-lg";
      img.alt = "Preview of " + file.name;
      img.width = 64; img.height = 64;
      var note = document.createElement("span");
      note.className = "muted small";
      note.textContent = sizeLabel(file.size);
      img.onload = function () {
        note.textContent = img.naturalWidth + "×" + img.naturalHeight + " px, " + sizeLabel(file.size) +
          (img.naturalWidth !== img.naturalHeight ? " — not square" : "") + (file.size > 256 * 1024 ? " — over 256 KB" : "");
        note.classList.toggle("counter-bad", img.naturalWidth !== img.naturalHeight || file.size > 256 * 1024);
      };
      var reader = new FileReader();
      reader.onload = function () { img.src = reader.result; };
      reader.readAsDataURL(file);
      box.replaceChildren(img, note);
    });
  });

  // --- an error goes stale once its field is edited: un-flag it (the server checks again) ----
  document.querySelectorAll("form.mp-profile-form").forEach(function (form) {
    function clear(event) {
      var target = event.target;
      if (!(target instanceof Element) || target.matches("[data-industry-filter]")) return;
      var field = target.closest(".field-invalid");
      if (!field) return;
      field.classList.remove("field-invalid");
      field.querySelectorAll(".error").forEach(function (error) { error.hidden = true; });
      if (target.type === "file") {
        document.querySelectorAll(".logo-input .notice-inline").forEach(function (note) { note.hidden = true; });
      }
    }
    form.addEventListener("input", clear);
    form.addEventListener("change", clear);
  });

  // --- "Add another language": clone the empty row of the formset ----------------------------
  var add = document.querySelector("[data-language-add]");
  var rows = document.querySelector("[data-language-rows]");
  var template = document.getElementById("language-row-template");
  var total = document.querySelector("input[name='lang-TOTAL_FORMS']");
  if (add && rows && template && total) {
    var max = parseInt(add.getAttribute("data-max"), 10);
    var sync = function () { add.disabled = parseInt(total.value, 10) >= max; };
    add.hidden = false;
    sync();
    add.addEventListener("click", function () {
      var count = parseInt(total.value, 10);
      if (count >= max) return;
      var html = template.innerHTML.replace(/__prefix__/g, String(count)).replace(/__num__/g, String(count + 1));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(count + 1);
      sync();
      var row = rows.lastElementChild;
      attachCounters(row);
      var first = row && row.querySelector("select, input");
      if (first) first.focus();
    });
  }
})();
