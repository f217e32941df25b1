//go:build !js

package server

import (
	"bytes"

	"github.com/andybalholm/brotli"
)

// brotliQuality trades compression for time: the highest quality takes
// about a minute of CPU on the module, this one about a second, and is
// still well smaller than gzip's best (README).
const brotliQuality = 5

// brotliEncode is nil in the Worker (GOOS=js), whose bundle has a size
// budget and whose platform compresses on its own.
var brotliEncode = func(data []byte) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotliQuality)
	w.Write(data)
	w.Close()
	return buf.Bytes()
}
