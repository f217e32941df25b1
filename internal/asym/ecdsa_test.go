package asym_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/ProtonMail/go-crypto/bitcurves"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/pocketkms/pocketkms/internal/asym"
	"github.com/pocketkms/pocketkms/internal/require"
)

// TestECDSAAgainstStd cross-checks asym's own ECDSA (ecdsa.go) with
// crypto/ecdsa in both directions on random keys and digests: crypto/ecdsa
// over P-256, and over bitcurves' secp256k1 through its generic path.
func TestECDSAAgainstStd(t *testing.T) {
	curves := map[string]elliptic.Curve{asym.ECP256: elliptic.P256(), asym.ECP256K: bitcurves.S256()}
	for spec, curve := range curves {
		t.Run(spec, func(t *testing.T) {
			n := curve.Params().N
			rounds := 100
			if spec == asym.ECP256K {
				rounds = 30 // bitcurves is math/big, slow
			}
			for i := range rounds {
				d, err := rand.Int(rand.Reader, new(big.Int).Sub(n, big.NewInt(1)))
				require.NoError(t, err)
				d.Add(d, big.NewInt(1))
				k, err := asym.FromLegacy(spec, d.FillBytes(make([]byte, 32)))
				require.NoError(t, err)
				x, y := curve.ScalarBaseMult(d.Bytes())
				spki := k.Public().SPKI()
				point := spki[len(spki)-65:]
				require.True(t, new(big.Int).SetBytes(point[1:33]).Cmp(x) == 0 && new(big.Int).SetBytes(point[33:]).Cmp(y) == 0, "public point is d·G")
				std := &ecdsa.PrivateKey{PublicKey: ecdsa.PublicKey{Curve: curve, X: x, Y: y}, D: d}

				digest := make([]byte, 32)
				_, _ = rand.Read(digest)
				if i == 0 && spec == asym.ECP256 {
					// e = 0; bitcurves alone panics on it (asym.go's k1)
					digest = make([]byte, 32)
				}
				ours, err := k.Sign(rand.Reader, asym.ECDSA, digest)
				require.NoError(t, err)
				require.True(t, ecdsa.VerifyASN1(&std.PublicKey, digest, ours), "crypto/ecdsa verifies asym's signature")
				theirs, err := ecdsa.SignASN1(rand.Reader, std, digest)
				require.NoError(t, err)
				require.True(t, k.Public().Verify(asym.ECDSA, digest, theirs), "asym verifies crypto/ecdsa's signature")
				require.True(t, k.Public().Verify(asym.ECDSA, digest, negateS(t, theirs, n)), "asym verifies the high/low-S twin")

				digest[i%32] ^= 1 << (i % 8)
				require.True(t, !k.Public().Verify(asym.ECDSA, digest, theirs), "asym rejects another digest")
				require.True(t, !ecdsa.VerifyASN1(&std.PublicKey, digest, ours), "crypto/ecdsa rejects another digest")
				digest[i%32] ^= 1 << (i % 8)
				for _, bad := range [][]byte{ours[:len(ours)-1], append(ours[:len(ours):len(ours)], 0), flip(ours, i%len(ours))} {
					require.Equal(t, ecdsa.VerifyASN1(&std.PublicKey, digest, bad), k.Public().Verify(asym.ECDSA, digest, bad))
				}
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	b = append([]byte(nil), b...)
	b[i] ^= 0x10
	return b
}

// negateS is the other valid signature (r, n-s).
func negateS(t *testing.T, sig []byte, n *big.Int) []byte {
	in := cryptobyte.String(sig)
	var inner cryptobyte.String
	r, s := new(big.Int), new(big.Int)
	require.True(t, in.ReadASN1(&inner, asn1.SEQUENCE) && inner.ReadASN1Integer(r) && inner.ReadASN1Integer(s), "DER")
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(new(big.Int).Sub(n, s))
	})
	return b.BytesOrPanic()
}
