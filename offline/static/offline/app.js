/* The grid worker's offline app (the page /offline/). It registers the service worker that keeps this page, keeps
   the worker's day on the phone (OfflineStore, store.js), shows it with no network, puts every write typed into
   the queue on disk at once, and sends the queue when there is signal, in order, in chunks of at most 200. The
   server's answers decide what happens to each write: applied (gone from the queue), conflict (the worker picks
   mine or the server's), refused (stays with the reason, to edit or discard), held (waits). The texts come
   translated from the page's JSON block; data is written with textContent only. No third-party code. */
(function () {
  "use strict";

  var Store = self.OfflineStore;
  var body = document.body;
  var T = JSON.parse(document.getElementById("offline-strings").textContent);
  var API = body.getAttribute("data-api");
  var CHUNK = 200;
  var SYNC_EVERY_MS = 60 * 1000;
  var SNAPSHOT_STALE_MS = 10 * 60 * 1000;

  var state = {
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
  function tenths(text) {
    text = String(text || "").trim().replace(",", ".");
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
    state.notices.push({text: text, kind: kind || "", link: link || null});
    if (state.notices.length > 4) { state.notices.shift(); }
    drawNotices();
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

  // -- drawing ---------------------------------------------------------------------------------------------

  function go(tab, person) {
    state.tab = tab;
    state.person = person || null;
    state.editing = null;
    draw();
    window.scrollTo(0, 0);
  }

  function draw() {
    drawHeader();
    var view = document.getElementById("view");
    view.textContent = "";
    Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
      b.classList.toggle("active", b.getAttribute("data-tab") === state.tab && !state.person);
    });
    if (state.stopped) { return; }
    if (state.tab === "queue") { view.appendChild(drawQueue()); return; }
    if (!state.snapshot) { view.appendChild(el("p", {"class": "card muted", text: T.no_day})); return; }
    var local = localView();
    if (state.person) {
      var p = findPerson(local, state.person);
      if (p) { view.appendChild(drawPerson(local, p)); return; }
    }
    if (state.tab === "people") { view.appendChild(drawPeople(local)); } else if (state.tab === "arrival") {
      view.appendChild(drawArrival(state.editing));
    } else { view.appendChild(drawDay(local)); }
  }

  function personButton(p, extra) {
    return el("li", {}, [el("button", {type: "button", "class": "person-link", "data-person": personKey(p),
      on: {click: function () { go(state.tab, personKey(p)); }}}, [
      el("strong", {text: p.name}), " ", el("span", {"class": "muted", text: p.grid_name || ""}),
      p.local ? el("span", {"class": "tag pending", text: T.local_person}) : null
    ].concat(extra || []))]);
  }

  function lastCheckTag(p) {
    if (!p.last_check) { return null; }
    var c = p.last_check;
    var flagged = c.flagged || (c.temperature && settle(c.temperature, [], c.result).flagged);
    return el("span", {"class": "tag" + (flagged ? " fever" : "") + (c.pending ? " pending" : "")},
      [(c.temperature ? c.temperature + " °C " : "") + (flagged ? T.fever : nameOf(state.snapshot.results, c.result)) +
       (c.pending ? " · " + T.pending : "")]);
  }

  function section(title, ids, view, empty, extra) {
    var list = el("ul", {"class": "card people"});
    ids.forEach(function (id) {
      var p = view.byId[id];
      if (p) { list.appendChild(personButton(p, extra ? extra(p) : [])); }
    });
    if (!list.childNodes.length) { list.appendChild(el("li", {"class": "muted", text: empty || T.none})); }
    return [el("h2", {}, [title, " ", el("span", {"class": "tag", text: String(ids.length)})]), list];
  }

  function drawDay(view) {
    var snap = state.snapshot;
    var box = el("div", {"class": "day"});
    var due = snap.checks_due.filter(function (id) {
      var p = view.byId[id];
      return !(p && p.last_check && p.last_check.pending);
    });
    section(T.checks_due, due, view, T.all_checked).forEach(function (n) { box.appendChild(n); });
    var arrivals = snap.arrivals.slice();
    var locals = view.people.filter(function (p) { return p.local; });
    var arrivalNodes = section(T.arrivals, arrivals, view);
    locals.forEach(function (p) { arrivalNodes[1].appendChild(personButton(p, [" ", lastCheckTag(p)])); });
    if (locals.length) {
      Array.prototype.forEach.call(arrivalNodes[1].querySelectorAll("li.muted"), function (n) { n.remove(); });
      arrivalNodes[0].querySelector(".tag").textContent = String(arrivals.length + locals.length);
    }
    arrivalNodes.forEach(function (n) { box.appendChild(n); });
    section(T.releases_due, snap.releases_due, view).forEach(function (n) { box.appendChild(n); });
    section(T.releases_overdue, snap.releases_overdue, view, null, function (p) {
      return p.status && p.status.planned_end ? [" ", el("span", {"class": "tag late", text: T.planned_end + " " + p.status.planned_end})] : [];
    }).forEach(function (n) { box.appendChild(n); });
    var fus = snap.follow_ups.filter(function (f) { return !f.recorded_today && !view.resultsToday[f.id]; });
    section(T.follow_ups, fus.map(function (f) { return f.person; }), view).forEach(function (n) { box.appendChild(n); });
    var tasks = snap.tasks.filter(function (t) { return !view.tasksDone[t.id]; });
    box.appendChild(el("h2", {}, [T.tasks, " ", el("span", {"class": "tag", text: String(tasks.length)})]));
    var list = el("ul", {"class": "card"});
    tasks.forEach(function (t) {
      var p = t.person ? view.byId[t.person] : null;
      list.appendChild(el("li", {}, [p ? el("button", {type: "button", "class": "person-link",
        on: {click: function () { go(state.tab, personKey(p)); }}}, [el("strong", {text: p.name}), " " + t.label]) : t.label]));
    });
    if (!tasks.length) { list.appendChild(el("li", {"class": "muted", text: T.none})); }
    box.appendChild(list);
    return box;
  }

  function drawPeople(view) {
    var box = el("div", {"class": "people-tab"});
    var input = el("input", {type: "search", id: "people-search", placeholder: T.search, "aria-label": T.search,
      value: state.search, autocomplete: "off"});
    var list = el("ul", {"class": "card people"});
    var count = el("p", {"class": "muted"});
    function fill() {
      state.search = input.value;
      var q = input.value.trim().toLowerCase();
      var found = view.people.filter(function (p) {
        if (!q) { return true; }
        return [p.name, p.doc, p.address, p.grid_name, p.phone].some(function (v) {
          return String(v || "").toLowerCase().indexOf(q) !== -1;
        });
      });
      list.textContent = "";
      found.slice(0, 200).forEach(function (p) { list.appendChild(personButton(p, [" ", lastCheckTag(p)])); });
      if (!found.length) { list.appendChild(el("li", {"class": "muted", text: T.none})); }
      count.textContent = fmt(T.people_shown, {shown: Math.min(found.length, 200), total: found.length});
    }
    input.addEventListener("input", fill);
    box.appendChild(el("p", {}, [input]));
    box.appendChild(count);
    box.appendChild(list);
    fill();
    return box;
  }

  // -- forms -------------------------------------------------------------------------------------------------

  function field(label, control, help) {
    return el("div", {"class": "field"}, [el("label", {}, [label, control]), help || null,
      el("ul", {"class": "errorlist", hidden: true})]);
  }

  function fieldError(form, name, text) {
    var control = form.querySelector("[name=" + name + "]");
    var list = control ? control.closest(".field").querySelector(".errorlist") : null;
    if (!list) { return; }
    list.hidden = false;
    list.appendChild(el("li", {text: text}));
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".errorlist"), function (l) { l.textContent = ""; l.hidden = true; });
  }

  function select(name, options, value, withEmpty) {
    var s = el("select", {name: name});
    if (withEmpty !== undefined) { s.appendChild(el("option", {value: "", text: withEmpty})); }
    (options || []).forEach(function (o) {
      var code = String(o.code !== undefined ? o.code : o.id);
      s.appendChild(el("option", {value: code, selected: String(value || "") === code, text: o.name}));
    });
    return s;
  }

  function symptomBoxes(chosen) {
    var set = el("fieldset", {"class": "choices symptoms"}, [el("legend", {text: T.symptoms})]);
    (state.snapshot.symptoms || []).forEach(function (s) {
      set.appendChild(el("label", {"class": "check"}, [el("input", {type: "checkbox", name: "symptoms", value: s.code,
        checked: (chosen || []).indexOf(s.code) !== -1}), " " + s.name]));
    });
    return set;
  }

  function checked(form, name) {
    return Array.prototype.map.call(form.querySelectorAll("input[name=" + name + "]:checked"), function (i) { return i.value; });
  }

  function temperatureInput(value) {
    var input = el("input", {type: "text", name: "temperature", inputmode: "decimal", autocomplete: "off", value: value || ""});
    var flag = el("span", {"class": "fever-flag", hidden: true, text: T.fever});
    function update() {
      var fever = settle(input.value, [], "").flagged;
      flag.hidden = !fever;
      input.classList.toggle("fever", fever);
    }
    input.addEventListener("input", update);
    update();
    return {input: input, flag: flag, field: field(T.temperature, input, el("span", {"class": "helptext"}, [
      fmt(T.fever_rule, {t: state.snapshot.fever_threshold}), " ", flag]))};
  }

  function temperatureOk(form, text) {
    if (String(text || "").trim() && tenths(text) === null) {
      fieldError(form, "temperature", T.temperature_bad);
      return false;
    }
    return true;
  }

  /* Put a write in the queue on disk (nothing typed is lost), then draw and try to send. */
  function enqueue(write, label, seqToReplace) {
    var item = {write: write, state: "waiting", label: label, message: "", fields: null, conflict: null, notices: []};
    var saved = seqToReplace ? Store.queuePut(seqToReplace, item).then(function () { return seqToReplace; })
      : Store.queueAdd(item);
    return saved.then(function (seq) {
      item.seq = seq;
      if (seqToReplace) {
        state.queue = state.queue.map(function (q) { return q.seq === seq ? item : q; });
      } else {
        state.queue.push(item);
      }
      notify(T.saved_locally, "ok");
      draw();
      if (navigator.onLine) { sync(); }
      return item;
    });
  }

  function newWrite(kind, person, data, seen) {
    return {key: uuid(), kind: kind, at: new Date().toISOString(), person: person.id || null,
      person_ref: person.id ? null : person.ref, seen: seen || null, resolve: null, data: data};
  }

  function checkForm(p, editing) {
    var initial = editing ? editing.write.data : {};
    var temp = temperatureInput(initial.temperature);
    var form = el("form", {"class": "stack card check-form", novalidate: true}, [
      el("h2", {text: T.record_check}), temp.field, symptomBoxes(initial.symptoms),
      field(T.result, select("result", state.snapshot.results, initial.result || "well")),
      field(T.note, el("input", {type: "text", name: "note", value: initial.note || ""})),
      el("button", {type: "submit", "class": "wide", text: T.save})]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var t = form.temperature.value.trim();
      if (!temperatureOk(form, t)) { return; }
      var s = settle(t, checked(form, "symptoms"), form.result.value);
      var data = {temperature: t, symptoms: s.symptoms, result: s.result, note: form.note.value.trim()};
      var write = editing ? Object.assign({}, editing.write, {data: data}) : newWrite("check", p, data);
      enqueue(write, p.name, editing && editing.seq).then(function () {
        if (s.flagged) { notify(fmt(T.fever_recorded, {t: t}), "error fever"); }
        go(editing ? "queue" : state.tab, editing ? null : personKey(p));
      });
    });
    return form;
  }

  function statusForm(p, editing) {
    var initial = editing ? editing.write.data : {};
    var statuses = state.snapshot.statuses;
    var statusSelect = select("status", statuses, initial.status || (p.status && p.status.code));
    var siteSelect = select("site", state.snapshot.sites, initial.site, "—");
    var siteField = field(T.site, siteSelect);
    function needsSite() {
      var s = statuses.filter(function (x) { return x.code === statusSelect.value; })[0];
      return !!(s && s.needs_site);
    }
    function update() { siteField.hidden = !needsSite(); }
    statusSelect.addEventListener("change", update);
    update();
    var form = el("form", {"class": "stack card status-form", novalidate: true}, [
      el("h2", {text: T.change_status}), field(T.management_status, statusSelect), siteField,
      field(T.note, el("input", {type: "text", name: "note", value: initial.note || ""})),
      el("button", {type: "submit", "class": "wide", text: T.save})]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      if (needsSite() && !siteSelect.value) { fieldError(form, "site", T.site_needed); return; }
      var data = {status: statusSelect.value, site: needsSite() && siteSelect.value ? Number(siteSelect.value) : null,
        note: form.note.value.trim()};
      var write = editing ? Object.assign({}, editing.write, {data: data})
        : newWrite("status", p, data, serverStatus(p) || {episode: null, status: null});
      // A person registered on this phone has no status the server could have changed meanwhile but the
      // arrival's own: the change is applied over it.
      if (!editing && !p.id) { write.resolve = "mine"; }
      enqueue(write, p.name, editing && editing.seq).then(function () {
        go(editing ? "queue" : state.tab, editing ? null : personKey(p));
      });
    });
    return form;
  }

  /* The status the server had when the phone read it (the conflict basis), from the snapshot itself. */
  function serverStatus(p) {
    if (!p.id || !state.snapshot) { return null; }
    var original = state.snapshot.people.filter(function (x) { return x.id === p.id; })[0];
    if (!original) { return null; }
    return {episode: original.status ? original.status.episode : null, status: original.status ? original.status.code : null};
  }

  function resultForm(p, followUp, editing) {
    var initial = editing ? editing.write.data : {};
    var temp = temperatureInput(initial.temperature);
    var form = el("form", {"class": "stack card result-form", novalidate: true}, [
      el("h2", {text: T.record_result}), el("p", {"class": "muted", text: fmt(T.follow_up_until, {day: followUp.end})}),
      temp.field, symptomBoxes(initial.symptoms),
      field(T.result, select("result", state.snapshot.results, initial.result || "well")),
      field(T.note, el("input", {type: "text", name: "note", value: initial.note || ""})),
      el("button", {type: "submit", "class": "wide", text: T.save})]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var t = form.temperature.value.trim();
      if (!temperatureOk(form, t)) { return; }
      var s = settle(t, checked(form, "symptoms"), form.result.value);
      var data = {follow_up: followUp.id, result: s.result, temperature: t, symptoms: s.symptoms, note: form.note.value.trim()};
      var write = editing ? Object.assign({}, editing.write, {data: data}) : newWrite("result", p, data);
      enqueue(write, p.name, editing && editing.seq).then(function () {
        if (s.flagged) { notify(fmt(T.fever_recorded, {t: t}), "error fever"); }
        go(editing ? "queue" : state.tab, editing ? null : personKey(p));
      });
    });
    return form;
  }

  function taskForm(p, task, editing) {
    var initial = editing ? editing.write.data : {};
    var text = el("input", {type: "text", name: "result", value: initial.result || ""});
    function save(status) {
      var data = {task: task.id, status: status, result: text.value.trim()};
      var write = editing ? Object.assign({}, editing.write, {data: data})
        : newWrite("task", p || {id: null, ref: null}, data, {version: task.version});
      if (!p) { write.person = null; write.person_ref = null; }
      enqueue(write, p ? p.name + " · " + task.label : task.label, editing && editing.seq).then(function () {
        go(editing ? "queue" : state.tab, editing || !p ? null : personKey(p));
      });
    }
    return el("div", {"class": "card task-form"}, [
      el("p", {}, [el("strong", {text: task.label}), " ", task.due_at ? el("span", {"class": "muted", text: T.due + " " + hhmm(task.due_at)}) : null]),
      field(T.task_result, text),
      el("p", {"class": "actions"}, [
        el("button", {type: "button", "class": "task-done", text: T.task_done, on: {click: function () { save("done"); }}}), " ",
        el("button", {type: "button", "class": "task-not-possible secondary", text: T.task_not_possible,
          on: {click: function () { save("not_possible"); }}})])]);
  }

  function drawPerson(view, p) {
    var snap = state.snapshot;
    var box = el("div", {"class": "person"});
    box.appendChild(el("p", {}, [el("button", {type: "button", "class": "link back", text: "‹ " + T.back,
      on: {click: function () { go(state.tab); }}})]));
    var status = p.status ? el("strong", {text: p.status.name + (p.status.pending ? " · " + T.pending : "")})
      : el("span", {"class": "muted", text: T.no_status});
    box.appendChild(el("section", {"class": "card person-card"}, [
      el("h1", {}, [p.name, " ", p.local ? el("span", {"class": "tag pending", text: T.local_person}) : null]),
      el("p", {}, [nameOf(snap.sexes, p.sex), " · ", el("span", {"class": "mono", text: p.doc || ""}),
        p.phone ? " · " : "", p.phone ? el("span", {"class": "mono", text: p.phone}) : null]),
      el("p", {}, [p.grid_name || "", p.address ? " · " + p.address : ""]),
      el("p", {}, (p.categories || []).map(function (c) { return el("span", {"class": "tag", text: c.name}); })),
      el("p", {"class": "person-status"}, [T.status + ": ", status,
        p.status && p.status.planned_end ? el("span", {"class": "muted", text: " · " + T.planned_end + " " + p.status.planned_end}) : null]),
      el("p", {}, [T.last_check + ": ", p.last_check ? lastCheckTag(p) : "—"])]));
    box.appendChild(checkForm(p));
    box.appendChild(statusForm(p));
    if (p.id) {
      snap.follow_ups.filter(function (f) { return f.person === p.id; }).forEach(function (f) {
        if (f.recorded_today || view.resultsToday[f.id]) {
          box.appendChild(el("p", {"class": "card muted", text: T.record_result + " · " + T.recorded_today}));
        } else {
          box.appendChild(resultForm(p, f));
        }
      });
      snap.tasks.filter(function (t) { return t.person === p.id && !view.tasksDone[t.id]; }).forEach(function (t) {
        box.appendChild(taskForm(p, t));
      });
    }
    return box;
  }

  function drawArrival(editing) {
    var snap = state.snapshot;
    var d = editing ? editing.write.data : {};
    var grids = snap.grids || [];
    var statuses = snap.statuses.filter(function (s) { return !s.is_release; });
    var statusSelect = select("status", statuses, d.status);
    var siteField = field(T.site, select("site", snap.sites, d.site, "—"));
    function update() {
      var s = statuses.filter(function (x) { return x.code === statusSelect.value; })[0];
      siteField.hidden = !(s && s.needs_site);
    }
    statusSelect.addEventListener("change", update);
    update();
    var temp = temperatureInput(d.temperature);
    function text(name, value, attrs) {
      return el("input", Object.assign({type: "text", name: name, value: value || "", autocomplete: "off"}, attrs || {}));
    }
    var form = el("form", {"class": "stack card arrival-form", novalidate: true}, [
      el("h1", {text: T.tab_arrival}),
      el("fieldset", {}, [el("legend", {text: T.who}),
        field(T.name, text("name", d.name)),
        field(T.doc_number, text("doc_number", d.doc_number)),
        field(T.doc_type, select("doc_type", snap.doc_types, d.doc_type || "resident_id")),
        field(T.sex, select("sex", snap.sexes, d.sex, T.sex_from_id)),
        field(T.birth_date, el("input", {type: "date", name: "birth_date", value: d.birth_date || ""})),
        field(T.phone, text("phone", d.phone, {inputmode: "tel"}))]),
      el("fieldset", {}, [el("legend", {text: T.where}),
        field(T.address, text("address", d.address)),
        field(T.grid, select("grid", grids, d.grid || (grids[0] && grids[0].code)))]),
      el("fieldset", {}, [el("legend", {text: T.arrival}),
        field(T.category, select("category", snap.categories, d.category, "—")),
        field(T.origin, select("origin", snap.origins, d.origin, "—")),
        field(T.arrived, el("input", {type: "date", name: "arrived", value: d.arrived || snap.day || localDay()}))]),
      el("fieldset", {}, [el("legend", {text: T.management}), field(T.management_status, statusSelect), siteField]),
      el("fieldset", {}, [el("legend", {text: T.first_check}), temp.field, symptomBoxes(d.symptoms)]),
      el("button", {type: "submit", "class": "wide", text: T.register})]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var ok = true;
      ["name", "doc_number"].forEach(function (name) {
        if (!form[name].value.trim()) { fieldError(form, name, T.required); ok = false; }
      });
      if (!temperatureOk(form, form.temperature.value)) { ok = false; }
      if (!siteField.hidden && !form.site.value) { fieldError(form, "site", T.site_needed); ok = false; }
      if (!ok) { return; }
      var data = {};
      ["name", "doc_type", "doc_number", "sex", "birth_date", "phone", "address", "grid", "category", "arrived",
        "origin", "status", "temperature"].forEach(function (name) { data[name] = form[name].value.trim(); });
      data.site = siteField.hidden || !form.site.value ? "" : Number(form.site.value);
      data.symptoms = settle(data.temperature, checked(form, "symptoms"), "").symptoms;
      var write = editing ? Object.assign({}, editing.write, {data: data})
        : {key: uuid(), kind: "arrival", at: new Date().toISOString(), person: null, person_ref: null, seen: null,
           resolve: null, data: data};
      enqueue(write, data.name, editing && editing.seq).then(function () {
        notify(fmt(T.registered_locally, {name: data.name}), "ok");
        if (settle(data.temperature, [], "").flagged) { notify(fmt(T.fever_recorded, {t: data.temperature}), "error fever"); }
        go(editing ? "queue" : "people", editing ? null : "ref:" + write.key);
      });
    });
    return form;
  }

  // -- the queue -----------------------------------------------------------------------------------------------

  function shown(value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (typeof value !== "object") { return String(value); }
    return Object.keys(value).map(function (k) { return value[k]; }).filter(function (v) {
      return v !== null && v !== undefined && v !== "" && typeof v !== "object";
    }).join(" · ");
  }

  function drawQueue() {
    var box = el("div", {"class": "queue"});
    box.appendChild(el("h1", {}, [T.tab_queue, " ", el("span", {"class": "tag", text: String(state.queue.length)})]));
    if (!state.queue.length) { box.appendChild(el("p", {"class": "card muted", text: T.queue_empty})); return box; }
    var list = el("ol", {"class": "queue-list"});
    state.queue.forEach(function (item) {
      var w = item.write;
      var shownState = item.state === "sent" && !state.syncing ? "waiting" : item.state;
      var entry = el("li", {"class": "card queue-item state-" + shownState, "data-state": shownState, "data-kind": w.kind}, [
        el("p", {}, [el("strong", {text: T["kind_" + w.kind] || w.kind}), " · ", item.label || "", " · ",
          el("span", {"class": "muted", text: hhmm(w.at)}), " ",
          el("span", {"class": "tag state", text: T["state_" + shownState] || shownState})])]);
      if (w.kind === "check" || (w.kind === "arrival" && w.data.temperature)) {
        var s = settle(w.data.temperature, [], w.data.result);
        if (w.data.temperature) {
          entry.appendChild(el("p", {}, [el("span", {"class": "tag" + (s.flagged ? " fever" : ""),
            text: w.data.temperature + " °C" + (s.flagged ? " · " + T.fever : "")})]));
        }
      }
      if (item.state === "conflict" && item.conflict) {
        entry.appendChild(el("p", {"class": "muted", text: item.message || T.conflict_explained}));
        entry.appendChild(el("dl", {"class": "conflict"}, [
          el("dt", {text: T.mine}), el("dd", {"class": "mine", text: shown(item.conflict.mine)}),
          el("dt", {text: T.server}), el("dd", {"class": "server", text: shown(item.conflict.server)})]));
        entry.appendChild(el("p", {"class": "actions"}, [
          el("button", {type: "button", "class": "keep-mine", text: T.keep_mine, on: {click: function () { keepMine(item); }}}), " ",
          el("button", {type: "button", "class": "take-server secondary", text: T.take_server,
            on: {click: function () { takeServer(item); }}})]));
      }
      if (item.state === "refused") {
        entry.appendChild(el("p", {"class": "reason", text: item.message}));
        var fields = item.fields || {};
        Object.keys(fields).forEach(function (name) {
          (fields[name] || []).forEach(function (reason) { entry.appendChild(el("p", {"class": "reason", text: reason})); });
        });
        entry.appendChild(el("p", {"class": "actions"}, [
          w.kind !== "task" ? el("button", {type: "button", "class": "edit", text: T.edit, on: {click: function () { edit(item); }}}) : null, " ",
          el("button", {type: "button", "class": "discard danger", text: T.discard, on: {click: function () { discard(item); }}})]));
      }
      if (item.notices && item.notices.length) {
        entry.appendChild(el("p", {"class": "muted", text: item.notices.join(" ")}));
      }
      list.appendChild(entry);
    });
    box.appendChild(list);
    if (state.editing) { box.insertBefore(drawEdit(state.editing), list); }
    return box;
  }

  function drawEdit(item) {
    var local = localView();
    var w = item.write;
    var p = w.person ? local.byId[w.person] : local.byRef[w.person_ref];
    p = p || {id: w.person, ref: w.person_ref, name: item.label, status: null};
    if (w.kind === "check") { return checkForm(p, item); }
    if (w.kind === "status") { return statusForm(p, item); }
    if (w.kind === "result") {
      var f = state.snapshot.follow_ups.filter(function (x) { return x.id === w.data.follow_up; })[0] || {id: w.data.follow_up, end: ""};
      return resultForm(p, f, item);
    }
    return drawArrival(item);
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

  function keepMine(item) {
    var w = item.write;
    var c = item.conflict || {};
    w.resolve = "mine";
    if (c.seen) { w.seen = c.seen; }
    if (w.kind === "arrival") {  // the person already on file: record the arrival for them, over their version
      var id = (c.seen && c.seen.person) || item.person || (item.object && item.object.id);
      if (id) { w.person = id; }
      w.seen = {version: c.seen ? c.seen.version : null};
    }
    item.state = "waiting";
    item.conflict = null;
    item.message = "";
    saveItem(item).then(function () { draw(); sync(); });
  }

  function takeServer(item) {
    var w = item.write;
    var id = item.person || (item.object && item.object.id) || (item.conflict && item.conflict.seen && item.conflict.seen.person);
    var later = w.kind === "arrival" ? state.queue.filter(function (q) { return q.write.person_ref === w.key; }) : [];
    removeItem(item).then(function () {
      return Promise.all(later.map(function (q) {
        if (id) { q.write.person = id; q.write.person_ref = null; }
        return id ? saveItem(q) : removeItem(q);
      }));
    }).then(function () { draw(); sync(); });
  }

  function edit(item) {
    state.editing = item;
    state.tab = "queue";
    state.person = null;
    draw();
  }

  function discard(item) {
    if (!window.confirm(T.discard_confirm)) { return; }
    var later = item.write.kind === "arrival" ? state.queue.filter(function (q) { return q.write.person_ref === item.write.key; }) : [];
    Promise.all([item].concat(later).map(removeItem)).then(draw);
  }

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

  /* A call with the device's headers, answering the contract's 410/401/409/403 as it says; resolves to the
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

  function snapshotFetch() {
    return call("GET", "snapshot").then(function (answer) {
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
      if (applied && !state.stopped) { return snapshotFetch().catch(function () { return undefined; }); }
      return undefined;
    });
  }

  /* Send the queue, then take the day again when asked (`force`: on load, on the button, back online) or when
     the one kept is old: each is a contact, where a revoked account's phone learns it must wipe. */
  function refresh(force) {
    if (state.stopped || !navigator.onLine) { drawHeader(); return Promise.resolve(); }
    return sync().then(function () {
      if (state.stopped) { return undefined; }
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
  start();
})();
