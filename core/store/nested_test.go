package store_test

import (
	"errors"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
)

// A nested transaction is a Backend like any other.
func TestNestedConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend { return store.Nest(store.NewMemory()) })
}

func mustCommit(t *testing.T, b store.Backend, ws ...store.Write) {
	t.Helper()
	if err := b.Commit(nil, ws); err != nil {
		t.Fatal(err)
	}
}

// TestNestedLandsWholeOrNotAtAll: nothing reaches the parent before Apply;
// Apply writes everything in one commit; a record read from the parent and
// changed there meanwhile makes Apply conflict and write nothing.
func TestNestedLandsWholeOrNotAtAll(t *testing.T) {
	parent := store.NewMemory()
	mustCommit(t, parent, store.Write{Key: "keys/a", Value: []byte("a1")}, store.Write{Key: "keys/gone", Value: []byte("x")})

	n := store.Nest(parent)
	_, revA, _ := n.Get("keys/a")
	mustCommit(t, n, store.Write{Key: "keys/b", Value: []byte("b1")}, store.Write{Key: "keys/gone"})
	if err := n.Commit(map[string]int64{"keys/a": revA}, []store.Write{{Key: "keys/a", Value: []byte("a2")}}); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := parent.Get("keys/b"); v != nil {
		t.Fatal("a staged write reached the parent before Apply")
	}
	if v, _, _ := n.Get("keys/gone"); v != nil {
		t.Fatal("a staged delete is not seen inside")
	}
	if got, _ := n.List("keys/"); len(got) != 2 || got[0] != "keys/a" || got[1] != "keys/b" {
		t.Fatalf("List inside = %q", got)
	}
	changed, err := n.Apply()
	if err != nil || !changed {
		t.Fatalf("Apply = %v, %v", changed, err)
	}
	for k, want := range map[string]string{"keys/a": "a2", "keys/b": "b1", "keys/gone": ""} {
		if v, _, _ := parent.Get(k); string(v) != want {
			t.Fatalf("parent %s = %q, want %q", k, v, want)
		}
	}

	// Stale: the parent changes a record the nested transaction read.
	n = store.Nest(parent)
	n.Get("keys/a")
	mustCommit(t, n, store.Write{Key: "keys/c", Value: []byte("c")})
	mustCommit(t, parent, store.Write{Key: "keys/a", Value: []byte("someone else")})
	if _, err := n.Apply(); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Apply over a stale read = %v, want ErrConflict", err)
	}
	if v, _, _ := parent.Get("keys/c"); v != nil {
		t.Fatal("a conflicting Apply wrote")
	}

	// Nothing staged: nothing written, not even a read check.
	if changed, err := store.Nest(parent).Apply(); changed || err != nil {
		t.Fatalf("empty Apply = %v, %v", changed, err)
	}
}
