//go:build !wasm

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms"
)

// These run in the untagged build `go test` makes: the binary carries no
// module (the tagged build is tests/e2e's TestSelfContainedBinary).

func TestVersionWithoutModule(t *testing.T) {
	if pocketkms.Module() != nil {
		t.Skip("built with -tags pocketkms_embed: TestSelfContainedBinary covers that build")
	}
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &out); code != 0 {
		t.Fatalf("version: exit %d\n%s", code, &out)
	}
	if !strings.Contains(out.String(), "module: none embedded (built without -tags pocketkms_embed)") {
		t.Fatalf("version without a module:\n%s", &out)
	}

	// In a checkout, it names the module serve would read, by its hash.
	mod := []byte("\x00asm not really")
	os.MkdirAll("build", 0o755)
	os.WriteFile(filepath.Join("build", "pocketkms.wasm"), mod, 0o644)
	sum := sha256.Sum256(mod)
	out.Reset()
	run(context.Background(), []string{"version"}, &out, &out)
	if !strings.Contains(out.String(), "serve would read build/pocketkms.wasm, 15 bytes, sha256 "+hex.EncodeToString(sum[:])) {
		t.Fatalf("version in a checkout:\n%s", &out)
	}
}

func TestServeWasmWithoutModuleSaysHow(t *testing.T) {
	if pocketkms.Module() != nil {
		t.Skip("built with -tags pocketkms_embed")
	}
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--data", "d", "--addr", "127.0.0.1:0", "--engine", "wasm"}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("serve --engine wasm started without a module")
	}
	if !strings.Contains(stderr.String(), "use `make bin`, or give --wasm FILE") {
		t.Fatalf("the error does not say how to get a module:\n%s", &stderr)
	}
	stderr.Reset()
	run(context.Background(), []string{"serve", "--data", "d", "--addr", "127.0.0.1:0", "--engine", "wasm", "--wasm", "missing.wasm"}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "missing.wasm") {
		t.Fatalf("an explicit --wasm that does not exist is not named:\n%s", &stderr)
	}
}
