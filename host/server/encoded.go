package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"
)

// minCompress is the size from which a static asset is sent compressed to
// clients that accept it: in practice the module, which compresses well and
// is most of a first visit to the playground over a real network (sizes in
// the README).
const minCompress = 64 << 10

// assetCache keeps, per asset version (name, modification time, size: an
// asset without a modification time is embedded, so it cannot change), its
// strong validator and its compressed forms, so each is computed once per
// process, not per request. The brotli form is made in the background the
// first time a client asks for it; until it is ready such clients get gzip.
type assetCache struct {
	mu      sync.Mutex
	entries map[string]*assetEntry
}

type assetEntry struct {
	mod  time.Time
	size int
	etag string // quoted; the compressed forms append -gz / -br inside the quotes
	gz   []byte
	br   []byte // nil until made
	brOn bool   // the brotli form is being made or done
}

// lookup returns the entry of this version of name, or nil if it has not
// been served yet.
func (c *assetCache) lookup(name string, mod time.Time, size int64) *assetEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[name]; ok && e.mod.Equal(mod) && int64(e.size) == size {
		return e
	}
	return nil
}

func (c *assetCache) entry(name string, mod time.Time, data []byte) *assetEntry {
	if e := c.lookup(name, mod, int64(len(data))); e != nil {
		return e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := sha256.Sum256(data)
	e := &assetEntry{mod: mod, size: len(data), etag: hex.EncodeToString(sum[:16])}
	if c.entries == nil {
		c.entries = map[string]*assetEntry{}
	}
	c.entries[name] = e
	return e
}

// tag is the quoted strong ETag of the form with that content coding.
func (e *assetEntry) tag(coding string) string {
	switch coding {
	case "gzip":
		return `"` + e.etag + `-gz"`
	case "br":
		return `"` + e.etag + `-br"`
	}
	return `"` + e.etag + `"`
}

// notModified reports whether If-None-Match names any form of this version:
// they all carry the same content.
func (e *assetEntry) notModified(r *http.Request) (string, bool) {
	for _, t := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		t = strings.TrimSpace(t)
		for _, coding := range []string{"", "gzip", "br"} {
			if t == e.tag(coding) {
				return t, true
			}
		}
	}
	return "", false
}

// encode returns the body to send for data, its content coding ("" for
// none) and its ETag.
func (c *assetCache) encode(e *assetEntry, r *http.Request, data []byte) ([]byte, string) {
	if len(data) < minCompress {
		return data, ""
	}
	if brotliEncode != nil && accepts(r, "br") {
		c.mu.Lock()
		br, started := e.br, e.brOn
		e.brOn = true
		c.mu.Unlock()
		if br != nil {
			return br, "br"
		}
		if !started {
			go c.makeBrotli(e, data)
		}
	}
	if !accepts(r, "gzip") {
		return data, ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.gz == nil {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		e.gz = buf.Bytes()
	}
	return e.gz, "gzip"
}

func (c *assetCache) makeBrotli(e *assetEntry, data []byte) {
	br := brotliEncode(data)
	c.mu.Lock()
	e.br = br
	c.mu.Unlock()
}

// accepts reports whether the request's Accept-Encoding allows coding.
func accepts(r *http.Request, coding string) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		c, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(c), coding) {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}
