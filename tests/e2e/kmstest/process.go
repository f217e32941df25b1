// Package kmstest runs the real pocketkms binary for the end-to-end suite
// and the load benchmark: it builds it, starts `pocketkms serve` on a free
// loopback port with a given data directory, runs CLI commands, and signs raw
// instance API requests for the faults the SDK cannot produce.
package kmstest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// RepoRoot is the main module's directory, found from this file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// Binary returns $POCKETKMS_BIN, or builds the binary into dir.
func Binary(dir string) (string, error) {
	if b := os.Getenv("POCKETKMS_BIN"); b != "" {
		return filepath.Abs(b)
	}
	out := filepath.Join(dir, "pocketkms")
	cmd := exec.Command("go", "build", "-o", out, "./host/cmd/pocketkms")
	cmd.Dir = RepoRoot()
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, msg)
	}
	return out, nil
}

// WasmModule returns $POCKETKMS_WASM or the repository's build/pocketkms.wasm
// if it exists, else "".
func WasmModule() string {
	p := os.Getenv("POCKETKMS_WASM")
	if p == "" {
		p = filepath.Join(RepoRoot(), "build", "pocketkms.wasm")
	}
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// Server is one running `pocketkms serve`.
type Server struct {
	Addr    string // host:port it listens on
	CA      string // path of the CA certificate, "" with --plain-http
	DataDir string
	cmd     *exec.Cmd
	stderr  *syncBuffer
	done    chan error
}

var (
	endpointLine = regexp.MustCompile(`^\s*endpoint:\s+(\S+)`)
	caLine       = regexp.MustCompile(`^\s*CA:\s+(\S+)`)
)

// Start runs `bin serve --data dataDir --addr 127.0.0.1:0 args...` and waits
// until it prints its endpoint.
func Start(bin, dataDir string, args ...string) (*Server, error) {
	return StartIn(RepoRoot(), bin, dataDir, args...) // so that build/pocketkms.wasm is found for the playground
}

// StartIn is Start with the working directory dir.
func StartIn(dir, bin, dataDir string, args ...string) (*Server, error) {
	full := append([]string{"serve", "--data", dataDir, "--addr", "127.0.0.1:0"}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	s := &Server{DataDir: dataDir, cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			if m := caLine.FindStringSubmatch(line); m != nil {
				s.CA = m[1]
			}
			if m := endpointLine.FindStringSubmatch(line); m != nil {
				s.Addr = m[1]
			}
			if strings.HasPrefix(line, "  data:") {
				once.Do(func() { close(found) })
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() { s.done <- cmd.Wait() }()
	select {
	case <-found:
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("pocketkms serve exited: %v\n%s", err, s.stderr.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("pocketkms serve did not start in 60s\n%s", s.stderr.String())
	}
}

// Pid is the server process's id (loadbench reads its CPU time).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop sends SIGTERM and waits for a clean exit.
func (s *Server) Stop() error {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			return fmt.Errorf("pocketkms serve: %v\n%s", err, s.stderr.String())
		}
		return nil
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		return fmt.Errorf("pocketkms serve did not stop in 40s")
	}
}

// Terminate sends SIGTERM without waiting; Wait then waits for the exit.
func (s *Server) Terminate() { s.cmd.Process.Signal(syscall.SIGTERM) }

// Wait waits at most d for the server to exit and returns its exit error.
func (s *Server) Wait(d time.Duration) error {
	select {
	case err := <-s.done:
		s.done <- err // keep it for Stop
		return err
	case <-time.After(d):
		return fmt.Errorf("pocketkms serve still running after %v", d)
	}
}

// Log is what the server wrote to stderr so far.
func (s *Server) Log() string { return s.stderr.String() }

// CLI runs a pocketkms command and returns stdout, stderr and the exit code.
func CLI(ctx context.Context, bin string, args ...string) (stdout, stderr string, code int, err error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode(), nil
	}
	return o.String(), e.String(), 0, err
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
