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

// AppendProtoMeta decodes the request's bytes as slices of body: nothing of
// body may outlive the call. A key imported that way and a body wiped right
// after encrypt exactly as a key imported by copy.
func TestAppendProtoMetaKeepsNothingOfBody(t *testing.T) {
	aliased, copied := newFixture(t), newFixture(t)
	body, err := pb.Marshal(&pb.ImportKeyRequest{KeyId: keyA, KeySpec: kms.SpecAES256, Versions: []*pb.ImportedVersion{{KeyMaterial: material(32, 5)}}})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := aliased.e.AppendProtoMeta([]byte("head"), "ImportKey", body, kms.Meta{})
	if err != nil || string(out[:4]) != "head" {
		t.Fatalf("ImportKey: %q %v", out, err)
	}
	clear(body)
	if _, _, err := copied.e.CallProtoMeta("ImportKey", mustMarshal(t, &pb.ImportKeyRequest{KeyId: keyA, KeySpec: kms.SpecAES256,
		Versions: []*pb.ImportedVersion{{KeyMaterial: material(32, 5)}}}), kms.Meta{}); err != nil {
		t.Fatal(err)
	}
	req := &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("same bytes"), Iv: bytes.Repeat([]byte{1}, 12)}
	a := call[*pb.AdvanceEncryptResponse](aliased, "AdvanceEncrypt", req)
	c := call[*pb.AdvanceEncryptResponse](copied, "AdvanceEncrypt", req)
	// Version ids are drawn per import: compare what follows them and the IV.
	if head := 3 + 36 + 12; !bytes.Equal(a.CiphertextBlob[head:], c.CiphertextBlob[head:]) {
		t.Fatal("the key imported from an aliased body changed when the body was wiped")
	}
}

func mustMarshal(t *testing.T, m pb.Message) []byte {
	t.Helper()
	b, err := pb.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
