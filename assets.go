// The playground's static files, embedded so that
// `pocketkms serve` shows the playground at / with nothing else installed.
// The playground lives in web/ (web/index.html is its page); the site every
// host serves is web/ and the JS package's wasm/js/ at their own paths,
// with web/index.html at / and the module at /build/pocketkms.wasm
// (host/server's staticRoots, host/worker/build.sh, tests/browser/server.mjs).
// The module itself is a build output: the server reads it from disk unless
// the build embeds it.

package pocketkms

import "embed"

// Assets is the site without the module.
//
//go:embed web wasm/js
var Assets embed.FS
