/* The Versions tab while versions are scanned, built or reviewed: every 2 s, poll the status
   endpoint of each row in progress (tr[data-status-url], a handful at most) and move its status
   badge and progress bar; when a row's status or one of its steps changes, fetch the page once
   and swap in the fresh rows (quality column, failure message), the strip and the notice. Polls
   stop when no row is in progress. Without this script the notice's "Refresh" link stays. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.Promise) return;
  var INTERVAL = 2000;

  function activeRows() {
    return Array.prototype.slice.call(document.querySelectorAll("tr[data-status-url]"));
  }

  function signature(data) {
    return data.status + "|" + data.steps.map(function (s) { return s.kind + ":" + s.state; }).join(",");
  }

  function showLive(live) {
    var notice = document.querySelector("[data-versions-notice]");
    if (!notice) return;
    var link = notice.querySelector("[data-refresh-link]");
    var note = notice.querySelector("[data-live-note]");
    if (link) link.hidden = live;
    if (note) note.hidden = !live;
  }

  function applyRow(row, data) {
    var badge = row.querySelector("[data-version-status]");
    if (badge) {
      badge.className = "badge badge-" + data.tone;
      badge.textContent = data.status_label;
    }
    var stage = row.querySelector("[data-stage]");
    if (stage && data.stage) {
      var bar = stage.querySelector("[role=progressbar]");
      bar.setAttribute("aria-valuenow", String(data.stage.progress));
      bar.setAttribute("aria-label", data.stage.label);
      bar.firstElementChild.style.width = data.stage.progress + "%";
      stage.querySelector("[data-stage-text]").textContent =
        data.stage.label + " · " + data.stage.progress + "%";
    }
  }

  function replace(selector, fresh) {
    var here = document.querySelector(selector);
    var there = fresh.querySelector(selector);
    if (here && there) here.replaceWith(there);
    else if (here) here.remove();
  }

  // Some rows finished a step: show the page as the server has it now, row by row (the rows
  // still in progress come back with their data-status-url and are polled again).
  function swap(changed) {
    return fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        changed.forEach(function (row) {
          var number = row.getAttribute("data-version");
          var next = null;
          fresh.querySelectorAll("tr[data-version]").forEach(function (candidate) {
            if (candidate.getAttribute("data-version") === number) next = candidate;
          });
          if (next) row.replaceWith(next);
          else row.removeAttribute("data-status-url");  // moved to another page: stop
        });
        replace("[data-version-strip]", fresh);
        replace("[data-versions-notice]", fresh);
      });
  }

  function poll() {
    var rows = activeRows();
    Promise.all(rows.map(function (row) {
      return fetch(row.getAttribute("data-status-url"), {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (data) {
          applyRow(row, data);
          var changed = !data.active || signature(data) !== row.getAttribute("data-signature");
          return changed ? row : null;
        });
    }))
      .then(function (results) {
        var changed = results.filter(Boolean);
        return changed.length ? swap(changed) : null;
      })
      .then(function () { schedule(INTERVAL, true); })
      .catch(function () {
        schedule(INTERVAL * 3, false);  // the network or the server hiccuped: offer the link
      });
  }

  function schedule(delay, healthy) {
    if (!activeRows().length) return;  // nothing left to watch
    showLive(healthy);
    window.setTimeout(poll, delay);
  }

  schedule(INTERVAL, true);
})();
