//go:build js && wasm

// Command worker is pocketkms as a Cloudflare Worker (GOOS=js GOARCH=wasm,
// built with github.com/syumai/workers): POST / is the instance API, served
// by host/server's handler, the very one `pocketkms serve` runs, over keys
// and ClientKeys in D1 (internal/d1store), sealed with the root key from
// the Worker secret POCKETKMS_ROOT_KEY. GET requests for the playground are
// answered by Cloudflare's static assets before this code runs
// (wrangler.toml [assets]); whatever GET reaches it gets the handler's
// protobuf 404.
//
// worker.mjs runs this program in a small pool of Go runtimes, one request
// at a time each (it says why). What survives between requests in Go memory
// is the handler and its parsed configuration, nothing about keys or
// ClientKeys: the handler reads D1 at every request.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall/js"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/internal/d1store"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// Binding and secret names, as wrangler.toml and `wrangler secret put` give them.
const (
	dbBinding     = "DB"
	rootKeySecret = "POCKETKMS_ROOT_KEY"
)

func main() {
	if !js.Global().Get("context").Get("keep").Truthy() {
		workers.Serve(http.HandlerFunc(serve)) // one request, then exit
		return
	}
	// worker.mjs pools this runtime: stay up for the requests it hands us,
	// one at a time (worker.mjs says why never two at once).
	workers.ServeNonBlock(http.HandlerFunc(serve))
	workers.Ready()
	select {}
}

var (
	mu      sync.Mutex
	handler http.Handler
)

// serve builds the handler at the first request (bindings and secrets are
// only reachable then) and hands every request to it. A configuration
// error (no secret, no D1, unmigrated schema) is answered as a protobuf 500
// naming the problem, never with a key-less fallback, and is not
// remembered: the next request tries again, so migrating the database
// fixes a running Worker.
func serve(w http.ResponseWriter, r *http.Request) {
	mu.Lock()
	h := handler
	if h == nil {
		var err error
		if h, err = setup(r.Context()); err != nil {
			mu.Unlock()
			fmt.Printf("pocketkms worker misconfigured: %v\n", err)
			writeError(w, kmserr.Internal("pocketkms Worker misconfigured: %v", err))
			return
		}
		handler = h
	}
	mu.Unlock()
	unsplitHeaders(r.Header)
	h.ServeHTTP(w, r)
}

// unsplitHeaders undoes syumai/workers v0.33.0's request header
// conversion, which splits every header value at each comma: it turns
// "Date: Sun, 29 Nov 2026 11:28:32 GMT" into the two values "Sun" and
// " 29 Nov 2026 11:28:32 GMT". Joining them with "," again gives back
// exactly the string workerd's Headers object held.
func unsplitHeaders(h http.Header) {
	for k, vs := range h {
		if len(vs) > 1 {
			h[k] = []string{strings.Join(vs, ",")}
		}
	}
}

func setup(ctx context.Context) (http.Handler, error) {
	rootKey, err := parseRootKey(cloudflare.Getenv(rootKeySecret))
	if err != nil {
		return nil, err
	}
	d1, err := d1store.Open(ctx, dbBinding)
	if err != nil {
		return nil, err
	}
	applyTestHooks(d1)
	backend, err := store.Sealed(d1, rootKey)
	if err != nil {
		return nil, err
	}
	eng := server.Native(kms.New(backend, kms.NewConfig()))
	cfg := server.NewConfig().
		WithHealth(map[string]string{"host": "cloudflare-worker", "store": "d1"}).
		WithLogf(func(format string, args ...any) { fmt.Printf(format+"\n", args...) })
	return server.New(eng, backend, cfg), nil
}

// parseRootKey reads the secret: standard base64 of exactly 32 bytes.
func parseRootKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("the Worker secret %s is not set: `wrangler secret put %s` (base64 of 32 random bytes; locally host/worker/.dev.vars)", rootKeySecret, rootKeySecret)
	}
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("the Worker secret %s must be standard base64 of 32 bytes", rootKeySecret)
	}
	return k, nil
}

// writeError answers in the protobuf Error form the SDKs understand (a
// text body would make them retry four times).
func writeError(w http.ResponseWriter, e *kmserr.Error) {
	body, _ := kmspb.Marshal(kms.ErrorMessage(e, ids.NewRequestID(rand.Reader)))
	w.Header().Set("Content-Type", server.ContentType)
	w.WriteHeader(e.Status)
	w.Write(body)
}
