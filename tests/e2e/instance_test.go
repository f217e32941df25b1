package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkmsapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

const seedKeys = `{"Keys": [
  {"KeySpec": "Aliyun_AES_256", "Aliases": ["alias/app"]},
  {"KeySpec": "Aliyun_SM4", "Aliases": ["alias/sm4"]},
  {"KeySpec": "Aliyun_AES_128", "Aliases": ["alias/rotating"]}
]}`

const password = "e2e-password-1"

// env is one data directory with its ClientKeys, shared by the subtests of
// one engine's run.
type env struct {
	engine, dir, data string
	clientKey, pwFile string
	srv               *kmstest.Server
	sdk               *dkms.Client
	appKey, sm4Key    string
	rotKey            string
	blobs             map[string][]byte // AdvanceEncrypt blobs kept for the restart check
}

func TestInstance(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) { suite(t, engine) })
	}
}

func suite(t *testing.T, engine string) {
	e := &env{engine: engine, dir: t.TempDir(), blobs: map[string][]byte{}}
	e.data = filepath.Join(e.dir, "data")
	e.pwFile = writeFile(t, e.dir, "password.txt", password+"\n")
	e.clientKey = filepath.Join(e.dir, "clientKey.json")
	var created struct{ ClientKeyId, File string }
	cliJSON(t, &created, "clientkey", "create", "--data", e.data, "--out", e.clientKey, "--password-file", e.pwFile)
	if !strings.HasPrefix(created.ClientKeyId, "KAAP.") {
		t.Fatalf("ClientKey id %q", created.ClientKeyId)
	}
	seed := writeFile(t, e.dir, "seed.json", seedKeys)
	e.start(t, "--seed", seed)
	t.Cleanup(func() {
		if err := e.srv.Stop(); err != nil {
			t.Error(err)
		}
	})

	// Learn the generated key ids from the aliases.
	e.appKey = keyIDOf(t, e.sdk, "alias/app")
	e.sm4Key = keyIDOf(t, e.sdk, "alias/sm4")
	e.rotKey = keyIDOf(t, e.sdk, "alias/rotating")

	t.Run("Encrypt and Decrypt in every mode", e.encryptDecrypt)
	t.Run("AdvanceEncrypt and AdvanceDecrypt", e.advance)
	t.Run("Encrypt then AdvanceDecrypt with KeyId Iv Algorithm", e.encryptThenAdvanceDecrypt)
	t.Run("data keys", e.dataKeys)
	t.Run("GenerateRandom", e.generateRandom)
	t.Run("aliases", e.aliases)
	t.Run("rotation", e.rotation)
	t.Run("unbuilt operations", e.unbuilt)
	t.Run("engine errors through the SDK", e.engineErrors)
	t.Run("errors on the wire", e.wireErrors)
	t.Run("imported ClientKey", e.importedClientKey)
	t.Run("ClientKey changes take effect at the next request", e.clientKeyChanges)
	t.Run("parallel requests", e.parallel)
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

func keyIDOf(t *testing.T, c *dkms.Client, alias string) string {
	t.Helper()
	r, err := c.Encrypt(&dkms.EncryptRequest{KeyId: tea.String(alias), Plaintext: []byte("x")})
	if err != nil {
		t.Fatalf("Encrypt with %s: %v", alias, err)
	}
	id := tea.StringValue(r.KeyId)
	if !strings.HasPrefix(id, "key-") || len(id) != 25 {
		t.Fatalf("%s resolves to %q: responses must name the real key id", alias, id)
	}
	return id
}

func (e *env) encryptDecrypt(t *testing.T) {
	plain := []byte("attack at dawn, sixteen bytes!!!") // 32 bytes
	for _, tc := range []struct {
		key, alg, padding string
		ivLen             int
		aad               []byte
	}{
		{"alias/app", "", "", 12, []byte("context")}, // default AES_GCM
		{"alias/app", "AES_GCM", "", 12, nil},
		{"alias/app", "AES_CBC", "PKCS7_PADDING", 16, nil},
		{"alias/app", "AES_CBC", "NO_PADDING", 16, nil},
		{"alias/app", "AES_ECB", "PKCS7_PADDING", 0, nil},
		{"alias/sm4", "", "", 12, []byte("aad")}, // default SM4_GCM
		{"alias/sm4", "SM4_CBC", "PKCS7_PADDING", 16, nil},
		{"alias/sm4", "SM4_ECB", "", 0, nil},
	} {
		t.Run(fmt.Sprintf("%s %s %s", tc.key, tc.alg, tc.padding), func(t *testing.T) {
			req := &dkms.EncryptRequest{KeyId: tea.String(tc.key), Plaintext: plain, Aad: tc.aad}
			if tc.alg != "" {
				req.Algorithm = tea.String(tc.alg)
			}
			if tc.padding != "" {
				req.PaddingMode = tea.String(tc.padding)
			}
			enc, err := e.sdk.Encrypt(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(enc.Iv) != tc.ivLen || bytes.Contains(enc.CiphertextBlob, plain[:16]) || tea.StringValue(enc.Algorithm) == "" {
				t.Fatalf("Iv %x Algorithm %q blob %x", enc.Iv, tea.StringValue(enc.Algorithm), enc.CiphertextBlob)
			}
			if tc.alg != "" && tea.StringValue(enc.Algorithm) != tc.alg {
				t.Fatalf("Algorithm %q, want %q", tea.StringValue(enc.Algorithm), tc.alg)
			}
			dec, err := e.sdk.Decrypt(&dkms.DecryptRequest{KeyId: enc.KeyId, CiphertextBlob: enc.CiphertextBlob,
				Algorithm: enc.Algorithm, Iv: enc.Iv, Aad: tc.aad, PaddingMode: enc.PaddingMode})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dec.Plaintext, plain) || tea.StringValue(dec.KeyId) != tea.StringValue(enc.KeyId) {
				t.Fatalf("Decrypt: %q key %s", dec.Plaintext, tea.StringValue(dec.KeyId))
			}
			if strings.HasSuffix(tea.StringValue(enc.Algorithm), "GCM") {
				start := time.Now()
				_, err := e.sdk.Decrypt(&dkms.DecryptRequest{KeyId: enc.KeyId, CiphertextBlob: enc.CiphertextBlob,
					Algorithm: enc.Algorithm, Iv: enc.Iv, Aad: []byte("other aad")})
				wantSDKError(t, start, err, 400, "InvalidParameter")
			}
		})
	}
}

func (e *env) advance(t *testing.T) {
	for _, key := range []string{"alias/app", e.sm4Key} {
		plain := []byte("advance " + key)
		enc, err := e.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String(key), Plaintext: plain, Aad: []byte("a")})
		if err != nil {
			t.Fatal(err)
		}
		kv := tea.StringValue(enc.KeyVersionId)
		if !strings.HasPrefix(kv, tea.StringValue(enc.KeyId)+"-") || len(kv) != 36 {
			t.Fatalf("KeyVersionId %q of %s", kv, tea.StringValue(enc.KeyId))
		}
		e.blobs[key] = enc.CiphertextBlob
		// The blob is self-describing: only it and the Aad are needed.
		dec, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("a")})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec.Plaintext, plain) || tea.StringValue(dec.KeyVersionId) != kv || tea.StringValue(dec.KeyId) != tea.StringValue(enc.KeyId) {
			t.Fatalf("AdvanceDecrypt %q %s %s", dec.Plaintext, tea.StringValue(dec.KeyId), tea.StringValue(dec.KeyVersionId))
		}
		// A client that sends the Iv back anyway is tolerated.
		dec, err = e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("a"), Iv: enc.Iv})
		if err != nil || !bytes.Equal(dec.Plaintext, plain) {
			t.Fatalf("with a redundant Iv: %v", err)
		}
	}
	// 1 KiB and 6 KiB, the product's recommended maximum.
	for _, n := range []int{1024, 6 * 1024} {
		plain := bytes.Repeat([]byte{0x5a}, n)
		enc, err := e.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String(e.appKey), Plaintext: plain})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
		if err != nil || !bytes.Equal(dec.Plaintext, plain) {
			t.Fatalf("%d bytes: %v", n, err)
		}
	}
}

func (e *env) encryptThenAdvanceDecrypt(t *testing.T) {
	for _, tc := range []struct{ alg, padding string }{{"AES_GCM", ""}, {"AES_CBC", "PKCS7_PADDING"}} {
		enc, err := e.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("legacy"),
			Algorithm: tea.String(tc.alg), PaddingMode: strPtr(tc.padding)})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob,
			KeyId: tea.String("alias/app"), Iv: enc.Iv, Algorithm: enc.Algorithm, PaddingMode: enc.PaddingMode})
		if err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if string(dec.Plaintext) != "legacy" || tea.StringValue(dec.KeyId) != e.appKey || tea.StringValue(dec.KeyVersionId) == "" {
			t.Fatalf("%s: %q %s %s", tc.alg, dec.Plaintext, tea.StringValue(dec.KeyId), tea.StringValue(dec.KeyVersionId))
		}
	}
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (e *env) dataKeys(t *testing.T) {
	gk, err := e.sdk.GenerateDataKey(&dkms.GenerateDataKeyRequest{KeyId: tea.String("alias/app"), NumberOfBytes: tea.Int32(24), Aad: []byte("dk")})
	if err != nil {
		t.Fatal(err)
	}
	if len(gk.Plaintext) != 24 || tea.StringValue(gk.Algorithm) != "AES_GCM" || len(gk.Iv) != 12 {
		t.Fatalf("GenerateDataKey: %d bytes, %s, iv %x", len(gk.Plaintext), tea.StringValue(gk.Algorithm), gk.Iv)
	}
	dec, err := e.sdk.Decrypt(&dkms.DecryptRequest{KeyId: gk.KeyId, CiphertextBlob: gk.CiphertextBlob, Iv: gk.Iv, Algorithm: gk.Algorithm, Aad: []byte("dk")})
	if err != nil || !bytes.Equal(dec.Plaintext, gk.Plaintext) {
		t.Fatalf("the data key does not decrypt: %v", err)
	}
	ak, err := e.sdk.AdvanceGenerateDataKey(&dkms.AdvanceGenerateDataKeyRequest{KeyId: tea.String(e.appKey)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ak.Plaintext) != 32 || tea.StringValue(ak.KeyVersionId) == "" {
		t.Fatalf("AdvanceGenerateDataKey default: %d bytes, version %q", len(ak.Plaintext), tea.StringValue(ak.KeyVersionId))
	}
	adec, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: ak.CiphertextBlob})
	if err != nil || !bytes.Equal(adec.Plaintext, ak.Plaintext) {
		t.Fatalf("the advance data key does not decrypt: %v", err)
	}
	e.blobs["datakey"] = ak.CiphertextBlob
	e.blobs["datakey-plain"] = ak.Plaintext
}

func (e *env) generateRandom(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int32{1, 16, 64} {
		r, err := e.sdk.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(n)})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Random) != int(n) || tea.StringValue(r.RequestId) == "" {
			t.Fatalf("%d random bytes: got %d", n, len(r.Random))
		}
		if n > 1 && seen[string(r.Random)] {
			t.Fatal("repeated random output")
		}
		seen[string(r.Random)] = true
	}
	start := time.Now()
	_, err := e.sdk.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(65)})
	wantSDKError(t, start, err, 400, "InvalidParameter")
}

func (e *env) aliases(t *testing.T) {
	// Encrypt through the alias, decrypt through the key id and back.
	enc, err := e.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/sm4"), Plaintext: []byte("via alias")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := e.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String(e.sm4Key), CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv, Algorithm: enc.Algorithm})
	if err != nil || string(dec.Plaintext) != "via alias" {
		t.Fatalf("%v", err)
	}
	// The wrong key does not open it.
	start := time.Now()
	_, err = e.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/app"), CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv, Algorithm: tea.String("AES_GCM")})
	wantSDKError(t, start, err, 400, "InvalidParameter")
	start = time.Now()
	_, err = e.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/nobody"), Plaintext: []byte("x")})
	wantSDKError(t, start, err, 404, "Forbidden.KeyNotFound")
}

func (e *env) unbuilt(t *testing.T) {
	calls := map[string]func() error{
		"Sign": func() error {
			_, err := e.sdk.Sign(&dkms.SignRequest{KeyId: tea.String(e.appKey), Message: []byte("m"), MessageType: tea.String("RAW")})
			return err
		},
		"GetPublicKey": func() error {
			_, err := e.sdk.GetPublicKey(&dkms.GetPublicKeyRequest{KeyId: tea.String(e.appKey)})
			return err
		},
		"GetSecretValue": func() error {
			_, err := e.sdk.GetSecretValue(&dkms.GetSecretValueRequest{SecretName: tea.String("s")})
			return err
		},
		"GenerateDataKeyPair": func() error {
			_, err := e.sdk.GenerateDataKeyPair(&dkms.GenerateDataKeyPairRequest{KeyId: tea.String(e.appKey), KeyPairSpec: tea.String("RSA_2048")})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			wantSDKError(t, start, call(), 400, "UnsupportedOperation")
		})
	}
}

func (e *env) engineErrors(t *testing.T) {
	start := time.Now()
	_, err := e.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("key-doesnotexist000000000"), Plaintext: []byte("x")})
	wantSDKError(t, start, err, 404, "Forbidden.KeyNotFound")
	start = time.Now()
	_, err = e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: []byte("not a blob at all")})
	wantSDKError(t, start, err, 400, "InvalidParameter")
	// Over 3 MB: an early 413 with a protobuf Error, which the SDK reports.
	start = time.Now()
	_, err = e.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String(e.appKey), Plaintext: make([]byte, 3<<20+1)})
	wantSDKError(t, start, err, 413, "RequestEntityTooLarge")
}

func (e *env) importedClientKey(t *testing.T) {
	shared := filepath.Join(kmstest.RepoRoot(), "..", "shared", "testdata", "sdk-test-clientkey.json")
	pw := writeFile(t, e.dir, "pw1234.txt", "1234\n")
	// Before the import the SDK's test key is unknown.
	c := sdkClient(t, e.srv, shared, "1234")
	start := time.Now()
	_, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(8)})
	wantSDKError(t, start, err, 404, "Unauthorized")
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
	wantSDKError(t, start, err, 404, "Unauthorized")
	// The file still exists but its key is no longer registered; a wrong
	// password does not even open it on the client side.
	if _, err := kmstest.LoadClientKey(ck, "wrong password"); err == nil {
		t.Fatal("ClientKey opened with a wrong password")
	}
}

func (e *env) parallel(t *testing.T) {
	const workers, each = 16, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				plain := []byte(fmt.Sprintf("worker %d message %d", w, i))
				enc, err := e.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: plain})
				if err != nil {
					errs <- err
					return
				}
				dec, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(dec.Plaintext, plain) {
					errs <- fmt.Errorf("worker %d: got %q", w, dec.Plaintext)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
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
	wantProtoError(t, resp.StatusCode, resp.Header, body, 400, "InvalidParam")
	r := e.raw(t)
	r.URL = "http://" + s.Addr + "/"
	st, hdr, body, err := r.Do(r.Request("GenerateRandom", nil, nil, func(h http.Header) { h.Set("date", "garbage") }))
	if err != nil {
		t.Fatal(err)
	}
	wantProtoError(t, st, hdr, body, 400, "InvalidParam")
}
