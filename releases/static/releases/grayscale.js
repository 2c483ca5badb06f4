/* The grayscale task form, enhanced (the form works without this file): a live counter under
   the name, a line count under each typed list, the spare schedule rows shown on demand, and the
   confirmation sentence naming the version, the limit and the window before the task starts. */
(function () {
  "use strict";

  var form = document.querySelector("[data-gray-form]");
  if (!form) return;

  // --- the name's counter: code points of the trimmed text, as the server counts ----------
  form.querySelectorAll("input[data-counter-max]").forEach(function (input) {
    var max = parseInt(input.getAttribute("data-counter-max"), 10) || 20;
    var out = document.createElement("p");
    out.className = "counter";
    out.id = input.id + "_counter";
    out.setAttribute("aria-live", "polite");
    out.setAttribute("data-name-counter", "");
    var help = document.getElementById(input.id + "_help");
    (help || input).insertAdjacentElement("afterend", out);
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + out.id).trim());
    function update() {
      var n = Array.from((input.value || "").normalize("NFC").trim()).length;
      out.textContent = n + " / " + max + " characters" + (n > max ? " — " + (n - max) + " too many" : "");
      out.classList.toggle("counter-bad", n > max);
    }
    input.addEventListener("input", update);
    update();
  });

  // --- lines in each typed list ----------------------------------------------------------------
  form.querySelectorAll("[data-lines-for]").forEach(function (out) {
    var input = document.getElementById(out.getAttribute("data-lines-for"));
    if (!input) return;
    function update() {
      var n = (input.value || "").split("\n").filter(function (l) { return l.trim(); }).length;
      out.textContent = n ? n.toLocaleString() + (n === 1 ? " value typed" : " values typed") : "";
    }
    input.addEventListener("input", update);
    update();
  });

  // --- spare schedule rows: hidden until asked for -------------------------------------------
  var spare = form.querySelectorAll("[data-spare-step]");
  if (spare.length) {
    spare.forEach(function (row) { row.hidden = true; });
    var table = form.querySelector(".schedule-table");
    var more = document.createElement("button");
    more.type = "button";
    more.className = "button button-small";
    more.textContent = "Add a step";
    more.addEventListener("click", function () {
      var next = form.querySelector("[data-spare-step][hidden]");
      if (next) { next.hidden = false; var box = next.querySelector("input"); if (box) box.focus(); }
      if (!form.querySelector("[data-spare-step][hidden]")) more.hidden = true;
    });
    table.insertAdjacentElement("afterend", more);
  }

  // --- the confirmation says what will happen, with the values typed ---------------------------
  function value(name) {
    var el = form.elements[name];
    return el ? (el.value || "").trim() : "";
  }
  function when(name) {
    var v = value(name);
    return v ? v.replace("T", " ") : "?";
  }
  function sentence() {
    var where = form.getAttribute("data-where") || "";
    var limit = parseInt(value("max_users"), 10);
    var share = value("step_1_percentage") || value("percentage");
    var text = "Version " + (value("version") || "?") + " goes to at most " +
      (isNaN(limit) ? "?" : limit.toLocaleString()) + " users " + where +
      " who match every condition" + (share ? ", starting with " + share + " % of them" : "") +
      ", from " + when("starts_at") + " until " + when("ends_at") + " (your time).";
    var start = new Date(value("starts_at"));
    if (!isNaN(start.getTime()) && start <= new Date()) text += " It starts delivering at once.";
    return text;
  }
  var summary = form.querySelector("[data-gray-summary]");
  function refresh() {
    var text = sentence();
    form.setAttribute("data-confirm", text);
    if (summary) { summary.textContent = text; summary.hidden = false; }
  }
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  refresh();
})();
