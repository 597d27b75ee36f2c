/* Checkpoint pages: the recheck countdowns (against the server's clock) and the gate form's keyboard flow
   (a barcode scanner types the code and presses Enter). No third-party code. */
(function () {
  "use strict";
  var offset = 0; // the server's clock minus this device's, in milliseconds

  function syncClock(root) {
    var el = root.querySelector ? root.querySelector("[data-server-now]") : null;
    if (el) { offset = Number(el.getAttribute("data-server-now")) * 1000 - Date.now(); }
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function tick() {
    var now = Date.now() + offset;
    var clocks = document.querySelectorAll(".countdown[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      var left = Math.ceil((Number(el.getAttribute("data-due")) * 1000 - now) / 1000);
      if (left > 0) {
        var text = Math.floor(left / 60) + ":" + pad(left % 60);
        el.textContent = (el.getAttribute("data-wait") || "%s").replace("%s", text);
        el.classList.remove("due");
      } else {
        el.textContent = el.getAttribute("data-ready") || "0:00";
        el.classList.add("due");
      }
    }
  }

  function gateForm(form) {
    var code = form.querySelector("input.scan");
    var temperature = form.querySelector("input.temperature");
    if (!code) { return; }
    // Enter in the temperature field moves on to the scan field; a scanner then types the code and Enter.
    if (temperature) {
      temperature.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && !code.value.trim() && !form.querySelector("input[name=person]").value) {
          e.preventDefault();
          code.focus();
        }
      });
    }
    form.addEventListener("htmx:afterRequest", function (e) {
      if (e.detail.elt !== form) { return; }
      code.value = "";
      if (temperature) { temperature.value = ""; }
      var person = form.querySelector("input[name=person]");
      if (person) { person.value = ""; }
      code.focus();
    });
  }

  // A person picked from the search list: submit the gate form with their id.
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button[data-pick]") : null;
    if (!button) { return; }
    var form = document.getElementById("gate-form");
    if (!form) { return; }
    e.preventDefault();
    form.querySelector("input[name=person]").value = button.getAttribute("data-pick");
    form.querySelector("input.scan").value = "";
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  });

  // "Register as a visitor" after an unknown code: open the visitor form with the code as the document number.
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("a[data-visitor]") : null;
    var box = document.getElementById("visitor");
    if (!link || !box) { return; }
    e.preventDefault();
    box.open = true;
    var doc = box.querySelector("input[name=doc_number]");
    if (doc) { doc.value = link.getAttribute("data-visitor"); }
    box.querySelector("input[name=name]").focus();
  });

  document.addEventListener("htmx:afterSwap", function (e) { syncClock(e.target); tick(); });
  document.addEventListener("DOMContentLoaded", function () {
    syncClock(document);
    tick();
    setInterval(tick, 1000);
    var form = document.getElementById("gate-form");
    if (form) { gateForm(form); }
  });
})();
