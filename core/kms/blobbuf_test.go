package kms_test

import (
	"bytes"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// The blob buffers CallProtoMeta keeps are reused only once their response
// is encoded: no encoding, and no blob a caller of Call holds, changes when
// later calls reuse them.
func TestKeptBlobBuffersNeverShowThrough(t *testing.T) {
	f := newFixture(t)
	f.importKey(keyA, kms.SpecAES256, material(32, 1))
	encode := func(fill byte) []byte {
		body, err := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: bytes.Repeat([]byte{fill}, 2048)})
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := f.e.CallProtoMeta("AdvanceEncrypt", body, kms.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	var outs, copies [][]byte
	var held []*pb.AdvanceEncryptResponse
	for i := range 12 {
		out := encode(byte(i))
		outs, copies = append(outs, out), append(copies, bytes.Clone(out))
		r := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: bytes.Repeat([]byte{byte(i)}, 2048)})
		held = append(held, r)
	}
	for i := range outs {
		if !bytes.Equal(outs[i], copies[i]) {
			t.Fatalf("encoded answer %d changed after later calls", i)
		}
		var r pb.AdvanceEncryptResponse
		if err := pb.Unmarshal(outs[i], &r); err != nil {
			t.Fatal(err)
		}
		for j, blob := range [][]byte{r.CiphertextBlob, held[i].CiphertextBlob} {
			d := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob})
			if !bytes.Equal(d.Plaintext, bytes.Repeat([]byte{byte(i)}, 2048)) {
				t.Fatalf("call %d, blob %d no longer opens to its plaintext", i, j)
			}
		}
	}
}
