package wycheproof

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/wasmhost"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// TestModule runs the AES-GCM and AES-CBC-PKCS5 vectors through the
// WebAssembly module under wazero, with the host's AES (the pocketkms_aes
// imports) and with the module's own: each vector's key is imported, its
// ciphertext opened with Decrypt (raw ciphertext, Iv, Aad, Algorithm), and
// a valid vector must give its message, an invalid one an error.
func TestModule(t *testing.T) {
	ctx := context.Background()
	gcm, cbc := load(t, "aes_gcm_test.json"), load(t, "aes_cbc_pkcs5_test.json")
	for _, hostAES := range []bool{true, false} {
		t.Run(fmt.Sprintf("hostAES=%v", hostAES), func(t *testing.T) {
			e, err := wasmhost.New(ctx, wasmtest.Module(t), store.NewMemory(), wasmhost.NewConfig().WithPoolSize(1).WithHostAES(hostAES))
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close(ctx)
			keys := map[string]string{} // material -> KeyId
			keyID := func(material []byte) string {
				if id, ok := keys[string(material)]; ok {
					return id
				}
				r, err := e.Call(ctx, "ImportKey", &pb.ImportKeyRequest{
					KeySpec:  fmt.Sprintf("Aliyun_AES_%d", len(material)*8),
					Versions: []*pb.ImportedVersion{{KeyMaterial: material}},
				})
				if err != nil {
					t.Fatalf("ImportKey: %v", err)
				}
				id := r.(*pb.KeyResponse).KeyMetadata.KeyId
				keys[string(material)] = id
				return id
			}
			ran := 0
			run := func(alg string, f vectorFile, supported func(ivBits, keyBits, tagBits int) bool) {
				for _, g := range f.TestGroups {
					if !supported(g.IvSize, g.KeySize, g.TagSize) {
						continue
					}
					for _, tc := range g.Tests {
						req := &pb.DecryptRequest{KeyId: keyID(unhex(t, tc.Key)), Algorithm: alg, Iv: unhex(t, tc.Iv),
							CiphertextBlob: append(unhex(t, tc.Ct), unhex(t, tc.Tag)...)}
						if alg == "AES_GCM" {
							req.Aad = unhex(t, tc.Aad)
						}
						resp, err := e.Call(ctx, "Decrypt", req)
						ran++
						switch tc.Result {
						case "valid":
							if err != nil || !bytes.Equal(resp.(*pb.DecryptResponse).Plaintext, unhex(t, tc.Msg)) {
								t.Errorf("%s %d (%s): valid vector: %v", alg, tc.TcID, tc.Comment, err)
							}
						case "invalid":
							if err == nil {
								t.Errorf("%s %d (%s): invalid vector opened", alg, tc.TcID, tc.Comment)
							}
						}
					}
				}
			}
			aesKey := func(k int) bool { return k == 128 || k == 192 || k == 256 }
			run("AES_GCM", gcm, func(iv, k, tag int) bool { return iv == 96 && tag == 128 && aesKey(k) })
			run("AES_CBC", cbc, func(iv, k, _ int) bool { return aesKey(k) })
			if ran < 200 {
				t.Fatalf("only %d vectors exercised", ran)
			}
			t.Logf("%d vectors", ran)
		})
	}
}
