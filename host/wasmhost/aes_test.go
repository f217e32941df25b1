package wasmhost

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/modes"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// aesSpy is modes.StdAES, counting the calls the module makes.
type aesSpy struct{ n atomic.Int64 }

func (c *aesSpy) GCMSeal(dst, k, iv, aad, p []byte) ([]byte, error) {
	c.n.Add(1)
	return modes.StdAES.GCMSeal(dst, k, iv, aad, p)
}
func (c *aesSpy) GCMOpen(k, iv, aad, ct []byte) ([]byte, bool, error) {
	c.n.Add(1)
	return modes.StdAES.GCMOpen(k, iv, aad, ct)
}
func (c *aesSpy) CBC(e bool, k, iv, b []byte) error { c.n.Add(1); return modes.StdAES.CBC(e, k, iv, b) }
func (c *aesSpy) ECB(e bool, k, b []byte) error     { c.n.Add(1); return modes.StdAES.ECB(e, k, b) }

// TestHostAES: with the imports on, every AES mode runs on the host, with
// the same bytes as the native core; SM4 never reaches them; with them off
// nothing does.
func TestHostAES(t *testing.T) {
	for _, on := range []bool{true, false} {
		spy := &aesSpy{}
		ctx := context.Background()
		cfg := NewConfig().WithPoolSize(1).WithCompilationCacheDir(cacheDir).WithHostAES(on)
		cfg.aes = spy
		e, err := New(ctx, wasmtest.Module(t), store.NewMemory(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close(ctx)
		w, n := wasmCaller(e), newNative(store.NewMemory())
		seed(t, w)
		seed(t, nativeCaller(n))
		calls := func() int64 { return spy.n.Load() }
		for _, c := range []struct {
			key, alg, pad string
			iv            []byte
		}{
			{aesID, "AES_GCM", "", seq(12, 1)},
			{a128ID, "AES_CBC", "PKCS7_PADDING", seq(16, 2)},
			{aesID, "AES_ECB", "PKCS7_PADDING", nil},
			{sm4ID, "SM4_GCM", "", seq(12, 3)},
			{sm4ID, "SM4_CBC", "PKCS7_PADDING", seq(16, 4)},
		} {
			before := calls()
			req := &pb.EncryptRequest{KeyId: c.key, Plaintext: seq(100, 5), Algorithm: c.alg, Iv: c.iv, PaddingMode: c.pad}
			if c.alg == "AES_GCM" || c.alg == "SM4_GCM" {
				req.Aad = []byte("aad")
			}
			got, err := w("Encrypt", req)
			if err != nil {
				t.Fatalf("host AES %v, %s: %v", on, c.alg, err)
			}
			want, err := n.Call("Encrypt", req)
			if err != nil {
				t.Fatal(err)
			}
			gb, wb := got.(*pb.EncryptResponse).CiphertextBlob, want.(*pb.EncryptResponse).CiphertextBlob
			if !bytes.Equal(gb, wb) {
				t.Fatalf("host AES %v, %s: the module's blob differs from the native one", on, c.alg)
			}
			dreq := &pb.DecryptRequest{KeyId: c.key, CiphertextBlob: gb, Algorithm: c.alg, Iv: c.iv, Aad: req.Aad, PaddingMode: c.pad}
			d, err := w("Decrypt", dreq)
			if err != nil || !bytes.Equal(d.(*pb.DecryptResponse).Plaintext, req.Plaintext) {
				t.Fatalf("host AES %v, %s: Decrypt: %v", on, c.alg, err)
			}
			if c.alg == "AES_GCM" {
				bad := append([]byte(nil), gb...)
				bad[0] ^= 1
				dreq.CiphertextBlob = bad
				_, werr := w("Decrypt", dreq)
				_, nerr := n.Call("Decrypt", dreq)
				sameError(t, nerr, werr)
			}
			used := calls() - before
			switch {
			case !on && used != 0:
				t.Fatalf("host AES off, %s: %d host calls", c.alg, used)
			case on && c.key == sm4ID && used != 0:
				t.Fatalf("%s reached the host's AES", c.alg)
			case on && c.key != sm4ID && used == 0:
				t.Fatalf("host AES on, %s: not one host call", c.alg)
			}
		}
	}
}
