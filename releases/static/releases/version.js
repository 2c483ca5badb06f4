/* A version's page while its scan, build or quality review runs: poll the status endpoint
   every 2 s, move each step's badge and progress bar, and when a step finishes (or the version's
   status changes) fetch the page once and swap in the fresh content (timeline, sizes, files,
   quality report). Without this script the page offers a "Refresh" link instead. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser) return;
  var INTERVAL = 2000;

  function signature(data) {
    return data.status + "|" + data.steps.map(function (s) { return s.kind + ":" + s.state; }).join(",");
  }

  function applyStep(live, step) {
    var item = live.querySelector('[data-step="' + step.kind + '"]');
    if (!item) return;
    item.className = item.className.replace(/\bis-[a-z]+\b/, "is-" + step.state);
    var badge = item.querySelector("[data-step-badge]");
    if (badge) {
      badge.className = "badge badge-" + step.tone;
      badge.textContent = step.state_label;
    }
    var row = item.querySelector("[data-step-progress-row]");
    if (row) {
      var bar = row.querySelector("[data-step-progress]");
      row.hidden = !(step.state === "running" || step.state === "queued");
      bar.setAttribute("aria-valuenow", String(step.progress));
      bar.firstElementChild.style.width = step.progress + "%";
      row.querySelector("[data-step-percent]").textContent = step.progress + "%";
    }
  }

  function start(live) {
    if (!live.hasAttribute("data-active")) return;
    var url = live.getAttribute("data-status-url");
    var last = null;
    var link = live.querySelector("[data-refresh-link]");
    var note = live.querySelector("[data-live-note]");
    if (link) link.hidden = true;
    if (note) note.hidden = false;

    function swap(keepPolling) {
      return fetch(window.location.href, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-version-live]");
          if (!fresh) return;
          live.replaceWith(fresh);
          if (keepPolling) start(fresh);
        });
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (data) {
          data.steps.forEach(function (step) { applyStep(live, step); });
          var now = signature(data);
          if (last === null) last = live.getAttribute("data-signature") || now;
          if (now !== last || !data.active) {
            swap(data.active);  // something finished: show its result (and keep going if needed)
            return;
          }
          window.setTimeout(poll, INTERVAL);
        })
        .catch(function () {
          if (link) link.hidden = false;  // the network or the server hiccuped: retry, slower
          window.setTimeout(poll, INTERVAL * 3);
        });
    }
    window.setTimeout(poll, INTERVAL);
  }

  var live = document.querySelector("[data-version-live]");
  if (live) start(live);
})();
