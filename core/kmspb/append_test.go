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
