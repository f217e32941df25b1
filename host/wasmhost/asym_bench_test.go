package wasmhost

import (
	"context"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// BenchmarkSign and BenchmarkVerify: core/kms's benchmarks of the same
// names, through the module under wazero.
func BenchmarkSign(b *testing.B)   { benchAsym(b, "Sign") }
func BenchmarkVerify(b *testing.B) { benchAsym(b, "Verify") }

func benchAsym(b *testing.B, api string) {
	ctx := context.Background()
	e := newWasm(b, store.NewMemory(), 0)
	for _, s := range []struct{ name, spec, alg string }{
		{"RSA_2048/PSS", "RSA_2048", "RSA_PSS_SHA_256"},
		{"RSA_2048/PKCS1", "RSA_2048", "RSA_PKCS1_SHA_256"},
		{"EC_P256", "EC_P256", "ECDSA_SHA_256"},
		{"EC_P256K", "EC_P256K", "ECDSA_SHA_256"},
		{"EC_SM2", "EC_SM2", "SM2DSA"},
	} {
		r, err := e.Call(ctx, "CreateKey", &pb.CreateKeyRequest{KeySpec: s.spec})
		if err != nil {
			b.Fatal(err)
		}
		id := r.(*pb.KeyResponse).KeyMetadata.KeyId
		msg := make([]byte, 32)
		var body []byte
		if api == "Sign" {
			body, err = pb.Marshal(&pb.SignRequest{KeyId: id, Algorithm: s.alg, Message: msg})
		} else {
			sig, serr := e.Call(ctx, "Sign", &pb.SignRequest{KeyId: id, Algorithm: s.alg, Message: msg})
			if serr != nil {
				b.Fatal(serr)
			}
			body, err = pb.Marshal(&pb.VerifyRequest{KeyId: id, Algorithm: s.alg, Message: msg, Signature: sig.(*pb.SignResponse).Signature})
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.CallProto(ctx, api, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
