// The team builder without surprises: a row whose team select differs from the saved layout is
// marked, and the Save button's note says how many students would move. The form works the
// same without this script; nothing is saved until "Save layout" is pressed.
(function () {
  "use strict";
  function update(form) {
    var moved = 0;
    form.querySelectorAll("select[name=team]").forEach(function (select) {
      var was = select.closest("tr").querySelector("input[name=was]");
      var changed = was && was.value !== select.value;
      select.closest("tr").toggleAttribute("data-moved", !!changed);
      if (changed) { moved += 1; }
    });
    var note = form.querySelector("[data-pending]");
    if (note) {
      note.textContent = moved ? note.getAttribute("data-pending").replace("%(count)s", String(moved)) : "";
    }
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("#layout-form");
    if (form && event.target.name === "team") { update(form); }
  });
})();
