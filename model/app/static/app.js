// dc-siting web app: live progress of a queued run. Polls /api/jobs/<id> once a second and writes the
// figures as text (textContent, never HTML); reloads the page once the run has ended to show its result.
"use strict";
(function () {
  var box = document.getElementById("job");
  var log = document.getElementById("job-log");
  if (log) log.scrollTop = log.scrollHeight;  // the newest lines of the solver log
  if (!box || box.getAttribute("data-active") !== "yes") return;
  var id = box.getAttribute("data-job");
  var fields = { state: "job-state", phase: "job-phase", incumbent: "job-incumbent", dual_bound: "job-bound",
                 mip_gap: "job-gap", nodes: "job-nodes", solver_s: "job-time", log: "job-log" };
  function poll() {
    fetch("/api/jobs/" + encodeURIComponent(id), { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (info) {
        Object.keys(fields).forEach(function (key) {
          var el = document.getElementById(fields[key]);
          if (el && info[key] !== undefined && info[key] !== "") el.textContent = String(info[key]);
        });
        if (log) log.scrollTop = log.scrollHeight;
        if (info.active) setTimeout(poll, 1000); else window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
