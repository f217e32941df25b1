package asym

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers, as the DER contents of an OBJECT IDENTIFIER: written
// out so that no encoding/asn1 value is needed to build or compare them.
var (
	oidRSA        = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01} // 1.2.840.113549.1.1.1
	oidECPublic   = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}             // 1.2.840.10045.2.1
	oidP256       = []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}       // 1.2.840.10045.3.1.7
	oidSecp256k1  = []byte{0x2b, 0x81, 0x04, 0x00, 0x0a}                         // 1.3.132.0.10
	oidSM2P256v1  = []byte{0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d}       // 1.2.156.10197.1.301
	errNotPKCS8   = errors.New("the private key is not a PKCS#8 PrivateKeyInfo (openssl pkcs8 -topk8 -nocrypt converts one)")
	errTrailing   = errors.New("the private key has trailing data")
	curveOIDs     = map[string][]byte{ECP256: oidP256, ECP256K: oidSecp256k1, ECSM2: oidSM2P256v1}
	curveOIDNames = map[string]string{string(oidP256): ECP256, string(oidSecp256k1): ECP256K, string(oidSM2P256v1): ECSM2}
)

func addOID(b *cryptobyte.Builder, oid []byte) {
	b.AddASN1(asn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes(oid) })
}

// addAlgorithm writes the AlgorithmIdentifier of spec.
func addAlgorithm(b *cryptobyte.Builder, spec string) {
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if rsaBits(spec) != 0 {
			addOID(b, oidRSA)
			b.AddASN1NULL()
			return
		}
		addOID(b, oidECPublic)
		addOID(b, curveOIDs[spec])
	})
}

// PKCS8 is the DER PrivateKeyInfo (RFC 5208) of the key: its secret
// material, for sealing at rest and for data key pairs.
func (k *Key) PKCS8() []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(0)
		addAlgorithm(b, k.spec)
		b.AddASN1(asn1.OCTET_STRING, func(b *cryptobyte.Builder) {
			b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if r := k.rsa; r != nil { // RSAPrivateKey, RFC 8017 A.1.2
					b.AddASN1Int64(0)
					for _, n := range []*big.Int{r.N, big.NewInt(int64(r.E)), r.D, r.Primes[0], r.Primes[1],
						r.Precomputed.Dp, r.Precomputed.Dq, r.Precomputed.Qinv} {
						b.AddASN1BigInt(n)
					}
					return
				}
				b.AddASN1Int64(1) // ECPrivateKey, RFC 5915
				b.AddASN1OctetString(k.ecScalar())
				b.AddASN1(asn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1BitString(k.Public().ecPoint())
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// SPKI is the DER SubjectPublicKeyInfo (RFC 5280) of the key.
func (k *PublicKey) SPKI() []byte {
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addAlgorithm(b, k.spec)
		if r := k.rsa; r != nil {
			var inner cryptobyte.Builder
			inner.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1BigInt(r.N)
				b.AddASN1Int64(int64(r.E))
			})
			b.AddASN1BitString(inner.BytesOrPanic())
			return
		}
		b.AddASN1BitString(k.ecPoint())
	})
	return b.BytesOrPanic()
}

// ParsePKCS8 reads a DER PrivateKeyInfo of any of the Specs; the spec comes
// from the algorithm and, for RSA, the modulus size.
func ParsePKCS8(der []byte) (*Key, error) {
	in := cryptobyte.String(der)
	var info, alg, oid, priv cryptobyte.String
	var version int64
	if !in.ReadASN1(&info, asn1.SEQUENCE) || !info.ReadASN1Integer(&version) || (version != 0 && version != 1) ||
		!info.ReadASN1(&alg, asn1.SEQUENCE) || !alg.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) ||
		!info.ReadASN1(&priv, asn1.OCTET_STRING) {
		return nil, errNotPKCS8
	}
	if !in.Empty() {
		return nil, errTrailing
	}
	// Optional attributes [0] and, in version 1, the public key [1].
	if !info.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) ||
		!info.SkipOptionalASN1(asn1.Tag(1).ContextSpecific()) || !info.Empty() {
		return nil, errNotPKCS8
	}
	ecSpec, err := keyAlgorithm("private", oid, alg)
	if err != nil {
		return nil, err
	}
	if ecSpec == "" {
		return parseRSA(priv)
	}
	return parseEC(ecSpec, priv)
}

// keyAlgorithm reads a key's AlgorithmIdentifier, its OID and what follows
// it: "" for RSA (parameters NULL or absent), or the spec of the EC curve the
// parameters name. which ("private" or "public") is for the error.
func keyAlgorithm(which string, oid, params cryptobyte.String) (ecSpec string, err error) {
	switch {
	case bytes.Equal(oid, oidRSA):
		if !params.Empty() && (!params.ReadASN1(new(cryptobyte.String), asn1.NULL) || !params.Empty()) {
			return "", errors.New("the RSA algorithm parameters are not NULL")
		}
		return "", nil
	case bytes.Equal(oid, oidECPublic):
		var curve cryptobyte.String
		if !params.ReadASN1(&curve, asn1.OBJECT_IDENTIFIER) || !params.Empty() {
			return "", errors.New("the EC key does not name its curve")
		}
		spec, ok := curveOIDNames[string(curve)]
		if !ok {
			return "", errors.New("the EC key's curve is not P-256, secp256k1 or SM2")
		}
		return spec, nil
	}
	return "", errors.New("the " + which + " key algorithm is neither RSA nor EC")
}

// ParseSPKI reads a DER SubjectPublicKeyInfo of any of the Specs.
func ParseSPKI(der []byte) (*PublicKey, error) {
	in := cryptobyte.String(der)
	var info, alg, oid cryptobyte.String
	var bits []byte
	if !in.ReadASN1(&info, asn1.SEQUENCE) || !in.Empty() || !info.ReadASN1(&alg, asn1.SEQUENCE) ||
		!alg.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) || !info.ReadASN1BitStringAsBytes(&bits) || !info.Empty() {
		return nil, errors.New("the public key is not a SubjectPublicKeyInfo")
	}
	ecSpec, err := keyAlgorithm("public", oid, alg)
	if err != nil {
		return nil, err
	}
	if ecSpec != "" {
		return ecPublicKey(ecSpec, bits)
	}
	var seq cryptobyte.String
	n, e := new(big.Int), 0
	body := cryptobyte.String(bits)
	if !body.ReadASN1(&seq, asn1.SEQUENCE) || !body.Empty() || !seq.ReadASN1Integer(n) || !seq.ReadASN1Integer(&e) || !seq.Empty() {
		return nil, errors.New("the RSA public key is not an RSAPublicKey")
	}
	if n.Sign() <= 0 || e < 3 || e&1 == 0 {
		return nil, errors.New("the RSA public key is out of range")
	}
	for _, s := range []string{RSA2048, RSA3072, RSA4096} {
		if n.BitLen() == rsaBits(s) {
			return &PublicKey{spec: s, rsa: &rsa.PublicKey{N: n, E: e}}, nil
		}
	}
	return nil, fmt.Errorf("RSA keys of %d bits are not supported: use 2048, 3072 or 4096", n.BitLen())
}

func parseRSA(der cryptobyte.String) (*Key, error) {
	var seq cryptobyte.String
	var version int64
	if !der.ReadASN1(&seq, asn1.SEQUENCE) || !der.Empty() || !seq.ReadASN1Integer(&version) {
		return nil, errors.New("the RSA private key is not an RSAPrivateKey")
	}
	if version != 0 {
		return nil, errors.New("multi-prime RSA keys are not supported")
	}
	n := make([]*big.Int, 8)
	for i := range n {
		n[i] = new(big.Int)
		if !seq.ReadASN1Integer(n[i]) {
			return nil, errors.New("the RSA private key is not an RSAPrivateKey")
		}
	}
	if !seq.Empty() {
		return nil, errTrailing
	}
	if !n[1].IsInt64() || n[1].Int64() < 3 || n[1].Int64() > 1<<31-1 {
		return nil, errors.New("the RSA public exponent is out of range")
	}
	r := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n[0], E: int(n[1].Int64())}, D: n[2], Primes: []*big.Int{n[3], n[4]}}
	spec := ""
	for _, s := range []string{RSA2048, RSA3072, RSA4096} {
		if r.N.BitLen() == rsaBits(s) {
			spec = s
		}
	}
	if spec == "" {
		return nil, fmt.Errorf("RSA keys of %d bits are not supported: use 2048, 3072 or 4096", r.N.BitLen())
	}
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("the RSA private key is not consistent: %w", err)
	}
	r.Precompute()
	return &Key{spec: spec, rsa: r}, nil
}

func parseEC(spec string, der cryptobyte.String) (*Key, error) {
	var seq, d cryptobyte.String
	var version int64
	if !der.ReadASN1(&seq, asn1.SEQUENCE) || !der.Empty() || !seq.ReadASN1Integer(&version) || version != 1 ||
		!seq.ReadASN1(&d, asn1.OCTET_STRING) {
		return nil, errors.New("the EC private key is not an ECPrivateKey")
	}
	var params, pub cryptobyte.String
	var hasParams, hasPub bool
	if !seq.ReadOptionalASN1(&params, &hasParams, asn1.Tag(0).Constructed().ContextSpecific()) ||
		!seq.ReadOptionalASN1(&pub, &hasPub, asn1.Tag(1).Constructed().ContextSpecific()) || !seq.Empty() {
		return nil, errors.New("the EC private key is not an ECPrivateKey")
	}
	if hasParams {
		var curve cryptobyte.String
		if !params.ReadASN1(&curve, asn1.OBJECT_IDENTIFIER) || !params.Empty() || !bytes.Equal(curve, curveOIDs[spec]) {
			return nil, errors.New("the EC private key names two different curves")
		}
	}
	k, err := ecKey(spec, d)
	if err != nil {
		return nil, err
	}
	if hasPub {
		var point []byte
		if !pub.ReadASN1BitStringAsBytes(&point) || !pub.Empty() || !bytes.Equal(point, k.Public().ecPoint()) {
			return nil, errors.New("the EC private key's public key does not match it")
		}
	}
	return k, nil
}
