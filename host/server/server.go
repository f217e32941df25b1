// Package server is the instance endpoint as an http.Handler: POST / with the
// dkms-gcs-0.2 signature checks, the data operations through an
// Caller, GET /healthz, and the playground's static files. Requests
// of the classic KMS OpenAPI on the same address go to internal/classic. It has no
// listener, TLS or SQLite of its own, so the CLI (`pocketkms serve`) and the
// Cloudflare Worker (GOOS=js) serve the very same handler.
//
// Every error answer, whatever the fault (a bad signature, an unknown path,
// a wrong method, a panic), carries a protobuf Error body: the SDKs retry
// anything else four times with backoff before giving up.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/classic"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// DefaultMaxBody is the product's request body limit: 3 MB of protobuf.
const DefaultMaxBody = 3 << 20

// Config is an immutable handler configuration; each WithX returns a copy.
type Config struct {
	clock   func() time.Time
	maxBody int64
	assets  fs.FS
	logf    func(format string, args ...any)
	health  map[string]string
}

// NewConfig returns the defaults: the system clock, a 3 MiB body limit, no
// static files (GET / answers 404), no logging.
func NewConfig() Config {
	return Config{clock: time.Now, maxBody: DefaultMaxBody}
}

// WithClock sets the clock the Date skew is checked against (default time.Now).
func (c Config) WithClock(now func() time.Time) Config { c.clock = now; return c }

// WithMaxBody sets the request body limit in bytes (default DefaultMaxBody).
func (c Config) WithMaxBody(n int64) Config { c.maxBody = n; return c }

// WithAssets sets the static site served on GET: web/index.html at /, and
// only the paths under web/, wasm/js/ and build/pocketkms.wasm (default none).
func (c Config) WithAssets(fsys fs.FS) Config { c.assets = fsys; return c }

// WithLogf sets where failed requests are logged, one line each, never with
// request or response bodies (default: no logging).
func (c Config) WithLogf(logf func(format string, args ...any)) Config { c.logf = logf; return c }

// WithHealth adds fields to the GET /healthz answer, e.g. the engine kind
// (default: only "status" and "api").
func (c Config) WithHealth(fields map[string]string) Config { c.health = fields; return c }

// Handler serves the instance API over an engine and a ClientKey registry.
type Handler struct {
	eng     Caller
	backend store.Backend
	cfg     Config
	assets  assetCache
	classic *classic.Handler
}

// New returns the handler. backend is where the ClientKey registry lives
// (the engine's own store): it is read at every request, never cached.
func New(eng Caller, backend store.Backend, cfg Config) *Handler {
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	if cfg.maxBody <= 0 {
		cfg.maxBody = DefaultMaxBody
	}
	ccfg := classic.NewConfig().WithClock(cfg.clock)
	if cfg.logf != nil {
		ccfg = ccfg.WithLogf(cfg.logf)
	}
	return &Handler{eng: eng, backend: backend, cfg: cfg, classic: classic.New(eng, backend, ccfg)}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			h.logf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
			h.writeError(w, r, kmserr.Internal("internal failure"))
		}
	}()
	switch {
	case r.URL.Path == "/" && classic.IsClassic(r):
		// The classic OpenAPI on the same address (docs/classic-api.md).
		h.classic.ServeHTTP(w, r)
	case r.URL.Path == "/" && r.Method == http.MethodPost:
		h.serveAPI(w, r)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		h.serveGet(w, r)
	default:
		w.Header().Set("Allow", allowed(r.URL.Path))
		h.writeError(w, r, kmserr.New(405, "MethodNotAllowed", "The method %s is not allowed on %s; the instance API is POST /.", r.Method, quoteID(r.URL.Path)))
	}
}

func allowed(p string) string {
	if p == "/" {
		return "GET, HEAD, POST"
	}
	return "GET, HEAD"
}

func (h *Handler) serveAPI(w http.ResponseWriter, r *http.Request) {
	// Too large: answer before reading the body. The Go SDK's transport still
	// reads this answer when its body write fails.
	if r.ContentLength > h.cfg.maxBody {
		w.Header().Set("Connection", "close")
		h.writeError(w, r, tooLarge(h.cfg.maxBody))
		return
	}
	if r.URL.RawQuery != "" {
		h.writeError(w, r, kmserr.New(400, kmserr.CodeInvalidParam, "The instance API takes no query string."))
		return
	}
	if mt, _, err := mime.ParseMediaType(headerValue(r.Header, canonContentType)); err != nil || mt != ContentType {
		h.writeError(w, r, kmserr.New(415, kmserr.CodeInvalidContentType, "The content type %q is not supported; want %q.", r.Header.Get("content-type"), ContentType))
		return
	}
	pub, sig, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	body, err := readBody(r, h.cfg.maxBody)
	if err != nil {
		h.writeError(w, r, kmserr.New(400, kmserr.CodeInvalidParam, "The request body could not be read."))
		return
	}
	if int64(len(body)) > h.cfg.maxBody {
		w.Header().Set("Connection", "close")
		h.writeError(w, r, tooLarge(h.cfg.maxBody))
		return
	}
	if err := verify(r, body, pub, sig); err != nil {
		h.writeError(w, r, err)
		return
	}
	api := headerValue(r.Header, canonAPIName)
	if !kms.IsDataOperation(api) {
		// Unknown names get InvalidApiName and the SDK's unbuilt calls
		// UnsupportedOperation, both from the engine's own table; key
		// management is not part of the instance API at all.
		if _, err := kms.NewRequest(api); err != nil {
			h.writeError(w, r, err)
			return
		}
		h.writeError(w, r, kmserr.New(400, kmserr.CodeInvalidApiName, "The API %s is not part of the instance API; manage keys with the pocketkms CLI.", api))
		return
	}
	out, meta, err := h.eng.CallProtoMeta(r.Context(), api, body, kms.Meta{KeyVersionID: headerValue(r.Header, canonKeyVersionID)})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if meta.KeyVersionID != "" {
		w.Header().Set(kms.HeaderKeyVersionID, meta.KeyVersionID)
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// readBody reads at most limit+1 bytes, into one buffer of the declared
// Content-Length when there is one (io.ReadAll would grow and copy its
// buffer several times for a 6 KiB body).
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= limit {
		body := make([]byte, n, n+1)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		// A body longer than its Content-Length is net/http's to refuse;
		// reading one more byte only confirms the end.
		if m, _ := r.Body.Read(body[n : n+1]); m != 0 {
			return nil, errors.New("the body is longer than its Content-Length")
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

func tooLarge(limit int64) error {
	return kmserr.New(413, kmserr.CodeEntityTooLarge, "The request body is over the %d-byte limit; use envelope encryption for large data.", limit)
}

// writeError answers with the protobuf Error body of spec §4.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ke := kmserr.As(err)
	if errors.Is(err, context.Canceled) {
		ke = kmserr.New(503, kmserr.CodeServiceUnavailable, "The request was cancelled.")
	}
	reqID := ids.NewRequestID(rand.Reader)
	body, merr := kmspb.Marshal(kms.ErrorMessage(ke, reqID))
	if merr != nil { // cannot happen for a message of scalars; never send text
		body = nil
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(ke.Status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
	h.logf("%s %s api=%q client=%q -> %d %s (%s) request=%s", r.Method, quoteID(r.URL.Path),
		quoteID(r.Header.Get(HeaderAPIName)), quoteID(r.Header.Get(HeaderAccessKeyID)), ke.Status, ke.Code, ke.Message, reqID)
}

func (h *Handler) logf(format string, args ...any) {
	if h.cfg.logf != nil {
		h.cfg.logf(format, args...)
	}
}

// staticRoots are the only paths served from the assets: the playground,
// the JS package and the module; / is the playground's page (indexPath).
var staticRoots = []string{"web/", "wasm/js/", "build/pocketkms.wasm"}

// indexPath is the page served at /.
const indexPath = "web/index.html"

func (h *Handler) serveGet(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		var sb strings.Builder
		sb.WriteString(`{"status":"ok","api":"` + APIVersion + `"`)
		for k, v := range h.cfg.health {
			fmt.Fprintf(&sb, ",%q:%q", k, v)
		}
		sb.WriteString("}\n")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		writeBody(w, r, []byte(sb.String()))
		return
	}
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "" || name == "index.html" {
		name = indexPath
	}
	ok := false
	for _, root := range staticRoots {
		if name == root || strings.HasSuffix(root, "/") && strings.HasPrefix(name, root) {
			ok = true
		}
	}
	var data []byte
	var modTime time.Time
	if ok && h.cfg.assets != nil && fs.ValidPath(name) {
		if st, err := fs.Stat(h.cfg.assets, name); err == nil && st.Mode().IsRegular() {
			modTime = st.ModTime()
			// The module is large: a reload revalidates instead of refetching.
			if !modTime.IsZero() {
				if t, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !modTime.Truncate(time.Second).After(t) && r.Header.Get("If-None-Match") == "" {
					w.WriteHeader(http.StatusNotModified)
					return
				}
			}
			// A known version answers If-None-Match without reading the file.
			if e := h.assets.lookup(name, modTime, st.Size()); e != nil {
				if tag, hit := e.notModified(r); hit {
					notModified(w, tag, st.Size())
					return
				}
			}
			data, err = fs.ReadFile(h.cfg.assets, name)
			ok = err == nil
		} else {
			ok = false
		}
	} else {
		ok = false
	}
	if !ok {
		h.writeError(w, r, kmserr.New(404, "NotFound", "Nothing at %s: the instance API is POST /.", quoteID(r.URL.Path)))
		return
	}
	// A strong validator from the content: embedded assets have no
	// modification time, and a rebuilt module may keep its size and second.
	entry := h.assets.entry(name, modTime, data)
	if tag, hit := entry.notModified(r); hit {
		notModified(w, tag, int64(len(data)))
		return
	}
	if len(data) >= minCompress {
		w.Header().Set("Vary", "Accept-Encoding")
	}
	w.Header().Set("Cache-Control", "no-cache")
	body, coding := h.assets.encode(entry, r, data)
	w.Header().Set("Content-Type", contentType(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("ETag", entry.tag(coding))
	if !modTime.IsZero() {
		w.Header().Set("Last-Modified", modTime.UTC().Format(http.TimeFormat))
	}
	if coding != "" {
		w.Header().Set("Content-Encoding", coding)
	}
	data = body
	writeBody(w, r, data)
}

func notModified(w http.ResponseWriter, etag string, size int64) {
	if size >= minCompress {
		w.Header().Set("Vary", "Accept-Encoding")
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", etag)
	w.WriteHeader(http.StatusNotModified)
}

func writeBody(w http.ResponseWriter, r *http.Request, data []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".wasm":
		return "application/wasm" // WebAssembly.compileStreaming insists
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
