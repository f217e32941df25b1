package storetest

import (
	"fmt"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// Snapshot returns every record of b as "rev value": two equal snapshots
// mean nothing at all was written in between (not even an identical value,
// which would bump the revision). Tests use it to prove that a failed
// operation left no partial write.
func Snapshot(t testing.TB, b store.Backend) map[string]string {
	t.Helper()
	keys, err := b.List("")
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(keys))
	for _, k := range keys {
		v, rev, err := b.Get(k)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = fmt.Sprintf("%d %s", rev, v)
	}
	return out
}
