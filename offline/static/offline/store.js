/* The phone's store for the offline app: one IndexedDB database with three stores (meta, snapshot, queue).
   Everything about people (the day's snapshot, the queued writes, the device's token) is encrypted at rest with
   AES-GCM under a key made on this phone, not extractable, kept in the same database: a copy of the database's
   files alone does not read. Where the browser has no WebCrypto (an insecure origin), values are kept as they
   are and `encrypted` is false so the page can say so. wipe() deletes the database and the app's caches.
   No third-party code. */
(function () {
  "use strict";

  var DB_NAME = "fangkong-offline";
  var DB_VERSION = 1;
  var CACHE_PREFIX = "fangkong-offline-";
  var KEY_ID = "crypto-key";
  var db = null;
  var key = null;
  var subtle = (self.crypto && self.crypto.subtle) || null;

  function promised(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function done(tx) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { resolve(); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var d = request.result;
        if (!d.objectStoreNames.contains("meta")) { d.createObjectStore("meta", {keyPath: "id"}); }
        if (!d.objectStoreNames.contains("snapshot")) { d.createObjectStore("snapshot", {keyPath: "id"}); }
        if (!d.objectStoreNames.contains("queue")) { d.createObjectStore("queue", {keyPath: "seq", autoIncrement: true}); }
      };
      request.onsuccess = function () {
        var d = request.result;
        d.onversionchange = function () { d.close(); db = null; };  // another tab wipes: let it
        resolve(d);
      };
      request.onerror = function () { reject(request.error); };
    });
  }

  function rawGet(storeName, id) {
    var tx = db.transaction(storeName, "readonly");
    return promised(tx.objectStore(storeName).get(id));
  }

  function rawPut(storeName, value) {
    var tx = db.transaction(storeName, "readwrite");
    tx.objectStore(storeName).put(value);
    return done(tx);
  }

  function cryptoKey() {
    if (!subtle) { return Promise.resolve(null); }
    return rawGet("meta", KEY_ID).then(function (row) {
      if (row && row.key) { return row.key; }
      return subtle.generateKey({name: "AES-GCM", length: 256}, false, ["encrypt", "decrypt"]).then(function (made) {
        return rawPut("meta", {id: KEY_ID, key: made}).then(function () { return made; });
      });
    }).catch(function () { return null; });
  }

  function seal(value) {
    var text = JSON.stringify(value);
    if (!key) { return Promise.resolve({plain: text}); }
    var iv = self.crypto.getRandomValues(new Uint8Array(12));
    return subtle.encrypt({name: "AES-GCM", iv: iv}, key, new TextEncoder().encode(text)).then(function (data) {
      return {iv: iv, data: data};
    });
  }

  function unseal(box) {
    if (!box) { return Promise.resolve(null); }
    if (typeof box.plain === "string") { return Promise.resolve(JSON.parse(box.plain)); }
    if (!key) { return Promise.resolve(null); }
    return subtle.decrypt({name: "AES-GCM", iv: box.iv}, key, box.data).then(function (plain) {
      return JSON.parse(new TextDecoder().decode(plain));
    });
  }

  var Store = {
    encrypted: false,

    /* Open (or create) the database and the key; resolves to whether values are encrypted. */
    open: function () {
      if (db) { return Promise.resolve(Store.encrypted); }
      return openDb().then(function (d) {
        db = d;
        return cryptoKey();
      }).then(function (k) {
        key = k;
        Store.encrypted = !!k;
        return Store.encrypted;
      });
    },

    metaGet: function (id) {
      return rawGet("meta", id).then(function (row) { return row ? unseal(row.box) : null; });
    },

    metaSet: function (id, value) {
      return seal(value).then(function (box) { return rawPut("meta", {id: id, box: box}); });
    },

    metaDelete: function (id) {
      var tx = db.transaction("meta", "readwrite");
      tx.objectStore("meta").delete(id);
      return done(tx);
    },

    snapshotGet: function () {
      return rawGet("snapshot", "day").then(function (row) { return row ? unseal(row.box) : null; });
    },

    snapshotSet: function (snapshot) {
      return seal(snapshot).then(function (box) { return rawPut("snapshot", {id: "day", box: box}); });
    },

    /* Add a queued item ({write, state, ...}); resolves to its sequence number, once it is on disk. */
    queueAdd: function (item) {
      return seal(item).then(function (box) {
        var tx = db.transaction("queue", "readwrite");
        var request = tx.objectStore("queue").add({box: box});
        return done(tx).then(function () { return request.result; });
      });
    },

    queuePut: function (seq, item) {
      return seal(item).then(function (box) { return rawPut("queue", {seq: seq, box: box}); });
    },

    queueDelete: function (seq) {
      var tx = db.transaction("queue", "readwrite");
      tx.objectStore("queue").delete(seq);
      return done(tx);
    },

    /* Every queued item in queue order, each with its `seq`. */
    queueAll: function () {
      var tx = db.transaction("queue", "readonly");
      return promised(tx.objectStore("queue").getAll()).then(function (rows) {
        return Promise.all(rows.map(function (row) {
          return unseal(row.box).then(function (item) {
            if (item) { item.seq = row.seq; }
            return item;
          });
        }));
      }).then(function (items) { return items.filter(Boolean); });
    },

    /* How many things the database holds in all (the key aside): 0 after a wipe. */
    count: function () {
      return Promise.all(["meta", "snapshot", "queue"].map(function (name) {
        var tx = db.transaction(name, "readonly");
        return promised(tx.objectStore(name).count());
      })).then(function (counts) { return counts[0] + counts[1] + counts[2]; });
    },

    /* Delete the database and the app's caches: nothing of the worker's day stays on the phone. */
    wipe: function () {
      if (db) { db.close(); db = null; }
      key = null;
      var gone = new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
      var cachesGone = self.caches ? caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) { return name.indexOf(CACHE_PREFIX) === 0; })
          .map(function (name) { return caches.delete(name); }));
      }).catch(function () { return undefined; }) : Promise.resolve();
      return Promise.all([gone, cachesGone]);
    }
  };

  self.OfflineStore = Store;
})();
