// Starts compiling the WebAssembly module as early as possible: a small
// classic script in <head>, so it runs while the page is still parsing and
// always before app.js (module scripts run after parsing), while the
// download that index.html's <link rel=preload> began is streaming in.
// app.js picks the promise up from window.pocketkmsPreboot.
//
// The Response from fetch() goes to compileStreaming unchanged (Chromium
// then compiles while downloading and can reuse its code cache on later
// visits); a clone of it is read only to count bytes for the progress bar.
(function () {
  'use strict';
  var url = new URL('../build/pocketkms.wasm', document.currentScript.src);
  var listeners = [];
  var last = { phase: 'download', loaded: 0, total: 0 };
  function emit(p) {
    last = p;
    listeners.forEach(function (fn) { fn(p); });
  }
  performance.mark('pocketkms:preboot');
  var module = fetch(url).then(function (resp) {
    if (!resp.ok) throw new Error('fetching ' + url.pathname + ' failed: HTTP ' + resp.status + ' (build it with: bash wasm/build.sh)');
    var gz = (resp.headers.get('content-encoding') || '') !== '';
    var total = gz ? 0 : Number(resp.headers.get('content-length')) || 0;
    var loaded = 0;
    var counter = resp.clone().body.getReader();
    (function pump() {
      counter.read().then(function (r) {
        if (r.done) return;
        loaded += r.value.byteLength;
        emit({ phase: 'download', loaded: loaded, total: total });
        pump();
      }, function () {});
    })();
    var type = resp.headers.get('content-type') || '';
    var compiled = type.indexOf('application/wasm') === 0 && WebAssembly.compileStreaming
      ? WebAssembly.compileStreaming(resp)
      : resp.arrayBuffer().then(function (b) { return WebAssembly.compile(b); }); // a server that mislabels .wasm
    return compiled.then(function (m) {
      performance.mark('pocketkms:compiled');
      emit({ phase: 'compiled', loaded: loaded, total: loaded });
      return m;
    });
  });
  module.catch(function () {}); // reported by app.js, not as an unhandled rejection
  // Open the browser store (IndexedDB) meanwhile too: on a first visit,
  // creating the database and its WebCrypto root key takes a while.
  var store = import(new URL('../wasm/js/indexeddb.js', document.currentScript.src).href).then(function (m) {
    return m.IndexedDBStore.open('pocketkms-playground');
  }).then(function (s) {
    performance.mark('pocketkms:store-open');
    return s;
  });
  store.catch(function () {});
  window.pocketkmsPreboot = {
    module: module,
    store: store,
    onProgress: function (fn) { listeners.push(fn); fn(last); },
  };
})();
