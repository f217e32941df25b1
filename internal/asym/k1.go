package asym

import (
	"crypto/subtle"
	"math/big"
	"sync"

	"filippo.io/bigmod"
	"github.com/ProtonMail/go-crypto/bitcurves"
)

// k1 is ProtonMail's secp256k1 with a complete Add and the point at
// infinity as (0, 0), as crypto/elliptic has it: bitcurves' own Add gives a
// wrong sum for P+P and panics when P+Q is the point at infinity, both of
// which ECDSA verification can meet (Wycheproof secp256k1 vectors 427 and
// the point-at-infinity ones), and its ScalarMult returns nil for a zero
// scalar.
//
// bitcurves computes with math/big, whose time depends on the values: fine
// for verification, where every input is public, but not for the secret
// scalars of key generation and signing. ScalarBaseMult, which those use,
// is therefore ours and constant-time (k1BaseMult).
type k1 struct{ *bitcurves.BitCurve }

var k1Curve = k1{bitcurves.S256()}

func (c k1) ScalarMult(x, y *big.Int, k []byte) (*big.Int, *big.Int) {
	x, y = c.BitCurve.ScalarMult(x, y, k)
	if x == nil {
		return new(big.Int), new(big.Int)
	}
	return x, y
}

func (c k1) ScalarBaseMult(k []byte) (*big.Int, *big.Int) { return k1BaseMult(k) }

func (c k1) Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	switch {
	case x1.Sign() == 0 && y1.Sign() == 0:
		return new(big.Int).Set(x2), new(big.Int).Set(y2)
	case x2.Sign() == 0 && y2.Sign() == 0:
		return new(big.Int).Set(x1), new(big.Int).Set(y1)
	case x1.Cmp(x2) == 0 && y1.Cmp(y2) == 0:
		return c.Double(x1, y1)
	case x1.Cmp(x2) == 0: // P + (-P)
		return new(big.Int), new(big.Int)
	}
	return c.BitCurve.Add(x1, y1, x2, y2)
}

// k1Point is a secp256k1 point in homogeneous projective coordinates
// (X:Y:Z), the point at infinity being (0:1:0), with coordinates mod p in
// filippo.io/bigmod's constant-time arithmetic.
type k1Point struct{ x, y, z *bigmod.Nat }

// k1Field is computed at the first use of secp256k1, not stored in the
// binary: the module's size budget has no room for a table.
var k1Field = sync.OnceValue(func() (f struct {
	p      *bigmod.Modulus
	b3     *bigmod.Nat     // 3·b = 21
	pMinus []byte          // p-2, Fermat's exponent of the inverse
	table  [64][16]k1Point // table[i][j] = j·16ⁱ·G
}) {
	params := k1Curve.Params()
	var err error
	if f.p, err = bigmod.NewModulus(params.P.Bytes()); err != nil {
		panic(err)
	}
	f.b3 = k1Nat(f.p, big.NewInt(3*7)) // y² = x³ + 7
	f.pMinus = new(big.Int).Sub(params.P, big.NewInt(2)).Bytes()
	infinity := k1Point{k1Nat(f.p, new(big.Int)), k1Nat(f.p, big.NewInt(1)), k1Nat(f.p, new(big.Int))}
	base := k1Point{k1Nat(f.p, params.Gx), k1Nat(f.p, params.Gy), k1Nat(f.p, big.NewInt(1))}
	for i := range f.table {
		f.table[i][0], f.table[i][1] = infinity, base
		for j := 2; j < 16; j++ {
			f.table[i][j] = k1Add(f.p, f.b3, f.table[i][j-1], base)
		}
		base = k1Add(f.p, f.b3, f.table[i][15], base)
	}
	return f
})

func k1Nat(p *bigmod.Modulus, v *big.Int) *bigmod.Nat {
	n, err := bigmod.NewNat().SetBytes(v.FillBytes(make([]byte, 32)), p)
	if err != nil {
		panic(err)
	}
	return n
}

// k1Add is P+Q by Renes, Costello and Batina's complete formula for a = 0
// (ePrint 2015/1060, algorithm 7): one sequence of field operations for
// every pair of points, doubling and the point at infinity included, so
// its time does not depend on them.
func k1Add(p *bigmod.Modulus, b3 *bigmod.Nat, a, b k1Point) k1Point {
	mul := func(x, y *bigmod.Nat) *bigmod.Nat { return k1Copy(p, x).Mul(y, p) }
	add := func(x, y *bigmod.Nat) *bigmod.Nat { return k1Copy(p, x).Add(y, p) }
	sub := func(x, y *bigmod.Nat) *bigmod.Nat { return k1Copy(p, x).Sub(y, p) }
	t0, t1, t2 := mul(a.x, b.x), mul(a.y, b.y), mul(a.z, b.z)
	t3 := sub(mul(add(a.x, a.y), add(b.x, b.y)), add(t0, t1)) // X1Y2 + X2Y1
	t4 := sub(mul(add(a.x, a.z), add(b.x, b.z)), add(t0, t2)) // X1Z2 + X2Z1
	t5 := sub(mul(add(a.y, a.z), add(b.y, b.z)), add(t1, t2)) // Y1Z2 + Y2Z1
	bz := mul(b3, t2)
	minus, plus := sub(t1, bz), add(t1, bz) // Y1Y2 ∓ 3b·Z1Z2
	three := add(add(t0, t0), t0)           // 3·X1X2
	bt4 := mul(b3, t4)
	return k1Point{
		x: sub(mul(t3, minus), mul(t5, bt4)),
		y: add(mul(minus, plus), mul(three, bt4)),
		z: add(mul(t5, plus), mul(t3, three)),
	}
}

func k1Copy(p *bigmod.Modulus, x *bigmod.Nat) *bigmod.Nat {
	return bigmod.NewNat().ExpandFor(p).Add(x, p)
}

// k1Select sets dst to table[i] reading every entry, so that which one was
// taken does not show in the time or the memory accessed.
func k1Select(p *bigmod.Modulus, table *[16]k1Point, i int) k1Point {
	dst := k1Point{bigmod.NewNat().ExpandFor(p), bigmod.NewNat().ExpandFor(p), bigmod.NewNat().ExpandFor(p)}
	for j := range table {
		mask := -uint(subtle.ConstantTimeEq(int32(j), int32(i)))
		for _, c := range [][2]*bigmod.Nat{{dst.x, table[j].x}, {dst.y, table[j].y}, {dst.z, table[j].z}} {
			d, s := c[0].Bits(), c[1].Bits()
			for l := range d {
				d[l] |= mask & s[l]
			}
		}
	}
	return dst
}

// k1BaseMult is k·G for a big-endian k of at most 32 bytes, in affine
// coordinates, (0, 0) for the point at infinity: the sum of one table entry
// per 4 bits of k, whatever their value.
func k1BaseMult(k []byte) (*big.Int, *big.Int) {
	if len(k) > 32 {
		panic("asym: secp256k1 scalar longer than 32 bytes")
	}
	var k32 [32]byte
	copy(k32[32-len(k):], k)
	f := k1Field()
	r := f.table[0][0]
	for i, byt := range k32 {
		pos := 2 * (31 - i) // the low nibble's power of 16
		r = k1Add(f.p, f.b3, r, k1Select(f.p, &f.table[pos], int(byt&0x0f)))
		r = k1Add(f.p, f.b3, r, k1Select(f.p, &f.table[pos+1], int(byt>>4)))
	}
	clear(k32[:])
	// Z⁻¹ = Z^(p-2); at infinity Z = 0 gives (0, 0).
	zInv := bigmod.NewNat().Exp(r.z, f.pMinus, f.p)
	x := new(big.Int).SetBytes(r.x.Mul(zInv, f.p).Bytes(f.p))
	y := new(big.Int).SetBytes(r.y.Mul(zInv, f.p).Bytes(f.p))
	return x, y
}
