package clientkeys

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"math/big"
	"sync"
	"testing"
)

// testKeys are generated once per process: 1024 (the smallest accepted),
// 2048 (what the SDKs' ClientKeys use), 3072 and an odd bit length.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	var keys []*rsa.PrivateKey
	for _, bits := range []int{1024, 2048, 3072, 2047} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			panic(err)
		}
		keys = append(keys, k)
	}
	return keys
})

// agree checks VerifySHA256 against crypto/rsa on one input and returns
// whether the signature was accepted.
func agree(t testing.TB, k *PublicKey, digest, sig []byte) bool {
	t.Helper()
	want := rsa.VerifyPKCS1v15(k.Key, crypto.SHA256, digest, sig) == nil
	got := k.VerifySHA256(digest, sig) == nil
	if got != want {
		t.Fatalf("%d-bit key, digest %x, sig %x: VerifySHA256 accepted=%v, crypto/rsa accepted=%v", k.Key.N.BitLen(), digest, sig, got, want)
	}
	return got
}

func TestVerifySHA256AgreesWithCryptoRSA(t *testing.T) {
	for _, priv := range testKeys() {
		k, err := NewPublicKey(&priv.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte("GET\n\n\n\n/"))
		sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if !agree(t, k, digest[:], sig) {
			t.Fatalf("%d bits: a valid signature was refused", priv.N.BitLen())
		}
		// Every single-bit change of the signature or the digest is refused.
		for i := range len(sig) * 8 {
			bad := bytes.Clone(sig)
			bad[i/8] ^= 1 << (i % 8)
			if agree(t, k, digest[:], bad) {
				t.Fatalf("bit %d of the signature flipped: accepted", i)
			}
		}
		for i := range len(digest) * 8 {
			bad := digest
			bad[i/8] ^= 1 << (i % 8)
			if agree(t, k, bad[:], sig) {
				t.Fatalf("bit %d of the digest flipped: accepted", i)
			}
		}
		// Truncated, extended, empty, all-zero, ≥ n, and a SHA-1 sized digest.
		for _, s := range [][]byte{sig[:len(sig)-1], sig[1:], append(bytes.Clone(sig), 0), nil,
			make([]byte, len(sig)), priv.N.FillBytes(make([]byte, len(sig))),
			new(big.Int).Add(priv.N, big.NewInt(1)).FillBytes(make([]byte, len(sig))),
			bytes.Repeat([]byte{0xff}, len(sig))} {
			if agree(t, k, digest[:], s) {
				t.Fatalf("signature %x accepted", s)
			}
		}
		if agree(t, k, digest[:20], sig) {
			t.Fatal("a 20-byte digest was accepted")
		}
		// s = n-1 and s = 1 are in range and must be refused by the padding check.
		one := make([]byte, len(sig))
		one[len(one)-1] = 1
		nm1 := new(big.Int).Sub(priv.N, big.NewInt(1)).FillBytes(make([]byte, len(sig)))
		for _, s := range [][]byte{one, nm1} {
			if agree(t, k, digest[:], s) {
				t.Fatalf("signature %x accepted", s)
			}
		}
	}
}

// TestVerifySHA256WrongHash: a valid PKCS#1 v1.5 signature whose DigestInfo
// names another hash (same 32-byte length: SHA-512/256, SHA3-256) is refused,
// as crypto/rsa refuses it.
func TestVerifySHA256WrongHash(t *testing.T) {
	priv := testKeys()[1]
	k, _ := NewPublicKey(&priv.PublicKey)
	digest := sha256.Sum256([]byte("x"))
	for _, h := range []crypto.Hash{crypto.SHA512_256, crypto.SHA3_256} {
		sig, err := rsa.SignPKCS1v15(rand.Reader, priv, h, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if agree(t, k, digest[:], sig) {
			t.Fatalf("a %v signature was accepted as SHA-256", h)
		}
	}
	// Unprefixed (crypto.Hash(0)) signatures too.
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv, 0, digest[:])
	if agree(t, k, digest[:], sig) {
		t.Fatal("a signature without DigestInfo was accepted")
	}
}

func TestNewPublicKeyRefusesWhatCryptoRSARefuses(t *testing.T) {
	good := testKeys()[1].PublicKey
	for name, k := range map[string]rsa.PublicKey{
		"even modulus":  {N: new(big.Int).Add(good.N, big.NewInt(1)), E: good.E},
		"512 bits":      {N: new(big.Int).SetBit(new(big.Int).Rsh(good.N, 1536), 0, 1), E: good.E},
		"exponent 1":    {N: good.N, E: 1},
		"even exponent": {N: good.N, E: 65538},
		"exponent 2³¹":  {N: good.N, E: 1 << 31},
		"no modulus":    {E: good.E},
	} {
		if _, err := NewPublicKey(&k); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := NewPublicKey(&rsa.PublicKey{N: good.N, E: 3}); err != nil {
		t.Errorf("e = 3: %v", err)
	}
}

// FuzzVerifySHA256 compares VerifySHA256 with crypto/rsa on arbitrary
// signatures and digests, and on signatures made from a valid one.
func FuzzVerifySHA256(f *testing.F) {
	priv := testKeys()[1]
	k, _ := NewPublicKey(&priv.PublicKey)
	digest := sha256.Sum256([]byte("seed"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
	f.Add(digest[:], sig, uint16(0), byte(0))
	f.Add(digest[:], sig, uint16(3), byte(0x80))
	f.Add([]byte{}, []byte{}, uint16(0), byte(0))
	f.Fuzz(func(t *testing.T, d, s []byte, at uint16, flip byte) {
		agree(t, k, d, s)
		// The valid signature with one byte changed, over the seed digest.
		mutated := bytes.Clone(sig)
		mutated[int(at)%len(mutated)] ^= flip
		if agree(t, k, digest[:], mutated) != (flip == 0) {
			t.Fatalf("flip %#x at %d: wrong answer", flip, at)
		}
	})
}

func BenchmarkVerifySHA256(b *testing.B) {
	priv := testKeys()[1]
	k, _ := NewPublicKey(&priv.PublicKey)
	digest := sha256.Sum256([]byte("bench"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
	b.Run("clientkeys", func(b *testing.B) {
		for b.Loop() {
			if k.VerifySHA256(digest[:], sig) != nil {
				b.Fatal("refused")
			}
		}
	})
	b.Run("crypto-rsa", func(b *testing.B) {
		for b.Loop() {
			if rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, digest[:], sig) != nil {
				b.Fatal("refused")
			}
		}
	})
}
