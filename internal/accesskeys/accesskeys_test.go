package accesskeys_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/accesskeys"
)

func TestRegistrySealedAtRest(t *testing.T) {
	raw := store.NewMemory()
	sealed, err := store.Sealed(raw, bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := accesskeys.New(rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.AccessKeyId) != 24 || len(rec.AccessKeySecret) != 30 {
		t.Fatalf("shape %d %d", len(rec.AccessKeyId), len(rec.AccessKeySecret))
	}
	if err := accesskeys.Register(sealed, rec); err != nil {
		t.Fatal(err)
	}
	if err := accesskeys.Register(sealed, rec); err != nil {
		t.Fatalf("registering the same pair again: %v", err)
	}
	other := rec
	other.AccessKeySecret = "another-secret-0123456789"
	if err := accesskeys.Register(sealed, other); err == nil {
		t.Fatal("a second secret for the same id was accepted")
	}
	v, _, _ := raw.Get(store.AccessKeyPrefix + rec.AccessKeyId)
	if v == nil || bytes.Contains(v, []byte(rec.AccessKeySecret)) {
		t.Fatal("the secret is stored in plaintext (or not at all)")
	}
	got, err := accesskeys.Lookup(sealed, rec.AccessKeyId)
	if err != nil || got.AccessKeySecret != rec.AccessKeySecret {
		t.Fatalf("lookup: %v", err)
	}
	list, err := accesskeys.List(sealed)
	if err != nil || len(list) != 1 || list[0].AccessKeySecret != "" {
		t.Fatalf("list must not carry secrets: %v %v", list, err)
	}
	if s := fmt.Sprintf("%v %+v %#v", rec, rec, rec); bytes.Contains([]byte(s), []byte(rec.AccessKeySecret)) {
		t.Fatal("formatting a record shows its secret")
	}
	if err := accesskeys.Revoke(sealed, rec.AccessKeyId); err != nil {
		t.Fatal(err)
	}
	if _, err := accesskeys.Lookup(sealed, rec.AccessKeyId); !errors.Is(err, accesskeys.ErrNotFound) {
		t.Fatalf("after revoke: %v", err)
	}
	for _, bad := range []accesskeys.Record{{AccessKeyId: "a/b", AccessKeySecret: "0123456789abcdefg"}, {AccessKeyId: "LTAIok", AccessKeySecret: "short"}} {
		if err := accesskeys.Register(sealed, bad); err == nil {
			t.Fatalf("accepted %v", bad)
		}
	}
}

// The layout seals this package's records: they hold the secrets.
func TestPrefixIsSealed(t *testing.T) {
	if !store.IsSealed(store.AccessKeyPrefix + "LTAIexample") {
		t.Fatalf("the store layout does not seal %s: AccessKey secrets would be stored in plaintext", store.AccessKeyPrefix)
	}
}
