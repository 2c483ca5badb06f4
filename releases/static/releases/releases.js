/* The Releases tab and the submit form, enhanced (every part works without this file):
   a live counter under the notes, and the history filter that applies as soon as a host app
   and environment is chosen. */
(function () {
  "use strict";

  // --- the notes' counter: code points of the trimmed, NFC text, as the server counts --------
  document.querySelectorAll("textarea[data-counter]").forEach(function (input) {
    var max = parseInt(input.getAttribute("data-max"), 10) || 1000;
    var out = document.createElement("p");
    out.className = "counter";
    out.id = input.id + "_counter";
    out.setAttribute("aria-live", "polite");
    out.setAttribute("data-notes-counter", "");
    input.insertAdjacentElement("afterend", out);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    function update() {
      var n = Array.from((input.value || "").normalize("NFC").trim()).length;
      out.textContent = n.toLocaleString() + " / " + max.toLocaleString() + " characters" +
        (n > max ? " — " + (n - max).toLocaleString() + " too many" : "");
      out.classList.toggle("counter-bad", n > max);
    }
    input.addEventListener("input", update);
    update();
  });

  // --- the history filter: choosing is enough ----------------------------------------------
  document.querySelectorAll("[data-history-filter]").forEach(function (form) {
    var select = form.querySelector("select");
    var button = form.querySelector("[data-filter-button]");
    if (!select) return;
    if (button) button.hidden = true;
    select.addEventListener("change", function () {
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
  });
})();
