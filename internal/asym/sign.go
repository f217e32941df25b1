package asym

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"io"

	"github.com/emmansun/gmsm/sm2"
)

// Signature algorithms.
const (
	RSAPSS   = "RSA_PSS_SHA_256"
	RSAPKCS1 = "RSA_PKCS1_SHA_256"
	ECDSA    = "ECDSA_SHA_256"
	SM2DSA   = "SM2DSA"
)

// pssSalt is the salt length of RSA_PSS_SHA_256: the hash length, as
// Alibaba's own clients verify it (spec §2).
var pssOptions = &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}

// SignAlgorithms lists the signature algorithms of spec, default first.
func SignAlgorithms(spec string) []string {
	switch spec {
	case RSA2048, RSA3072, RSA4096:
		return []string{RSAPSS, RSAPKCS1}
	case ECP256, ECP256K:
		return []string{ECDSA}
	case ECSM2:
		return []string{SM2DSA}
	}
	return nil
}

// DigestSize is the size of the digest every signature algorithm signs.
const DigestSize = 32

// Digest is what a RAW message is signed as: SHA-256 of it, or for SM2DSA
// SM3(Z_A‖M) with the default user id 1234567812345678 (spec §10.3).
func (p *PublicKey) Digest(alg string, msg []byte) ([]byte, error) {
	if alg == SM2DSA {
		if p.spec != ECSM2 {
			return nil, errors.New("SM2DSA needs an SM2 key")
		}
		return sm2.CalculateSM2Hash(p.ec, msg, nil)
	}
	d := sha256.Sum256(msg)
	return d[:], nil
}

// Sign signs a DigestSize digest with alg, which must be one of the key's
// SignAlgorithms. ECDSA and SM2 signatures are DER SEQUENCE{r, s}.
func (k *Key) Sign(rand io.Reader, alg string, digest []byte) ([]byte, error) {
	if len(digest) != DigestSize {
		return nil, errors.New("the digest is not 32 bytes")
	}
	switch {
	case alg == RSAPSS && k.rsa != nil:
		return rsa.SignPSS(rand, k.rsa, crypto.SHA256, digest, pssOptions)
	case alg == RSAPKCS1 && k.rsa != nil:
		return rsa.SignPKCS1v15(nil, k.rsa, crypto.SHA256, digest)
	case alg == ECDSA && k.ec != nil:
		return ecCurveOf(k.spec).sign(rand, k.ecScalar(), digest)
	case alg == SM2DSA && k.sm2 != nil:
		return sm2.SignASN1(rand, k.sm2, digest, nil)
	}
	return nil, errors.New(alg + " does not fit a " + k.spec + " key")
}

// Verify reports whether sig is a valid alg signature of digest. A malformed
// signature is simply not valid.
func (p *PublicKey) Verify(alg string, digest, sig []byte) (ok bool) {
	if len(digest) != DigestSize {
		return false
	}
	if p.spec == ECP256K {
		// secp256k1 runs on math/big code outside the standard library
		// (asym.go's k1): should an input still reach a panic there, the
		// signature is not valid, and the request must not crash.
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
	}
	switch {
	case alg == RSAPSS && p.rsa != nil:
		return rsa.VerifyPSS(p.rsa, crypto.SHA256, digest, sig, pssOptions) == nil
	case alg == RSAPKCS1 && p.rsa != nil:
		return rsa.VerifyPKCS1v15(p.rsa, crypto.SHA256, digest, sig) == nil
	case alg == ECDSA && (p.spec == ECP256 || p.spec == ECP256K):
		return ecCurveOf(p.spec).verify(p.ec.X, p.ec.Y, digest, sig)
	case alg == SM2DSA && p.spec == ECSM2:
		return sm2.VerifyASN1(p.ec, digest, sig)
	}
	return false
}
