package kmstest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
	"github.com/emmansun/gmsm/sm2"
)

// The SDK examples' asymmetric flows (example/sign_verify.go,
// asymmetric_encrypt_decrypt.go, generate_data_key_pair_*.go), each result
// checked with a library that is not pocketkms's (asym.go).

var signers = []struct{ alias, defaultAlg string }{
	{"alias/rsa-sign", "RSA_PSS_SHA_256"}, {"alias/ec-sign", "ECDSA_SHA_256"},
	{"alias/k1-sign", "ECDSA_SHA_256"}, {"alias/sm2-sign", "SM2DSA"},
}

func (d *DataPlane) publicKey(t *testing.T, alias string) []byte {
	t.Helper()
	r, err := d.sdk.GetPublicKey(&dkms.GetPublicKeyRequest{KeyId: tea.String(alias)})
	if err != nil {
		t.Fatalf("GetPublicKey %s: %v", alias, err)
	}
	if !strings.HasPrefix(tea.StringValue(r.KeyId), "key-") {
		t.Fatalf("GetPublicKey names %q, not the real key id", tea.StringValue(r.KeyId))
	}
	return []byte(tea.StringValue(r.PublicKey))
}

func (d *DataPlane) signVerify(t *testing.T) {
	msg := []byte("the message the application signs")
	for _, s := range signers {
		t.Run(s.alias, func(t *testing.T) {
			pub, err := PublicKey(d.publicKey(t, s.alias))
			if err != nil {
				t.Fatal(err)
			}
			algs := []string{""}
			if strings.HasPrefix(s.alias, "alias/rsa") {
				algs = append(algs, "RSA_PKCS1_SHA_256")
			}
			for _, alg := range algs {
				// As the example: no Algorithm on Sign, the response's on Verify.
				req := &dkms.SignRequest{KeyId: tea.String(s.alias), Message: msg, MessageType: tea.String("RAW")}
				if alg != "" {
					req.Algorithm = tea.String(alg)
				}
				sig, err := d.sdk.Sign(req)
				if err != nil {
					t.Fatal(err)
				}
				want := s.defaultAlg
				if alg != "" {
					want = alg
				}
				if got := tea.StringValue(sig.Algorithm); got != want || tea.StringValue(sig.MessageType) != "RAW" {
					t.Fatalf("Sign echoes Algorithm %q MessageType %q, want %s RAW", got, tea.StringValue(sig.MessageType), want)
				}
				if err := VerifySignature(pub, want, msg, sig.Signature); err != nil {
					t.Fatal(err)
				}
				ok, err := d.sdk.Verify(&dkms.VerifyRequest{KeyId: tea.String(s.alias), Algorithm: sig.Algorithm, Message: msg,
					MessageType: tea.String("RAW"), Signature: sig.Signature})
				if err != nil || !tea.BoolValue(ok.Value) {
					t.Fatalf("Verify: %v %v", err, ok)
				}
				bad := bytes.Clone(sig.Signature)
				bad[len(bad)/2] ^= 1
				no, err := d.sdk.Verify(&dkms.VerifyRequest{KeyId: tea.String(s.alias), Algorithm: sig.Algorithm, Message: msg,
					MessageType: tea.String("RAW"), Signature: bad})
				if err != nil || tea.BoolValue(no.Value) {
					t.Fatalf("a flipped bit must give Value=false, not an error: %v %v", err, no)
				}
			}
			// DIGEST, as the transfer SDKs and the SHA-256 example send it.
			digest := sha256.Sum256(msg)
			m := digest[:]
			if s.alias == "alias/sm2-sign" {
				if m, err = sm2.CalculateSM2Hash(pub.(*ecdsa.PublicKey), msg, nil); err != nil {
					t.Fatal(err)
				}
			}
			sig, err := d.sdk.Sign(&dkms.SignRequest{KeyId: tea.String(s.alias), Message: m, MessageType: tea.String("DIGEST")})
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifySignature(pub, tea.StringValue(sig.Algorithm), msg, sig.Signature); err != nil {
				t.Fatalf("DIGEST signature: %v", err)
			}
		})
	}
}

func (d *DataPlane) getPublicKey(t *testing.T) {
	for _, alias := range []string{"alias/rsa-sign", "alias/rsa-enc", "alias/ec-sign", "alias/k1-sign", "alias/sm2-sign", "alias/sm2-enc"} {
		text := string(d.publicKey(t, alias))
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if lines[0] != "-----BEGIN PUBLIC KEY-----" || lines[len(lines)-1] != "-----END PUBLIC KEY-----" || !strings.HasSuffix(text, "\n") {
			t.Fatalf("%s: not PEM PUBLIC KEY text:\n%s", alias, text)
		}
		for _, l := range lines[1 : len(lines)-2] {
			if len(l) != 64 {
				t.Fatalf("%s: base64 lines are 64 characters:\n%s", alias, text)
			}
		}
		if _, err := PublicKey([]byte(text)); err != nil {
			t.Fatalf("%s: %v", alias, err)
		}
	}
}

func (d *DataPlane) asymEncryptDecrypt(t *testing.T) {
	for _, c := range []struct{ alias, alg, want string }{
		{"alias/rsa-enc", "", "RSAES_OAEP_SHA_256"}, {"alias/rsa-enc", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_1"}, {"alias/sm2-enc", "", "SM2PKE"},
	} {
		t.Run(c.alias+" "+c.want, func(t *testing.T) {
			req := &dkms.EncryptRequest{KeyId: tea.String(c.alias), Plaintext: []byte("wrap this")}
			if c.alg != "" {
				req.Algorithm = tea.String(c.alg)
			}
			enc, err := d.sdk.Encrypt(req)
			if err != nil {
				t.Fatal(err)
			}
			if tea.StringValue(enc.Algorithm) != c.want || len(enc.Iv) != 0 {
				t.Fatalf("Encrypt: Algorithm %q Iv %x", tea.StringValue(enc.Algorithm), enc.Iv)
			}
			dec, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String(c.alias), CiphertextBlob: enc.CiphertextBlob, Algorithm: enc.Algorithm})
			if err != nil || string(dec.Plaintext) != "wrap this" || tea.StringValue(dec.Algorithm) != c.want {
				t.Fatalf("Decrypt: %v %+v", err, dec)
			}
			// A ciphertext made outside pocketkms with its public key.
			pub, err := PublicKey(d.publicKey(t, c.alias))
			if err != nil {
				t.Fatal(err)
			}
			ct, err := EncryptFor(pub, c.want, []byte("made elsewhere"))
			if err != nil {
				t.Fatal(err)
			}
			req2 := &dkms.DecryptRequest{KeyId: tea.String(c.alias), CiphertextBlob: ct}
			if c.alg != "" {
				req2.Algorithm = tea.String(c.alg)
			}
			dec, err = d.sdk.Decrypt(req2)
			if err != nil || string(dec.Plaintext) != "made elsewhere" {
				t.Fatalf("Decrypt of an outside ciphertext: %v", err)
			}
		})
	}
}

func (d *DataPlane) dataKeyPairs(t *testing.T) {
	aad := []byte("pair context")
	for _, c := range []struct{ spec, format string }{{"RSA_2048", "PEM"}, {"EC_P256", "DER"}, {"EC_P256K", ""}, {"EC_SM2", "PEM"}} {
		t.Run(c.spec+" "+c.format, func(t *testing.T) {
			fmtp := tea.String(c.format)
			if c.format == "" {
				fmtp = nil
			}
			// As the example: GenerateDataKeyPair, Decrypt the private key, sign with it.
			p, err := d.sdk.GenerateDataKeyPair(&dkms.GenerateDataKeyPairRequest{KeyId: tea.String("alias/app"), KeyPairSpec: tea.String(c.spec), KeyFormat: fmtp, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			if tea.StringValue(p.KeyPairSpec) != c.spec || tea.StringValue(p.Algorithm) != "AES_GCM" || tea.StringValue(p.KeyId) != d.AppKey {
				t.Fatalf("echo: %s %s %s", tea.StringValue(p.KeyPairSpec), tea.StringValue(p.Algorithm), tea.StringValue(p.KeyId))
			}
			if (c.format != "DER") != bytes.HasPrefix(p.PrivateKeyPlaintext, []byte("-----BEGIN PRIVATE KEY-----\n")) {
				t.Fatalf("format %q (empty means PEM): %.40q", c.format, p.PrivateKeyPlaintext)
			}
			if err := CheckKeyPair(p.PrivateKeyPlaintext, p.PublicKey); err != nil {
				t.Fatal(err)
			}
			dec, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/app"), CiphertextBlob: p.PrivateKeyCiphertextBlob, Iv: p.Iv, Aad: aad, Algorithm: p.Algorithm})
			if err != nil || !bytes.Equal(dec.Plaintext, p.PrivateKeyPlaintext) {
				t.Fatalf("Decrypt opens the private key: %v", err)
			}
			wp, err := d.sdk.GenerateDataKeyPairWithoutPlaintext(&dkms.GenerateDataKeyPairWithoutPlaintextRequest{KeyId: tea.String("alias/app"), KeyPairSpec: tea.String(c.spec), KeyFormat: fmtp, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			dec, err = d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/app"), CiphertextBlob: wp.PrivateKeyCiphertextBlob, Iv: wp.Iv, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckKeyPair(dec.Plaintext, wp.PublicKey); err != nil {
				t.Fatal(err)
			}
			ap, err := d.sdk.AdvanceGenerateDataKeyPair(&dkms.AdvanceGenerateDataKeyPairRequest{KeyId: tea.String("alias/app"), KeyPairSpec: tea.String(c.spec), KeyFormat: fmtp, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(tea.StringValue(ap.KeyVersionId), d.AppKey+"-") || len(ap.Iv) != 12 {
				t.Fatalf("Advance: KeyVersionId %q Iv %x", tea.StringValue(ap.KeyVersionId), ap.Iv)
			}
			adec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: ap.PrivateKeyCiphertextBlob, Aad: aad})
			if err != nil || !bytes.Equal(adec.Plaintext, ap.PrivateKeyPlaintext) {
				t.Fatalf("AdvanceDecrypt opens the private key: %v", err)
			}
			if err := CheckKeyPair(ap.PrivateKeyPlaintext, ap.PublicKey); err != nil {
				t.Fatal(err)
			}
			awp, err := d.sdk.AdvanceGenerateDataKeyPairWithoutPlaintext(&dkms.AdvanceGenerateDataKeyPairWithoutPlaintextRequest{KeyId: tea.String("alias/app"), KeyPairSpec: tea.String(c.spec), KeyFormat: fmtp, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			adec, err = d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: awp.PrivateKeyCiphertextBlob, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckKeyPair(adec.Plaintext, awp.PublicKey); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func (d *DataPlane) asymErrors(t *testing.T) {
	calls := []struct {
		name   string
		status int
		code   string
		call   func() error
	}{
		{"Sign with a symmetric key", 400, "UnsupportedOperation", func() error {
			_, err := d.sdk.Sign(&dkms.SignRequest{KeyId: tea.String("alias/app"), Message: []byte("m"), MessageType: tea.String("RAW")})
			return err
		}},
		{"GetPublicKey of a symmetric key", 400, "UnsupportedOperation", func() error {
			_, err := d.sdk.GetPublicKey(&dkms.GetPublicKeyRequest{KeyId: tea.String("alias/app")})
			return err
		}},
		{"Encrypt with a signing key", 400, "UnsupportedOperation", func() error {
			_, err := d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/ec-sign"), Plaintext: []byte("m")})
			return err
		}},
		{"an algorithm of another spec", 400, "InvalidParameter", func() error {
			_, err := d.sdk.Sign(&dkms.SignRequest{KeyId: tea.String("alias/ec-sign"), Algorithm: tea.String("RSA_PSS_SHA_256"), Message: []byte("m")})
			return err
		}},
		{"a DIGEST of 31 bytes", 400, "InvalidParameter", func() error {
			_, err := d.sdk.Sign(&dkms.SignRequest{KeyId: tea.String("alias/rsa-sign"), Message: make([]byte, 31), MessageType: tea.String("DIGEST")})
			return err
		}},
		{"a plaintext over the OAEP limit", 400, "InvalidParameter", func() error {
			_, err := d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/rsa-enc"), Plaintext: make([]byte, 191)})
			return err
		}},
		{"Aad with an asymmetric key", 400, "InvalidParameter", func() error {
			_, err := d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/rsa-enc"), Plaintext: []byte("m"), Aad: []byte("a")})
			return err
		}},
		{"a data key pair under an asymmetric key", 404, "Forbidden.OnlySymmetricKeySupported", func() error {
			_, err := d.sdk.GenerateDataKeyPair(&dkms.GenerateDataKeyPairRequest{KeyId: tea.String("alias/rsa-enc"), KeyPairSpec: tea.String("EC_P256")})
			return err
		}},
		{"an unknown KeyPairSpec", 400, "InvalidParameter", func() error {
			_, err := d.sdk.GenerateDataKeyPair(&dkms.GenerateDataKeyPairRequest{KeyId: tea.String("alias/app"), KeyPairSpec: tea.String("RSA_1024")})
			return err
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			WantSDKError(t, start, c.call(), c.status, c.code)
		})
	}
}
