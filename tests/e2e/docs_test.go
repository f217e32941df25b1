package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// docBlock returns the fenced code block of kind lang that follows marker
// in docs/testing-your-app.md.
func docBlock(t *testing.T, marker, lang string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(kmstest.RepoRoot(), "docs/testing-your-app.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("docs/testing-your-app.md has no %q", marker)
	}
	_, after, _ = strings.Cut(after, "```"+lang+"\n")
	block, _, ok := strings.Cut(after, "```\n")
	if !ok {
		t.Fatalf("no %s block after %q", lang, marker)
	}
	return block
}

// TestDocCIScript runs docs/testing-your-app.md's CI start script, as
// shown, with the seed file shown, then connects the official SDK with the
// config fields the doc gives for every language.
func TestDocCIScript(t *testing.T) {
	dir := t.TempDir()
	binDir := filepath.Join(dir, "path")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(binDir, "pocketkms")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kms-seed.json"), []byte(docBlock(t, "<!-- kms-seed.json -->", "json")), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for KMS_ADDR
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", docBlock(t, "<!-- ci-start.sh -->", "sh"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"), "KMS_ADDR="+addr)
	out, err := cmd.CombinedOutput()
	if pid, perr := os.ReadFile(filepath.Join(dir, "kms.pid")); perr == nil {
		if n, _ := strconv.Atoi(strings.TrimSpace(string(pid))); n > 0 {
			t.Cleanup(func() { syscall.Kill(n, syscall.SIGTERM); time.Sleep(200 * time.Millisecond) })
		}
	}
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "kms.log"))
		t.Fatalf("the doc's CI script: %v\n%s\nkms.log:\n%s", err, out, log)
	}

	tg := &kmstest.Target{Name: "doc", Protocol: "https", Endpoint: addr, CA: filepath.Join(dir, "kms-data/tls/ca.pem"),
		ClientKeyFile: filepath.Join(dir, "clientKey.json"), Password: "a-ci-only-password"}
	c := tg.SDK(t)
	enc, err := c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("from CI")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "from CI" {
		t.Fatalf("AdvanceDecrypt: %q %v", dec.Plaintext, err)
	}
}
