// Live progress of an upload: fetch the progress partial every 2 seconds while the job runs,
// then reload the page once to show the report. Without JavaScript the page has a reload link.
(function () {
  "use strict";
  function poll() {
    var box = document.getElementById("upload-progress");
    if (!box || box.dataset.running !== "true") return;
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#upload-progress");
        if (!fresh) return;
        if (fresh.dataset.running !== "true") { window.location.reload(); return; }
        box.replaceWith(fresh);
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
