package kms_test

import (
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// signers are the signature algorithms the benchmarks run, one key each.
var signers = []struct{ name, spec, alg string }{
	{"RSA_2048/PSS", "RSA_2048", "RSA_PSS_SHA_256"},
	{"RSA_2048/PKCS1", "RSA_2048", "RSA_PKCS1_SHA_256"},
	{"EC_P256", "EC_P256", "ECDSA_SHA_256"},
	{"EC_P256K", "EC_P256K", "ECDSA_SHA_256"},
	{"EC_SM2", "EC_SM2", "SM2DSA"},
}

// BenchmarkSign and BenchmarkVerify: one Sign or Verify of a 32-byte
// message through the engine, per algorithm (tests/bench and the README
// hold the figures; host/wasmhost has the same in the module).
func BenchmarkSign(b *testing.B) {
	f := newFixture(b)
	for _, s := range signers {
		id := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: s.spec}).KeyMetadata.KeyId
		req := &pb.SignRequest{KeyId: id, Algorithm: s.alg, Message: make([]byte, 32)}
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := f.e.Call("Sign", req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	f := newFixture(b)
	for _, s := range signers {
		id := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: s.spec}).KeyMetadata.KeyId
		sig := call[*pb.SignResponse](f, "Sign", &pb.SignRequest{KeyId: id, Algorithm: s.alg, Message: make([]byte, 32)}).Signature
		req := &pb.VerifyRequest{KeyId: id, Algorithm: s.alg, Message: make([]byte, 32), Signature: sig}
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				r, err := f.e.Call("Verify", req)
				if err != nil || !r.(*pb.VerifyResponse).Value {
					b.Fatal(err)
				}
			}
		})
	}
}
