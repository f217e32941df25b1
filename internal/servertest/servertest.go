// Package servertest runs a KMS instance inside a Go test process, as
// net/http/httptest does for HTTP: the host/server handler over the core
// engine and an in-memory store, on a loopback TLS listener. The root
// package pocketkms re-exports it as NewTestServer, the name to use.
package servertest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
	"github.com/pocketkms/pocketkms/internal/seed"
	"github.com/pocketkms/pocketkms/internal/tlsca"
)

// TB is the part of testing.TB that New uses; *testing.T,
// *testing.B and *testing.F satisfy it.
//
// RATIONALE: an interface of our own rather than testing.TB, so that this
// package, and the root package pocketkms that re-exports it (which
// `pocketkms serve` imports for its web files), never link the testing
// package into programs, as net/http/httptest avoids doing too.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// Config is an immutable test server configuration; each WithX returns
// a copy. The zero value is NewConfig's defaults.
type Config struct {
	seedName  string
	seedData  []byte
	seedFile  string
	clock     func() time.Time
	clientKey []byte
	password  string
}

// NewConfig returns the defaults: an empty in-memory store (no keys, one
// fresh ClientKey), the system clock, no seed.
func NewConfig() Config { return Config{} }

// WithSeed applies a seed document (docs/seed.md) before the server answers.
// name is what errors are reported against. A seed with an error fails the
// start with the entry and field named.
func (c Config) WithSeed(name string, data []byte) Config {
	c.seedName, c.seedData, c.seedFile = name, append([]byte(nil), data...), ""
	return c
}

// WithSeedFile is WithSeed with the document read from path at start.
func (c Config) WithSeedFile(path string) Config {
	c.seedFile, c.seedName, c.seedData = path, "", nil
	return c
}

// WithClock sets the engine's clock (default time.Now), e.g. a FakeClock's
// Now, so that a test makes automatic rotation and key deletion fall due.
// Request signatures are still checked against the real time, as the SDK
// dates its requests with it.
func (c Config) WithClock(now func() time.Time) Config { c.clock = now; return c }

// WithClientKey registers an existing ClientKey (the text of its JSON file
// and its password, e.g. the one your application's configuration names)
// instead of making a fresh one. Only its public half is kept.
func (c Config) WithClientKey(content []byte, password string) Config {
	c.clientKey, c.password = append([]byte(nil), content...), password
	return c
}

// Server is a KMS instance running in this process: an in-memory store,
// HTTPS on 127.0.0.1 with a port of its own and a ClientKey of its own. Its fields
// are what the official SDK's openapi.Config needs; they never change.
type Server struct {
	// Endpoint is the SDK's Endpoint: "127.0.0.1:PORT", with Protocol "https".
	Endpoint string
	// URL is "https://" + Endpoint + "/".
	URL string
	// ClientKeyContent is the ClientKey file's text: the SDK's ClientKeyContent.
	ClientKeyContent string
	// ClientKeyID is the ClientKey's id, as in ClientKeyContent.
	ClientKeyID string
	// Password opens ClientKeyContent: the SDK's Password.
	Password string
	// CA is the PEM of the CA that signed the server certificate: the SDK's Ca.
	// Every test server in a process has the same CA (see identity).
	CA string

	engine  *kms.Engine
	backend store.Backend
	http    *http.Server
	ln      net.Listener
	pool    *x509.CertPool
	done    chan struct{}
	closing sync.Once
}

// New starts a server with the default configuration and closes
// it when the test ends (t.Cleanup). It is safe to start many, from
// parallel tests: each has its own store, port, ClientKey and CA.
func New(t TB) *Server {
	t.Helper()
	return NewWithConfig(t, NewConfig())
}

// NewWithConfig is New with a configuration.
func NewWithConfig(t TB, c Config) *Server {
	t.Helper()
	s, err := Start(c)
	if err != nil {
		t.Fatalf("pocketkms test server: %v", err)
		return nil
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test (e.g. in TestMain); the
// caller must Close it.
func Start(c Config) (*Server, error) {
	backend := store.NewMemory()
	if err := c.applySeed(backend); err != nil {
		return nil, err
	}
	s := &Server{backend: backend, done: make(chan struct{})}
	if err := s.registerClientKey(c); err != nil {
		return nil, err
	}

	id, err := processIdentity()
	if err != nil {
		return nil, err
	}
	s.CA, s.pool = id.caPEM, id.pool

	cfg := kms.NewConfig()
	if c.clock != nil {
		cfg = cfg.WithClock(c.clock)
	}
	s.engine = kms.New(backend, cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{id.cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	})
	s.Endpoint = ln.Addr().String()
	s.URL = "https://" + s.Endpoint + "/"
	s.http = &http.Server{
		Handler:           server.New(server.Native(s.engine), backend, server.NewConfig()),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		defer close(s.done)
		s.http.Serve(s.ln)
	}()
	return s, nil
}

func (c Config) applySeed(backend store.Backend) error {
	var f *seed.File
	var err error
	switch {
	case c.seedFile != "":
		f, err = seed.Load(c.seedFile)
	case c.seedData != nil:
		f, err = seed.Parse(c.seedName, c.seedData)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	_, err = seed.Apply(context.Background(), backend, f, func(e seed.ClientKeyEntry) (string, []byte, error) {
		if e.Certificate != "" {
			return clientkeys.RecordFromCertificate(e.KeyId, e.Certificate)
		}
		return clientkeys.RecordFromClientKey([]byte(e.ClientKeyContent), e.Password)
	})
	return err
}

// clientKeyValidity is how long a test ClientKey's certificate is valid;
// signature checks ignore it.
const clientKeyValidity = 24 * time.Hour

func (s *Server) registerClientKey(c Config) error {
	if c.clientKey != nil {
		key, value, err := clientkeys.RecordFromClientKey(c.clientKey, c.password)
		if err != nil {
			return err
		}
		rec, _ := clientkeys.Decode(value)
		s.ClientKeyContent, s.Password, s.ClientKeyID = string(c.clientKey), c.password, rec.ClientKeyId
		return clientkeys.Register(s.backend, key, value)
	}
	priv, err := processClientKey()
	if err != nil {
		return err
	}
	var pw [18]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return err
	}
	s.Password = base64.RawURLEncoding.EncodeToString(pw[:])
	keyID, file, key, value, err := clientkeys.CreateWithKey(rand.Reader, priv, s.Password, clientKeyValidity)
	if err != nil {
		return err
	}
	s.ClientKeyID, s.ClientKeyContent = keyID, string(file)
	return clientkeys.Register(s.backend, key, value)
}

// What every test server in the process shares: the CA with its server
// certificate, and the RSA key under their ClientKeys.
//
// RATIONALE: one CA per process, not per server, because the SDK's HTTP
// layer (alibabacloud-go/tea) caches one http.Client per host:port for the
// life of the process, with the CA of the first client made for it: a later
// server on a port the kernel hands out again would be refused under the
// earlier server's CA. One RSA key, because generating an RSA-2048 key costs
// many times the rest of a start (README, Figures); each server still has its own
// ClientKey id, certificate and password, so no server accepts another's
// client, and WithClientKey skips making it at all. Neither key is ever
// written anywhere, and the CA's key is dropped once it has signed.
type identity struct {
	caPEM string
	pool  *x509.CertPool
	cert  tls.Certificate
}

var processIdentity = sync.OnceValues(func() (*identity, error) {
	caPEM, certPEM, keyPEM, err := tlsca.Generate(time.Now())
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	return &identity{caPEM: string(caPEM), pool: pool, cert: cert}, nil
})

var processClientKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

// Engine is the server's engine, for what the instance API does not offer:
// creating keys, aliases, rotation policies, deletion (CallJSON with the
// product's names, e.g. CallJSON("CreateKey", []byte(`{"KeySpec":"Aliyun_AES_256"}`))).
func (s *Server) Engine() *kms.Engine { return s.engine }

// Call runs one management or data operation in the JSON form, e.g.
// Call("CreateKey", `{"KeySpec":"Aliyun_AES_256"}`), and returns the answer.
func (s *Server) Call(api, requestJSON string) (string, error) {
	out, err := s.engine.CallJSON(api, []byte(requestJSON))
	return string(out), err
}

// HTTPClient returns a client that trusts the server's CA.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.pool}}}
}

// Close stops the server and waits for it; requests in flight are cut off.
// Calling it again does nothing.
func (s *Server) Close() {
	s.closing.Do(func() {
		if err := s.http.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			panic(fmt.Sprintf("pocketkms test server: close: %v", err))
		}
		<-s.done
	})
}
