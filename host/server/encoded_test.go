//go:build !js

package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
	"testing/fstest"
	"time"

	"github.com/andybalholm/brotli"
)

// TestLargeAssetsCompressed: the module goes out gzip- or brotli-compressed
// to clients that accept it (and as it is to those that do not), with Vary
// set for caches; brotli once it has been made in the background.
func TestLargeAssetsCompressed(t *testing.T) {
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
	decode := map[string]func(io.Reader) (io.Reader, error){
		"gzip": func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		"br":   func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	}
	seen := map[string]bool{}
	for deadline := time.Now().Add(20 * time.Second); !seen["br"]; {
		if time.Now().After(deadline) {
			t.Fatal("brotli never served")
		}
		for _, accept := range []string{"gzip", "br, gzip;q=0.8"} {
			st, body, hdr := get("/build/pocketkms.wasm", accept)
			coding := hdr.Get("Content-Encoding")
			if st != 200 || decode[coding] == nil || hdr.Get("Vary") != "Accept-Encoding" || hdr.Get("Content-Type") != "application/wasm" {
				t.Fatalf("Accept-Encoding %q: %d %v", accept, st, hdr)
			}
			if accept == "gzip" && coding != "gzip" {
				t.Fatalf("gzip only, got %s", coding)
			}
			r, err := decode[coding](bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := io.ReadAll(r)
			if !bytes.Equal(plain, module) || len(body) >= len(module)/10 {
				t.Fatalf("%s body: %d bytes decompressing to %d", coding, len(body), len(plain))
			}
			seen[coding] = true
		}
		time.Sleep(10 * time.Millisecond)
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

// TestAssetsETag: every form of an asset has a strong validator from its
// content, and a client that sends one back gets 304, even for embedded
// files, which have no modification time; a file changed on disk (a new
// modification time) gets a new one.
func TestAssetsETag(t *testing.T) {
	module := bytes.Repeat([]byte("wasm "), 30000)
	assets := fstest.MapFS{"build/pocketkms.wasm": {Data: module}, "web/index.html": {Data: []byte("page")}}
	f := newFixture(t, NewConfig().WithAssets(assets), nil)
	get := func(path, accept, inm string) (int, []byte, http.Header) {
		req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", accept)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		return do(t, req)
	}
	tags := map[string]bool{}
	for _, accept := range []string{"identity", "gzip"} {
		st, _, hdr := get("/build/pocketkms.wasm", accept, "")
		tag := hdr.Get("ETag")
		if st != 200 || len(tag) < 10 || tag[0] != '"' || tags[tag] {
			t.Fatalf("%s: %d ETag %q (seen %v)", accept, st, tag, tags)
		}
		tags[tag] = true
		st, body, hdr := get("/build/pocketkms.wasm", accept, `"other", `+tag)
		if st != 304 || len(body) != 0 || hdr.Get("ETag") != tag {
			t.Fatalf("%s revalidation: %d %v, %d bytes", accept, st, hdr, len(body))
		}
		if st, _, _ := get("/build/pocketkms.wasm", accept, `"stale"`); st != 200 {
			t.Fatalf("a stale ETag: %d", st)
		}
	}
	_, _, hdr := get("/", "", "")
	page := hdr.Get("ETag")
	assets["web/index.html"] = &fstest.MapFile{Data: []byte("PAGE"), ModTime: time.Now()}
	st, body, hdr := get("/", "", page)
	if st != 200 || string(body) != "PAGE" || hdr.Get("ETag") == page {
		t.Fatalf("a changed file: %d %q ETag %q, was %q", st, body, hdr.Get("ETag"), page)
	}
}
