/* The trial version form: the page select shows only the chosen version's pages.
   Without this script every ready version's pages are offered, grouped by version. */
(function () {
  "use strict";
  var form = document.querySelector("[data-trial-form]");
  if (!form) return;
  var version = form.querySelector("select[name=version]");
  var page = form.querySelector("select[name=page_path]");
  if (!version || !page) return;

  function sync() {
    var keep = null;
    Array.prototype.forEach.call(page.querySelectorAll("optgroup"), function (group) {
      var match = group.label === version.value;
      group.hidden = !match;
      group.disabled = !match;
      if (match) {
        var selected = page.selectedOptions[0];
        keep = selected && selected.parentElement === group ? selected : group.querySelector("option");
      }
    });
    if (keep) keep.selected = true;
  }
  version.addEventListener("change", sync);
  sync();
})();
