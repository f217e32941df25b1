// The playground's static files, embedded so that
// `pocketkms serve` shows the playground at / with nothing else installed.
// The layout is the repository root's: index.html, web/ and wasm/js/ are the
// web root everywhere the playground is served. The module itself
// (build/pocketkms.wasm) is a build output: the server reads it from disk.

package pocketkms

import "embed"

// Assets is the web root without the module.
//
//go:embed index.html web wasm/js
var Assets embed.FS
