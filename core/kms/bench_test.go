package kms_test

import (
	"fmt"
	"testing"
	"time"

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

// BenchmarkCreateKeyAmong1000 is CreateKey in a store that holds 1000 keys,
// one of them due for deletion each round (the key the round before made,
// so the store stays at 1000): purge goes through the deletion index, so the
// other keys cost nothing.
func BenchmarkCreateKeyAmong1000(b *testing.B) {
	f := newFixture(b)
	for i := 0; i < 999; i++ {
		f.createKey("")
	}
	last := f.createKey("")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: last.KeyId, PendingWindowInDays: 7})
		f.clock.Add(8 * 24 * time.Hour)
		b.StartTimer()
		last = f.createKey("")
		b.StopTimer()
		f.clock.Add(-8 * 24 * time.Hour) // every round at the same dates
		b.StartTimer()
	}
}
