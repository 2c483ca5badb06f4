// The keyword picker works without JavaScript (tick, then "Update order and preview"; arrows
// post the order back). With it, ticking or unticking a keyword refreshes the page at once.
(function () {
  "use strict";
  var form = document.querySelector("[data-keyword-picker]");
  if (!form) return;
  var refresh = form.querySelector("[data-refresh]");
  form.setAttribute("data-enhanced", "");  // the browser test waits for this before ticking
  form.addEventListener("change", function (event) {
    if (event.target.name === "keywords" && refresh && form.requestSubmit) {
      form.requestSubmit(refresh);
    }
  });
})();
