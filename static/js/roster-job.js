/* Roster import job page: poll the job's progress until it finishes, then reload (no inline script: CSP). */
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !box.dataset.url) {
    return;
  }
  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        return r.json();
      })
      .then(function (p) {
        document.getElementById("job-bar").value = p.percent;
        document.getElementById("job-percent").textContent = p.percent + "%";
        document.getElementById("job-rows").textContent = p.rows;
        if (p.finished) {
          window.location.reload();
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        setTimeout(poll, 3000);
      });
  }
  setTimeout(poll, 500);
})();
