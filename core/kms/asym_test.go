package kms_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/require"
)

// stdRSA is one RSA key made by crypto/rsa and imported into each test's
// engine, so that results can be checked against it.
var stdRSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func pkcs8(t testing.TB, k any) []byte {
	der, err := smx509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return der
}

// publicKey fetches a key's public key and parses it with smx509 (which
// also reads SM2 keys; crypto/x509 gives the same for the others).
func publicKey(f *fixture, keyID string) crypto.PublicKey {
	f.t.Helper()
	resp := call[*pb.GetPublicKeyResponse](f, "GetPublicKey", &pb.GetPublicKeyRequest{KeyId: keyID})
	require.Equal(f.t, keyID, resp.KeyId)
	block, rest := pem.Decode([]byte(resp.PublicKey))
	require.True(f.t, block != nil && len(rest) == 0 && block.Type == "PUBLIC KEY", "PEM PUBLIC KEY", resp.PublicKey)
	pub, err := smx509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(f.t, err)
	return pub
}

func TestSignVerifyIndependently(t *testing.T) {
	f := newFixture(t)
	msg := []byte("the message")
	h := sha256.Sum256(msg)
	for _, c := range []struct{ spec, alg string }{
		{"RSA_2048", ""}, {"RSA_2048", "RSA_PSS_SHA_256"}, {"RSA_3072", "RSA_PKCS1_SHA_256"},
		{"EC_P256", ""}, {"EC_SM2", ""},
	} {
		t.Run(c.spec+"/"+c.alg, func(t *testing.T) {
			md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: c.spec}).KeyMetadata
			require.Equal(t, kms.UsageSign, md.KeyUsage, "asymmetric keys sign by default")
			alias := "alias/signer-" + strings.ToLower(strings.ReplaceAll(c.spec+c.alg, "_", "-"))
			call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: alias, KeyId: md.KeyId})
			pub := publicKey(f, md.KeyId)
			for _, mt := range []string{"", "RAW", "DIGEST"} {
				m := msg
				if mt == "DIGEST" {
					m = h[:]
					if c.spec == "EC_SM2" {
						d, err := sm2.CalculateSM2Hash(pub.(*ecdsa.PublicKey), msg, nil)
						require.NoError(t, err)
						m = d
					}
				}
				sig := call[*pb.SignResponse](f, "Sign", &pb.SignRequest{KeyId: alias, Algorithm: c.alg, Message: m, MessageType: mt})
				require.Equal(t, md.KeyId, sig.KeyId, "real key id, not the alias")
				wantMT := mt
				if wantMT == "" {
					wantMT = "RAW"
				}
				require.Equal(t, wantMT, sig.MessageType)
				alg := sig.Algorithm
				want := map[string]string{"RSA_2048": "RSA_PSS_SHA_256", "EC_P256": "ECDSA_SHA_256", "EC_SM2": "SM2DSA"}[c.spec]
				if c.alg != "" {
					want = c.alg
				}
				require.Equal(t, want, alg, "effective algorithm")
				switch alg {
				case "RSA_PSS_SHA_256":
					require.NoError(t, rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, h[:], sig.Signature, &rsa.PSSOptions{SaltLength: 32}))
				case "RSA_PKCS1_SHA_256":
					require.NoError(t, rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, h[:], sig.Signature))
				case "ECDSA_SHA_256":
					require.True(t, ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), h[:], sig.Signature), "crypto/ecdsa")
				case "SM2DSA":
					require.True(t, sm2.VerifyASN1WithSM2(pub.(*ecdsa.PublicKey), nil, msg, sig.Signature), "gmsm SM3withSM2")
				}
				ok := call[*pb.VerifyResponse](f, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Algorithm: alg, Message: m, MessageType: mt, Signature: sig.Signature})
				require.True(t, ok.Value, "verifies")
				require.Equal(t, alg, ok.Algorithm)
				require.Equal(t, wantMT, ok.MessageType)
				bad := bytes.Clone(sig.Signature)
				bad[len(bad)/2] ^= 4
				for _, s := range [][]byte{bad, sig.Signature[:len(sig.Signature)-1], {0x30, 0x00}, {1}} {
					no := call[*pb.VerifyResponse](f, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Algorithm: alg, Message: m, MessageType: mt, Signature: s})
					require.True(t, !no.Value, "a wrong or malformed signature is Value=false")
				}
				other := call[*pb.VerifyResponse](f, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Algorithm: alg, Message: append(bytes.Clone(m[:len(m)-1]), 'X'), MessageType: mt, Signature: sig.Signature})
				require.True(t, !other.Value, "another message")
			}
			// A C# client's Digest field is a DIGEST message.
			if c.spec != "EC_SM2" {
				sig := call[*pb.SignResponse](f, "Sign", &pb.SignRequest{KeyId: md.KeyId, Algorithm: c.alg, Digest: h[:]})
				require.Equal(t, "DIGEST", sig.MessageType)
				ok := call[*pb.VerifyResponse](f, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Algorithm: sig.Algorithm, Digest: h[:], Signature: sig.Signature})
				require.True(t, ok.Value, "Digest field")
			}
		})
	}
}

// Signatures that others made verify; RSA_PKCS1_SHA_256 is deterministic,
// so an imported key signs exactly as crypto/rsa does.
func TestImportedKeySignsAsStdlib(t *testing.T) {
	f := newFixture(t)
	priv := stdRSA()
	der := pkcs8(t, priv)
	for i, m := range [][]byte{der, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})} {
		md := call[*pb.KeyResponse](f, "ImportKey", &pb.ImportKeyRequest{KeySpec: "RSA_2048", KeyUsage: kms.UsageSign,
			Versions: []*pb.ImportedVersion{{KeyMaterial: m}}}).KeyMetadata
		pub := publicKey(f, md.KeyId)
		require.True(t, priv.PublicKey.Equal(pub), "the imported public key", i)
		h := sha256.Sum256([]byte("det"))
		want, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, h[:])
		require.NoError(t, err)
		got := call[*pb.SignResponse](f, "Sign", &pb.SignRequest{KeyId: md.KeyId, Algorithm: "RSA_PKCS1_SHA_256", Message: []byte("det")})
		require.True(t, bytes.Equal(want, got.Signature), "PKCS#1 v1.5 signature byte for byte")
		pss, err := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, h[:], &rsa.PSSOptions{SaltLength: 32})
		require.NoError(t, err)
		ok := call[*pb.VerifyResponse](f, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Message: []byte("det"), Signature: pss})
		require.True(t, ok.Value, "crypto/rsa's PSS signature verifies")
	}
	// Material of the wrong spec, or not a key, is refused.
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, c := range []struct {
		spec string
		m    []byte
	}{{"RSA_3072", der}, {"EC_SM2", pkcs8(t, ec)}, {"RSA_2048", []byte("nope")}, {"EC_P256", der[:100]}} {
		_, err := f.e.Call("ImportKey", &pb.ImportKeyRequest{KeySpec: c.spec, Versions: []*pb.ImportedVersion{{KeyMaterial: c.m}}})
		require.KMSError(t, err, 400, "InvalidParameter", c.spec)
	}
}

func TestAsymmetricEncryptDecrypt(t *testing.T) {
	f := newFixture(t)
	priv := stdRSA()
	rsaKey := call[*pb.KeyResponse](f, "ImportKey", &pb.ImportKeyRequest{KeySpec: "RSA_2048", KeyUsage: kms.UsageEncrypt,
		Versions: []*pb.ImportedVersion{{KeyMaterial: pkcs8(t, priv)}}}).KeyMetadata.KeyId
	sm2Key := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_SM2", KeyUsage: kms.UsageEncrypt}).KeyMetadata.KeyId
	msg := []byte("wrap me")
	for _, c := range []struct{ key, alg, want string }{
		{rsaKey, "", "RSAES_OAEP_SHA_256"}, {rsaKey, "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_1"}, {sm2Key, "", "SM2PKE"},
	} {
		enc := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: c.key, Algorithm: c.alg, Plaintext: msg})
		require.Equal(t, c.want, enc.Algorithm)
		require.True(t, enc.Iv == nil && enc.PaddingMode == "", "no Iv or PaddingMode")
		switch c.want {
		case "RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1":
			h := crypto.SHA256.New()
			if c.want == "RSAES_OAEP_SHA_1" {
				h = sha1.New()
			}
			require.Equal(t, 256, len(enc.CiphertextBlob), "raw RSA output")
			pt, err := rsa.DecryptOAEP(h, nil, priv, enc.CiphertextBlob, nil)
			require.NoError(t, err)
			require.Equal(t, string(msg), string(pt), "crypto/rsa decrypts")
			// And the other way: crypto/rsa's ciphertext, opened by the engine.
			ct, err := rsa.EncryptOAEP(h, rand.Reader, &priv.PublicKey, []byte("from outside"), nil)
			require.NoError(t, err)
			dec := call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: c.key, Algorithm: c.alg, CiphertextBlob: ct})
			require.Equal(t, "from outside", string(dec.Plaintext))
			require.Equal(t, c.want, dec.Algorithm, "Decrypt echoes the effective algorithm")
		case "SM2PKE":
			ct, err := sm2.Encrypt(rand.Reader, publicKey(f, c.key).(*ecdsa.PublicKey), []byte("from gmsm"), nil)
			require.NoError(t, err)
			dec := call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: c.key, CiphertextBlob: ct})
			require.Equal(t, "from gmsm", string(dec.Plaintext), "gmsm's C1C3C2 ciphertext")
		}
		dec := call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: c.key, Algorithm: enc.Algorithm, CiphertextBlob: enc.CiphertextBlob})
		require.Equal(t, string(msg), string(dec.Plaintext))
		bad := bytes.Clone(enc.CiphertextBlob)
		bad[len(bad)-1] ^= 1
		_, err := f.e.Call("Decrypt", &pb.DecryptRequest{KeyId: c.key, Algorithm: enc.Algorithm, CiphertextBlob: bad})
		require.KMSError(t, err, 400, "InvalidParameter")
	}
	// The limits of spec §4.
	_, err := f.e.Call("Encrypt", &pb.EncryptRequest{KeyId: rsaKey, Plaintext: make([]byte, 191)})
	require.KMSError(t, err, 400, "InvalidParameter", "190")
	call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: rsaKey, Plaintext: make([]byte, 190)})
	call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: rsaKey, Algorithm: "RSAES_OAEP_SHA_1", Plaintext: make([]byte, 214)})
	_, err = f.e.Call("Encrypt", &pb.EncryptRequest{KeyId: sm2Key, Plaintext: make([]byte, 6048)})
	require.KMSError(t, err, 400, "InvalidParameter", "6047")
}

// Every error row of spec §10.2 for asymmetric keys.
func TestAsymmetricErrors(t *testing.T) {
	f := newFixture(t)
	sym := f.createKey("").KeyId
	signer := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_P256"}).KeyMetadata.KeyId
	crypter := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_SM2", KeyUsage: kms.UsageEncrypt}).KeyMetadata.KeyId
	disabled := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_P256K"}).KeyMetadata.KeyId
	call[*pb.KeyResponse](f, "DisableKey", &pb.KeyIdRequest{KeyId: disabled})
	d32 := make([]byte, 32)
	rows := []struct {
		name   string
		api    string
		req    pb.Message
		status int
		code   string
		says   string
	}{
		{"sign symmetric", "Sign", &pb.SignRequest{KeyId: sym, Message: d32}, 400, "UnsupportedOperation", "does not support Sign"},
		{"verify symmetric", "Verify", &pb.VerifyRequest{KeyId: sym, Message: d32}, 400, "UnsupportedOperation", "does not support Verify"},
		{"public key symmetric", "GetPublicKey", &pb.GetPublicKeyRequest{KeyId: sym}, 400, "UnsupportedOperation", "does not support GetPublicKey"},
		{"sign with encrypt key", "Sign", &pb.SignRequest{KeyId: crypter, Message: d32}, 400, "UnsupportedOperation", crypter},
		{"encrypt with sign key", "Encrypt", &pb.EncryptRequest{KeyId: signer, Plaintext: d32}, 400, "UnsupportedOperation", "does not support Encrypt"},
		{"decrypt with sign key", "Decrypt", &pb.DecryptRequest{KeyId: signer, CiphertextBlob: d32}, 400, "UnsupportedOperation", "does not support Decrypt"},
		{"algorithm of another spec", "Sign", &pb.SignRequest{KeyId: signer, Algorithm: "SM2DSA", Message: d32}, 400, "InvalidParameter", "Algorithm"},
		{"unknown algorithm", "Encrypt", &pb.EncryptRequest{KeyId: crypter, Algorithm: "RSAES_OAEP_SHA_256", Plaintext: d32}, 400, "InvalidParameter", "Algorithm"},
		{"bad message type", "Sign", &pb.SignRequest{KeyId: signer, MessageType: "HASH", Message: d32}, 400, "InvalidParameter", "MessageType"},
		{"short digest", "Sign", &pb.SignRequest{KeyId: signer, MessageType: "DIGEST", Message: d32[:31]}, 400, "InvalidParameter", "32"},
		{"long digest verify", "Verify", &pb.VerifyRequest{KeyId: signer, MessageType: "DIGEST", Message: make([]byte, 33), Signature: d32}, 400, "InvalidParameter", "32"},
		{"no message", "Sign", &pb.SignRequest{KeyId: signer}, 400, "MissingParameter", "Message"},
		{"message and digest", "Sign", &pb.SignRequest{KeyId: signer, Message: d32, Digest: d32}, 400, "InvalidParameter", "Digest"},
		{"aad with asymmetric", "Encrypt", &pb.EncryptRequest{KeyId: crypter, Plaintext: d32, Aad: d32}, 400, "InvalidParameter", "Aad"},
		{"iv with asymmetric", "Decrypt", &pb.DecryptRequest{KeyId: crypter, CiphertextBlob: make([]byte, 200), Iv: d32}, 400, "InvalidParameter", "Iv"},
		{"empty SM2 plaintext", "Encrypt", &pb.EncryptRequest{KeyId: crypter}, 400, "InvalidParameter", "empty"},
		{"disabled", "Sign", &pb.SignRequest{KeyId: disabled, Message: d32}, 409, "Rejected.Disabled", disabled},
		{"unknown key", "GetPublicKey", &pb.GetPublicKeyRequest{KeyId: "alias/none"}, 404, "Forbidden.KeyNotFound", "alias/none"},
		{"advance with asymmetric", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: crypter, Plaintext: d32}, 404, "Forbidden.OnlySymmetricKeySupported", crypter},
		{"pair under asymmetric", "GenerateDataKeyPair", &pb.GenerateDataKeyPairRequest{KeyId: signer, KeyPairSpec: "EC_P256"}, 404, "Forbidden.OnlySymmetricKeySupported", signer},
		{"pair without spec", "GenerateDataKeyPair", &pb.GenerateDataKeyPairRequest{KeyId: sym}, 400, "MissingParameter", "KeyPairSpec"},
		{"pair bad spec", "AdvanceGenerateDataKeyPair", &pb.AdvanceGenerateDataKeyPairRequest{KeyId: sym, KeyPairSpec: "RSA_1024"}, 400, "InvalidParameter", "KeyPairSpec"},
		{"pair bad format", "GenerateDataKeyPairWithoutPlaintext", &pb.GenerateDataKeyPairWithoutPlaintextRequest{KeyId: sym, KeyPairSpec: "EC_P256", KeyFormat: "JWK"}, 400, "InvalidParameter", "KeyFormat"},
		{"pair bad algorithm", "GenerateDataKeyPair", &pb.GenerateDataKeyPairRequest{KeyId: sym, KeyPairSpec: "EC_P256", Algorithm: "AES_CBC"}, 400, "InvalidParameter", "AES_CBC"},
		{"P-256 for encryption", "CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_P256K", KeyUsage: kms.UsageEncrypt}, 400, "InvalidParameter", "EC_P256K"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := fmt.Sprint(snapshot(t, f.mem))
			resp, err := f.e.Call(r.api, r.req)
			ke := require.KMSError(t, err, r.status, r.code)
			require.True(t, resp == nil, "no response with an error")
			require.True(t, strings.Contains(ke.Message, r.says), "message", ke.Message, "should mention", r.says)
			require.Equal(t, before, fmt.Sprint(snapshot(t, f.mem)), "no write")
		})
	}
}

func TestAsymmetricVersions(t *testing.T) {
	f := newFixture(t)
	md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_P256"}).KeyMetadata
	v0 := md.InitialKeyVersionId
	pub0 := publicKey(f, md.KeyId)
	v1 := call[*pb.KeyResponse](f, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata.PrimaryKeyVersionId
	require.True(t, v0 != v1, "a new version")
	pub1, got := callMeta[*pb.GetPublicKeyResponse](t, f.e, "GetPublicKey", &pb.GetPublicKeyRequest{KeyId: md.KeyId}, "")
	require.Equal(t, v1, got, "the newest version answers without the header")
	old, got := callMeta[*pb.GetPublicKeyResponse](t, f.e, "GetPublicKey", &pb.GetPublicKeyRequest{KeyId: md.KeyId}, v0)
	require.Equal(t, v0, got)
	der, _ := x509.MarshalPKIXPublicKey(pub0)
	require.Equal(t, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), old.PublicKey, "version 0's key")
	require.True(t, old.PublicKey != pub1.PublicKey, "each version its own key pair")
	sig, got := callMeta[*pb.SignResponse](t, f.e, "Sign", &pb.SignRequest{KeyId: md.KeyId, Message: []byte("m")}, v0)
	require.Equal(t, v0, got, "Sign names its version")
	h := sha256.Sum256([]byte("m"))
	require.True(t, ecdsa.VerifyASN1(pub0.(*ecdsa.PublicKey), h[:], sig.Signature), "signed with version 0")
	ok, got := callMeta[*pb.VerifyResponse](t, f.e, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Message: []byte("m"), Signature: sig.Signature}, "")
	require.Equal(t, v1, got)
	require.True(t, !ok.Value, "version 1 did not make it")
	ok, _ = callMeta[*pb.VerifyResponse](t, f.e, "Verify", &pb.VerifyRequest{KeyId: md.KeyId, Message: []byte("m"), Signature: sig.Signature}, v0)
	require.True(t, ok.Value, "version 0 did")
	_, _, err := f.e.CallMeta("Sign", &pb.SignRequest{KeyId: md.KeyId, Message: []byte("m")}, kms.Meta{KeyVersionID: md.KeyId + "-nosuchvers"})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")

	// Decrypt with only the version header, as the transfer SDKs send it.
	enc := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: "RSA_2048", KeyUsage: kms.UsageEncrypt}).KeyMetadata
	ct, got := callMeta[*pb.EncryptResponse](t, f.e, "Encrypt", &pb.EncryptRequest{KeyId: enc.KeyId, Plaintext: []byte("p")}, "")
	require.Equal(t, enc.InitialKeyVersionId, got)
	dec, got := callMeta[*pb.DecryptResponse](t, f.e, "Decrypt", &pb.DecryptRequest{CiphertextBlob: ct.CiphertextBlob}, enc.InitialKeyVersionId)
	require.Equal(t, enc.InitialKeyVersionId, got)
	require.Equal(t, "p", string(dec.Plaintext))
	require.Equal(t, enc.KeyId, dec.KeyId)
}

func TestDataKeyPairs(t *testing.T) {
	f := newFixture(t)
	sym := f.createKey("").KeyId
	aad := []byte("context")
	for _, spec := range []string{"RSA_2048", "EC_P256", "EC_SM2", "EC_P256K"} {
		for _, format := range []string{"", "PEM", "DER"} {
			t.Run(spec+"/"+format, func(t *testing.T) {
				type result struct {
					private, public, sealed []byte
					plain                   bool
				}
				var results []result
				r1, v := callMeta[*pb.GenerateDataKeyPairResponse](t, f.e, "GenerateDataKeyPair", &pb.GenerateDataKeyPairRequest{KeyId: sym, KeyPairSpec: spec, KeyFormat: format, Aad: aad}, "")
				require.Equal(t, "AES_GCM", r1.Algorithm)
				require.Equal(t, spec, r1.KeyPairSpec)
				require.True(t, v != "", "version header")
				dec := call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: sym, CiphertextBlob: r1.PrivateKeyCiphertextBlob, Iv: r1.Iv, Aad: aad})
				require.True(t, bytes.Equal(r1.PrivateKeyPlaintext, dec.Plaintext), "Decrypt opens the private key")
				_, err := f.e.Call("Decrypt", &pb.DecryptRequest{KeyId: sym, CiphertextBlob: r1.PrivateKeyCiphertextBlob, Iv: r1.Iv})
				require.KMSError(t, err, 400, "InvalidParameter") // the Aad is needed
				results = append(results, result{r1.PrivateKeyPlaintext, r1.PublicKey, r1.PrivateKeyCiphertextBlob, true})

				r2 := call[*pb.GenerateDataKeyPairWithoutPlaintextResponse](f, "GenerateDataKeyPairWithoutPlaintext", &pb.GenerateDataKeyPairWithoutPlaintextRequest{KeyId: sym, KeyPairSpec: spec, KeyFormat: format, Aad: aad})
				dec = call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: sym, CiphertextBlob: r2.PrivateKeyCiphertextBlob, Iv: r2.Iv, Aad: aad})
				results = append(results, result{dec.Plaintext, r2.PublicKey, nil, false})

				r3 := call[*pb.AdvanceGenerateDataKeyPairResponse](f, "AdvanceGenerateDataKeyPair", &pb.AdvanceGenerateDataKeyPairRequest{KeyId: sym, KeyPairSpec: spec, KeyFormat: format, Aad: aad})
				require.True(t, r3.KeyVersionId != "" && len(r3.Iv) == 12, "version and the blob's IV")
				adv := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: r3.PrivateKeyCiphertextBlob, Aad: aad})
				require.True(t, bytes.Equal(r3.PrivateKeyPlaintext, adv.Plaintext), "AdvanceDecrypt opens the private key")
				results = append(results, result{r3.PrivateKeyPlaintext, r3.PublicKey, nil, true})

				r4 := call[*pb.AdvanceGenerateDataKeyPairWithoutPlaintextResponse](f, "AdvanceGenerateDataKeyPairWithoutPlaintext", &pb.AdvanceGenerateDataKeyPairWithoutPlaintextRequest{KeyId: sym, KeyPairSpec: spec, KeyFormat: format, Aad: aad})
				adv = call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: r4.PrivateKeyCiphertextBlob, Aad: aad})
				results = append(results, result{adv.Plaintext, r4.PublicKey, nil, false})

				for _, r := range results {
					priv, pub := r.private, r.public
					if format != "DER" {
						b, rest := pem.Decode(priv)
						require.True(t, b != nil && b.Type == "PRIVATE KEY" && len(rest) == 0, "PEM PRIVATE KEY")
						priv = b.Bytes
						b, rest = pem.Decode(pub)
						require.True(t, b != nil && b.Type == "PUBLIC KEY" && len(rest) == 0, "PEM PUBLIC KEY")
						pub = b.Bytes
					}
					if spec == "EC_P256K" {
						require.True(t, priv[0] == 0x30 && bytes.Contains(priv, []byte{0x2b, 0x81, 0x04, 0x00, 0x0a}), "secp256k1 OID") // decred checks it in tests/asym
						continue
					}
					k, err := smx509.ParsePKCS8PrivateKey(priv)
					require.NoError(t, err)
					p, err := smx509.ParsePKIXPublicKey(pub)
					require.NoError(t, err)
					require.True(t, k.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(p), "the pair matches")
				}
			})
		}
	}
}

// A key written before asymmetric keys could be used (material in the
// record's PrivateKey, RSA as two primes) still works, with the same key.
func TestLegacyAsymmetricRecord(t *testing.T) {
	f := newFixture(t)
	priv := stdRSA()
	var legacy []byte
	for _, p := range priv.Primes {
		b := p.Bytes()
		legacy = append(legacy, byte(len(b)>>24), byte(len(b)>>16), byte(len(b)>>8), byte(len(b)))
		legacy = append(legacy, b...)
	}
	id := "key-legacylegacylegacy00"
	rec, _ := json.Marshal(map[string]any{"KeyId": id, "KeySpec": "RSA_2048", "KeyUsage": kms.UsageSign, "KeyState": "Enabled",
		"CreationDate": "2026-01-01T00:00:00Z", "Versions": []map[string]any{{"KeyVersionId": id + "-0000000001", "CreationDate": "2026-01-01T00:00:00Z"}},
		"PrivateKey": legacy})
	tx := store.Begin(f.mem)
	tx.Put("keys/"+id, rec)
	require.NoError(t, tx.Commit())
	require.True(t, priv.PublicKey.Equal(publicKey(f, id)), "same public key")
	sig := call[*pb.SignResponse](f, "Sign", &pb.SignRequest{KeyId: id, Message: []byte("x")})
	h := sha256.Sum256([]byte("x"))
	require.NoError(t, rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, h[:], sig.Signature, &rsa.PSSOptions{SaltLength: 32}))
}
