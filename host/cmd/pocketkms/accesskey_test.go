//go:build !wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestAccessKeyCommands(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, "accesskey", "create", "--data", dir)
	if code != 0 {
		t.Fatalf("create: %d %s", code, stderr)
	}
	var pair struct{ AccessKeyId, AccessKeySecret string }
	if err := json.Unmarshal([]byte(out), &pair); err != nil || !strings.HasPrefix(pair.AccessKeyId, "LTAI") || len(pair.AccessKeySecret) != 30 {
		t.Fatalf("create printed %q", out)
	}
	file := filepath.Join(dir, "ak.json")
	if code, out, _ = runCLI(t, "accesskey", "create", "--data", dir, "--out", file); code != 0 || strings.Contains(out, "Secret") {
		t.Fatalf("create --out: %d %q", code, out)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("--out file: %v %v", st, err)
	}
	if code, _, _ = runCLI(t, "accesskey", "create", "--data", dir, "--out", file); code == 0 {
		t.Fatal("create --out overwrote a file")
	}
	code, out, _ = runCLI(t, "accesskey", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, pair.AccessKeyId) || strings.Contains(out, pair.AccessKeySecret) || strings.Count(out, "LTAI") != 2 {
		t.Fatalf("list: %d %s", code, out)
	}
	// The secret never reaches the disk in plaintext.
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != file {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(pair.AccessKeySecret)) {
				t.Errorf("%s holds the secret in plaintext", p)
			}
		}
		return nil
	})
	if code, _, _ = runCLI(t, "accesskey", "revoke", "--data", dir, pair.AccessKeyId); code != 0 {
		t.Fatal("revoke failed")
	}
	if code, _, _ = runCLI(t, "accesskey", "revoke", "--data", dir, pair.AccessKeyId); code == 0 {
		t.Fatal("revoking twice succeeded")
	}
	if _, out, _ = runCLI(t, "accesskey", "list", "--data", dir); strings.Contains(out, pair.AccessKeyId) {
		t.Fatal("a revoked AccessKey is listed")
	}
}
