/* The grid worker's offline app (the page /offline/), its start and its talk with the server: it registers the
   service worker that keeps this page, registers the device, keeps the day, and sends the queue when there is
   signal, in order, in chunks of at most 200; the server's answers decide what happens to each write: applied (gone
   from the queue), conflict (the worker picks mine or the server's), refused (stays with the reason, to edit or
   discard), held (waits). 410 wipes the phone, 401 asks to log in again, 409 wipes and registers again, 403
   registers the device again. No third-party code. */
(function () {
  "use strict";

  var App = self.OfflineApp;
  var Store = App.Store;
  var body = App.body;
  var T = App.T;
  var state = App.state;
  var API = body.getAttribute("data-api");
  var CHUNK = 200;
  var SYNC_EVERY_MS = 60 * 1000;
  var SNAPSHOT_STALE_MS = 10 * 60 * 1000;

  // What the other parts define, looked up when called (the parts load in any order before the start).
  function cookie() { return App.cookie.apply(null, arguments); }
  function draw() { return App.draw.apply(null, arguments); }
  function drawHeader() { return App.drawHeader.apply(null, arguments); }
  function el() { return App.el.apply(null, arguments); }
  function fmt() { return App.fmt.apply(null, arguments); }
  function go() { return App.go.apply(null, arguments); }
  function notify() { return App.notify.apply(null, arguments); }
  function removeItem() { return App.removeItem.apply(null, arguments); }
  function saveItem() { return App.saveItem.apply(null, arguments); }
  function uuid() { return App.uuid.apply(null, arguments); }

  // -- talking to the server -----------------------------------------------------------------------------------

  function Stop(reason) { this.reason = reason; }

  function request(method, path, payload, withDevice) {
    var headers = {"Accept": "application/json"};
    if (payload !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET") { headers["X-CSRFToken"] = cookie("csrftoken"); }
    if (withDevice && state.device) {
      headers["X-Offline-Device"] = state.device.device;
      headers["X-Offline-Token"] = state.device.token;
    }
    return fetch(API + path, {method: method, headers: headers, credentials: "same-origin", cache: "no-store",
      body: payload === undefined ? undefined : JSON.stringify(payload)}).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return {status: response.status, json: json};
      });
    });
  }

  function wipeNow(message) {
    state.stopped = true;
    state.snapshot = null;
    state.queue = [];
    state.device = null;
    return Store.wipe().then(function () {
      body.setAttribute("data-wiped", "yes");
      state.notices = [];
      notify(message || T.wiped, "error");
      notify(T.wiped, "error");
      draw();
    });
  }

  function loginNeeded() {
    state.loginNeeded = true;
    notify(T.login_again, "error", {href: body.getAttribute("data-login"), text: T.login_link});
  }

  /* A call with the device's headers, answering 410/401/409/403 as offline.api says; resolves to the
     answer of any other status. `retried`: the device was registered again once already. */
  function call(method, path, payload, retried) {
    return deviceEnsure().then(function () {
      return request(method, path, payload, true);
    }).then(function (answer) {
      var code = answer.json && answer.json.code;
      if (answer.status === 410) {
        return wipeNow(answer.json.message).then(function () { throw new Stop("wipe"); });
      }
      if (answer.status === 401) { loginNeeded(); throw new Stop("login"); }
      if (answer.status === 409 && code === "other_user") {
        return Store.wipe().then(function () {
          state.snapshot = null; state.queue = []; state.device = null;
          return Store.open();
        }).then(function () {
          notify(T.other_user, "error");
          draw();
          if (retried) { throw new Stop("other_user"); }
          return call(method, path, payload, true);
        });
      }
      if (answer.status === 403 && code === "device" && !retried) {
        state.device = null;
        return Store.metaDelete("device").then(function () { return call(method, path, payload, true); });
      }
      return answer;
    });
  }

  function deviceEnsure() {
    if (state.device) { return Promise.resolve(state.device); }
    return Store.metaGet("device").then(function (device) {
      if (device) { state.device = device; return device; }
      var id = uuid();
      return request("POST", "devices", {device: id, label: String(navigator.userAgent || "").slice(0, 200)}, false)
        .then(function (answer) {
          var code = answer.json && answer.json.code;
          if (answer.status === 410) { return wipeNow(answer.json.message).then(function () { throw new Stop("wipe"); }); }
          if (answer.status === 401 || code === "login") { loginNeeded(); throw new Stop("login"); }
          if ((answer.status !== 201 && answer.status !== 200) || !answer.json.token) {
            notify(answer.json.message || T.server_error, "error");
            throw new Stop("device");
          }
          var made = {device: answer.json.device || id, token: answer.json.token, user: answer.json.user};
          return Store.metaSet("device", made).then(function () { state.device = made; return made; });
        });
    });
  }

  /* Take the day from the server; a second call while one is on its way shares it (each taking is one entry in
     the access log). */
  var snapshotTaking = null;
  function snapshotFetch() {
    if (snapshotTaking) { return snapshotTaking; }
    snapshotTaking = call("GET", "snapshot").then(function (answer) {
      if (answer.status !== 200) { throw new Stop("snapshot"); }
      var snap = answer.json;
      return Store.snapshotSet(snap).then(function () {
        state.snapshot = snap;
        state.lastSnapshotAt = Date.now();
        state.loginNeeded = false;
        body.setAttribute("data-snapshot", "stored");
        draw();
      });
    });
    function done() { snapshotTaking = null; }
    snapshotTaking.then(done, done);
    return snapshotTaking;
  }

  /* The queue's sendable writes in order: a conflict or refusal holds back the later writes of the same person. */
  function sendable() {
    var blocked = {};
    var out = [];
    state.queue.forEach(function (item) {
      var w = item.write;
      var who = w.person ? "id:" + w.person : (w.person_ref ? "ref:" + w.person_ref : (w.kind === "arrival" ? "ref:" + w.key : null));
      if (item.state === "conflict" || item.state === "refused") {
        if (who) { blocked[who] = true; }
        return;
      }
      if (who && blocked[who]) { return; }
      out.push(item);
    });
    return out;
  }

  function applyResult(item, result) {
    var w = item.write;
    if (result.state === "applied") {
      var later = state.queue.filter(function (q) { return q !== item; });
      var updates = [];
      if (w.kind === "arrival" && result.person) {
        later.forEach(function (q) {
          if (q.write.person_ref === w.key) { q.write.person = result.person; q.write.person_ref = null; updates.push(q); }
        });
      }
      if (w.kind === "status" && result.object && result.object.type === "status") {
        later.forEach(function (q) {  // the phone's own change is the basis of its next one
          if (q.write.kind === "status" && q.write.person === w.person && !q.write.resolve) {
            q.write.seen = {episode: result.object.id, status: w.data.status};
            updates.push(q);
          }
        });
      }
      if (result.notices && result.notices.length) { notify(result.notices.join(" "), "warning"); }
      return removeItem(item).then(function () { return Promise.all(updates.map(saveItem)); }).then(function () { return 1; });
    }
    item.message = result.message || "";
    item.fields = result.fields || null;
    item.notices = result.notices || [];
    item.person = result.person || null;
    item.object = result.object || null;
    if (result.state === "conflict") {
      item.state = "conflict";
      item.conflict = result.conflict || {};
    } else if (result.state === "refused") {
      item.state = "refused";
    } else {
      item.state = "waiting";
    }
    return saveItem(item).then(function () { return 0; });
  }

  /* The write as sent: fields left empty are left out (the server reads them as not given). */
  function compact(write) {
    var data = {};
    Object.keys(write.data || {}).forEach(function (name) {
      var value = write.data[name];
      if (value !== "" && value !== null && value !== undefined) { data[name] = value; }
    });
    return Object.assign({}, write, {data: data});
  }

  /* A request the server could not read (422): the writes it names are refused with its reasons, the rest wait. */
  function refuseMalformed(batch, json) {
    var named = {};
    Object.keys(json.fields || {}).forEach(function (path) {
      var match = /^writes\.(\d+)\.?(.*)$/.exec(path);
      if (!match || !batch[Number(match[1])]) { return; }
      var item = batch[Number(match[1])];
      named[item.seq] = item;
      item.fields = item.fields || {};
      item.fields[match[2] || "write"] = json.fields[path];
    });
    batch.forEach(function (item) {
      if (named[item.seq]) {
        item.state = "refused";
        item.message = json.message || "";
      } else {
        item.state = "waiting";
        item.fields = null;
      }
    });
    return Promise.all(batch.map(saveItem)).then(function () {
      if (!Object.keys(named).length) { notify(json.message || T.server_error, "error"); }
      throw new Stop("malformed");
    });
  }

  function sync() {
    if (state.syncing || state.stopped || !navigator.onLine) { return Promise.resolve(); }
    state.syncing = true;
    drawHeader();
    var applied = 0;
    function round() {
      var batch = sendable().slice(0, CHUNK);
      if (!batch.length) { return Promise.resolve(); }
      batch.forEach(function (item) { item.state = "sent"; });
      draw();
      return call("POST", "sync", {writes: batch.map(function (item) { return compact(item.write); })}).then(function (answer) {
        if (answer.status === 422 && answer.json && answer.json.fields) {
          return refuseMalformed(batch, answer.json);
        }
        if (answer.status !== 200) {
          batch.forEach(function (item) { item.state = "waiting"; });
          notify(T.server_error, "error");
          throw new Stop("sync");
        }
        var byKey = {};
        (answer.json.results || []).forEach(function (r) { byKey[r.key] = r; });
        var progressed = 0;
        return batch.reduce(function (chain, item) {
          return chain.then(function () {
            var r = byKey[item.write.key];
            if (!r) { item.state = "waiting"; return 0; }
            if (r.state === "applied") { progressed += 1; }
            return applyResult(item, r).then(function (n) { applied += n; });
          });
        }, Promise.resolve()).then(function () {
          // A batch that applied nothing leaves the rest held: wait for the next sync.
          if (progressed && sendable().length) { return round(); }
          return undefined;
        });
      });
    }
    return round().catch(function (error) {
      state.queue.forEach(function (item) { if (item.state === "sent") { item.state = "waiting"; } });
      if (!(error instanceof Stop)) { notify(T.sync_failed, "error"); }
    }).then(function () {
      state.syncing = false;
      if (applied) { notify(fmt(T.synced, {n: applied}), "ok"); }
      draw();
      // The day changed with what was applied: take it again (the caller need not: `true` says it was taken).
      if (applied && !state.stopped) { return snapshotFetch().then(function () { return true; }, function () { return true; }); }
      return false;
    });
  }

  /* Send the queue, then take the day again when asked (`force`: on load, on the button, back online) or when
     the one kept is old: each is a contact, where a revoked account's phone learns it must wipe. */
  function refresh(force) {
    if (state.stopped || !navigator.onLine) { drawHeader(); return Promise.resolve(); }
    return sync().then(function (taken) {
      if (state.stopped || taken) { return undefined; }
      if (force || Date.now() - state.lastSnapshotAt > SNAPSHOT_STALE_MS || !state.snapshot) { return snapshotFetch(); }
      return undefined;
    }).catch(function (error) {
      if (!(error instanceof Stop)) { notify(T.sync_failed, "error"); }
    }).then(function () {
      // How many contacts have ended: what a page (or a test) waits on to know the last one is over.
      body.setAttribute("data-contacts", String(Number(body.getAttribute("data-contacts") || 0) + 1));
    });
  }

  // -- logout ------------------------------------------------------------------------------------------------

  function logout() {
    var waiting = state.queue.length;
    if (waiting && !window.confirm(fmt(T.logout_waiting, {n: waiting}))) { return; }
    var token = cookie("csrftoken");
    Store.wipe().then(function () {
      state.stopped = true;
      if (!navigator.onLine) {
        state.notices = [];
        notify(T.logged_out_offline, "error");
        draw();
        return;
      }
      var form = el("form", {method: "post", action: body.getAttribute("data-logout"), hidden: true},
        [el("input", {type: "hidden", name: "csrfmiddlewaretoken", value: token})]);
      body.appendChild(form);
      form.submit();
    });
  }

  // -- start -------------------------------------------------------------------------------------------------

  function unavailable() {
    state.stopped = true;
    body.setAttribute("data-offline", "unavailable");
    document.getElementById("unavailable").hidden = false;
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !self.indexedDB || !Store) { return Promise.resolve(false); }
    var scope = body.getAttribute("data-scope");
    return navigator.serviceWorker.register(body.getAttribute("data-sw"), {scope: scope}).then(function (registration) {
      // A browser that blocks service workers may answer without a registration.
      return !!(registration && registration.scope);
    }).catch(function () {
      return !!navigator.serviceWorker.controller;
    });
  }

  function start() {
    registerWorker().then(function (ok) {
      if (!ok) { unavailable(); return undefined; }
      body.setAttribute("data-offline", "available");
      ["tabs", "queue-button", "sync-button", "logout-button"].forEach(function (id) { document.getElementById(id).hidden = false; });
      return Store.open().then(function (encrypted) {
        if (!encrypted) { notify(T.not_encrypted, "warning"); }
        return Promise.all([Store.metaGet("device"), Store.snapshotGet(), Store.queueAll()]);
      }).then(function (loaded) {
        state.device = loaded[0];
        state.snapshot = loaded[1];
        state.queue = loaded[2].map(function (item) {
          if (item.state === "sent") { item.state = "waiting"; }  // the page closed while sending: send again
          return item;
        });
        if (state.snapshot) { body.setAttribute("data-snapshot", "stored"); }
        body.setAttribute("data-ready", "yes");
        draw();
        return refresh(true);
      });
    }).catch(function () { notify(T.sync_failed, "error"); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
    b.addEventListener("click", function () { go(b.getAttribute("data-tab")); });
  });
  document.getElementById("queue-button").addEventListener("click", function () { go("queue"); });
  document.getElementById("sync-button").addEventListener("click", function () { refresh(true); });
  document.getElementById("logout-button").addEventListener("click", logout);
  window.addEventListener("online", function () { drawHeader(); refresh(true); });
  window.addEventListener("offline", drawHeader);
  setInterval(function () { if (navigator.onLine && !state.stopped) { refresh(false); } }, SYNC_EVERY_MS);

  Object.assign(App, {sync: sync});
  start();
})();
