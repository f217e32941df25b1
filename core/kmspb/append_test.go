package kmspb

import (
	"bytes"
	"testing"
)

// MarshalAppend writes Marshal's bytes after what b holds, in b's own room
// when it has enough.
func TestMarshalAppend(t *testing.T) {
	for _, m := range []Message{
		&AdvanceEncryptResponse{KeyId: "key-a", CiphertextBlob: bytes.Repeat([]byte{7}, 300), Iv: []byte{1, 2}, Algorithm: "AES_GCM", RequestId: "r"},
		&AdvanceEncryptResponse{},
		&ListKeysResponse{Keys: []*KeyMetadata{{KeyId: "a"}, {KeyId: "b", KeySpec: "Aliyun_AES_256"}}},
		&Error{StatusCode: 404, ErrorCode: "Forbidden.KeyNotFound", ErrorMessage: "é"},
	} {
		want, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := MarshalAppend([]byte("head"), m)
		if err != nil || !bytes.Equal(got, append([]byte("head"), want...)) {
			t.Errorf("%T: MarshalAppend %x, %v; want head then %x", m, got, err, want)
		}
		room := append(make([]byte, 0, 4+len(want)), "head"...)
		if got, _ := MarshalAppend(room, m); len(want) > 0 && &got[0] != &room[:1][0] {
			t.Errorf("%T: MarshalAppend left a buffer with room for it", m)
		}
	}
	if _, err := MarshalAppend(nil, &AdvanceEncryptResponse{KeyId: "\xff"}); err == nil {
		t.Error("invalid UTF-8 was encoded")
	}
}

// UnmarshalAlias decodes what Unmarshal decodes, its bytes fields (nested
// ones too) slices of the input that an append cannot write through.
func TestUnmarshalAlias(t *testing.T) {
	for _, m := range []Message{
		&AdvanceEncryptRequest{KeyId: "key-a", Plaintext: bytes.Repeat([]byte{7}, 300), Iv: []byte{1, 2}, Aad: []byte{}},
		&InspectBlobResponse{Valid: true, Fields: []*BlobField{{Name: "Iv", Value: "x"}}, Iv: []byte{3}},
	} {
		b, err := Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var copied, aliased AdvanceEncryptRequest
		if _, ok := m.(*AdvanceEncryptRequest); !ok {
			var c, a InspectBlobResponse
			if Unmarshal(b, &c) != nil || UnmarshalAlias(b, &a) != nil {
				t.Fatal("decode failed")
			}
			if c1, _ := Marshal(&c); !bytes.Equal(c1, b) {
				t.Fatal("copy decode differs")
			}
			if a1, _ := Marshal(&a); !bytes.Equal(a1, b) {
				t.Errorf("aliasing decode of %T gives %x, want %x", m, a1, b)
			}
			continue
		}
		if Unmarshal(b, &copied) != nil || UnmarshalAlias(b, &aliased) != nil {
			t.Fatal("decode failed")
		}
		if a1, _ := Marshal(&aliased); !bytes.Equal(a1, b) {
			t.Fatalf("aliasing decode gives %x, want %x", a1, b)
		}
		if &aliased.Plaintext[0] != &b[bytes.Index(b, aliased.Plaintext)] || cap(aliased.Plaintext) != len(aliased.Plaintext) {
			t.Error("Plaintext is not a capped slice of the input")
		}
		_ = append(aliased.Iv, 0xee) // must not reach b
		b[bytes.Index(b, bytes.Repeat([]byte{7}, 300))] = 8
		if copied.Plaintext[0] != 7 || aliased.Plaintext[0] != 8 {
			t.Error("Unmarshal aliased or UnmarshalAlias copied")
		}
		if bytes.Contains(b, []byte{1, 2, 0xee}) {
			t.Error("an append to an aliased field wrote into the input")
		}
	}
}
