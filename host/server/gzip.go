package server

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
	"time"
)

// minGzip is the size from which a static asset is sent gzip-compressed to
// clients that accept it: in practice the module, which compresses well and
// is most of a first visit to the playground over a real network (sizes in
// the README).
const minGzip = 64 << 10

// gzipCache keeps the compressed form of the large assets, keyed by name
// and modification time, so each is compressed once, not per request.
type gzipCache struct {
	mu      sync.Mutex
	entries map[string]gzipEntry
}

type gzipEntry struct {
	mod  time.Time
	size int
	data []byte
}

func (c *gzipCache) get(name string, mod time.Time, data []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[name]; ok && e.mod.Equal(mod) && e.size == len(data) {
		return e.data
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	if c.entries == nil {
		c.entries = map[string]gzipEntry{}
	}
	c.entries[name] = gzipEntry{mod: mod, size: len(data), data: buf.Bytes()}
	return buf.Bytes()
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0"
		}
	}
	return false
}
