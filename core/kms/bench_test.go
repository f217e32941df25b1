package kms_test

import (
	"fmt"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

var payloads = []int{32, 1024, 6 * 1024}

func BenchmarkAdvanceEncrypt(b *testing.B) {
	f := newFixture(b)
	f.importKey(keyA, kms.SpecAES256, material(32, 1))
	for _, n := range payloads {
		req := &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: make([]byte, n)}
		b.Run(fmt.Sprintf("%dB", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := f.e.Call("AdvanceEncrypt", req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAdvanceDecrypt(b *testing.B) {
	f := newFixture(b)
	f.importKey(keyA, kms.SpecAES256, material(32, 1))
	for _, n := range payloads {
		blob := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: make([]byte, n)}).CiphertextBlob
		req := &pb.AdvanceDecryptRequest{CiphertextBlob: blob}
		b.Run(fmt.Sprintf("%dB", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := f.e.Call("AdvanceDecrypt", req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
