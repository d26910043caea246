// Live progress of a plan run: polls the run's status and updates the page; reloads when done.
(function () {
  "use strict";
  // Stopping a run asks first (the text says what is kept).
  var cancelForm = document.getElementById("cancel-form");
  if (cancelForm) {
    cancelForm.addEventListener("submit", function (ev) {
      var question = cancelForm.getAttribute("data-confirm");
      if (question && !window.confirm(question)) { ev.preventDefault(); }
    });
  }
  var box = document.getElementById("run-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var active = { queued: true, running: true };
  if (!active[box.getAttribute("data-status")]) { return; }

  function show(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = (value === null || value === undefined) ? "–" : String(value); }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        show("run-status", s.status_label || s.status);
        show("run-elapsed", s.elapsed);
        show("run-scheduled", s.scheduled);
        show("run-objective", s.objective);
        show("run-bound", s.bound);
        var bar = document.getElementById("run-bar");
        if (bar) { bar.value = Math.min(s.elapsed || 0, s.time_limit); }
        if (s.error) {
          var err = document.getElementById("run-error");
          err.textContent = s.error; err.hidden = false;
        }
        if (s.active) { window.setTimeout(poll, 1000); } else { window.location.assign(s.url); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
