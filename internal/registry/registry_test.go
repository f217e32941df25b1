package registry

import (
	"errors"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

func TestPutListDelete(t *testing.T) {
	b := store.NewMemory()
	conflict, notFound := errors.New("conflict"), errors.New("not found")
	same := func(v string) func([]byte) bool { return func(old []byte) bool { return string(old) == v } }
	for _, kv := range [][2]string{{"r/b", "2"}, {"r/a", "1"}, {"other/c", "3"}} {
		if err := Put(b, kv[0], []byte(kv[1]), same(kv[1]), conflict); err != nil {
			t.Fatal(err)
		}
	}
	if err := Put(b, "r/a", []byte("1"), same("1"), conflict); err != nil {
		t.Fatalf("registering the same record again: %v", err)
	}
	if err := Put(b, "r/a", []byte("9"), same("9"), conflict); err != conflict {
		t.Fatalf("registering another record under r/a: %v, want the conflict error", err)
	}
	got, err := List(b, "r/", func(k string, v []byte) (string, error) { return k + "=" + string(v), nil })
	if err != nil || len(got) != 2 || got[0] != "r/a=1" || got[1] != "r/b=2" {
		t.Fatalf("List = %q, %v; want r/a=1, r/b=2 in order", got, err)
	}
	bad := errors.New("bad record")
	if _, err := List(b, "r/", func(string, []byte) (int, error) { return 0, bad }); err != bad {
		t.Fatalf("a record that does not decode: %v", err)
	}
	if err := Delete(b, "r/a", notFound); err != nil {
		t.Fatal(err)
	}
	if err := Delete(b, "r/a", notFound); err != notFound {
		t.Fatalf("deleting twice: %v, want not found", err)
	}
	if v, _, _ := b.Get("r/a"); v != nil {
		t.Fatal("r/a is still there")
	}
}
