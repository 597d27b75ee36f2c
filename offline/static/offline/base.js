/* The offline app's shared part: its texts, its state, small helpers (formatting, elements made with textContent
   only, the fever rule as the server applies it), the notices and header, and the day as the phone sees it (the
   snapshot with the queue laid over it). No third-party code. */
(function () {
  "use strict";

  var App = self.OfflineApp = {};
  var Store = App.Store = self.OfflineStore;
  var body = App.body = document.body;
  var T = App.T = JSON.parse(document.getElementById("offline-strings").textContent);
  var NOTICE_FADES_MS = 8000;
  var state = App.state = {
    snapshot: null, queue: [], device: null, tab: "day", person: null, editing: null, search: "",
    syncing: false, stopped: false, loginNeeded: false, notices: [], lastSnapshotAt: 0
  };

  // -- small helpers ---------------------------------------------------------------------------------------

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return values && values[name] !== undefined ? String(values[name]) : all;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; } else if (name === "on") {
        Object.keys(value).forEach(function (ev) { node.addEventListener(ev, value[ev]); });
      } else if (value === true) { node.setAttribute(name, ""); } else { node.setAttribute(name, value); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function uuid() {
    if (self.crypto && self.crypto.randomUUID) { return self.crypto.randomUUID(); }
    var b = self.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function cookie(name) {
    var found = document.cookie.split(";").map(function (c) { return c.trim(); }).filter(function (c) {
      return c.indexOf(name + "=") === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  function hhmm(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ""; }
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function localDay() {
    var d = new Date();
    return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
  }

  function maskDoc(doc) {
    doc = String(doc || "");
    return doc.length > 7 ? doc.slice(0, 3) + "*".repeat(doc.length - 7) + doc.slice(-4) : doc;
  }

  function maskPhone(phone) {
    phone = String(phone || "");
    return phone.length >= 7 ? phone.slice(0, 3) + "****" + phone.slice(-4) : phone;
  }

  function nameOf(list, code) {
    var found = (list || []).filter(function (x) { return String(x.code || x.id) === String(code); })[0];
    return found ? found.name : (code || "");
  }

  /* Tenths of a degree from what was typed ("36.5", "36,5"), or null when it is not a temperature. */
  /* A temperature as typed on a phone, as the server reads it: full-width digits and points (NFKC), a comma or
     a Chinese full stop for the point, and a trailing °C or ℃ are all taken ("３７，８℃" is "37.8"). */
  function temperatureText(text) {
    text = String(text || "").normalize("NFKC").trim().replace(/\s+/g, "");
    return text.replace(/(°C|℃|°|C)$/i, "").replace(/[,，。、]/, ".");
  }

  function tenths(text) {
    text = temperatureText(text);
    if (!/^\d{2}(\.\d{1,2})?$/.test(text)) { return null; }
    return Math.round(parseFloat(text) * 100);
  }

  /* The server's fever rule (persons.health_checks.result_settle), applied on the phone. */
  function settle(temperature, symptoms, result) {
    var snap = state.snapshot || {};
    var t = tenths(temperature);
    var flagged = t !== null && t >= tenths(snap.fever_threshold || "37.3");
    symptoms = symptoms.slice();
    if (flagged && symptoms.indexOf("fever") === -1) { symptoms.unshift("fever"); }
    if ((!result || result === "well") && symptoms.length) { result = "symptoms"; }
    return {flagged: flagged, symptoms: symptoms, result: result || "well"};
  }

  // -- notices and the header --------------------------------------------------------------------------------

  function notify(text, kind, link) {
    state.notices = state.notices.filter(function (n) { return n.text !== text; });
    var notice = {text: text, kind: kind || "", link: link || null};
    state.notices.push(notice);
    if (state.notices.length > 4) { state.notices.shift(); }
    drawNotices();
    if (notice.kind === "ok") {  // a confirmation fades; warnings and errors stay until replaced
      setTimeout(function () {
        state.notices = state.notices.filter(function (n) { return n !== notice; });
        drawNotices();
      }, NOTICE_FADES_MS);
    }
  }

  function drawNotices() {
    var list = document.getElementById("notices");
    list.textContent = "";
    state.notices.forEach(function (n) {
      var item = el("li", {"class": n.kind}, [n.text]);
      if (n.link) { item.appendChild(document.createTextNode(" ")); item.appendChild(el("a", {href: n.link.href, text: n.link.text})); }
      list.appendChild(item);
    });
  }

  function drawHeader() {
    var online = navigator.onLine;
    var net = document.getElementById("net");
    net.textContent = online ? T.online : T.offline;
    net.className = "net " + (online ? "on" : "off");
    body.setAttribute("data-online", online ? "yes" : "no");
    document.getElementById("queue-count").textContent = String(state.queue.length);
    var sync = document.getElementById("sync-button");
    sync.textContent = state.syncing ? T.syncing : T.sync_now;
    sync.disabled = state.syncing;
    var dayState = document.getElementById("day-state");
    dayState.textContent = state.snapshot
      ? fmt(T.stored_at, {day: state.snapshot.day, time: hhmm(state.snapshot.taken_at)}) : "";
  }

  // -- the day as the phone sees it: the snapshot with the queue laid over it --------------------------------

  function localView() {
    var snap = state.snapshot;
    var people = [];
    var byId = {};
    var byRef = {};
    (snap ? snap.people : []).forEach(function (p) {
      var copy = Object.assign({}, p);
      people.push(copy);
      byId[p.id] = copy;
    });
    var resultsToday = {};
    var tasksDone = {};
    state.queue.forEach(function (item) {
      var w = item.write;
      if (w.kind === "arrival" && !w.person) {
        var d = w.data;
        var local = {id: null, ref: w.key, version: null, name: d.name, sex: d.sex, doc: maskDoc(d.doc_number),
          phone: maskPhone(d.phone), grid: d.grid, grid_name: nameOf(snap && snap.grids, d.grid), address: d.address,
          categories: d.category ? [{code: d.category, name: nameOf(snap && snap.categories, d.category), start: d.arrived}] : [],
          status: d.status ? {code: d.status, name: nameOf(snap && snap.statuses, d.status), episode: null} : null,
          last_check: null, local: true};
        if (d.temperature) {
          var s = settle(d.temperature, d.symptoms || [], "");
          local.last_check = {at: w.at, temperature: d.temperature, result: s.result, flagged: s.flagged, pending: true};
        }
        people.push(local);
        byRef[w.key] = local;
        return;
      }
      var person = w.person ? byId[w.person] : byRef[w.person_ref];
      if (w.kind === "check" && person) {
        person.last_check = {at: w.at, temperature: w.data.temperature, result: w.data.result, pending: true,
          flagged: settle(w.data.temperature, [], w.data.result).flagged};
      } else if (w.kind === "status" && person) {
        person.status = {code: w.data.status, name: nameOf(snap && snap.statuses, w.data.status),
          episode: person.status ? person.status.episode : null, pending: true};
      } else if (w.kind === "result") {
        resultsToday[w.data.follow_up] = true;
      } else if (w.kind === "task") {
        tasksDone[w.data.task] = w.data.status;
      }
    });
    return {people: people, byId: byId, byRef: byRef, resultsToday: resultsToday, tasksDone: tasksDone};
  }

  function personKey(p) { return p.id ? "id:" + p.id : "ref:" + p.ref; }

  function findPerson(view, key) {
    if (!key) { return null; }
    return key.indexOf("id:") === 0 ? view.byId[key.slice(3)] : view.byRef[key.slice(4)];
  }

  function saveItem(item) { return Store.queuePut(item.seq, stripSeq(item)); }

  function stripSeq(item) {
    var copy = Object.assign({}, item);
    delete copy.seq;
    return copy;
  }

  function removeItem(item) {
    return Store.queueDelete(item.seq).then(function () {
      state.queue = state.queue.filter(function (q) { return q.seq !== item.seq; });
    });
  }


  Object.assign(App, {fmt: fmt, el: el, uuid: uuid, cookie: cookie, hhmm: hhmm, localDay: localDay, nameOf: nameOf, tenths: tenths, temperatureText: temperatureText, settle: settle, notify: notify, drawHeader: drawHeader, localView: localView, personKey: personKey, findPerson: findPerson, saveItem: saveItem, removeItem: removeItem});
})();
