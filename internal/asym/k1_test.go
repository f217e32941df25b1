package asym

import (
	"crypto/rand"
	"math/big"
	"testing"
)

// TestK1BaseMultAgreesWithBitcurves holds the constant-time base point
// multiplication to bitcurves' math/big one on edge and random scalars.
func TestK1BaseMultAgreesWithBitcurves(t *testing.T) {
	params := k1Curve.Params()
	n := params.N
	scalars := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), big.NewInt(3), big.NewInt(15), big.NewInt(16), big.NewInt(17), big.NewInt(255), big.NewInt(256),
		new(big.Int).Sub(n, big.NewInt(1)), new(big.Int).Sub(n, big.NewInt(2)), n, new(big.Int).Add(n, big.NewInt(1)),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)), new(big.Int).Lsh(big.NewInt(1), 255)}
	for range 64 {
		k, _ := rand.Int(rand.Reader, n)
		scalars = append(scalars, k)
	}
	for _, k := range scalars {
		kb := k.FillBytes(make([]byte, 32))
		gotX, gotY := k1BaseMult(kb)
		wantX, wantY := new(big.Int), new(big.Int) // bitcurves panics at the point at infinity
		if new(big.Int).Mod(k, n).Sign() != 0 {
			wantX, wantY = k1Curve.ScalarMult(params.Gx, params.Gy, kb)
		}
		if gotX.Cmp(wantX) != 0 || gotY.Cmp(wantY) != 0 {
			t.Fatalf("k = %x: got (%x, %x), want (%x, %x)", kb, gotX, gotY, wantX, wantY)
		}
		if k.Sign() != 0 && new(big.Int).Mod(k, n).Sign() != 0 && !k1Curve.IsOnCurve(gotX, gotY) {
			t.Fatalf("k = %x: result is not on the curve", kb)
		}
	}
	// Shorter encodings of the same scalar give the same point.
	x1, y1 := k1BaseMult([]byte{0x01, 0x00})
	x2, y2 := k1BaseMult(big.NewInt(256).FillBytes(make([]byte, 32)))
	if x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
		t.Fatal("a 2-byte scalar differs from its 32-byte form")
	}
}

// TestK1AddIsComplete: P+P, P+(-P), P+O and O+O through the one formula.
func TestK1AddIsComplete(t *testing.T) {
	f := k1Field()
	affine := func(p k1Point) (*big.Int, *big.Int) {
		zInv := k1Copy(f.p, p.z)
		zInv = zInv.Exp(zInv, f.pMinus, f.p)
		return new(big.Int).SetBytes(k1Copy(f.p, p.x).Mul(zInv, f.p).Bytes(f.p)), new(big.Int).SetBytes(k1Copy(f.p, p.y).Mul(zInv, f.p).Bytes(f.p))
	}
	g, o := f.table[0][1], f.table[0][0]
	x, y := affine(k1Add(f.p, f.b3, g, g))
	wx, wy := k1Curve.Double(k1Curve.Params().Gx, k1Curve.Params().Gy)
	if x.Cmp(wx) != 0 || y.Cmp(wy) != 0 {
		t.Fatal("G+G is not 2G")
	}
	negG := k1Point{g.x, k1Copy(f.p, o.x).Sub(g.y, f.p), g.z}
	if s := k1Add(f.p, f.b3, g, negG); s.z.IsZero() != 1 {
		t.Fatal("G+(-G) is not the point at infinity")
	}
	if x, y := affine(k1Add(f.p, f.b3, g, o)); x.Cmp(k1Curve.Params().Gx) != 0 || y.Cmp(k1Curve.Params().Gy) != 0 {
		t.Fatal("G+O is not G")
	}
	if s := k1Add(f.p, f.b3, o, o); s.z.IsZero() != 1 {
		t.Fatal("O+O is not O")
	}
}

func BenchmarkK1BaseMult(b *testing.B) {
	k := make([]byte, 32)
	rand.Read(k)
	b.Run("constant-time", func(b *testing.B) {
		for b.Loop() {
			k1BaseMult(k)
		}
	})
	b.Run("bitcurves", func(b *testing.B) {
		p := k1Curve.Params()
		for b.Loop() {
			k1Curve.ScalarMult(p.Gx, p.Gy, k)
		}
	})
}
