package wasmhost

import (
	"bytes"
	"strings"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// Blobs sealed with random IVs by one runtime open in the other, over one
// shared store: the module and the native engine are interchangeable.
func TestCrossRuntimeBlobs(t *testing.T) {
	mem := store.NewMemory()
	nat := newNative(mem)
	seed(t, nativeCaller(nat))
	wsm := wasmCaller(newWasm(t, mem, 1))
	runtimes := map[string]caller{"native": nativeCaller(nat), "wasm": wsm}
	for _, dir := range [][2]string{{"wasm", "native"}, {"native", "wasm"}} {
		seal, open := runtimes[dir[0]], runtimes[dir[1]]
		for _, c := range []struct{ key, alg string }{{"alias/aes", ""}, {aesID, "AES_CBC"}, {sm4ID, "SM4_GCM"}, {"alias/sm4", "SM4_CBC"}} {
			t.Run(dir[0]+" to "+dir[1]+"/"+c.key+"/"+c.alg, func(t *testing.T) {
				pt := []byte("sealed in one runtime, opened in the other")
				var aad []byte // only GCM takes one
				if c.alg == "" || strings.HasSuffix(c.alg, "_GCM") {
					aad = []byte("aad")
				}
				r, err := seal("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: c.key, Algorithm: c.alg, Plaintext: pt, Aad: aad})
				if err != nil {
					t.Fatal(err)
				}
				enc := r.(*pb.AdvanceEncryptResponse)
				if len(enc.Iv) == 0 {
					t.Fatal("no IV drawn")
				}
				d, err := open("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: aad})
				if err != nil {
					t.Fatal(err)
				}
				if got := d.(*pb.AdvanceDecryptResponse).Plaintext; !bytes.Equal(got, pt) {
					t.Fatalf("opened %q", got)
				}
			})
		}
		t.Run(dir[0]+" to "+dir[1]+"/GenerateDataKey", func(t *testing.T) {
			r, err := seal("GenerateDataKey", &pb.GenerateDataKeyRequest{KeyId: a128ID, Aad: []byte("dk")})
			if err != nil {
				t.Fatal(err)
			}
			dk := r.(*pb.GenerateDataKeyResponse)
			d, err := open("Decrypt", &pb.DecryptRequest{KeyId: a128ID, CiphertextBlob: dk.CiphertextBlob, Iv: dk.Iv, Aad: []byte("dk")})
			if err != nil {
				t.Fatal(err)
			}
			if got := d.(*pb.DecryptResponse).Plaintext; !bytes.Equal(got, dk.Plaintext) || len(got) != 32 {
				t.Fatalf("data key %x opened as %x", dk.Plaintext, got)
			}
		})
	}
}
