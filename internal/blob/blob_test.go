package blob_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pocketkms/pocketkms/internal/blob"
	"github.com/pocketkms/pocketkms/internal/modes"
	"github.com/pocketkms/pocketkms/internal/require"
)

const kv = "key-abcdefghijklmnopqrstu-0123456789"

func sample(alg, pad string) *blob.Blob {
	spec, _ := modes.Lookup(alg)
	ct := bytes.Repeat([]byte{0xcc}, 32)
	return &blob.Blob{Algorithm: alg, Padding: pad, KeyVersionID: kv, IV: bytes.Repeat([]byte{0x11}, spec.IVSize()), Ciphertext: ct}
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range modes.Algorithms() {
		spec, _ := modes.Lookup(alg)
		pads := []string{""}
		if spec.Padded() {
			pads = []string{modes.PKCS7, modes.NoPad}
		}
		for _, pad := range pads {
			t.Run(alg+"/"+pad, func(t *testing.T) {
				b := sample(alg, pad)
				raw, err := b.Marshal()
				require.NoError(t, err)
				require.Equal(t, 3+36+spec.IVSize()+32, len(raw))
				got, err := blob.Parse(raw)
				require.NoError(t, err)
				require.Equal(t, b, got)
				// The header alone is what precedes the ciphertext, however
				// much the caller already holds.
				head, err := b.AppendHeader([]byte("x"))
				require.NoError(t, err)
				require.Equal(t, append([]byte("x"), raw[:b.HeaderLen()]...), head)
				require.Equal(t, len(raw)-len(b.Ciphertext), b.HeaderLen())
			})
		}
	}
}

// TestUpstreamGCMLayout pins the bytes that must match Alibaba's own tools.
func TestUpstreamGCMLayout(t *testing.T) {
	raw, err := sample(modes.AES_GCM, "").Marshal()
	require.NoError(t, err)
	require.Equal(t, []byte{'$', 0x00, 0x02}, raw[:3])
	require.Equal(t, []byte(kv), raw[3:39])
	require.Equal(t, bytes.Repeat([]byte{0x11}, 12), raw[39:51])
}

func TestParseRejects(t *testing.T) {
	good, _ := sample(modes.AES_GCM, "").Marshal()
	cbc, _ := sample(modes.AES_CBC, modes.PKCS7).Marshal()
	mod := func(b []byte, i int, v byte) []byte { c := append([]byte(nil), b...); c[i] = v; return c }
	cases := map[string][]byte{
		"empty":             nil,
		"truncated header":  good[:20],
		"truncated iv":      good[:45],
		"truncated tag":     good[:39+12+15],
		"bad magic":         mod(good, 0, '#'),
		"unknown version":   mod(good, 1, 0x10),
		"padding on gcm":    mod(good, 1, 0x01),
		"no padding on cbc": mod(cbc, 1, 0x00),
		"unknown algorithm": mod(good, 2, 0x7f),
		"bad key id":        mod(good, 5, 'A'),
		"bad separator":     mod(good, 28, '_'),
		"cbc not a block":   cbc[:len(cbc)-1],
		"oversized":         append(append([]byte(nil), good...), make([]byte, blob.MaxLen)...),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := blob.Parse(in)
			var be *blob.Error
			require.True(t, errors.As(err, &be), "want *blob.Error, got", err)
			require.True(t, b == nil)
		})
	}
}

// FuzzParse checks that Parse never panics and that parse→marshal is the
// identity on everything Parse accepts.
func FuzzParse(f *testing.F) {
	for _, alg := range modes.Algorithms() {
		raw, _ := sample(alg, "").Marshal()
		if raw == nil {
			raw, _ = sample(alg, modes.PKCS7).Marshal()
		}
		f.Add(raw)
	}
	f.Add([]byte("$"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := blob.Parse(data)
		if err != nil {
			if b != nil {
				t.Fatal("non-nil blob with error")
			}
			return
		}
		out, err := b.Marshal()
		if err != nil {
			t.Fatalf("parsed blob does not marshal: %v", err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("parse→marshal changed the bytes:\n%x\n%x", data, out)
		}
	})
}
