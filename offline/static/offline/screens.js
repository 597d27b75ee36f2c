/* The offline app's screens: the day's lists, the people with their search, the queue with its conflicts and
   refusals. No third-party code. */
(function () {
  "use strict";

  var App = self.OfflineApp;
  var T = App.T;
  var state = App.state;

  // What the other parts define, looked up when called (the parts load in any order before the start).
  function checkForm() { return App.checkForm.apply(null, arguments); }
  function drawArrival() { return App.drawArrival.apply(null, arguments); }
  function drawHeader() { return App.drawHeader.apply(null, arguments); }
  function drawPerson() { return App.drawPerson.apply(null, arguments); }
  function el() { return App.el.apply(null, arguments); }
  function findPerson() { return App.findPerson.apply(null, arguments); }
  function fmt() { return App.fmt.apply(null, arguments); }
  function hhmm() { return App.hhmm.apply(null, arguments); }
  function localView() { return App.localView.apply(null, arguments); }
  function nameOf() { return App.nameOf.apply(null, arguments); }
  function personKey() { return App.personKey.apply(null, arguments); }
  function removeItem() { return App.removeItem.apply(null, arguments); }
  function resultForm() { return App.resultForm.apply(null, arguments); }
  function saveItem() { return App.saveItem.apply(null, arguments); }
  function settle() { return App.settle.apply(null, arguments); }
  function statusForm() { return App.statusForm.apply(null, arguments); }
  function sync() { return App.sync.apply(null, arguments); }

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

  function section(title, ids, view, empty, extra, name) {
    var list = el("ul", {"class": "card people", "data-list": name || null});
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
    section(T.checks_due, due, view, T.all_checked, null, "checks_due").forEach(function (n) { box.appendChild(n); });
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
      return p.status && p.status.planned_end ? [" ", el("span", {"class": "tag late", text: T.planned_end + " " + String(p.status.planned_end).slice(0, 10)})] : [];
    }).forEach(function (n) { box.appendChild(n); });
    var fus = snap.follow_ups.filter(function (f) { return !f.recorded_today && !view.resultsToday[f.id]; });
    section(T.follow_ups, fus.map(function (f) { return f.person; }), view, null, null, "follow_ups").forEach(function (n) { box.appendChild(n); });
    var tasks = snap.tasks.filter(function (t) { return !view.tasksDone[t.id]; });
    box.appendChild(el("h2", {}, [T.tasks, " ", el("span", {"class": "tag", text: String(tasks.length)})]));
    var list = el("ul", {"class": "card people", "data-list": "tasks"});
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


  Object.assign(App, {go: go, draw: draw, lastCheckTag: lastCheckTag});
})();
