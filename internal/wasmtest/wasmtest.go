// Package wasmtest gives tests the freshly built pocketkms module: it runs
// wasm/build.sh once per test binary (Go's build cache makes an unchanged
// module cheap) so no test ever runs a stale build/pocketkms.wasm, and it
// fails the test, never skips it, when the module cannot be built.
package wasmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	once  sync.Once
	bytes []byte
	err   error
)

// Module returns the bytes of build/pocketkms.wasm, built from the current
// source tree.
func Module(tb testing.TB) []byte {
	tb.Helper()
	once.Do(func() { bytes, err = build() })
	if err != nil {
		tb.Fatalf("cannot build the pocketkms wasm module: %v", err)
	}
	return bytes
}

// Path returns where the module is built: <repo>/build/pocketkms.wasm.
func Path() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "build", "pocketkms.wasm"), nil
}

func build() ([]byte, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("bash", filepath.Join(root, "wasm", "build.sh"))
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("wasm/build.sh: %v\n%s", err, out)
	}
	return os.ReadFile(filepath.Join(root, "build", "pocketkms.wasm"))
}

// RepoRoot walks up from the working directory to the go.mod of
// github.com/pocketkms/pocketkms.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module github.com/pocketkms/pocketkms\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no github.com/pocketkms/pocketkms go.mod above the working directory")
		}
		dir = parent
	}
}
