//go:build !wasm

package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/internal/tlsca"
)

// syncBuffer is a bytes.Buffer that serve's goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startStop runs serve on dir until it prints its banner, stops it, and
// returns the CA file clients are told to trust.
func startStop(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- serve(ctx, append([]string{"--data", dir, "--addr", "127.0.0.1:0", "--quiet"}, args...), out, io.Discard)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "endpoint:") {
		select {
		case rc := <-done:
			t.Fatalf("serve %v exited with %d:\n%s", args, rc, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve %v printed no banner in 30s", args)
		}
	}
	cancel()
	if rc := <-done; rc != 0 {
		t.Fatalf("serve %v stopped with %d", args, rc)
	}
	ca, err := os.ReadFile(tlsca.In(dir).CA)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// TestServeKeepsItsCA: restarting the server keeps the CA its clients trust
// (it was remade on every start with the default address); --tls-host makes
// a certificate that names the extra hosts, once.
func TestServeKeepsItsCA(t *testing.T) {
	dir := t.TempDir()
	first := startStop(t, dir)
	if second := startStop(t, dir); !bytes.Equal(first, second) {
		t.Fatal("a restart made a new CA: clients configured with the old ca.pem would fail")
	}
	named := startStop(t, dir, "--tls-host", "pocketkms, 10.9.8.7", "--tls-host", "kms.internal")
	if bytes.Equal(named, first) {
		t.Fatal("--tls-host kept a certificate that does not name the hosts")
	}
	files := tlsca.In(dir)
	cert, err := tls.LoadX509KeyPair(files.Cert, files.Key)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"pocketkms", "10.9.8.7", "kms.internal", "localhost", "127.0.0.1"} {
		if err := cert.Leaf.VerifyHostname(h); err != nil {
			t.Errorf("the certificate does not name %s: %v", h, err)
		}
	}
	if again := startStop(t, dir, "--tls-host", "pocketkms,10.9.8.7,kms.internal"); !bytes.Equal(again, named) {
		t.Fatal("the same --tls-host list made a new CA")
	}
}

func TestServeRefusesBadTLSHost(t *testing.T) {
	for _, args := range [][]string{
		{"--tls-host", "a b"},
		{"--tls-host", "http://x"},
		{"--tls-host", ","},
		{"--tls-host", "x", "--plain-http"},
	} {
		var stderr bytes.Buffer
		rc := serve(context.Background(), append([]string{"--data", t.TempDir(), "--addr", "127.0.0.1:0"}, args...), io.Discard, &stderr)
		if rc == 0 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, rc, stderr.String())
		}
	}
}
