package asym

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"testing"

	"github.com/pocketkms/pocketkms/internal/require"
)

// TestPEMAgainstStd holds the PEM codec to encoding/pem on every length
// around the line breaks, both ways, with LF and CRLF line ends and with
// text before the block.
func TestPEMAgainstStd(t *testing.T) {
	for n := range 200 {
		der := make([]byte, n)
		_, _ = rand.Read(der)
		for _, typ := range []string{PEMPrivateKey, PEMPublicKey} {
			want := pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
			require.Equal(t, string(want), string(PEM(typ, der)), n)
			for _, in := range [][]byte{want, bytes.ReplaceAll(want, []byte("\n"), []byte("\r\n")), append([]byte("Bag Attributes\n  x: y\n"), want...)} {
				gotTyp, got, err := decodePEM(in)
				require.NoError(t, err, n)
				require.Equal(t, typ, gotTyp)
				require.True(t, bytes.Equal(der, got), n)
			}
		}
	}
}

func TestPEMRejects(t *testing.T) {
	good := string(PEM(PEMPrivateKey, []byte{1, 2, 3, 4, 5}))
	for name, in := range map[string]string{
		"empty":          "",
		"no block":       "hello",
		"no END":         "-----BEGIN PRIVATE KEY-----\nAQID\n",
		"other END type": "-----BEGIN PRIVATE KEY-----\nAQID\n-----END PUBLIC KEY-----\n",
		"headers":        "-----BEGIN PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAQID\n-----END PRIVATE KEY-----\n",
		"bad base64":     "-----BEGIN PRIVATE KEY-----\nA*ID\n-----END PRIVATE KEY-----\n",
		"trailing data":  good + "more",
		"second block":   good + good,
		"BEGIN mid-line": "x-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n",
	} {
		_, _, err := decodePEM([]byte(in))
		require.True(t, err != nil, name)
	}
}

// FuzzDecodePEM: what decodePEM accepts, encoding/pem reads as the same
// block without headers; nothing panics.
func FuzzDecodePEM(f *testing.F) {
	f.Add(PEM(PEMPrivateKey, []byte("a key")))
	f.Add([]byte("-----BEGIN X-----\r\nAQID\r\n-----END X-----\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, der, err := decodePEM(b)
		if err != nil {
			return
		}
		block, _ := pem.Decode(b)
		require.True(t, block != nil, "encoding/pem finds the block")
		require.Equal(t, block.Type, typ)
		require.True(t, bytes.Equal(block.Bytes, der) && len(block.Headers) == 0, "same bytes, no headers")
	})
}
