package modes_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/emmansun/gmsm/sm4"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/modes"
	"github.com/pocketkms/pocketkms/internal/require"
)

func key(n int) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = byte(i*7 + 1)
	}
	return k
}

func iv(n int) []byte { return bytes.Repeat([]byte{0xa5}, n) }

// TestRoundTripEveryMode seals and opens every algorithm × padding × key
// size × length, and checks the ciphertext shape.
func TestRoundTripEveryMode(t *testing.T) {
	for _, alg := range modes.Algorithms() {
		spec, _ := modes.Lookup(alg)
		sizes := []int{16, 24, 32}
		if spec.Cipher == "SM4" {
			sizes = []int{16}
		}
		pads := []string{""}
		if spec.Padded() {
			pads = []string{modes.PKCS7, modes.NoPad}
		}
		for _, ks := range sizes {
			for _, pad := range pads {
				for _, n := range []int{0, 1, 15, 16, 17, 100, 6144} {
					if pad == modes.NoPad && (n == 0 || n%16 != 0) {
						continue
					}
					t.Run(fmt.Sprintf("%s/%d/%s/%d", alg, ks*8, pad, n), func(t *testing.T) {
						p := modes.Params{Key: key(ks), IV: iv(spec.IVSize()), Padding: pad}
						if spec.Mode == modes.GCM {
							p.Aad = []byte("aad")
						}
						pt := bytes.Repeat([]byte{'x'}, n)
						ct, err := spec.Seal(p, pt)
						require.NoError(t, err)
						want := n
						switch {
						case spec.Mode == modes.GCM:
							want = n + 16
						case pad == modes.PKCS7:
							want = n + 16 - n%16
						}
						require.Equal(t, want, len(ct), "ciphertext length")
						require.Equal(t, want, spec.SealedLen(n, pad), "SealedLen")
						got, err := spec.Open(p, ct)
						require.NoError(t, err)
						require.Equal(t, pt, got)
						// SealAppend writes the same bytes after what dst holds,
						// in dst's own room when it has enough.
						dst := append(make([]byte, 0, 5+want), "head:"...)
						app, err := spec.SealAppend(dst, p, pt)
						require.NoError(t, err)
						require.Equal(t, append([]byte("head:"), ct...), app)
						require.Equal(t, &dst[:1][0], &app[0], "SealAppend moved to a new buffer")
					})
				}
			}
		}
	}
}

// TestStandardLibraryOpens proves the modes are the real ones: what Seal
// makes, crypto/cipher (and a block-by-block ECB) opens.
func TestStandardLibraryOpens(t *testing.T) {
	k := key(32)
	b, _ := aes.NewCipher(k)
	pt := []byte("sixteen byte msg and then some more")

	gcmSpec, _ := modes.Lookup(modes.AES_GCM)
	ct, err := gcmSpec.Seal(modes.Params{Key: k, IV: iv(12), Aad: []byte("a")}, pt)
	require.NoError(t, err)
	g, _ := cipher.NewGCM(b)
	got, err := g.Open(nil, iv(12), ct, []byte("a"))
	require.NoError(t, err)
	require.Equal(t, pt, got)

	cbcSpec, _ := modes.Lookup(modes.AES_CBC)
	ct, err = cbcSpec.Seal(modes.Params{Key: k, IV: iv(16)}, pt)
	require.NoError(t, err)
	buf := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, iv(16)).CryptBlocks(buf, ct)
	require.Equal(t, pt, pkcs7Strip(t, buf))

	ecbSpec, _ := modes.Lookup(modes.AES_ECB)
	ct, err = ecbSpec.Seal(modes.Params{Key: k}, pt)
	require.NoError(t, err)
	for i := 0; i < len(ct); i += 16 {
		b.Decrypt(buf[i:i+16], ct[i:i+16])
	}
	require.Equal(t, pt, pkcs7Strip(t, buf[:len(ct)]))
}

func pkcs7Strip(t *testing.T, b []byte) []byte {
	n := int(b[len(b)-1])
	require.True(t, n >= 1 && n <= 16, "pad byte")
	return b[:len(b)-n]
}

// TestSM4KnownAnswer is the GB/T 32907 example, through the ECB mode.
func TestSM4KnownAnswer(t *testing.T) {
	k, _ := hex.DecodeString("0123456789abcdeffedcba9876543210")
	want, _ := hex.DecodeString("681edf34d206965e86b3e94f536e4246")
	spec, _ := modes.Lookup(modes.SM4_ECB)
	ct, err := spec.Seal(modes.Params{Key: k, Padding: modes.NoPad}, k)
	require.NoError(t, err)
	require.Equal(t, want, ct)
	// And the SM4 GCM and CBC modes agree with gmsm's block used by crypto/cipher.
	b, _ := sm4.NewCipher(k)
	g, _ := cipher.NewGCM(b)
	gspec, _ := modes.Lookup(modes.SM4_GCM)
	ct, err = gspec.Seal(modes.Params{Key: k, IV: iv(12)}, []byte("hello"))
	require.NoError(t, err)
	require.Equal(t, g.Seal(nil, iv(12), []byte("hello"), nil), ct)
}

func TestParameterErrors(t *testing.T) {
	gcm, _ := modes.Lookup(modes.AES_GCM)
	cbc, _ := modes.Lookup(modes.AES_CBC)
	ecb, _ := modes.Lookup(modes.SM4_ECB)
	cases := []struct {
		name string
		spec modes.Spec
		p    modes.Params
		pt   []byte
	}{
		{"gcm short iv", gcm, modes.Params{Key: key(32), IV: iv(11)}, nil},
		{"gcm long aad", gcm, modes.Params{Key: key(32), IV: iv(12), Aad: make([]byte, 8193)}, nil},
		{"gcm padding", gcm, modes.Params{Key: key(32), IV: iv(12), Padding: modes.PKCS7}, nil},
		{"bad key size", gcm, modes.Params{Key: key(20), IV: iv(12)}, nil},
		{"cbc iv 12", cbc, modes.Params{Key: key(16), IV: iv(12)}, nil},
		{"cbc aad", cbc, modes.Params{Key: key(16), IV: iv(16), Aad: []byte("x")}, nil},
		{"cbc nopad 15", cbc, modes.Params{Key: key(16), IV: iv(16), Padding: modes.NoPad}, make([]byte, 15)},
		{"ecb nopad empty", ecb, modes.Params{Key: key(16), Padding: modes.NoPad}, nil},
		{"cbc unknown padding", cbc, modes.Params{Key: key(16), IV: iv(16), Padding: "ZERO"}, nil},
		{"ecb with iv", ecb, modes.Params{Key: key(16), IV: iv(16)}, nil},
		{"sm4 32-byte key", ecb, modes.Params{Key: key(32)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct, err := c.spec.Seal(c.p, c.pt)
			require.KMSError(t, err, 400, kmserr.CodeInvalidParameter)
			require.True(t, ct == nil, "no output on error")
		})
	}
}

// TestTamper flips every bit of a GCM ciphertext and changes the Aad: every
// variant fails to open and returns nothing usable.
func TestTamper(t *testing.T) {
	spec, _ := modes.Lookup(modes.AES_GCM)
	p := modes.Params{Key: key(32), IV: iv(12), Aad: []byte("context")}
	ct, _ := spec.Seal(p, []byte("attack at dawn"))
	for i := 0; i < len(ct)*8; i++ {
		bad := append([]byte(nil), ct...)
		bad[i/8] ^= 1 << (i % 8)
		pt, err := spec.Open(p, bad)
		require.KMSError(t, err, 400, kmserr.CodeInvalidParameter, "bit", i)
		require.True(t, pt == nil)
	}
	for n := 0; n < len(ct); n++ {
		pt, err := spec.Open(p, ct[:n])
		require.KMSError(t, err, 400, kmserr.CodeInvalidParameter, "truncated to", n)
		require.True(t, pt == nil)
	}
	for _, aad := range [][]byte{nil, []byte("Context"), []byte("context\x00")} {
		q := p
		q.Aad = aad
		_, err := spec.Open(q, ct)
		require.KMSError(t, err, 400, kmserr.CodeInvalidParameter, "aad", aad)
	}
	// CBC with a wrong key fails padding (or yields garbage with NO_PADDING, by design).
	cbc, _ := modes.Lookup(modes.AES_CBC)
	c2, _ := cbc.Seal(modes.Params{Key: key(16), IV: iv(16)}, []byte("x"))
	_, err := cbc.Open(modes.Params{Key: key(16), IV: iv(16)}, c2[:15])
	require.KMSError(t, err, 400, kmserr.CodeInvalidParameter)
}
