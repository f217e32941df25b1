package classic

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// TestV3Asymmetric: the classic asymmetric actions through Alibaba's v3
// client as a user configures it, each result checked outside pocketkms
// (kmstest's crypto/x509, gmsm and decred checks): CreateKey of every
// asymmetric spec, GetPublicKey, AsymmetricSign/Verify of a digest,
// AsymmetricEncrypt/Decrypt, and ReEncrypt of an asymmetric ciphertext.
func TestV3Asymmetric(t *testing.T) {
	defer catch(t)
	c := v3(t, signers["ACS3"], accessKeyID, accessKeySecret)
	msg := []byte("signed through the classic API")
	digest := sha256.Sum256(msg)
	for _, s := range []struct{ spec, alg string }{
		{"RSA_2048", "RSA_PSS_SHA_256"}, {"RSA_3072", "RSA_PKCS1_SHA_256"}, {"EC_P256", "ECDSA_SHA_256"}, {"EC_P256K", "ECDSA_SHA_256"},
	} {
		md := must(c.CreateKey(&kms.CreateKeyRequest{KeySpec: tea.String(s.spec), KeyUsage: tea.String("SIGN/VERIFY")})).Body.KeyMetadata
		id, version := tea.StringValue(md.KeyId), tea.StringValue(md.PrimaryKeyVersion)
		pk := must(c.GetPublicKey(&kms.GetPublicKeyRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion})).Body
		if tea.StringValue(pk.KeyId) != id || tea.StringValue(pk.KeyVersionId) != version {
			t.Fatalf("GetPublicKey: %v", pk)
		}
		pub, err := kmstest.PublicKey([]byte(tea.StringValue(pk.PublicKey)))
		if err != nil {
			t.Fatal(err)
		}
		sig := must(c.AsymmetricSign(&kms.AsymmetricSignRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion,
			Algorithm: tea.String(s.alg), Digest: tea.String(base64.StdEncoding.EncodeToString(digest[:]))})).Body
		raw, err := base64.StdEncoding.DecodeString(tea.StringValue(sig.Value))
		if err != nil {
			t.Fatal(err)
		}
		if err := kmstest.VerifySignature(pub, s.alg, msg, raw); err != nil {
			t.Fatalf("%s: %v", s.spec, err)
		}
		ok := must(c.AsymmetricVerify(&kms.AsymmetricVerifyRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion,
			Algorithm: tea.String(s.alg), Digest: tea.String(base64.StdEncoding.EncodeToString(digest[:])), Value: sig.Value})).Body
		if !tea.BoolValue(ok.Value) || tea.StringValue(ok.KeyVersionId) != version {
			t.Fatalf("AsymmetricVerify: %v", ok)
		}
		raw[len(raw)/2] ^= 1
		no := must(c.AsymmetricVerify(&kms.AsymmetricVerifyRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion,
			Algorithm: tea.String(s.alg), Digest: tea.String(base64.StdEncoding.EncodeToString(digest[:])), Value: tea.String(base64.StdEncoding.EncodeToString(raw))})).Body
		if tea.BoolValue(no.Value) {
			t.Fatalf("AsymmetricVerify of a flipped signature: %v", no)
		}
	}

	for _, s := range []struct{ spec, alg string }{{"RSA_2048", "RSAES_OAEP_SHA_256"}, {"RSA_2048", "RSAES_OAEP_SHA_1"}, {"EC_SM2", "SM2PKE"}} {
		md := must(c.CreateKey(&kms.CreateKeyRequest{KeySpec: tea.String(s.spec), KeyUsage: tea.String("ENCRYPT/DECRYPT")})).Body.KeyMetadata
		enc := must(c.AsymmetricEncrypt(&kms.AsymmetricEncryptRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion,
			Algorithm: tea.String(s.alg), Plaintext: tea.String(base64.StdEncoding.EncodeToString([]byte("wrapped")))})).Body
		dec := must(c.AsymmetricDecrypt(&kms.AsymmetricDecryptRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion,
			Algorithm: tea.String(s.alg), CiphertextBlob: enc.CiphertextBlob})).Body
		if got, _ := base64.StdEncoding.DecodeString(tea.StringValue(dec.Plaintext)); !bytes.Equal(got, []byte("wrapped")) {
			t.Fatalf("AsymmetricDecrypt: %v", dec)
		}
		// A ciphertext made with the public key outside pocketkms, re-encrypted into a symmetric key.
		pk := must(c.GetPublicKey(&kms.GetPublicKeyRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersion})).Body
		pub, err := kmstest.PublicKey([]byte(tea.StringValue(pk.PublicKey)))
		if err != nil {
			t.Fatal(err)
		}
		ct, err := kmstest.EncryptFor(pub, s.alg, []byte("re-encrypted"))
		if err != nil {
			t.Fatal(err)
		}
		sym := must(c.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata
		re := must(c.ReEncrypt(&kms.ReEncryptRequest{CiphertextBlob: tea.String(base64.StdEncoding.EncodeToString(ct)),
			SourceKeyId: md.KeyId, SourceKeyVersionId: md.PrimaryKeyVersion, SourceEncryptionAlgorithm: tea.String(s.alg),
			DestinationKeyId: sym.KeyId})).Body
		plain := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: re.CiphertextBlob})).Body
		if tea.StringValue(plain.Plaintext) != "re-encrypted" || tea.StringValue(plain.KeyId) != tea.StringValue(sym.KeyId) {
			t.Fatalf("Decrypt after ReEncrypt: %v", plain)
		}
	}

	sym := must(c.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata
	_, err := c.GetPublicKey(&kms.GetPublicKeyRequest{KeyId: sym.KeyId, KeyVersionId: sym.PrimaryKeyVersion})
	wantErr(t, err, 400, "Rejected.UnsupportedOperation")
}
