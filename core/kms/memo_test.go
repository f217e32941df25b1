package kms

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The memo hands out copies: changing what it returned (as an operation
// that disables, tags or rotates a key does) never changes what the next
// read of the same stored bytes gets, and different bytes decode afresh.
func TestRecordMemoCopies(t *testing.T) {
	var m recordMemo
	del := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rec := keyRecord{KeyId: "key-a", KeySpec: "Aliyun_AES_256", KeyState: StateEnabled, DeleteDate: &del,
		Versions: []versionRecord{{KeyVersionId: "v1", Material: []byte{1, 2, 3}}}, Tags: []keyTag{{"k", "v"}}}
	raw, _ := json.Marshal(rec)
	for range 2 {
		k, err := m.decode("key-a", raw)
		if err != nil {
			t.Fatal(err)
		}
		if k.KeyState != StateEnabled || k.Versions[0].Material[0] != 1 || k.Tags[0].TagValue != "v" || !k.DeleteDate.Equal(del) || len(k.Versions) != 1 {
			t.Fatalf("decoded %+v", k)
		}
		k.KeyState = StateDisabled
		k.Versions[0].Material[0] = 9
		k.Versions = append(k.Versions, versionRecord{KeyVersionId: "v2"})
		k.Tags[0].TagValue = "changed"
		*k.DeleteDate = time.Time{}
	}
	rec.KeyState = StateDisabled
	raw2, _ := json.Marshal(rec)
	if k, _ := m.decode("key-a", raw2); k.KeyState != StateDisabled {
		t.Fatal("new bytes, old record")
	}
	a1, _ := m.alias("alias/x", []byte(`{"AliasName":"alias/x","KeyId":"key-a"}`))
	a1.KeyId = "key-b"
	if a2, _ := m.alias("alias/x", []byte(`{"AliasName":"alias/x","KeyId":"key-a"}`)); a2.KeyId != "key-a" {
		t.Fatal("changing a returned alias changed the memo")
	}
	if _, err := m.decode("key-a", []byte("{")); err == nil {
		t.Fatal("corrupt record decoded")
	}
}

// sameRecord agrees with bytes.Equal wherever a difference lies: in the
// eight-byte words, in the tail after them, or in the length.
func TestSameRecord(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 9, 16, 23, 500} {
		a := make([]byte, n)
		for i := range a {
			a[i] = byte(i*31 + 7)
		}
		if !sameRecord(a, bytes.Clone(a)) {
			t.Errorf("length %d: equal records differ", n)
		}
		for i := range n {
			for _, bit := range []byte{0x01, 0x80} {
				b := bytes.Clone(a)
				b[i] ^= bit
				if sameRecord(a, b) {
					t.Fatalf("length %d: a difference at byte %d (bit %#x) went unseen", n, i, bit)
				}
			}
		}
		if sameRecord(a, append(bytes.Clone(a), 0)) {
			t.Errorf("length %d: a longer record with the same prefix is the same", n)
		}
	}
}
