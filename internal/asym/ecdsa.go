package asym

import (
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"io"
	"math/big"

	"filippo.io/bigmod"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ECDSA over P-256 and secp256k1 is written here rather than taken from
// crypto/ecdsa: every call into crypto/ecdsa links its code for P-224,
// P-384 and P-521 as well, which the WebAssembly module cannot afford
// (RATIONALE.md). Point arithmetic still comes from libraries: P-256 from
// crypto/elliptic, whose P256 is the standard library's constant-time nistec
// and is linked anyway through gmsm; secp256k1 from k1 (asym.go). Scalars
// mod n use filippo.io/bigmod, the constant-time arithmetic behind
// crypto/ecdsa and crypto/rsa.

// ecCurve is a curve with its group order as a bigmod modulus.
type ecCurve struct {
	elliptic.Curve
	n    *bigmod.Modulus
	size int // bytes of a scalar and of a coordinate
}

func newECCurve(c elliptic.Curve) *ecCurve {
	n, err := bigmod.NewModulus(c.Params().N.Bytes())
	if err != nil {
		panic(err)
	}
	return &ecCurve{Curve: c, n: n, size: (c.Params().BitSize + 7) / 8}
}

var (
	p256Curve = newECCurve(elliptic.P256())
	k1ECCurve = newECCurve(k1Curve)
)

func ecCurveOf(spec string) *ecCurve {
	if spec == ECP256K {
		return k1ECCurve
	}
	return p256Curve
}

// scalar reads b as a scalar in [1, n-1].
func (c *ecCurve) scalar(b []byte) (*bigmod.Nat, error) {
	if len(b) != c.size {
		return nil, errors.New("the scalar does not have the curve's size")
	}
	k, err := bigmod.NewNat().SetBytes(b, c.n)
	if err != nil || k.IsZero() == 1 {
		return nil, errors.New("the scalar is out of range")
	}
	return k, nil
}

// hashToNat is the digest as an integer mod n (SEC 1 §4.1.3 step 5; the
// digest is never longer than n here).
func (c *ecCurve) hashToNat(digest []byte) *bigmod.Nat {
	b := make([]byte, c.size)
	copy(b[c.size-len(digest):], digest)
	e, err := bigmod.NewNat().SetOverflowingBytes(b, c.n)
	if err != nil {
		panic(err) // unreachable: b has exactly n's byte length and n's top byte is 0xff
	}
	return e
}

// inverse is k⁻¹ mod n, as k^(n-2) by Fermat: n is prime, and Exp runs in
// time independent of k.
func (c *ecCurve) inverse(k *bigmod.Nat) *bigmod.Nat {
	nMinus2 := new(big.Int).Sub(c.Params().N, big.NewInt(2))
	return bigmod.NewNat().Exp(k, nMinus2.FillBytes(make([]byte, c.size)), c.n)
}

// randomScalar draws a scalar in [1, n-1] by rejection. With a secret and a
// message given, the candidate is hedged: HMAC-SHA256 keyed with fresh
// randomness over them, so that a repeating random source cannot repeat a
// nonce across different messages.
func (c *ecCurve) randomScalar(rand io.Reader, secret, msg []byte) (*bigmod.Nat, []byte, error) {
	buf := make([]byte, c.size)
	for range 64 {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, nil, err
		}
		if secret != nil {
			mac := hmac.New(sha256.New, buf)
			mac.Write(secret)
			mac.Write(msg)
			buf = mac.Sum(buf[:0])
		}
		if k, err := c.scalar(buf); err == nil {
			return k, buf, nil
		}
	}
	return nil, nil, errors.New("the random source keeps giving scalars out of range")
}

// xModN is the x coordinate of a point reduced mod n.
func (c *ecCurve) xModN(x *big.Int) *bigmod.Nat {
	r, err := bigmod.NewNat().SetOverflowingBytes(x.FillBytes(make([]byte, c.size)), c.n)
	if err != nil {
		panic(err) // unreachable: x < p < 2^(8·size)
	}
	return r
}

// generate draws a private scalar and computes its public point.
func (c *ecCurve) generate(rand io.Reader) (d []byte, x, y *big.Int, err error) {
	_, d, err = c.randomScalar(rand, nil, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	x, y = c.ScalarBaseMult(d)
	return d, x, y, nil
}

// sign is ECDSA (SEC 1 §4.1.3) with a hedged random nonce, the signature
// DER SEQUENCE{r, s}. d is the private scalar, size bytes.
func (c *ecCurve) sign(rand io.Reader, d, digest []byte) ([]byte, error) {
	dn, err := c.scalar(d)
	if err != nil {
		return nil, err
	}
	e := c.hashToNat(digest)
	for {
		k, kb, err := c.randomScalar(rand, d, digest)
		if err != nil {
			return nil, err
		}
		x, _ := c.ScalarBaseMult(kb)
		r := c.xModN(x)
		if r.IsZero() == 1 {
			continue
		}
		// s = k⁻¹(e + r·d) mod n
		s := bigmod.NewNat().Mod(r, c.n).Mul(dn, c.n)
		s.Add(e, c.n).Mul(c.inverse(k), c.n)
		if s.IsZero() == 1 {
			continue
		}
		var b cryptobyte.Builder
		b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1BigInt(new(big.Int).SetBytes(r.Bytes(c.n)))
			b.AddASN1BigInt(new(big.Int).SetBytes(s.Bytes(c.n)))
		})
		return b.Bytes()
	}
}

// sigScalar reads the magnitude of a non-negative DER INTEGER, as
// cryptobyte returns it, as a scalar in [1, n-1].
func (c *ecCurve) sigScalar(v []byte) (*bigmod.Nat, bool) {
	if len(v) > c.size {
		return nil, false
	}
	b := make([]byte, c.size)
	copy(b[c.size-len(v):], v)
	k, err := c.scalar(b)
	return k, err == nil
}

// verify reports whether sig, DER SEQUENCE{r, s}, is a valid ECDSA signature
// of digest by the public point (x, y), which must be on the curve.
func (c *ecCurve) verify(x, y *big.Int, digest, sig []byte) bool {
	var inner cryptobyte.String
	var rb, sb []byte
	in := cryptobyte.String(sig)
	if !in.ReadASN1(&inner, asn1.SEQUENCE) || !in.Empty() ||
		!inner.ReadASN1Integer(&rb) || !inner.ReadASN1Integer(&sb) || !inner.Empty() {
		return false
	}
	r, ok := c.sigScalar(rb)
	if !ok {
		return false
	}
	s, ok := c.sigScalar(sb)
	if !ok {
		return false
	}
	w := c.inverse(s)
	u1 := c.hashToNat(digest).Mul(w, c.n)
	u2 := bigmod.NewNat().Mod(r, c.n).Mul(w, c.n)
	x1, y1 := c.ScalarBaseMult(u1.Bytes(c.n))
	x2, y2 := c.ScalarMult(x, y, u2.Bytes(c.n))
	px, py := c.Add(x1, y1, x2, y2)
	if px.Sign() == 0 && py.Sign() == 0 { // the point at infinity
		return false
	}
	return c.xModN(px).Equal(r) == 1
}
