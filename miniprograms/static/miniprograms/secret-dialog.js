// The Keys page's "shown once" dialog (miniprograms/development/keys/page.html): rendered open,
// so it shows without JavaScript; with it, the dialog becomes modal (the page behind it inert)
// until "I have copied it" closes it, and then the secret leaves the page. The history entry is
// pointed at the Keys page itself, so a reload is a plain GET (never a second reset) and the
// secret is gone.
(function () {
  "use strict";
  var dialog = document.querySelector("[data-secret-dialog]");
  if (!dialog) return;
  var pageUrl = dialog.getAttribute("data-page-url");
  if (pageUrl && window.history && history.replaceState) history.replaceState(null, "", pageUrl);
  if (typeof dialog.showModal !== "function") return;
  dialog.close();
  dialog.showModal();
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault(); // Escape must not dismiss it by accident: the button does
  });
  dialog.addEventListener("close", function () {
    // The close() above also fires this (later, as a task): only the button's answer counts.
    if (dialog.returnValue === "done") dialog.remove();
  });
})();
