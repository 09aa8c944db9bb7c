// While the execution runs, read the page again every few seconds and swap <main> in when the job
// or its execution changed (data-version), so that reading and keyboard focus are not disturbed
// for nothing. Stops once the page says the execution is over (no data-refresh).
(function () {
  "use strict";
  var seconds = 3;
  function current() { return document.querySelector("main[data-refresh]"); }
  function tick() {
    var main = current();
    if (!main) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (text === null) { return; }
        var fresh = new DOMParser().parseFromString(text, "text/html").querySelector("main");
        if (fresh && fresh.getAttribute("data-version") !== main.getAttribute("data-version")) {
          main.replaceWith(fresh);
        }
      })
      .catch(function () { /* the server restarted: try again at the next tick */ })
      .then(function () { if (current()) { window.setTimeout(tick, seconds * 1000); } });
  }
  if (current()) { window.setTimeout(tick, seconds * 1000); }
})();
