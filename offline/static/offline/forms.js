/* The offline app's forms: a person's page (health check, status, follow-up result, tasks) and the one-screen
   arrival; each submit goes into the queue on disk at once. No third-party code. */
(function () {
  "use strict";

  var App = self.OfflineApp;
  var Store = App.Store;
  var T = App.T;
  var state = App.state;

  // What the other parts define, looked up when called (the parts load in any order before the start).
  function draw() { return App.draw.apply(null, arguments); }
  function el() { return App.el.apply(null, arguments); }
  function fmt() { return App.fmt.apply(null, arguments); }
  function go() { return App.go.apply(null, arguments); }
  function hhmm() { return App.hhmm.apply(null, arguments); }
  function lastCheckTag() { return App.lastCheckTag.apply(null, arguments); }
  function localDay() { return App.localDay.apply(null, arguments); }
  function nameOf() { return App.nameOf.apply(null, arguments); }
  function notify() { return App.notify.apply(null, arguments); }
  function personKey() { return App.personKey.apply(null, arguments); }
  function settle() { return App.settle.apply(null, arguments); }
  function sync() { return App.sync.apply(null, arguments); }
  function tenths() { return App.tenths.apply(null, arguments); }
  function temperatureText() { return App.temperatureText.apply(null, arguments); }
  function uuid() { return App.uuid.apply(null, arguments); }

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

  /* A health check, or with `followUp` the day's follow-up result (recorded as the person's health check too). */
  function checkForm(p, editing, followUp) {
    var initial = editing ? editing.write.data : {};
    var temp = temperatureInput(initial.temperature);
    var head = followUp ? [el("h2", {text: T.record_result}),
      el("p", {"class": "muted", text: fmt(T.follow_up_until, {day: followUp.end})})] : [el("h2", {text: T.record_check})];
    var attrs = followUp ? {"class": "stack card result-form", "data-follow-up": followUp.id, novalidate: true}
      : {"class": "stack card check-form", novalidate: true};
    var form = el("form", attrs, head.concat([temp.field, symptomBoxes(initial.symptoms),
      field(T.result, select("result", state.snapshot.results, initial.result || "well")),
      field(T.note, el("input", {type: "text", name: "note", value: initial.note || ""})),
      el("button", {type: "submit", "class": "wide", text: T.save})]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var t = form.temperature.value.trim();
      if (!temperatureOk(form, t)) { return; }
      t = t && temperatureText(t);
      var s = settle(t, checked(form, "symptoms"), form.result.value);
      var data = {temperature: t, symptoms: s.symptoms, result: s.result, note: form.note.value.trim()};
      if (followUp) { data.follow_up = followUp.id; }
      var write = editing ? Object.assign({}, editing.write, {data: data}) : newWrite(followUp ? "result" : "check", p, data);
      enqueue(write, p.name, editing && editing.seq).then(function () {
        if (s.flagged) { notify(fmt(T.fever_recorded, {t: t}), "error fever"); }
        go(editing ? "queue" : state.tab, editing ? null : personKey(p));
      });
    });
    return form;
  }

  function resultForm(p, followUp, editing) { return checkForm(p, editing, followUp); }

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
    return el("div", {"class": "card task-form", "data-task": task.id}, [
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
        p.status && p.status.planned_end ? el("span", {"class": "muted", text: " · " + T.planned_end + " " + String(p.status.planned_end).slice(0, 10)}) : null]),
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
      data.temperature = data.temperature && temperatureText(data.temperature);
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


  Object.assign(App, {checkForm: checkForm, statusForm: statusForm, resultForm: resultForm, drawPerson: drawPerson, drawArrival: drawArrival});
})();
