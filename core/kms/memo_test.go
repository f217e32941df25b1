package kms

import (
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
