package seed

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

// registry is what `serve --seed` passes to Apply: internal/clientkeys' record
// makers behind one ClientKeyRecordFunc.
func registry(e ClientKeyEntry) (string, []byte, error) {
	if e.Certificate != "" {
		return clientkeys.RecordFromCertificate(e.KeyId, e.Certificate)
	}
	return clientkeys.RecordFromClientKey([]byte(e.ClientKeyContent), e.Password)
}

// With the real registry: both entry kinds register the public key only,
// and a second apply (whose records carry a later CreationDate) is a no-op.
func TestApplyWithRealRegistry(t *testing.T) {
	f, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	if _, err := Apply(context.Background(), m, f, registry); err != nil {
		t.Fatal(err)
	}
	first := storetest.Snapshot(t, m)
	for _, e := range f.ClientKeys {
		if _, err := clientkeys.Lookup(m, e.KeyId); err != nil {
			t.Errorf("%s not registered: %v", e.KeyId, err)
		}
		if v := first[store.ClientKeyPrefix+e.KeyId]; strings.Contains(v, "PRIVATE") || strings.Contains(v, "1234") {
			t.Errorf("the record of %s holds a secret", e.KeyId)
		}
	}
	time.Sleep(10 * time.Millisecond)
	s, err := Apply(context.Background(), m, f, registry)
	if err != nil || s.Committed || len(s.ClientKeysExisting) != 2 {
		t.Fatalf("second apply: %+v %v", s, err)
	}
	if !maps.Equal(first, storetest.Snapshot(t, m)) {
		t.Fatal("the second apply changed the store")
	}
	wrong := *f
	wrong.Keys = nil
	wrong.ClientKeys = []ClientKeyEntry{f.ClientKeys[1]}
	wrong.ClientKeys[0].Password = "not it"
	_, err = Apply(context.Background(), m, &wrong, registry)
	if err == nil || !strings.HasPrefix(err.Error(), "seed file testdata/good.json: ClientKeys[0]: ") || strings.Contains(err.Error(), "not it") {
		t.Fatalf("wrong password: %v", err)
	}
}
