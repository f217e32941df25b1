package clientkeys

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	xpkcs12 "golang.org/x/crypto/pkcs12"

	"github.com/pocketkms/pocketkms/core/store"
)

const sdkTestKey = "../../testdata/sdk-test-clientkey.json"

// TestCreateDecodesLikeTheSDK opens a new ClientKey exactly as the SDK does:
// x/crypto/pkcs12.ToPEM, block 0 the certificate, block 1 the RSA key; then
// checks that a signature made with it verifies with the registered key.
func TestCreateDecodesLikeTheSDK(t *testing.T) {
	id, file, key, value, err := Create(rand.Reader, "correct horse", 365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "KAAP.") || len(id) != 5+36 || id[5:] != strings.ToLower(id[5:]) {
		t.Fatalf("id %q", id)
	}
	var f File
	if err := json.Unmarshal(file, &f); err != nil || f.KeyId != id {
		t.Fatalf("file %s: %v", file, err)
	}
	p12, _ := base64.StdEncoding.DecodeString(f.PrivateKeyData)
	blocks, err := xpkcs12.ToPEM(p12, "correct horse")
	if err != nil {
		t.Fatalf("SDK's decoder refuses the ClientKey: %v", err)
	}
	if len(blocks) != 2 || blocks[0].Type != "CERTIFICATE" || blocks[1].Type != "PRIVATE KEY" {
		t.Fatalf("blocks: %d %v", len(blocks), blocks)
	}
	// The SDK's SignString parses block 1 as PKCS#1.
	priv, err := x509.ParsePKCS1PrivateKey(blocks[1].Bytes)
	if err != nil {
		t.Fatalf("SDK would fail to parse the key: %v", err)
	}
	if _, err := xpkcs12.ToPEM(p12, "wrong password"); err == nil {
		t.Fatal("wrong password accepted")
	}
	if strings.Contains(string(value), "PRIVATE") {
		t.Fatal("registry record holds a private key")
	}
	b := store.NewMemory()
	if err := Register(b, key, value); err != nil {
		t.Fatal(err)
	}
	pub, err := Lookup(b, id)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("hello"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, h[:])
	if err := pub.VerifySHA256(h[:], sig); err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(pub.Key, crypto.SHA256, h[:], sig); err != nil {
		t.Fatal(err)
	}
	// Import of the very same file is idempotent and keeps the key.
	k2, v2, err := RecordFromClientKey(file, "correct horse")
	if err != nil || k2 != key {
		t.Fatal(k2, err)
	}
	if err := Register(b, k2, v2); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	// Another key under the same id is refused.
	_, _, _, other, _ := Create(rand.Reader, "correct horse", time.Hour)
	var rec Record
	json.Unmarshal(other, &rec)
	rec.ClientKeyId = id
	forged, _ := json.Marshal(rec)
	if err := Register(b, key, forged); err == nil {
		t.Fatal("a different key replaced a registered one")
	}
	list, err := List(b)
	if err != nil || len(list) != 1 || list[0].ClientKeyId != id || list[0].Source != "created" {
		t.Fatalf("list %+v %v", list, err)
	}
	if err := Revoke(b, id); err != nil {
		t.Fatal(err)
	}
	if _, err := Lookup(b, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after revoke: %v", err)
	}
	if err := Revoke(b, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second revoke: %v", err)
	}
}

func TestImportSDKTestKey(t *testing.T) {
	content, err := os.ReadFile(sdkTestKey)
	if err != nil {
		t.Fatalf("the SDK test ClientKey (testdata/ at the repository root) is missing: %v", err)
	}
	key, value, err := RecordFromClientKey(content, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if key != "clientkeys/key_for_unit_test" {
		t.Fatal(key)
	}
	rec, err := Decode(value)
	if err != nil || rec.Certificate == "" || rec.Source != "imported" {
		t.Fatalf("%+v %v", rec, err)
	}
	if _, _, err := RecordFromClientKey(content, "12345"); err == nil {
		t.Fatal("wrong password accepted")
	}
	// The certificate alone makes the same public key record.
	k2, v2, err := RecordFromCertificate("key_for_unit_test", rec.Certificate)
	if err != nil || k2 != key {
		t.Fatal(err)
	}
	r2, _ := Decode(v2)
	if r2.PublicKey != rec.PublicKey {
		t.Fatal("certificate and ClientKey give different public keys")
	}
}

func TestRecordFromCertificateRejects(t *testing.T) {
	ecKey := "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\nq9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n-----END PUBLIC KEY-----\n"
	priv, _ := rsa.GenerateKey(rand.Reader, 1024)
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	small := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	for _, tc := range []struct{ name, id, pem, want string }{
		{"empty id", "", small, "1 to 128"},
		{"slash in id", "a/b", small, "printable ASCII"},
		{"not pem", "x", "hello", "not PEM"},
		{"wrong block", "x", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "want CERTIFICATE"},
		{"bad cert", "x", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "bad certificate"},
		{"ec key", "x", ecKey, "RSA only"},
		{"small rsa", "x", small, "at least 2048"},
		{"two blocks", "x", small + small, "exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := RecordFromCertificate(tc.id, tc.pem)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestCreateRejectsPasswords(t *testing.T) {
	for _, pw := range []string{"", "1234567", strings.Repeat("x", 65)} {
		if _, _, _, _, err := Create(rand.Reader, pw, time.Hour); err == nil {
			t.Errorf("password of %d chars accepted", len(pw))
		}
	}
}
