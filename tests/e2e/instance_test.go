package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkmsapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

const password = "e2e-password-1"

// env is one data directory with its ClientKeys, shared by the subtests of
// one engine's run.
type env struct {
	engine, dir, data string
	clientKey, pwFile string
	srv               *kmstest.Server
	sdk               *dkms.Client
	appKey            string
	blobs             map[string][]byte // kmstest.DataPlane.Blobs, opened again after the restart
}

func TestInstance(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) { suite(t, engine) })
	}
}

func suite(t *testing.T, engine string) {
	e := &env{engine: engine, dir: t.TempDir()}
	e.data = filepath.Join(e.dir, "data")
	e.pwFile = writeFile(t, e.dir, "password.txt", password+"\n")
	e.clientKey = filepath.Join(e.dir, "clientKey.json")
	var created struct{ ClientKeyId, File string }
	cliJSON(t, &created, "clientkey", "create", "--data", e.data, "--out", e.clientKey, "--password-file", e.pwFile)
	if !strings.HasPrefix(created.ClientKeyId, "KAAP.") {
		t.Fatalf("ClientKey id %q", created.ClientKeyId)
	}
	seedJSON, _ := json.Marshal(map[string]any{"Keys": append(kmstest.SeedKeys, kmstest.SeedSecretKeys...), "Secrets": kmstest.SeedSecrets})
	seed := writeFile(t, e.dir, "seed.json", string(seedJSON))
	e.start(t, "--seed", seed)
	t.Cleanup(func() {
		if err := e.srv.Stop(); err != nil {
			t.Error(err)
		}
	})

	// The data plane, as every host answers it (kmstest.RunDataPlane).
	tg := target(e.srv, e.clientKey, password)
	tg.Name = engine
	tg.Rotate = func(t *testing.T, keyID string) {
		// The CLI on the same data directory while the server runs.
		cli(t, "key", "rotate", "--data", e.data, keyID)
	}
	d := kmstest.RunDataPlane(t, tg)
	e.appKey, e.blobs = d.AppKey, d.Blobs

	// Secrets through the instance SDK, the Secrets Manager client and the
	// transfer SDK; values change through the CLI, as an operator would.
	tg.PutSecret = func(t *testing.T, name, versionID, value string) {
		cliStdin(t, value, "secret", "put", "--data", e.data, name, "--version-id", versionID, "--value-file", "-")
	}
	tg.DisableKey = func(t *testing.T, key string) { cli(t, "key", "disable", "--data", e.data, key) }
	tg.DeleteSecret = func(t *testing.T, name string) {
		cli(t, "secret", "delete", "--data", e.data, name, "--recovery-days", "7")
	}
	t.Run("secrets", func(t *testing.T) { kmstest.RunSecrets(t, *tg) })

	// What only the server has.
	t.Run("errors below the API", e.transportErrors)
	t.Run("imported ClientKey", e.importedClientKey)
	t.Run("ClientKey changes take effect at the next request", e.clientKeyChanges)
	t.Run("second server with --plain-http on the same data", e.plainHTTPServer)
	t.Run("own TLS certificate, SDK Ca as PEM text", e.ownCertServer)
	t.Run("playground and healthz", e.playground)
	t.Run("restart keeps everything", e.restart)
}

func (e *env) start(t *testing.T, extra ...string) {
	t.Helper()
	s, err := kmstest.Start(bin, e.data, append(serveArgs(e.engine), extra...)...)
	if err != nil {
		t.Fatal(err)
	}
	if s.CA == "" || s.CA != filepath.Join(e.data, "tls", "ca.pem") && !strings.HasSuffix(s.CA, "/tls/ca.pem") {
		t.Fatalf("CA path %q", s.CA)
	}
	e.srv = s
	// A new port each start: the SDK caches one transport per endpoint.
	e.sdk = sdkClient(t, s, e.clientKey, password)
}

func (e *env) importedClientKey(t *testing.T) {
	shared := filepath.Join(kmstest.RepoRoot(), "testdata", "sdk-test-clientkey.json")
	pw := writeFile(t, e.dir, "pw1234.txt", "1234\n")
	// Before the import the SDK's test key is unknown.
	c := sdkClient(t, e.srv, shared, "1234")
	start := time.Now()
	_, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(8)})
	kmstest.WantSDKError(t, start, err, 404, "Unauthorized")
	var out struct{ ClientKeyId string }
	cliJSON(t, &out, "clientkey", "import", "--data", e.data, "--file", shared, "--password-file", pw)
	if out.ClientKeyId != "key_for_unit_test" {
		t.Fatalf("imported id %q", out.ClientKeyId)
	}
	// Importing the same file again is harmless.
	cli(t, "clientkey", "import", "--data", e.data, "--file", shared, "--password-file", pw)
	r, err := c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("from the SDK test key")})
	if err != nil {
		t.Fatalf("the imported ClientKey is refused: %v", err)
	}
	d, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: r.CiphertextBlob})
	if err != nil || string(d.Plaintext) != "from the SDK test key" {
		t.Fatal(err)
	}
}

func (e *env) clientKeyChanges(t *testing.T) {
	ck := filepath.Join(e.dir, "second.json")
	var created struct{ ClientKeyId string }
	cliJSON(t, &created, "clientkey", "create", "--data", e.data, "--out", ck, "--password-file", e.pwFile)
	c := sdkClient(t, e.srv, ck, password)
	if _, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(4)}); err != nil {
		t.Fatalf("a ClientKey created while the server runs is refused: %v", err)
	}
	var list struct {
		ClientKeys []struct{ ClientKeyId string }
	}
	cliJSON(t, &list, "clientkey", "list", "--data", e.data)
	found := false
	for _, k := range list.ClientKeys {
		found = found || k.ClientKeyId == created.ClientKeyId
	}
	if !found || len(list.ClientKeys) < 2 {
		t.Fatalf("list: %+v", list)
	}
	cli(t, "clientkey", "revoke", "--data", e.data, created.ClientKeyId)
	start := time.Now()
	_, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(4)})
	kmstest.WantSDKError(t, start, err, 404, "Unauthorized")
	// The file still exists but its key is no longer registered; a wrong
	// password does not even open it on the client side.
	if _, err := kmstest.LoadClientKey(ck, "wrong password"); err == nil {
		t.Fatal("ClientKey opened with a wrong password")
	}
}

// plainHTTPServer runs a second server, cleartext, on the same data
// directory: the SDK's Protocol "http" works, and what one server encrypts
// the other decrypts (they share the SQLite file and keep no key state).
func (e *env) plainHTTPServer(t *testing.T) {
	s, err := kmstest.Start(bin, e.data, append(serveArgs(e.engine), "--plain-http")...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	}()
	if s.CA != "" {
		t.Fatalf("a cleartext server printed a CA: %s", s.CA)
	}
	c, err := dkms.NewClient(&dkmsapi.Config{Protocol: tea.String("http"), Endpoint: tea.String(s.Addr),
		ClientKeyFile: tea.String(e.clientKey), Password: tea.String(password), ReadTimeout: tea.Int(60000)})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("over http")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	if err != nil || string(dec.Plaintext) != "over http" {
		t.Fatalf("the HTTPS server cannot open the cleartext server's blob: %v", err)
	}
	// Errors on the cleartext port are protobuf too, including bytes that
	// are not HTTP at all (a TLS ClientHello), which net/http refuses itself.
	conn, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write([]byte("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	kmstest.WantProtoError(t, resp.StatusCode, resp.Header, body, 400, "InvalidParam")
	r := e.raw(t)
	r.URL = "http://" + s.Addr + "/"
	st, hdr, body, err := r.Do(r.Request("GenerateRandom", nil, nil, func(h http.Header) { h.Set("date", "garbage") }))
	if err != nil {
		t.Fatal(err)
	}
	kmstest.WantProtoError(t, st, hdr, body, 400, "InvalidParam")
}
