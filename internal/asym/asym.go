// Package asym holds the asymmetric key pairs of pocketkms: generation,
// PKCS#8 and SubjectPublicKeyInfo encodings, and the signature and
// encryption algorithms of the KMS (spec asymmetric-and-secrets.md §1–§5).
//
// The algorithms come from libraries: RSA from the standard library, SM2
// from gmsm, the P-256 and secp256k1 curves from crypto/elliptic and
// ProtonMail's go-crypto; ECDSA over those two is ecdsa.go, kept out of
// crypto/ecdsa for the module's size (RATIONALE.md). The DER structures are built and parsed with
// cryptobyte rather than crypto/x509, which would cost the WebAssembly module
// megabytes (docs/formats.md).
package asym

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/emmansun/gmsm/sm2"
)

// Key specs.
const (
	RSA2048 = "RSA_2048"
	RSA3072 = "RSA_3072"
	RSA4096 = "RSA_4096"
	ECP256  = "EC_P256"
	ECP256K = "EC_P256K"
	ECSM2   = "EC_SM2"
)

// Specs lists every asymmetric key spec.
var Specs = []string{RSA2048, RSA3072, RSA4096, ECP256, ECP256K, ECSM2}

// IsSpec reports whether spec is an asymmetric key spec.
func IsSpec(spec string) bool {
	for _, s := range Specs {
		if s == spec {
			return true
		}
	}
	return false
}

func rsaBits(spec string) int {
	switch spec {
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	case RSA4096:
		return 4096
	}
	return 0
}

// Key is a private key of one of the Specs. Its material leaves it only
// through PKCS8, an explicitly named accessor.
type Key struct {
	spec string
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey // EC_P256, EC_P256K
	sm2  *sm2.PrivateKey
}

// Spec is the key's spec.
func (k *Key) Spec() string { return k.spec }

// Generate makes a fresh key pair of spec from rand.
func Generate(spec string, rand io.Reader) (*Key, error) {
	k := &Key{spec: spec}
	var err error
	switch spec {
	case RSA2048, RSA3072, RSA4096:
		k.rsa, err = rsa.GenerateKey(rand, rsaBits(spec))
	case ECP256, ECP256K:
		c := ecCurveOf(spec)
		var d []byte
		var x, y *big.Int
		if d, x, y, err = c.generate(rand); err == nil {
			k.ec = &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: c.Curve, X: x, Y: y}, D: new(big.Int).SetBytes(d)}
		}
	case ECSM2:
		k.sm2, err = sm2.GenerateKey(rand)
	default:
		return nil, fmt.Errorf("%q is not an asymmetric key spec", spec)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", spec, err)
	}
	return k, nil
}

// ecKey makes a key of an EC spec from its private scalar d.
func ecKey(spec string, d []byte) (*Key, error) {
	if len(d) > 32 {
		return nil, errors.New("the EC private key is longer than 32 bytes")
	}
	d32 := make([]byte, 32)
	copy(d32[32-len(d):], d)
	k := &Key{spec: spec}
	var err error
	switch spec {
	case ECP256, ECP256K:
		c := ecCurveOf(spec)
		if _, err = c.scalar(d32); err == nil {
			x, y := c.ScalarBaseMult(d32)
			k.ec = &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: c.Curve, X: x, Y: y}, D: new(big.Int).SetBytes(d32)}
		}
	case ECSM2:
		k.sm2, err = sm2.NewPrivateKey(d32)
	}
	if err != nil {
		return nil, fmt.Errorf("the %s private key is not valid: %w", spec, err)
	}
	return k, nil
}

// PublicKey is the public half of a Key, or a key read from a
// SubjectPublicKeyInfo.
type PublicKey struct {
	spec string
	rsa  *rsa.PublicKey
	ec   *ecdsa.PublicKey // EC_P256, EC_P256K, EC_SM2 (on gmsm's curve)
}

// Spec is the key's spec.
func (p *PublicKey) Spec() string { return p.spec }

// Public is the key's public half.
func (k *Key) Public() *PublicKey {
	switch {
	case k.rsa != nil:
		return &PublicKey{spec: k.spec, rsa: &k.rsa.PublicKey}
	case k.sm2 != nil:
		return &PublicKey{spec: k.spec, ec: &k.sm2.PublicKey}
	}
	return &PublicKey{spec: k.spec, ec: &k.ec.PublicKey}
}

// ecPoint is the uncompressed public point 04‖X‖Y of an EC key.
func (p *PublicKey) ecPoint() []byte {
	out := make([]byte, 65)
	out[0] = 4
	p.ec.X.FillBytes(out[1:33])
	p.ec.Y.FillBytes(out[33:])
	return out
}

// ecPublicKey reads an uncompressed point of an EC spec.
func ecPublicKey(spec string, point []byte) (*PublicKey, error) {
	if len(point) != 65 || point[0] != 4 {
		return nil, errors.New("the EC public key is not an uncompressed point")
	}
	p := &PublicKey{spec: spec}
	var err error
	switch spec {
	case ECP256, ECP256K:
		c := ecCurveOf(spec).Curve
		x, y := new(big.Int).SetBytes(point[1:33]), new(big.Int).SetBytes(point[33:])
		if x.Cmp(c.Params().P) >= 0 || y.Cmp(c.Params().P) >= 0 || !c.IsOnCurve(x, y) {
			return nil, fmt.Errorf("the %s public key is not on the curve", spec)
		}
		p.ec = &ecdsa.PublicKey{Curve: c, X: x, Y: y}
	case ECSM2:
		p.ec, err = sm2.NewPublicKey(point)
	}
	if err != nil {
		return nil, fmt.Errorf("the %s public key is not valid: %w", spec, err)
	}
	return p, nil
}

// ecScalar is the 32-byte private scalar of an EC key.
func (k *Key) ecScalar() []byte {
	if k.sm2 != nil {
		return k.sm2.D.FillBytes(make([]byte, 32))
	}
	return k.ec.D.FillBytes(make([]byte, 32))
}
