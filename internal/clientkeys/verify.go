package clientkeys

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"

	"filippo.io/bigmod"
)

// PublicKey is a ClientKey's public half, ready to check request signatures.
//
// crypto/rsa turns an *rsa.PublicKey into a Montgomery modulus on every call,
// which is a third of what a 2048-bit verification costs; a ClientKey checks
// every request of its caller, so PublicKey does that once, when the record
// is parsed (RATIONALE.md, "ClientKey signatures").
type PublicKey struct {
	Key *rsa.PublicKey
	n   *bigmod.Modulus
	e   uint
}

// errVerification says no more than crypto/rsa's ErrVerification: which
// check failed is not the caller's business.
var errVerification = errors.New("clientkeys: verification error")

// NewPublicKey prepares k for VerifySHA256. It accepts the keys
// rsa.VerifyPKCS1v15 accepts with Go's default settings: an odd modulus of at least 1024 bits and an odd exponent from 3
// to 2³¹-1.
func NewPublicKey(k *rsa.PublicKey) (*PublicKey, error) {
	switch {
	case k.N == nil || k.N.Bit(0) == 0:
		return nil, errors.New("the RSA modulus is missing or even")
	case k.N.BitLen() < 1024:
		return nil, fmt.Errorf("the RSA key has %d bits; at least 1024 are needed", k.N.BitLen())
	case k.E < 3 || k.E&1 == 0 || k.E > 1<<31-1:
		return nil, fmt.Errorf("the RSA public exponent %d is not an odd number from 3 to 2³¹-1", k.E)
	}
	n, err := bigmod.NewModulus(k.N.Bytes())
	if err != nil {
		return nil, err
	}
	return &PublicKey{Key: k, n: n, e: uint(k.E)}, nil
}

// sha256DigestInfo is the DER DigestInfo prefix of a SHA-256 hash
// (RFC 8017 §9.2, note 1).
var sha256DigestInfo = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}

// VerifySHA256 checks an RSASSA-PKCS1-v1_5 signature over a SHA-256 digest
// (RFC 8017 §8.2.2), the instance API's RSA_PKCS1_SHA_256. It answers as
// rsa.VerifyPKCS1v15(k.Key, crypto.SHA256, digest, sig) does, which the tests
// check on every input they try.
func (k *PublicKey) VerifySHA256(digest, sig []byte) error {
	size := k.n.Size()
	if len(digest) != 32 || len(sig) != size || size < 11+len(sha256DigestInfo)+32 {
		return errVerification
	}
	s, err := bigmod.NewNat().SetBytes(sig, k.n)
	if err != nil {
		return errVerification // s ≥ n
	}
	em := bigmod.NewNat().ExpShortVarTime(s, k.e, k.n).Bytes(k.n)
	// EM = 0x00 || 0x01 || PS (0xff…, at least 8) || 0x00 || DigestInfo || H.
	// Everything here is public, so a plain comparison is enough, as in crypto/rsa.
	tail := len(em) - len(sha256DigestInfo) - 32
	ok := em[0] == 0 && em[1] == 1 && em[tail-1] == 0 &&
		bytes.Count(em[2:tail-1], []byte{0xff}) == tail-3 &&
		bytes.Equal(em[tail:tail+len(sha256DigestInfo)], sha256DigestInfo) &&
		bytes.Equal(em[len(em)-32:], digest)
	if !ok {
		return errVerification
	}
	return nil
}
