package wycheproof

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"

	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

// TestClientKeySignatures runs Wycheproof's RSASSA-PKCS1-v1_5 SHA-256
// vectors through clientkeys.PublicKey.VerifySHA256, the check every signed
// instance-API request passes (it keeps the modulus prepared instead of
// calling crypto/rsa).
func TestClientKeySignatures(t *testing.T) {
	for _, file := range []string{
		"rsa_signature_2048_sha256_test.json",
		"rsa_signature_3072_sha256_test.json",
		"rsa_signature_4096_sha256_test.json",
	} {
		t.Run(file, func(t *testing.T) {
			ran := 0
			for _, g := range loadAsym(t, file).TestGroups {
				pub, err := x509.ParsePKIXPublicKey(unhex(t, g.PublicKeyDer))
				if err != nil {
					t.Fatal(err)
				}
				k, err := clientkeys.NewPublicKey(pub.(*rsa.PublicKey))
				if err != nil {
					t.Fatal(err)
				}
				for _, tc := range g.Tests {
					d := sha256.Sum256(unhex(t, tc.Msg))
					got := k.VerifySHA256(d[:], unhex(t, tc.Sig)) == nil
					if tc.Result != "acceptable" && got != (tc.Result == "valid") {
						t.Errorf("tcId %d (%s, %v): accepted = %v, want %s", tc.TcID, tc.Comment, tc.Flags, got, tc.Result)
					}
					ran++
				}
			}
			if ran < 50 {
				t.Fatalf("only %d vectors", ran)
			}
			t.Logf("%d vectors", ran)
		})
	}
}
