package kmspb

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkCodec times both forms both ways on a data-plane request and a
// management listing (nested messages, lists); docs/codec.md has figures.
func BenchmarkCodec(b *testing.B) {
	l := &ListKeysResponse{RequestId: "req-1"}
	for i := 0; i < 50; i++ {
		l.Keys = append(l.Keys, &KeyMetadata{KeyId: fmt.Sprintf("key-%032d", i), KeySpec: "Aliyun_AES_256", KeyUsage: "ENCRYPT/DECRYPT",
			KeyState: "Enabled", Description: "some key", CreationDate: "2026-01-01T00:00:00Z", VersionCount: 3,
			Aliases: []string{"alias/x"}, Tags: []*Tag{{TagKey: "a", TagValue: "b"}}})
	}
	for _, c := range []struct {
		name string
		m    Message
	}{
		{"AdvanceEncryptRequest1K", &AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: bytes.Repeat([]byte{7}, 1024), Aad: []byte("aad")}},
		{"ListKeysResponse50", l},
	} {
		m := c.m
		wire, _ := Marshal(m)
		js, _ := MarshalJSON(m)
		b.Run(c.name+"/MarshalProto", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Marshal(m)
			}
		})
		b.Run(c.name+"/UnmarshalProto", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Unmarshal(wire, m)
			}
		})
		b.Run(c.name+"/MarshalJSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				MarshalJSON(m)
			}
		})
		b.Run(c.name+"/UnmarshalJSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				UnmarshalJSON(js, m)
			}
		})
	}
}
