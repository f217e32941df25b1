package wycheproof

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"

	"github.com/c2sp/wycheproof"

	"github.com/pocketkms/pocketkms/internal/asym"
)

// The Wycheproof signature-verification and RSA-OAEP decryption vectors
// through internal/asym, the code behind Verify and asymmetric Decrypt: each
// public key parsed by asym.ParseSPKI, each PKCS#8 by asym.ParsePKCS8.

type asymFile struct {
	TestGroups []struct {
		PublicKeyDer    string
		PrivateKeyPkcs8 string
		SLen            int `json:"sLen"`
		Tests           []struct {
			TcID                int `json:"tcId"`
			Comment             string
			Msg, Sig, Ct, Label string
			Result              string
			Flags               []string
		}
	}
}

func loadAsym(t *testing.T, name string) asymFile {
	raw, err := fs.ReadFile(wycheproof.TestVectors, name)
	if err != nil {
		t.Fatal(err)
	}
	var v asymFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSignatureVerification(t *testing.T) {
	for _, c := range []struct{ file, alg string }{
		{"rsa_pss_2048_sha256_mgf1_32_test.json", asym.RSAPSS},
		{"rsa_pss_3072_sha256_mgf1_32_test.json", asym.RSAPSS},
		{"rsa_pss_4096_sha256_mgf1_32_test.json", asym.RSAPSS},
		{"rsa_signature_2048_sha256_test.json", asym.RSAPKCS1},
		{"rsa_signature_3072_sha256_test.json", asym.RSAPKCS1},
		{"rsa_signature_4096_sha256_test.json", asym.RSAPKCS1},
		{"ecdsa_secp256r1_sha256_test.json", asym.ECDSA},
		{"ecdsa_secp256k1_sha256_test.json", asym.ECDSA},
	} {
		t.Run(c.file, func(t *testing.T) {
			verifyVectors(t, c.file, func(t *testing.T, der []byte) func(digest, sig []byte) bool {
				pub, err := asym.ParseSPKI(der)
				if err != nil {
					t.Fatalf("ParseSPKI: %v", err)
				}
				return func(digest, sig []byte) bool { return pub.Verify(c.alg, digest, sig) }
			})
		})
	}
}

// verifyVectors runs one file of SHA-256 signature vectors through the
// verifier that parse makes of each group's DER public key.
func verifyVectors(t *testing.T, file string, parse func(t *testing.T, der []byte) func(digest, sig []byte) bool) {
	ran := 0
	for _, g := range loadAsym(t, file).TestGroups {
		verify := parse(t, unhex(t, g.PublicKeyDer))
		for _, tc := range g.Tests {
			d := sha256.Sum256(unhex(t, tc.Msg))
			got := verify(d[:], unhex(t, tc.Sig))
			// "acceptable" vectors (e.g. BER signatures) may go either way.
			if tc.Result != "acceptable" && got != (tc.Result == "valid") {
				t.Errorf("tcId %d (%s, %v): Verify = %v, want %s", tc.TcID, tc.Comment, tc.Flags, got, tc.Result)
			}
			ran++
		}
	}
	if ran < 50 {
		t.Fatalf("only %d vectors", ran)
	}
	t.Logf("%d vectors", ran)
}

func TestOAEPDecryption(t *testing.T) {
	for _, c := range []struct{ file, alg string }{
		{"rsa_oaep_2048_sha256_mgf1sha256_test.json", asym.OAEPSHA256},
		{"rsa_oaep_3072_sha256_mgf1sha256_test.json", asym.OAEPSHA256},
		{"rsa_oaep_4096_sha256_mgf1sha256_test.json", asym.OAEPSHA256},
		{"rsa_oaep_2048_sha1_mgf1sha1_test.json", asym.OAEPSHA1},
	} {
		t.Run(c.file, func(t *testing.T) {
			ran := 0
			for _, g := range loadAsym(t, c.file).TestGroups {
				key, err := asym.ParsePKCS8(unhex(t, g.PrivateKeyPkcs8))
				if err != nil {
					t.Fatalf("ParsePKCS8: %v", err)
				}
				for _, tc := range g.Tests {
					if tc.Label != "" {
						continue // the KMS API has no label: OAEP with an empty one only
					}
					t.Run(fmt.Sprint(tc.TcID), func(t *testing.T) {
						pt, err := key.Decrypt(c.alg, unhex(t, tc.Ct))
						switch {
						case tc.Result == "valid" && (err != nil || !bytes.Equal(pt, unhex(t, tc.Msg))):
							t.Errorf("%s: %v", tc.Comment, err)
						case tc.Result == "invalid" && err == nil:
							t.Errorf("%s: decrypted an invalid ciphertext", tc.Comment)
						}
					})
					ran++
				}
			}
			if ran < 10 {
				t.Fatalf("only %d vectors", ran)
			}
		})
	}
}
