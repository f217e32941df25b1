package wasmhost

import (
	"bytes"
	"testing"

	"github.com/pocketkms/pocketkms/internal/modes"
)

// aesCache answers as modes.StdAES whatever order keys come in: a key that
// replaces another, of another length, or that differs from the cached one
// in its last byte only, never runs on the cached cipher.
func TestAESCacheAnswersAsStdAES(t *testing.T) {
	c := modes.GoAES[*aesCache]{C: new(aesCache)}
	k32, k32b, k16, k24 := seq(32, 1), seq(32, 1), seq(16, 1), seq(24, 9)
	k32b[31] ^= 1
	iv12, iv16, aad, pt := seq(12, 3), seq(16, 4), []byte("aad"), seq(64, 7)
	for i, key := range [][]byte{k32, k32, k32b, k16, k32, k24, k24} {
		want, _ := modes.StdAES.GCMSeal(nil, key, iv12, aad, pt)
		got, err := c.GCMSeal([]byte("x"), key, iv12, aad, pt)
		if err != nil || !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("key %d: GCMSeal %x, %v; want %x", i, got, err, want)
		}
		if open, ok, err := c.GCMOpen(key, iv12, aad, want); !ok || err != nil || !bytes.Equal(open, pt) {
			t.Fatalf("key %d: GCMOpen %x %v %v", i, open, ok, err)
		}
		for _, cbc := range []bool{true, false} {
			a, b := bytes.Clone(pt), bytes.Clone(pt)
			if cbc {
				modes.StdAES.CBC(true, key, iv16, a)
				c.CBC(true, key, iv16, b)
			} else {
				modes.StdAES.ECB(true, key, a)
				c.ECB(true, key, b)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("key %d, cbc %v: %x, want %x", i, cbc, b, a)
			}
		}
	}
	if _, err := c.GCMSeal(nil, seq(20, 0), iv12, nil, pt); err == nil {
		t.Error("a 20-byte key was accepted")
	}
}
