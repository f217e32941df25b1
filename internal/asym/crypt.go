package asym

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/emmansun/gmsm/sm2"
)

// Encryption algorithms.
const (
	OAEPSHA256 = "RSAES_OAEP_SHA_256"
	OAEPSHA1   = "RSAES_OAEP_SHA_1"
	SM2PKE     = "SM2PKE"
)

// SM2MaxPlaintext is the product's limit for SM2PKE (spec §4).
const SM2MaxPlaintext = 6047

// EncryptAlgorithms lists the encryption algorithms of spec, default first.
func EncryptAlgorithms(spec string) []string {
	switch spec {
	case RSA2048, RSA3072, RSA4096:
		return []string{OAEPSHA256, OAEPSHA1}
	case ECSM2:
		return []string{SM2PKE}
	}
	return nil
}

func oaepHash(alg string) hash.Hash {
	if alg == OAEPSHA1 {
		return sha1.New()
	}
	return sha256.New()
}

// MaxPlaintext is the longest plaintext alg encrypts under the key.
func (p *PublicKey) MaxPlaintext(alg string) int {
	if p.rsa != nil {
		return p.rsa.Size() - 2*oaepHash(alg).Size() - 2
	}
	return SM2MaxPlaintext
}

// ErrTooLong is returned for a plaintext over MaxPlaintext.
var ErrTooLong = errors.New("the plaintext is too long")

// Encrypt encrypts plaintext with alg, one of the key's EncryptAlgorithms:
// RSA-OAEP with an empty label (MGF1 with the same hash), or SM2 with the
// raw C1C3C2 layout, C1 uncompressed (spec §10.1).
func (p *PublicKey) Encrypt(rand io.Reader, alg string, plaintext []byte) ([]byte, error) {
	if len(plaintext) > p.MaxPlaintext(alg) {
		return nil, ErrTooLong
	}
	switch {
	case (alg == OAEPSHA256 || alg == OAEPSHA1) && p.rsa != nil:
		return rsa.EncryptOAEP(oaepHash(alg), rand, p.rsa, plaintext, nil)
	case alg == SM2PKE && p.spec == ECSM2:
		if len(plaintext) == 0 {
			return nil, errors.New("SM2PKE cannot encrypt an empty plaintext")
		}
		return sm2.Encrypt(rand, p.ec, plaintext, sm2.NewPlainEncrypterOpts(sm2.MarshalUncompressed, sm2.C1C3C2))
	}
	return nil, fmt.Errorf("%s does not fit a %s key", alg, p.spec)
}

// ErrDecryption is every decryption failure, alike so that they tell an
// attacker nothing.
var ErrDecryption = errors.New("the ciphertext cannot be decrypted with this key and algorithm")

// Decrypt undoes Encrypt.
func (k *Key) Decrypt(alg string, ciphertext []byte) ([]byte, error) {
	var pt []byte
	var err error
	switch {
	case (alg == OAEPSHA256 || alg == OAEPSHA1) && k.rsa != nil:
		pt, err = rsa.DecryptOAEP(oaepHash(alg), nil, k.rsa, ciphertext, nil)
	case alg == SM2PKE && k.sm2 != nil:
		pt, err = sm2.Decrypt(k.sm2, ciphertext)
	default:
		return nil, fmt.Errorf("%s does not fit a %s key", alg, k.spec)
	}
	if err != nil {
		return nil, ErrDecryption
	}
	return pt, nil
}
