package kmstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"hash"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	k1ecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Independent checks of pocketkms's asymmetric results: the public key
// pocketkms hands out is parsed by crypto/x509's rules (gmsm's smx509, which
// also knows SM2) or, for secp256k1, decred's; signatures are verified and
// ciphertexts made by those libraries, never by pocketkms's own code.

var oidSecp256k1 = asn1.ObjectIdentifier{1, 3, 132, 0, 10}

// PublicKey parses a PEM or DER SubjectPublicKeyInfo: *rsa.PublicKey,
// *ecdsa.PublicKey (P-256 or SM2) or *secp256k1.PublicKey.
func PublicKey(b []byte) (crypto.PublicKey, error) {
	if block, _ := pem.Decode(b); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("PEM block %s, want PUBLIC KEY", block.Type)
		}
		b = block.Bytes
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if rest, err := asn1.Unmarshal(b, &spki); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("not a SubjectPublicKeyInfo: %v", err)
	}
	var curve asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err == nil && curve.Equal(oidSecp256k1) {
		return secp256k1.ParsePubKey(spki.Key.Bytes)
	}
	return smx509.ParsePKIXPublicKey(b)
}

// VerifySignature checks sig over msg (RAW) as the algorithm's standard
// verifier does.
func VerifySignature(pub crypto.PublicKey, alg string, msg, sig []byte) error {
	h := sha256.Sum256(msg)
	ok := false
	switch k := pub.(type) {
	case *rsa.PublicKey:
		var err error
		switch alg {
		case "RSA_PSS_SHA_256":
			err = rsa.VerifyPSS(k, crypto.SHA256, h[:], sig, &rsa.PSSOptions{SaltLength: 32})
		case "RSA_PKCS1_SHA_256":
			err = rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig)
		default:
			err = fmt.Errorf("%s with an RSA key", alg)
		}
		return err
	case *ecdsa.PublicKey:
		if alg == "SM2DSA" {
			ok = sm2.VerifyASN1WithSM2(k, nil, msg, sig)
		} else {
			ok = alg == "ECDSA_SHA_256" && ecdsa.VerifyASN1(k, h[:], sig)
		}
	case *secp256k1.PublicKey:
		s, err := k1ecdsa.ParseDERSignature(sig)
		if err != nil {
			return err
		}
		ok = alg == "ECDSA_SHA_256" && s.Verify(h[:], k)
	}
	if !ok {
		return fmt.Errorf("the %s signature does not verify", alg)
	}
	return nil
}

// EncryptFor encrypts msg for pub with alg as the standard libraries do:
// RSA-OAEP with an empty label, SM2 C1C3C2.
func EncryptFor(pub crypto.PublicKey, alg string, msg []byte) ([]byte, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		var h hash.Hash = sha256.New()
		if alg == "RSAES_OAEP_SHA_1" {
			h = sha1.New()
		}
		return rsa.EncryptOAEP(h, rand.Reader, k, msg, nil)
	case *ecdsa.PublicKey:
		return sm2.Encrypt(rand.Reader, k, msg, nil)
	}
	return nil, fmt.Errorf("cannot encrypt for %T", pub)
}

// CheckKeyPair checks that a PKCS#8 private key (PEM or DER) and an SPKI
// public key are one pair, by signing with the one and verifying with the
// other.
func CheckKeyPair(private, public []byte) error {
	if block, _ := pem.Decode(private); block != nil {
		if block.Type != "PRIVATE KEY" {
			return fmt.Errorf("PEM block %s, want PRIVATE KEY", block.Type)
		}
		private = block.Bytes
	}
	pub, err := PublicKey(public)
	if err != nil {
		return err
	}
	msg := []byte("a data key pair")
	h := sha256.Sum256(msg)
	if k1, ok := pub.(*secp256k1.PublicKey); ok {
		var info struct {
			Version    int
			Algorithm  pkix.AlgorithmIdentifier
			PrivateKey []byte
		}
		var ec struct {
			Version int
			D       []byte
			Rest    asn1.RawValue `asn1:"optional,explicit,tag:1"`
		}
		if _, err := asn1.Unmarshal(private, &info); err != nil {
			return err
		}
		if _, err := asn1.Unmarshal(info.PrivateKey, &ec); err != nil {
			return err
		}
		priv := secp256k1.PrivKeyFromBytes(ec.D)
		if !priv.PubKey().IsEqual(k1) {
			return fmt.Errorf("the secp256k1 private key does not match the public key")
		}
		return VerifySignature(pub, "ECDSA_SHA_256", msg, k1ecdsa.Sign(priv, h[:]).Serialize())
	}
	key, err := smx509.ParsePKCS8PrivateKey(private)
	if err != nil {
		return err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(nil, k, crypto.SHA256, h[:])
		if err != nil {
			return err
		}
		return VerifySignature(pub, "RSA_PKCS1_SHA_256", msg, sig)
	case *sm2.PrivateKey:
		sig, err := sm2.SignASN1(rand.Reader, k, msg, sm2.DefaultSM2SignerOpts)
		if err != nil {
			return err
		}
		return VerifySignature(pub, "SM2DSA", msg, sig)
	case *ecdsa.PrivateKey:
		sig, err := ecdsa.SignASN1(rand.Reader, k, h[:])
		if err != nil {
			return err
		}
		return VerifySignature(pub, "ECDSA_SHA_256", msg, sig)
	}
	return fmt.Errorf("unexpected private key %T", key)
}
