package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// node runs testdata/jsstore.mjs (the JS package under Node) and decodes
// what it prints.
func node(t *testing.T, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join("testdata", "jsstore.mjs")}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("node jsstore.mjs %v: %v\n%s", args, err, msg)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("node jsstore.mjs: %v: %q", err, out)
	}
}

// TestJSStoreMovesToServerAndBack: a store the JS package sealed under a
// data directory's root key is imported into it and served: the official
// SDK opens what Node sealed and uses Node's key. The server's store,
// exported, opens in the JS package, which opens what the server sealed.
// Sealed records travel as they are, so this holds only if both sides seal
// in one format.
func TestJSStoreMovesToServerAndBack(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	pw := writeFile(t, dir, "password.txt", password+"\n")
	ck := filepath.Join(dir, "clientKey.json")
	cli(t, "clientkey", "create", "--data", data, "--out", ck, "--password-file", pw)
	rootKey := filepath.Join(data, "root.key")

	nodeStore := filepath.Join(dir, "node.json")
	var w struct{ Blob string }
	node(t, &w, "write", nodeStore, rootKey)
	cli(t, "store", "import", "--data", data, "--file", nodeStore)
	cli(t, "key", "create", "--data", data, "--alias", "alias/fromserver")

	srv, err := kmstest.Start(bin, data, serveArgs("native")...)
	if err != nil {
		t.Fatal(err)
	}
	sdk := sdkClient(t, srv, ck, password)
	blob, _ := base64.StdEncoding.DecodeString(w.Blob)
	dec, err := sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: blob, Aad: []byte("x")})
	if err != nil || string(dec.Plaintext) != "sealed in node" {
		t.Fatalf("the server opening Node's blob: %v %q", err, dec)
	}
	if _, err := sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/fromnode"), Plaintext: []byte("y")}); err != nil {
		t.Fatalf("Node's key on the server: %v", err)
	}
	enc, err := sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/fromserver"), Plaintext: []byte("sealed by the server"), Aad: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	serverStore := filepath.Join(dir, "server.json")
	cli(t, "store", "export", "--data", data, "--out", serverStore)
	var r struct {
		Plaintext, Again string
		Keys             int
	}
	node(t, &r, "read", serverStore, rootKey, base64.StdEncoding.EncodeToString(enc.CiphertextBlob))
	if r.Plaintext != "sealed by the server" || r.Again != "again" || r.Keys != 2 {
		t.Fatalf("the JS package over the server's store: %+v", r)
	}
}
