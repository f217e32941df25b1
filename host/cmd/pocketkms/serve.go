//go:build !wasm

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/pocketkms/pocketkms"
	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/host/wasmhost"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
	"github.com/pocketkms/pocketkms/internal/seed"
	"github.com/pocketkms/pocketkms/internal/tlsca"
)

// drainTimeout bounds how long a stopping server waits for requests in flight.
const drainTimeout = 30 * time.Second

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("data", defaultDataDir(), "data directory (created on first start)")
	addr := fs.String("addr", "127.0.0.1:9443", "listen address; port 0 picks a free port")
	plain := fs.Bool("plain-http", false, "serve cleartext HTTP instead of HTTPS (SDK Protocol \"http\")")
	engineKind := fs.String("engine", "native", "native: the core in-process; wasm: every request through the WebAssembly module under wazero")
	seedFile := fs.String("seed", "", "seed file applied idempotently at start (docs/seed.md)")
	tlsCert := fs.String("tls-cert", "", "your own server certificate (PEM) instead of the generated one")
	tlsKey := fs.String("tls-key", "", "the private key of --tls-cert (PEM)")
	var tlsHosts []string
	fs.Func("tls-host", "a host name or IP the generated certificate also names, e.g. a CI service name (repeatable; comma-separated lists too)", func(v string) error {
		for _, h := range strings.Split(v, ",") {
			h = strings.TrimSpace(h)
			if h == "" || strings.ContainsAny(h, " /:") && net.ParseIP(h) == nil {
				return fmt.Errorf("%q is not a host name or IP address", h)
			}
			tlsHosts = append(tlsHosts, h)
		}
		return nil
	})
	wasmPath := fs.String("wasm", "", "the module for --engine wasm and the playground (default: the one this binary carries, else build/pocketkms.wasm)")
	quiet := fs.Bool("quiet", false, "do not log failed requests")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		return fail(stderr, fmt.Errorf("serve takes no arguments, got %q", fs.Args()))
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fail(stderr, errors.New("--tls-cert and --tls-key go together"))
	}
	if len(tlsHosts) > 0 && (*tlsCert != "" || *plain) {
		return fail(stderr, errors.New("--tls-host names hosts in the generated certificate: not with --tls-cert or --plain-http"))
	}
	logger := log.New(stderr, "pocketkms: ", log.LstdFlags)

	d, err := openData(*dir)
	if err != nil {
		return fail(stderr, err)
	}
	defer d.Close()

	if *seedFile != "" {
		f, err := seed.Load(*seedFile)
		if err != nil {
			return fail(stderr, err)
		}
		sum, err := seed.Apply(ctx, d.backend, f, seedClientKey)
		if err != nil {
			return fail(stderr, err)
		}
		logger.Printf("seed %s: %s", *seedFile, sum)
	}

	// Requests read through a cache that checks the store's commit counter,
	// so a change by the CLI or another server is seen at the next request.
	cache := store.Cached(d.backend, d.db.Version)
	defer cache.Drop()
	d.backend = cache

	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return fail(stderr, err)
		}
		defer stop()
	}

	mod := findModule(*wasmPath)
	var eng server.Caller
	switch *engineKind {
	case "native":
		eng = server.Native(kms.New(d.backend, kms.NewConfig()))
		setGCPercent()
	case "wasm":
		wasm, err := mod.read()
		if err != nil {
			return fail(stderr, fmt.Errorf("--engine wasm needs the module: %v", err))
		}
		we, err := wasmhost.New(context.Background(), wasm, d.backend, wasmhost.NewConfig()) // not ctx: it ends at the first signal, and the drain still runs requests
		if err != nil {
			return fail(stderr, err)
		}
		eng = we
	default:
		return fail(stderr, fmt.Errorf("--engine is native or wasm, got %q", *engineKind))
	}
	defer eng.Close(context.Background())

	// Due automatic rotations are also stored as they fall due, not only at
	// the key's next encryption: answers are the same either way (reads
	// report a due rotation), but material is drawn near its due date.
	go rotateDue(ctx, kms.New(d.backend, kms.NewConfig()), rotationPass, logger)

	cfg := server.NewConfig().
		WithAssets(assets(mod)).
		WithHealth(map[string]string{"engine": *engineKind, "version": version})
	if !*quiet {
		cfg = cfg.WithLogf(logger.Printf)
	}
	srv := &http.Server{
		Handler:           server.New(eng, d.backend, cfg),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    256 << 10, // classic requests carry a 6 KB plaintext or a secret in the URL
		ErrorLog:          logger,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fail(stderr, err)
	}
	scheme, caPath := "http", ""
	if !*plain {
		var cert tls.Certificate
		if *tlsCert != "" {
			cert, err = tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		} else {
			files := tlsca.In(d.path)
			var made bool
			cert, made, err = tlsca.Ensure(files, time.Now(), append(tlsHosts, listenHost(*addr))...)
			if made {
				logger.Printf("made a local CA and server certificate: %s", files.CA)
			}
			caPath = files.CA
		}
		if err != nil {
			ln.Close()
			return fail(stderr, err)
		}
		// No client certificates are requested: the Go SDK would offer its
		// ClientKey's certificate, the Java and Python SDKs never do.
		ln = tls.NewListener(plainHTTPGuard{ln}, &tls.Config{
			Certificates: []tls.Certificate{cert},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"},
			ClientAuth:   tls.NoClientCert,
		})
		scheme = "https"
	}
	ln = protobufErrorsListener{ln}
	banner(stdout, d, scheme, ln.Addr().String(), caPath, *engineKind, mod)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fail(stderr, err)
	case <-ctx.Done():
	}
	// A second signal ends the process at once, without waiting for the drain.
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	logger.Printf("stopping: draining requests in flight (at most %v; signal again to quit now)", drainTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Printf("shutdown: %v", err)
		return 1
	}
	logger.Printf("stopped")
	return 0
}

// serveGCPercent is the garbage collector's target while the native engine
// serves. A request allocates a few times its size and keeps nothing, over a
// live heap of a few megabytes, so at Go's default of 100 the collector runs
// (and hands pages back to the OS) every few hundred requests. The wasm
// engine keeps the default: its instances' memories are a live heap large
// enough already, which 400 would multiply. RATIONALE.md ("The server's
// garbage collector") has more. GOGC still decides when it is set.
const serveGCPercent = 400

func setGCPercent() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(serveGCPercent)
	}
}

// seedClientKey adapts the seed file's ClientKeys entries to the registry.
func seedClientKey(e seed.ClientKeyEntry) (string, []byte, error) {
	if e.Certificate != "" {
		return clientkeys.RecordFromCertificate(e.KeyId, e.Certificate)
	}
	return clientkeys.RecordFromClientKey([]byte(e.ClientKeyContent), e.Password)
}

func listenHost(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil || h == "" || h == "0.0.0.0" || h == "::" || h == "127.0.0.1" || h == "localhost" || h == "::1" {
		return ""
	}
	return h
}

// banner says how to connect. Tests read the "endpoint:" line to find the port.
func banner(w io.Writer, d *dataDir, scheme, addr, caPath, engineKind string, mod module) {
	abs, _ := filepath.Abs(d.path)
	n := 0
	if recs, err := clientkeys.List(d.backend); err == nil {
		n = len(recs)
	}
	fmt.Fprintf(w, "pocketkms %s: KMS instance API dkms-gcs-0.2, engine %s\n", version, engineKind)
	fmt.Fprintf(w, "  endpoint:   %s (%s)\n", addr, scheme)
	fmt.Fprintf(w, "  playground: %s://%s/\n", scheme, addr)
	if _, err := mod.read(); err != nil {
		fmt.Fprintf(w, "              (the page cannot run: %v)\n", err)
	}
	if caPath != "" {
		caPath, _ = filepath.Abs(caPath)
		fmt.Fprintf(w, "  CA:         %s\n", caPath)
	}
	fmt.Fprintf(w, "  data:       %s\n", abs)
	fmt.Fprintf(w, "  ClientKeys: %d registered\n", n)
	fmt.Fprintf(w, "\nConnect an SDK client (github.com/aliyun/alibabacloud-dkms-gcs-go-sdk):\n")
	fmt.Fprintf(w, "  pocketkms clientkey create --data %s --out clientKey.json --password-file password.txt\n", shellQuote(d.path))
	fmt.Fprintf(w, "  config: Endpoint %q, ClientKeyFile \"clientKey.json\", Password <password.txt>", addr)
	switch {
	case scheme == "http":
		fmt.Fprintf(w, ", Protocol \"http\"")
	case caPath != "":
		fmt.Fprintf(w, ", CaFilePath %q", caPath)
	default:
		fmt.Fprintf(w, ", CaFilePath <the CA of your --tls-cert>")
	}
	fmt.Fprintf(w, "\n\n")
}

func shellQuote(s string) string {
	if strings.ContainsAny(s, " '\"$\\`") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// assets is the playground's web root: the embedded files, plus the module
// at build/pocketkms.wasm, wherever it comes from.
func assets(mod module) fs.FS { return overlay{pocketkms.Assets, mod} }

type overlay struct {
	fs.FS
	mod module
}

func (o overlay) Open(name string) (fs.File, error) {
	if name == pocketkms.ModulePath {
		if o.mod.path == "" {
			return pocketkms.ModuleFS().Open(name)
		}
		return os.Open(o.mod.path)
	}
	return o.FS.Open(name)
}

// rotationPass is how often serve stores the automatic rotations that fell due.
const rotationPass = time.Hour

// rotateDue runs kms.Engine.RotateDue at start and then every period until
// ctx ends. Each key rotates in its own transaction, so a pass never makes a
// request fail.
func rotateDue(ctx context.Context, e *kms.Engine, period time.Duration, logger *log.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if n, err := e.RotateDue(); err != nil {
			logger.Printf("automatic rotation: %v", err)
		} else if n > 0 {
			logger.Printf("automatic rotation: %d keys rotated", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
