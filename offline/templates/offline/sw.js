/* The offline app's service worker (scope /offline/). It keeps the app shell, its scripts, styles, manifest and
   icons in one cache named by their content's digest, so a deploy replaces the cache. The shell page is asked of
   the network first (a short wait), then taken from the cache; static files come from the cache first. Nothing
   under /api/ is ever cached or answered here: the page's own store holds the data. No third-party code. */
"use strict";

var CONFIG = {{ config|safe }};
var PREFIX = "fangkong-offline-";
var CACHE = PREFIX + CONFIG.version;

function shellResponseUsable(response) {
  // A redirect (to the login page) or an error page must never replace the shell.
  return response && response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    var statics = cache.addAll(CONFIG.precache);
    var shell = fetch(CONFIG.shell, {credentials: "same-origin", cache: "no-store"}).then(function (response) {
      if (shellResponseUsable(response)) {
        return cache.put(CONFIG.shell, response);
      }
      return undefined;
    }).catch(function () { return undefined; });
    return Promise.all([statics, shell]);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function shellFromCache() {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(CONFIG.shell, {ignoreSearch: true});
  });
}

function shellNetworkFirst(request) {
  return new Promise(function (resolve) {
    var settled = false;
    function fallBack() {
      shellFromCache().then(function (cached) {
        if (settled) { return; }
        if (cached) {
          settled = true;
          resolve(cached);
        }
      });
    }
    var timer = setTimeout(fallBack, CONFIG.timeout_ms);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (shellResponseUsable(response)) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { return cache.put(CONFIG.shell, copy); });
      }
      if (!settled) {
        settled = true;
        resolve(response);
      }
    }).catch(function () {
      clearTimeout(timer);
      shellFromCache().then(function (cached) {
        if (settled) { return; }
        settled = true;
        resolve(cached || Response.error());
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf(CONFIG.api) === 0) { return; }
  if (request.mode === "navigate" && url.pathname === CONFIG.shell) {
    event.respondWith(shellNetworkFirst(request));
    return;
  }
  if (CONFIG.precache.indexOf(url.pathname) === -1) { return; }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(request, {ignoreSearch: true}).then(function (cached) {
      return cached || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  }));
});
