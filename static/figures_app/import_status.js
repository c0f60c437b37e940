// The import preview while a worker checks or applies the file: poll the status endpoint, move
// the progress bar, and reload the page when the state changes. No inline script (CSP); without
// JavaScript the page refreshes itself instead (<noscript> meta refresh).
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || !box.dataset.statusUrl) {
    return;
  }
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (status) {
        if (status.state !== box.dataset.state) {
          window.location.reload();
          return;
        }
        if (bar && status.rows_total) {
          bar.max = status.rows_total;
          bar.value = status.rows_checked;
        }
        if (text) {
          text.textContent = status.progress_text;
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1500);
})();
