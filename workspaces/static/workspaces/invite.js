/* Invite page: "Add another person" clones the empty row (up to the limit), and each row's
   "Mini programs" show only while its role is Developer. Optional: without JavaScript the page
   shows a fixed number of rows with every field, and the server checks the choices. */
(function () {
  "use strict";
  var rows = document.querySelector("[data-invite-rows]");
  if (!rows) return;

  // Mini programs are for Developers only: hide them for other roles and disable the boxes,
  // so a hidden choice is never sent (ticks come back when Developer is chosen again).
  function syncMiniPrograms(row) {
    var role = row.querySelector("select[name$='-role']");
    var box = row.querySelector("[data-invite-miniprograms]");
    if (!role || !box) return;
    var developer = role.value === "developer";
    box.hidden = !developer;
    Array.prototype.forEach.call(box.querySelectorAll("input"), function (input) {
      input.disabled = !developer;
    });
  }
  Array.prototype.forEach.call(rows.querySelectorAll("[data-invite-row]"), syncMiniPrograms);
  rows.addEventListener("change", function (event) {
    if (!/-role$/.test(event.target.name || "")) return;
    var row = event.target.closest("[data-invite-row]");
    if (row) syncMiniPrograms(row);
  });

  var add = document.querySelector("[data-invite-add]");
  var template = document.getElementById("invite-row-template");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  if (!add || !template || !total) return;
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
    var row = rows.lastElementChild;
    if (row) syncMiniPrograms(row);
    var input = row && row.querySelector("input");
    if (input) input.focus();
  });
})();
