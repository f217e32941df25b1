// Package e2e starts the real pocketkms binary on free loopback ports with
// temporary data directories and drives it with the official KMS Instance
// SDK (github.com/aliyun/alibabacloud-dkms-gcs-go-sdk v0.5.1) over HTTPS, and
// with raw signed HTTP for the faults the SDK cannot produce. The whole
// suite runs once per engine: native, then wasm. Run it with
// tests/e2e/run.sh, which builds the binary and the wasm module first.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pocketkms-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin, err = kmstest.Binary(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// engines are the engines the suite runs on. The wasm engine needs the
// module (bash wasm/build.sh); run.sh sets POCKETKMS_REQUIRE_WASM so that a
// missing module fails the run instead of narrowing it.
func engines(t *testing.T) []string {
	if kmstest.WasmModule() != "" {
		return []string{"native", "wasm"}
	}
	if os.Getenv("POCKETKMS_REQUIRE_WASM") != "" {
		t.Fatal("POCKETKMS_REQUIRE_WASM is set but there is no build/pocketkms.wasm: run bash wasm/build.sh")
	}
	t.Log("no build/pocketkms.wasm: running the native engine only")
	return []string{"native"}
}

func serveArgs(engine string) []string {
	args := []string{"--engine", engine}
	if w := kmstest.WasmModule(); w != "" {
		args = append(args, "--wasm", w)
	}
	return args
}

// cli runs a pocketkms command that must succeed and returns its stdout.
func cli(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut, code, err := kmstest.CLI(ctx, bin, args...)
	if err != nil || code != 0 {
		t.Fatalf("pocketkms %s: exit %d %v\n%s%s", strings.Join(args, " "), code, err, out, errOut)
	}
	return out
}

// cliStdin runs a command with stdin, the way a secret value reaches
// `pocketkms secret put --value-file -` without touching the disk.
func cliStdin(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pocketkms %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cliJSON runs a command and decodes its JSON output.
func cliJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := cli(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("pocketkms %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// target is the server s as an application with that ClientKey sees it.
func target(s *kmstest.Server, clientKeyFile, password string) *kmstest.Target {
	return &kmstest.Target{Protocol: "https", Endpoint: s.Addr, CA: s.CA, ClientKeyFile: clientKeyFile, Password: password}
}

// sdkClient is the official SDK configured as the README tells users to.
func sdkClient(t *testing.T, s *kmstest.Server, clientKeyFile, password string) *dkms.Client {
	t.Helper()
	return target(s, clientKeyFile, password).SDK(t)
}
