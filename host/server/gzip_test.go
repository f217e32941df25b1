package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"testing/fstest"
	"time"
)

// TestLargeAssetsGzipped: the module goes out gzip-compressed to clients that
// accept it (and as it is to those that do not), with Vary set for caches.
func TestLargeAssetsGzipped(t *testing.T) {
	module := bytes.Repeat([]byte("\x00asm module bytes "), 20000) // ~360 KB, compressible
	assets := fstest.MapFS{
		"build/pocketkms.wasm": {Data: module, ModTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		"web/index.html":       {Data: []byte("<h1>small</h1>")},
	}
	f := newFixture(t, NewConfig().WithAssets(assets), nil)
	get := func(path, accept string) (int, []byte, http.Header) {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept) // set by hand: the transport then leaves the body alone
		return do(t, req)
	}
	for i := 0; i < 2; i++ { // the second answer comes from the cache
		st, body, hdr := get("/build/pocketkms.wasm", "br, gzip;q=0.8")
		if st != 200 || hdr.Get("Content-Encoding") != "gzip" || hdr.Get("Vary") != "Accept-Encoding" || hdr.Get("Content-Type") != "application/wasm" {
			t.Fatalf("gzip: %d %v", st, hdr)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, module) || len(body) >= len(module)/10 {
			t.Fatalf("gzip body: %d bytes decompressing to %d", len(body), len(plain))
		}
	}
	for _, accept := range []string{"identity", "gzip;q=0", ""} {
		st, body, hdr := get("/build/pocketkms.wasm", accept)
		if st != 200 || hdr.Get("Content-Encoding") != "" || !bytes.Equal(body, module) {
			t.Fatalf("Accept-Encoding %q: %d %v, %d bytes", accept, st, hdr, len(body))
		}
	}
	st, body, hdr := get("/", "gzip")
	if st != 200 || hdr.Get("Content-Encoding") != "" || string(body) != "<h1>small</h1>" {
		t.Fatalf("small files go as they are: %d %v %q", st, hdr, body)
	}
}
