/* Invite page: "Add another person" clones the empty row (up to the limit). Optional: without
   JavaScript the page shows a fixed number of rows. */
(function () {
  "use strict";
  var add = document.querySelector("[data-invite-add]");
  var rows = document.querySelector("[data-invite-rows]");
  var template = document.getElementById("invite-row-template");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!add || !rows || !template || !total) return;
  var max = parseInt(add.getAttribute("data-max"), 10);
  function sync() { add.disabled = parseInt(total.value, 10) >= max; }
  add.hidden = false;
  sync();
  add.addEventListener("click", function () {
    var count = parseInt(total.value, 10);
    if (count >= max) return;
    var html = template.innerHTML.replace(/__prefix__/g, String(count))
      .replace(/__num__/g, String(count + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(count + 1);
    sync();
    var input = rows.lastElementChild && rows.lastElementChild.querySelector("input");
    if (input) input.focus();
  });
})();
