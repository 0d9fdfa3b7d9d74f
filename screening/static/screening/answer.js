/* Answering page (R5.3): every answer is POSTed as it is given; a retry queue in localStorage survives a
   dropped network and a reload, and is flushed when the network returns. Submit carries an idempotency key
   kept in localStorage, so a retried or double submit returns the same result. No inline script (CSP). */
(function () {
  "use strict";
  var root = document.getElementById("answer");
  if (!root) return;
  var saveUrl = root.dataset.save;
  var submitUrl = root.dataset.submit;
  var version = root.dataset.version;
  var qKey = "xinyu.screening.queue." + root.dataset.response;
  var kKey = "xinyu.screening.submitkey." + root.dataset.response;
  var statusEl = document.getElementById("status");
  var progress = document.getElementById("progress");
  var offlineNote = document.getElementById("offline-note");
  var submitBtn = document.getElementById("submit");
  var shownAt = Date.now();
  var flushing = false;

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(qKey) || "{}"); } catch (e) { return {}; }
  }
  function store(q) { localStorage.setItem(qKey, JSON.stringify(q)); }
  function pending() { return Object.keys(load()).length; }
  function say(text) { if (statusEl) statusEl.textContent = text; }

  function updateProgress() {
    var items = root.querySelectorAll(".answer-item:not([hidden])");
    var done = 0;
    items.forEach(function (fs) { if (fs.querySelector("input:checked")) done += 1; });
    progress.max = items.length;
    progress.value = done;
  }

  function applyVisible(ids) {
    if (!ids) return;
    var set = {};
    ids.forEach(function (id) { set[id] = true; });
    root.querySelectorAll(".answer-item").forEach(function (fs) {
      fs.hidden = !set[fs.dataset.item];
    });
    updateProgress();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }

  function flush() {
    if (flushing) return Promise.resolve();
    var q = load();
    var ids = Object.keys(q);
    if (!ids.length) { offlineNote.hidden = true; return Promise.resolve(); }
    flushing = true;
    var chain = Promise.resolve();
    ids.forEach(function (id) {
      chain = chain.then(function () {
        var entry = load()[id];
        if (!entry) return;
        return post(saveUrl, entry).then(function (res) {
          return res.json().catch(function () { return {}; }).then(function (data) {
            var now = load();
            // Delivered, or refused for good (4xx): either way it leaves the queue; 5xx stays for a retry.
            if (res.status < 500 && now[id] && now[id].value === entry.value) { delete now[id]; store(now); }
            if (res.ok) applyVisible(data.visible);
            else if (res.status < 500) say(data.error || "");
          });
        });
      });
    });
    return chain.then(function () {
      flushing = false;
      offlineNote.hidden = pending() === 0;
      if (!pending()) say(root.dataset.saved || "");
    }, function () {
      flushing = false;
      offlineNote.hidden = false;
    });
  }

  root.addEventListener("change", function (ev) {
    var input = ev.target;
    if (!input.matches('input[type="radio"]')) return;
    var raw = input.value;
    var value = raw === "refused" ? "refused" : parseInt(raw, 10);
    var q = load();
    q[input.name] = { item: input.name, value: value, seconds: (Date.now() - shownAt) / 1000, version: version };
    shownAt = Date.now();
    store(q);
    updateProgress();
    flush();
  });

  window.addEventListener("online", flush);
  setInterval(function () { if (pending()) flush(); }, 5000);

  // Resume: answers queued before a reload are shown checked and sent again.
  var queued = load();
  Object.keys(queued).forEach(function (id) {
    var v = String(queued[id].value);
    var el = root.querySelector('input[name="' + CSS.escape(id) + '"][value="' + CSS.escape(v) + '"]');
    if (el) el.checked = true;
  });
  updateProgress();
  flush();

  submitBtn.addEventListener("click", function () {
    submitBtn.disabled = true;
    flush().then(function () {
      if (pending()) { offlineNote.hidden = false; submitBtn.disabled = false; return; }
      var key = localStorage.getItem(kKey);
      if (!key) {
        key = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
        localStorage.setItem(kKey, key);
      }
      return post(submitUrl, { key: key }).then(function (res) {
        return res.json().then(function (data) {
          if (res.ok) {
            localStorage.removeItem(qKey);
            localStorage.removeItem(kKey);
            window.location.assign(data.next);
          } else {
            say(data.error || "");
            submitBtn.disabled = false;
          }
        });
      });
    }).catch(function () {
      offlineNote.hidden = false;
      submitBtn.disabled = false;
    });
  });
})();
