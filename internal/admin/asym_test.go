package admin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// Asymmetric keys from the CLI: created with generated material, imported
// from a PKCS#8 file (PEM or DER) or from stdin; the key that answers is the
// one crypto/x509 wrote, and the private key never reaches the output.
func TestAsymmetricCommands(t *testing.T) {
	k := kms.New(store.NewMemory(), kms.NewConfig())
	eng := newNative(k)
	r := run(eng, "key", "create", "--spec", "RSA_2048", "--usage", "SIGN/VERIFY")
	if r.code != 0 || field(t, r.stdout, "KeyMetadata.KeyUsage") != "SIGN/VERIFY" || field(t, r.stdout, "KeyMetadata.KeySpec") != "RSA_2048" {
		t.Fatalf("key create: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r = run(eng, "key", "create", "--spec", "EC_P256K"); r.code != 0 || field(t, r.stdout, "KeyMetadata.KeyUsage") != "SIGN/VERIFY" {
		t.Fatalf("key create EC_P256K: %d %s %s", r.code, r.stdout, r.stderr)
	}

	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pemText := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	spki, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	wantPub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	dir := t.TempDir()
	pemFile, derFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.der")
	if err := os.WriteFile(pemFile, pemText, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(derFile, der, 0o600); err != nil {
		t.Fatal(err)
	}
	stdin := func(b []byte) func() {
		f, err := os.CreateTemp(dir, "stdin")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(b)
		f.Seek(0, 0)
		old := os.Stdin
		os.Stdin = f
		return func() { os.Stdin = old; f.Close() }
	}
	for _, c := range []struct {
		name string
		args []string
		in   []byte
	}{
		{"PEM file", []string{"--material-file", pemFile}, nil},
		{"DER file", []string{"--material-file", derFile}, nil},
		{"PEM on stdin", []string{"--material-file", "-"}, pemText},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.in != nil {
				defer stdin(c.in)()
			}
			r := run(eng, append([]string{"key", "import", "--spec", "EC_P256", "--usage", "SIGN/VERIFY"}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("key import: %d %s", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, strings.Split(string(pemText), "\n")[1]) {
				t.Fatal("the output shows the private key")
			}
			id, _ := field(t, r.stdout, "KeyMetadata.KeyId").(string)
			resp, err := k.Call("GetPublicKey", &pb.GetPublicKeyRequest{KeyId: id})
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.(*pb.GetPublicKeyResponse).PublicKey; got != wantPub {
				t.Fatalf("public key\n%s\nwant\n%s", got, wantPub)
			}
		})
	}
	if r := run(eng, "key", "import", "--spec", "RSA_2048", "--material-file", pemFile); r.code != 1 || !strings.Contains(r.stderr, "is a private key of spec EC_P256, not RSA_2048") {
		t.Fatalf("a key of another spec: %d %s", r.code, r.stderr)
	}
}
