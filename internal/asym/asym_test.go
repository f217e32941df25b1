package asym_test

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
	"encoding/pem"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/pocketkms/pocketkms/internal/asym"
	"github.com/pocketkms/pocketkms/internal/require"
)

// keys caches one generated key per spec: RSA generation is slow.
var keys = map[string]*asym.Key{}

func key(t testing.TB, spec string) *asym.Key {
	if k, ok := keys[spec]; ok {
		return k
	}
	k, err := asym.Generate(spec, rand.Reader)
	require.NoError(t, err)
	keys[spec] = k
	return k
}

// std parses the key's PKCS#8 and SPKI with the standard library (gmsm's
// smx509 for SM2): the encodings are checked by code that is not ours.
// secp256k1 is outside both; its encodings are checked in tests/asym.
func std(t *testing.T, k *asym.Key) (crypto.PrivateKey, crypto.PublicKey) {
	if k.Spec() == asym.ECP256K {
		t.Skip("neither crypto/x509 nor smx509 knows secp256k1")
	}
	priv, err := smx509.ParsePKCS8PrivateKey(k.PKCS8())
	require.NoError(t, err)
	pub, err := smx509.ParsePKIXPublicKey(k.Public().SPKI())
	require.NoError(t, err)
	if k.Spec() != asym.ECSM2 {
		priv2, err := x509.ParsePKCS8PrivateKey(k.PKCS8())
		require.NoError(t, err)
		pub2, err := x509.ParsePKIXPublicKey(k.Public().SPKI())
		require.NoError(t, err)
		require.True(t, priv2.(interface{ Equal(crypto.PrivateKey) bool }).Equal(priv), "x509 and smx509 agree")
		require.True(t, pub2.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub), "x509 and smx509 agree")
	}
	return priv, pub
}

func TestEncodings(t *testing.T) {
	for _, spec := range asym.Specs {
		t.Run(spec, func(t *testing.T) {
			k := key(t, spec)
			back, err := asym.ParsePKCS8(k.PKCS8())
			require.NoError(t, err)
			require.Equal(t, spec, back.Spec())
			require.True(t, bytes.Equal(k.PKCS8(), back.PKCS8()), "PKCS#8 round trip")
			pub, err := asym.ParseSPKI(k.Public().SPKI())
			require.NoError(t, err)
			require.True(t, bytes.Equal(k.Public().SPKI(), pub.SPKI()), "SPKI round trip")
			pemKey, err := asym.ParsePrivateKey(asym.PEM(asym.PEMPrivateKey, k.PKCS8()))
			require.NoError(t, err)
			require.True(t, bytes.Equal(k.PKCS8(), pemKey.PKCS8()), "PEM round trip")
			priv, stdPub := std(t, k)
			// The other way: what the standard library writes, we read.
			der, err := smx509.MarshalPKCS8PrivateKey(priv)
			require.NoError(t, err)
			imported, err := asym.ParsePKCS8(der)
			require.NoError(t, err)
			require.True(t, bytes.Equal(k.PKCS8(), imported.PKCS8()), "imports the standard encoding")
			spki, err := smx509.MarshalPKIXPublicKey(stdPub)
			require.NoError(t, err)
			require.True(t, bytes.Equal(spki, k.Public().SPKI()), "SPKI is the standard encoding")
		})
	}
}

func TestGetPublicKeyPEM(t *testing.T) {
	k := key(t, asym.RSA2048)
	text := string(asym.PEM(asym.PEMPublicKey, k.Public().SPKI()))
	require.True(t, len(text) > 0 && text[len(text)-1] == '\n', "trailing newline")
	block, rest := pem.Decode([]byte(text))
	require.True(t, block != nil && len(rest) == 0 && block.Type == "PUBLIC KEY")
	require.Equal(t, "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", text[:71])
}

func TestSignVerify(t *testing.T) {
	msg := []byte("pocketkms")
	for _, spec := range asym.Specs {
		for _, alg := range asym.SignAlgorithms(spec) {
			t.Run(spec+"/"+alg, func(t *testing.T) {
				k := key(t, spec)
				digest, err := k.Public().Digest(alg, msg)
				require.NoError(t, err)
				sig, err := k.Sign(rand.Reader, alg, digest)
				require.NoError(t, err)
				require.True(t, k.Public().Verify(alg, digest, sig), "verifies")
				for i := 0; i < len(sig); i += 7 {
					bad := bytes.Clone(sig)
					bad[i] ^= 0x10
					require.True(t, !k.Public().Verify(alg, digest, bad), "bit flip at", i)
				}
				require.True(t, !k.Public().Verify(alg, digest, sig[:len(sig)-1]), "truncated")
				require.True(t, !k.Public().Verify(alg, digest, append(bytes.Clone(sig), 0)), "extended")
				require.True(t, !k.Public().Verify(alg, digest, nil), "empty")
				if spec == asym.ECP256K {
					return // checked with decred in tests/asym
				}
				_, pub := std(t, k)
				h := sha256.Sum256(msg)
				switch alg {
				case asym.RSAPSS:
					require.NoError(t, rsa.VerifyPSS(pub.(*rsa.PublicKey), crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: 32}))
				case asym.RSAPKCS1:
					require.NoError(t, rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, h[:], sig))
				case asym.ECDSA:
					require.True(t, ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), h[:], sig), "crypto/ecdsa verifies")
				case asym.SM2DSA:
					require.True(t, sm2.VerifyASN1WithSM2(pub.(*ecdsa.PublicKey), nil, msg, sig), "gmsm verifies SM3withSM2")
				}
			})
		}
	}
}

func TestEncryptDecrypt(t *testing.T) {
	for _, spec := range asym.Specs {
		for _, alg := range asym.EncryptAlgorithms(spec) {
			t.Run(spec+"/"+alg, func(t *testing.T) {
				k := key(t, spec)
				max := k.Public().MaxPlaintext(alg)
				msg := bytes.Repeat([]byte{'m'}, max)
				ct, err := k.Public().Encrypt(rand.Reader, alg, msg)
				require.NoError(t, err)
				pt, err := k.Decrypt(alg, ct)
				require.NoError(t, err)
				require.True(t, bytes.Equal(msg, pt))
				_, err = k.Public().Encrypt(rand.Reader, alg, append(msg, 'x'))
				require.True(t, err == asym.ErrTooLong, "over the limit", err)
				bad := bytes.Clone(ct)
				bad[len(bad)/2] ^= 1
				_, err = k.Decrypt(alg, bad)
				require.True(t, err == asym.ErrDecryption, "tampered")
				_, err = k.Decrypt(alg, ct[:len(ct)-1])
				require.True(t, err == asym.ErrDecryption, "truncated")
				priv, _ := std(t, k)
				switch alg {
				case asym.OAEPSHA256, asym.OAEPSHA1:
					h := crypto.SHA256.New()
					if alg == asym.OAEPSHA1 {
						h = sha1.New()
					}
					require.Equal(t, priv.(*rsa.PrivateKey).Size(), len(ct))
					limits := map[string]int{asym.OAEPSHA256: 190, asym.OAEPSHA1: 214} // spec §4, for 2048 bits
					require.Equal(t, limits[alg]+(priv.(*rsa.PrivateKey).Size()-256), max)
					pt, err := rsa.DecryptOAEP(h, nil, priv.(*rsa.PrivateKey), ct, nil)
					require.NoError(t, err)
					require.True(t, bytes.Equal(msg, pt), "crypto/rsa decrypts")
				case asym.SM2PKE:
					require.Equal(t, 6047, max)
					require.Equal(t, len(msg)+97, len(ct))
					require.Equal(t, byte(4), ct[0])
					pt, err := sm2.Decrypt(priv.(*sm2.PrivateKey), ct)
					require.NoError(t, err)
					require.True(t, bytes.Equal(msg, pt), "gmsm decrypts C1C3C2")
				}
			})
		}
	}
}

func TestParseErrors(t *testing.T) {
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p384, _ := x509.MarshalPKCS8PrivateKey(ec384)
	ec256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	rsa1024, _ := x509.MarshalPKCS8PrivateKey(small)
	sec1, _ := x509.MarshalECPrivateKey(ec256)
	for name, in := range map[string][]byte{
		"empty":    nil,
		"garbage":  []byte("not a key"),
		"P-384":    p384,
		"RSA-1024": rsa1024,
		"trailing": append(key(t, asym.ECP256).PKCS8(), 0),
		"SEC1 PEM": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"cert PEM": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}),
	} {
		_, err := asym.ParsePrivateKey(in)
		require.True(t, err != nil, name)
	}
}

// FuzzParsePrivateKey: whatever parses serialises to a key that parses to
// the same bytes, and nothing panics.
func FuzzParsePrivateKey(f *testing.F) {
	for _, spec := range []string{asym.ECP256, asym.ECP256K, asym.ECSM2} {
		f.Add(key(f, spec).PKCS8())
	}
	f.Add(asym.PEM(asym.PEMPrivateKey, key(f, asym.ECSM2).PKCS8()))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := asym.ParsePrivateKey(b)
		if err != nil {
			return
		}
		again, err := asym.ParsePKCS8(k.PKCS8())
		require.NoError(t, err)
		require.True(t, bytes.Equal(k.PKCS8(), again.PKCS8()))
	})
}

func FuzzParseSPKI(f *testing.F) {
	for _, spec := range []string{asym.RSA2048, asym.ECP256, asym.ECP256K, asym.ECSM2} {
		f.Add(key(f, spec).Public().SPKI())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := asym.ParseSPKI(b)
		if err != nil {
			return
		}
		again, err := asym.ParseSPKI(p.SPKI())
		require.NoError(t, err)
		require.True(t, bytes.Equal(p.SPKI(), again.SPKI()))
		for _, alg := range asym.SignAlgorithms(p.Spec()) {
			p.Verify(alg, make([]byte, 32), b)
		}
	})
}

// FuzzVerify: any signature bytes, on every spec, give true or false and
// never a panic (DER parsing, and secp256k1's math/big arithmetic).
func FuzzVerify(f *testing.F) {
	digest := make([]byte, 32)
	for _, spec := range []string{asym.ECP256, asym.ECP256K, asym.ECSM2} {
		k := key(f, spec)
		alg := asym.SignAlgorithms(spec)[0]
		sig, err := k.Sign(rand.Reader, alg, digest)
		require.NoError(f, err)
		f.Add(sig)
	}
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, sig []byte) {
		for _, spec := range []string{asym.ECP256, asym.ECP256K, asym.ECSM2} {
			k := key(t, spec)
			k.Public().Verify(asym.SignAlgorithms(spec)[0], digest, sig)
		}
	})
}
