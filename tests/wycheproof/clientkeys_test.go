package wycheproof

import (
	"crypto/rsa"
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
			verifyVectors(t, file, func(t *testing.T, der []byte) func(digest, sig []byte) bool {
				pub, err := x509.ParsePKIXPublicKey(der)
				if err != nil {
					t.Fatal(err)
				}
				k, err := clientkeys.NewPublicKey(pub.(*rsa.PublicKey))
				if err != nil {
					t.Fatal(err)
				}
				return func(digest, sig []byte) bool { return k.VerifySHA256(digest, sig) == nil }
			})
		})
	}
}
