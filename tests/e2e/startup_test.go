package e2e

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// A bad seed file stops the server before it listens, names the entry and
// field, and changes nothing in the data directory.
func TestBadSeedStopsServe(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	seed := writeFile(t, dir, "seed.json", `{"Keys": [
		{"KeySpec": "Aliyun_AES_256", "Aliases": ["alias/good"]},
		{"KeySpec": "Aliyun_AES_256", "Aliases": ["alias/bad"], "Versions": [{"KeyMaterial": "c2hvcnQ="}]}]}`)
	_, err := kmstest.Start(bin, data, "--seed", seed)
	if err == nil {
		t.Fatal("serve started with a bad seed file")
	}
	if !strings.Contains(err.Error(), "Keys[1]") || !strings.Contains(err.Error(), "KeyMaterial") {
		t.Fatalf("the message does not name the entry and field: %v", err)
	}
	out := cli(t, "key", "list", "--data", data)
	if strings.Contains(out, "key-") {
		t.Fatalf("a bad seed file left keys behind:\n%s", out)
	}
}

// Command-line mistakes exit non-zero with a message on stderr.
func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	short := writeFile(t, dir, "short.txt", "1234567\n")
	good := writeFile(t, dir, "good.txt", "long enough password\n")
	wrong := writeFile(t, dir, "wrong.txt", "12345\n")
	shared := filepath.Join(kmstest.RepoRoot(), "testdata", "sdk-test-clientkey.json")
	existing := writeFile(t, dir, "exists.json", "{}")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"short password", []string{"clientkey", "create", "--data", data, "--out", filepath.Join(dir, "a.json"), "--password-file", short}, "8 to 64"},
		{"never overwrite a ClientKey", []string{"clientkey", "create", "--data", data, "--out", existing, "--password-file", good}, "exists"},
		{"wrong import password", []string{"clientkey", "import", "--data", data, "--file", shared, "--password-file", wrong}, "wrong password"},
		{"revoke unknown", []string{"clientkey", "revoke", "--data", data, "KAAP.nobody"}, "no such ClientKey"},
		{"unknown engine", []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--engine", "jit"}, "native or wasm"},
		{"half a TLS pair", []string{"serve", "--data", data, "--tls-cert", existing}, "go together"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_, stderr, code, err := kmstest.CLI(ctx, bin, tc.args...)
			if err != nil || code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d %v, stderr %q, want it to contain %q", code, err, stderr, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "{}" {
		t.Fatal("an existing file was overwritten")
	}
}

// A second SIGTERM ends a draining server at once.
func TestSecondSignalQuitsNow(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	pw := writeFile(t, dir, "pw.txt", password)
	ck := filepath.Join(dir, "ck.json")
	cli(t, "clientkey", "create", "--data", data, "--out", ck, "--password-file", pw)
	s, err := kmstest.Start(bin, data)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := kmstest.LoadClientKey(ck, password)
	r, _ := kmstest.NewRaw(s, key)
	body := make([]byte, 1000)
	req := r.Request("GenerateRandom", body, nil, nil)
	pr, pw2 := io.Pipe()
	defer pw2.Close()
	req.Body, req.ContentLength = pr, int64(len(body))
	go r.Do(req)
	pw2.Write(body[:10]) // a request that stays in flight
	time.Sleep(300 * time.Millisecond)
	s.Terminate()
	time.Sleep(300 * time.Millisecond)
	if err := s.Wait(100 * time.Millisecond); err == nil || strings.Contains(err.Error(), "exit status") {
		t.Fatalf("the server did not wait for the request in flight: %v", err)
	}
	start := time.Now()
	s.Terminate()
	if err := s.Wait(5 * time.Second); err == nil || strings.Contains(err.Error(), "still running") {
		t.Fatalf("second signal: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("the second signal took %v", d)
	}
}
