/* <details class="popover"> dialogs (take offline, off shelf): focus the first field when one
   opens, close it on Escape or a click elsewhere. Optional: without JavaScript a popover opens
   and closes with its own button. */
(function () {
  "use strict";
  var popovers = Array.prototype.slice.call(document.querySelectorAll("details.popover"));
  if (!popovers.length) return;
  function closeAll(except) {
    popovers.forEach(function (p) { if (p !== except) p.removeAttribute("open"); });
  }
  popovers.forEach(function (popover) {
    popover.addEventListener("toggle", function () {
      if (!popover.open) return;
      closeAll(popover);
      var first = popover.querySelector("textarea, input:not([type=hidden])");
      if (first) first.focus();
    });
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target instanceof Element && !target.closest("details.popover")) closeAll(null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = popovers.filter(function (p) { return p.open; });
    closeAll(null);
    if (open.length) open[0].querySelector("summary").focus();
  });
})();
