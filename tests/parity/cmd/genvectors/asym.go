package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
)

// asymKeys are the committed test keys (openssl genpkey, testdata/): the
// vectors carry them in their ImportKey steps.
var asymKeys = []struct{ label, spec, usage, file string }{
	{"asymrsasign", "RSA_2048", kms.UsageSign, "rsa2048.pem"},
	{"asymrsaenc", "RSA_2048", kms.UsageEncrypt, "rsa2048.pem"},
	{"asymp256", "EC_P256", kms.UsageSign, "p256.pem"},
	{"asymk1", "EC_P256K", kms.UsageSign, "secp256k1.pem"},
	{"asymsm2sign", "EC_SM2", kms.UsageSign, "sm2.pem"},
	{"asymsm2enc", "EC_SM2", kms.UsageEncrypt, "sm2.pem"},
}

func asymImport(label, spec, usage, file string) req {
	pemText, err := os.ReadFile(filepath.Join("parity", "cmd", "genvectors", "testdata", file))
	if err != nil {
		panic(err)
	}
	id := keyID(label)
	return req{"KeyId": id, "KeySpec": spec, "KeyUsage": usage, "Description": "parity vector key " + label,
		"Versions": []any{req{"KeyVersionId": versionID(id, 1), "KeyMaterial": pemText, "CreationDate": dates[0]}}}
}

// constRand is a reader of one repeated byte: whether a library reads a
// byte more or less (crypto's MaybeReadByte), what it reads is the same, so
// randomized signatures and ciphertexts made as inputs are reproducible.
type constRand struct{}

func (constRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0x5a
	}
	return len(p), nil
}

func b64len(v any) int {
	b, err := base64.StdEncoding.DecodeString(v.(string))
	if err != nil {
		panic(err)
	}
	return len(b)
}

// asymmetric covers the deterministic asymmetric operations byte for byte
// (GetPublicKey, RSA_PKCS1_SHA_256 signatures, Verify, Decrypt) and the
// randomized ones by length; signatures and ciphertexts the randomized
// algorithms made on a side engine are verified and opened in every runtime.
func asymmetric() *builder {
	b := newBuilder("asymmetric", "Asymmetric keys: ImportKey of PKCS#8 PEM, GetPublicKey, Sign and Verify in every algorithm and message type, RSA-OAEP and SM2 Encrypt/Decrypt, data key pairs, and the error rows of spec §10.2.")
	s := side{kms.New(store.NewMemory(), kms.NewConfig().WithRand(constRand{}))}
	id := map[string]string{}
	for _, k := range asymKeys {
		r := asymImport(k.label, k.spec, k.usage, k.file)
		id[k.label] = r["KeyId"].(string)
		s.ok("ImportKey", r)
		b.ok(k.spec+" "+k.usage+" from PKCS#8 PEM", "ImportKey", r)
		b.ok(k.spec+" public key", "GetPublicKey", req{"KeyId": id[k.label]})
	}
	msg := plaintext(100)
	digest := sha256.Sum256(msg)
	rsaSign, rsaEnc, p256, k1, sm2Sign, sm2Enc := id["asymrsasign"], id["asymrsaenc"], id["asymp256"], id["asymk1"], id["asymsm2sign"], id["asymsm2enc"]

	b.ok("RSA_PKCS1_SHA_256 is deterministic", "Sign", req{"KeyId": rsaSign, "Algorithm": "RSA_PKCS1_SHA_256", "Message": msg})
	b.ok("RSA_PKCS1_SHA_256 of a DIGEST", "Sign", req{"KeyId": rsaSign, "Algorithm": "RSA_PKCS1_SHA_256", "Message": digest[:], "MessageType": "DIGEST"})
	b.okLen("RSA_PSS_SHA_256 by default", "Sign", req{"KeyId": rsaSign, "Message": msg}, map[string]int{"Signature": 256})
	sm2pub, _ := smx509.ParsePKCS8PrivateKey(mustPEM("sm2.pem"))
	sm2digest, _ := sm2.CalculateSM2Hash(&sm2pub.(*sm2.PrivateKey).PublicKey, msg, nil)
	for _, c := range []struct {
		note, key, alg, mt string
		m                  []byte
	}{
		{"RSA_PSS_SHA_256", rsaSign, "RSA_PSS_SHA_256", "RAW", msg},
		{"RSA_PKCS1_SHA_256", rsaSign, "RSA_PKCS1_SHA_256", "RAW", msg},
		{"ECDSA P-256", p256, "ECDSA_SHA_256", "RAW", msg},
		{"ECDSA P-256 DIGEST", p256, "ECDSA_SHA_256", "DIGEST", digest[:]},
		{"ECDSA secp256k1", k1, "ECDSA_SHA_256", "RAW", msg},
		{"SM2DSA RAW (Z_A with the default id)", sm2Sign, "SM2DSA", "RAW", msg},
		{"SM2DSA DIGEST", sm2Sign, "SM2DSA", "DIGEST", sm2digest},
	} {
		sig := s.ok("Sign", req{"KeyId": c.key, "Algorithm": c.alg, "Message": c.m, "MessageType": c.mt})["Signature"].(string)
		b.ok(c.note+": a signature made elsewhere verifies", "Verify", req{"KeyId": c.key, "Algorithm": c.alg, "Message": c.m, "MessageType": c.mt, "Signature": sig})
		b.ok(c.note+": with a flipped bit it does not", "Verify", req{"KeyId": c.key, "Algorithm": c.alg, "Message": c.m, "MessageType": c.mt, "Signature": flip(sig, 10)})
		b.ok(c.note+": truncated, neither", "Verify", req{"KeyId": c.key, "Algorithm": c.alg, "Message": c.m, "MessageType": c.mt, "Signature": cut(sig, -1)})
	}
	for _, c := range []struct {
		note, key, alg string
		size           int
	}{{"RSAES_OAEP_SHA_256", rsaEnc, "RSAES_OAEP_SHA_256", 256}, {"RSAES_OAEP_SHA_1", rsaEnc, "RSAES_OAEP_SHA_1", 256}, {"SM2PKE", sm2Enc, "SM2PKE", 100 + 97}} {
		ct := s.ok("Encrypt", req{"KeyId": c.key, "Algorithm": c.alg, "Plaintext": msg})["CiphertextBlob"].(string)
		b.ok(c.note+": a ciphertext made elsewhere opens", "Decrypt", req{"KeyId": c.key, "Algorithm": c.alg, "CiphertextBlob": ct})
		b.fail(c.note+": tampered", "Decrypt", invalid, req{"KeyId": c.key, "Algorithm": c.alg, "CiphertextBlob": flip(ct, len(ct)/2)})
		b.okLen(c.note+": encrypted here", "Encrypt", req{"KeyId": c.key, "Algorithm": c.alg, "Plaintext": msg}, map[string]int{"CiphertextBlob": c.size})
	}
	b.ok("Decrypt without Algorithm uses the default", "Decrypt", req{"KeyId": rsaEnc,
		"CiphertextBlob": s.ok("Encrypt", req{"KeyId": rsaEnc, "Plaintext": msg})["CiphertextBlob"]})

	sym := importReq("asympairs", "Aliyun_AES_256", 1)
	b.ok("a symmetric key for data key pairs", "ImportKey", sym)
	s.ok("ImportKey", sym)
	symID := sym["KeyId"].(string)
	for _, api := range []string{"GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "AdvanceGenerateDataKeyPair", "AdvanceGenerateDataKeyPairWithoutPlaintext"} {
		r := req{"KeyId": symID, "KeyPairSpec": "EC_P256", "KeyFormat": "DER", "Aad": aad}
		lengths := map[string]int{}
		for f, v := range s.ok(api, r) {
			if f == "Iv" || f == "PrivateKeyPlaintext" || f == "PrivateKeyCiphertextBlob" || f == "PublicKey" {
				lengths[f] = b64len(v)
			}
		}
		b.okLen(api+" EC_P256 DER", api, r, lengths)
	}
	pair := s.ok("GenerateDataKeyPair", req{"KeyId": symID, "KeyPairSpec": "EC_SM2", "Aad": aad})
	b.ok("the private key of a pair opens with Decrypt", "Decrypt", req{"KeyId": symID, "CiphertextBlob": pair["PrivateKeyCiphertextBlob"], "Iv": pair["Iv"], "Aad": aad})

	d32 := make([]byte, 32)
	b.fail("Sign with a symmetric key", "Sign", unsupported, req{"KeyId": symID, "Message": d32})
	b.fail("GetPublicKey of a symmetric key", "GetPublicKey", unsupported, req{"KeyId": symID})
	b.fail("Sign with an encryption key", "Sign", unsupported, req{"KeyId": rsaEnc, "Message": d32})
	b.fail("Encrypt with a signing key", "Encrypt", unsupported, req{"KeyId": p256, "Plaintext": d32})
	b.fail("an algorithm of another spec", "Sign", invalid, req{"KeyId": p256, "Algorithm": "SM2DSA", "Message": d32})
	b.fail("a bad MessageType", "Verify", invalid, req{"KeyId": p256, "MessageType": "HASH", "Message": d32, "Signature": d32})
	b.fail("a DIGEST of 31 bytes", "Sign", invalid, req{"KeyId": sm2Sign, "MessageType": "DIGEST", "Message": d32[:31]})
	b.fail("no Message", "Sign", missing, req{"KeyId": k1})
	b.fail("191 bytes over RSA_2048 OAEP-SHA-256", "Encrypt", invalid, req{"KeyId": rsaEnc, "Plaintext": plaintext(191)})
	b.fail("Aad with an asymmetric key", "Encrypt", invalid, req{"KeyId": rsaEnc, "Plaintext": d32, "Aad": aad})
	b.fail("a data key pair under an asymmetric key", "GenerateDataKeyPair", "Forbidden.OnlySymmetricKeySupported", req{"KeyId": rsaEnc, "KeyPairSpec": "EC_P256"})
	b.fail("an unknown KeyPairSpec", "AdvanceGenerateDataKeyPair", invalid, req{"KeyId": symID, "KeyPairSpec": "RSA_1024"})
	b.fail("an unknown KeyFormat", "GenerateDataKeyPair", invalid, req{"KeyId": symID, "KeyPairSpec": "EC_P256", "KeyFormat": "JWK"})
	b.fail("material of another spec", "ImportKey", invalid, asymImport("asymwrong", "RSA_3072", kms.UsageSign, "rsa2048.pem"))
	return b
}

func mustPEM(file string) []byte {
	raw, err := os.ReadFile(filepath.Join("parity", "cmd", "genvectors", "testdata", file))
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(raw)
	k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	der, _ := smx509.MarshalPKCS8PrivateKey(k)
	return der
}
