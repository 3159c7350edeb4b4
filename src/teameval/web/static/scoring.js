// Scoring page: a "Save" pressed while an autosave is still on its way waits for it. The
// autosave's answer carries the sheet's new revision (into the hidden field), and the save
// must be compared with that one, not with the revision the autosave has just replaced.
(function () {
  "use strict";
  var form = document.getElementById("score-form");
  if (!form) { return; }
  var busy = 0;
  var waiting = null;
  form.addEventListener("htmx:beforeRequest", function () { busy += 1; });
  form.addEventListener("htmx:afterRequest", function () {
    busy = Math.max(0, busy - 1);
    if (busy === 0 && waiting) {
      var submitter = waiting.submitter;
      waiting = null;
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    }
  });
  form.addEventListener("submit", function (event) {
    if (busy > 0) {
      event.preventDefault();
      waiting = { submitter: event.submitter || null };
    }
  });
})();
