/* What every page shares. The Content-Security-Policy allows no inline style, so a bar's length is written in
   data-share (a percentage) and set here, on load and after each htmx swap. No third-party code. */
(function () {
  "use strict";

  function drawBars(root) {
    var bars = (root || document).querySelectorAll(".bar[data-share]");
    for (var i = 0; i < bars.length; i++) {
      var share = Math.max(0, Math.min(100, Number(bars[i].getAttribute("data-share")) || 0));
      bars[i].style.width = share + "%";
    }
  }

  // What only a browser with service workers can use (the offline workbench's link) stays hidden elsewhere.
  function revealServiceWorkerParts() {
    if (!("serviceWorker" in navigator)) { return; }
    var parts = document.querySelectorAll("[data-needs-service-worker]");
    for (var i = 0; i < parts.length; i++) { parts[i].hidden = false; }
  }

  document.addEventListener("DOMContentLoaded", function () { drawBars(document); revealServiceWorkerParts(); });
  document.addEventListener("htmx:afterSettle", function (event) { drawBars(event.target); });
})();
