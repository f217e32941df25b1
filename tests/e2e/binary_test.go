package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// fullBinary is $POCKETKMS_FULL_BIN, or the binary `make bin` makes
// (-tags pocketkms_embed), built into dir.
func fullBinary(t *testing.T, dir string) string {
	if b := os.Getenv("POCKETKMS_FULL_BIN"); b != "" {
		return b
	}
	out := filepath.Join(dir, "pocketkms-full")
	cmd := exec.Command("go", "build", "-trimpath", "-tags", "pocketkms_embed", "-o", out, "./host/cmd/pocketkms")
	cmd.Dir = kmstest.RepoRoot()
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags pocketkms_embed (needs bash wasm/build.sh first): %v\n%s", err, msg)
	}
	return out
}

// TestSelfContainedBinary copies the full binary alone into an empty
// directory and runs `serve --engine wasm` there: the module it runs and
// serves to the playground is the one it carries, named by `version`.
// (tests/binary runs the playground from such a copy in Chromium.)
func TestSelfContainedBinary(t *testing.T) {
	module, err := os.ReadFile(filepath.Join(kmstest.RepoRoot(), "build", "pocketkms.wasm"))
	if err != nil {
		t.Fatalf("the module the binary embeds: %v (bash wasm/build.sh)", err)
	}
	sum := sha256.Sum256(module)
	want := hex.EncodeToString(sum[:])

	dir := t.TempDir()
	src, err := os.ReadFile(fullBinary(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "pocketkms")
	if err := os.WriteFile(bin, src, 0o755); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(context.Background(), bin, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("pocketkms %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if v := cli("version"); !strings.Contains(v, "module: embedded") || !strings.Contains(v, want) {
		t.Fatalf("pocketkms version does not name the module it carries (sha256 %s):\n%s", want, v)
	}

	if err := os.WriteFile(filepath.Join(dir, "pw.txt"), []byte("a-long-password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("clientkey", "create", "--data", "data", "--out", "ck.json", "--password-file", "pw.txt")
	cli("key", "create", "--data", "data", "--alias", "alias/app")
	srv, err := kmstest.StartIn(dir, bin, filepath.Join(dir, "data"), "--engine", "wasm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})

	caPEM, err := os.ReadFile(srv.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path string) []byte {
		t.Helper()
		res, err := hc.Get("https://" + srv.Addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %s %v", path, res.Status, err)
		}
		return body
	}
	if h := get("/healthz"); !bytes.Contains(h, []byte(`"engine":"wasm"`)) {
		t.Fatalf("/healthz: %s", h)
	}
	if served := sha256.Sum256(get("/build/pocketkms.wasm")); served != sum {
		t.Fatal("the playground is served another module than the one embedded")
	}
	get("/") // the playground's page, from the embedded web files

	tg := &kmstest.Target{Name: "wasm", Protocol: "https", Endpoint: srv.Addr, CA: srv.CA,
		ClientKeyFile: filepath.Join(dir, "ck.json"), Password: "a-long-password"}
	c := tg.SDK(t)
	enc, err := c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("from a copied binary")})
	if err != nil {
		t.Fatalf("AdvanceEncrypt through the embedded module: %v\n%s", err, srv.Log())
	}
	dec, err := c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "from a copied binary" {
		t.Fatalf("AdvanceDecrypt: %q %v", dec.Plaintext, err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".wasm") || e.Name() == "build" {
			t.Fatalf("the directory holds %s: the module did not come from the binary", e.Name())
		}
	}
}
