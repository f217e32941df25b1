//go:build !wasm

package sqlstore_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

func open(t testing.TB, path string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		return open(t, filepath.Join(t.TempDir(), "pocketkms.db"))
	})
}

// twoHandles reads through one Store and writes through another on the
// same file, so the whole conformance suite checks that each handle sees
// the other's commits at once and that conflicts are detected across them.
type twoHandles struct{ reader, writer *sqlstore.Store }

func (h twoHandles) Get(key string) ([]byte, int64, error) { return h.reader.Get(key) }
func (h twoHandles) List(prefix string) ([]string, error)  { return h.reader.List(prefix) }
func (h twoHandles) Commit(reads map[string]int64, writes []store.Write) error {
	return h.writer.Commit(reads, writes)
}

func TestConformanceTwoHandles(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		path := filepath.Join(t.TempDir(), "pocketkms.db")
		return twoHandles{reader: open(t, path), writer: open(t, path)}
	})
}

func TestConformanceSealed(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		s, err := store.Sealed(open(t, filepath.Join(t.TempDir(), "pocketkms.db")), make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	s, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(nil, []store.Write{{Key: "keys/a", Value: []byte("A")}, {Key: "aliases/b", Value: []byte("B")}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(nil, []store.Write{{Key: "aliases/b"}}); err != nil {
		t.Fatal(err)
	}
	_, revA, _ := s.Get("keys/a")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	v, rev, err := s.Get("keys/a")
	if err != nil || string(v) != "A" || rev != revA {
		t.Fatalf("after reopen: (%q, %d, %v), want (A, %d)", v, rev, err, revA)
	}
	if v, rev, _ := s.Get("aliases/b"); rev != 0 || v != nil {
		t.Fatalf("deleted record came back: (%q, %d)", v, rev)
	}
	// The rev counter survives too: a new write never reuses an old rev.
	if err := s.Commit(nil, []store.Write{{Key: "aliases/b", Value: []byte("B2")}}); err != nil {
		t.Fatal(err)
	}
	if _, rev, _ := s.Get("aliases/b"); rev <= revA {
		t.Fatalf("rev after reopen %d, want > %d", rev, revA)
	}
}

func TestTwoHandlesSeeCommitsAndConflict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	cli, server := open(t, path), open(t, path)
	if err := cli.Commit(map[string]int64{"aliases/alias/x": 0}, []store.Write{{Key: "aliases/alias/x", Value: []byte("cli")}}); err != nil {
		t.Fatal(err)
	}
	v, rev, err := server.Get("aliases/alias/x")
	if err != nil || string(v) != "cli" {
		t.Fatalf("server does not see the CLI's commit: (%q, %v)", v, err)
	}
	// Both read rev; the CLI writes first; the server's stale write loses.
	if err := cli.Commit(map[string]int64{"aliases/alias/x": rev}, []store.Write{{Key: "aliases/alias/x", Value: []byte("cli2")}}); err != nil {
		t.Fatal(err)
	}
	if err := server.Commit(map[string]int64{"aliases/alias/x": rev}, []store.Write{{Key: "aliases/alias/x", Value: []byte("server")}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale commit through the second handle = %v, want ErrConflict", err)
	}
	if v, _, _ := server.Get("aliases/alias/x"); string(v) != "cli2" {
		t.Fatalf("value = %q, want cli2", v)
	}
}

func TestFileModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	s := open(t, path)
	if err := s.Commit(nil, []store.Write{{Key: "keys/a", Value: []byte("A")}}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

func TestClosedStoreErrors(t *testing.T) {
	s, err := sqlstore.Open(filepath.Join(t.TempDir(), "pocketkms.db"))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, _, err := s.Get("keys/a"); err == nil {
		t.Error("Get on a closed store succeeded")
	}
	err = s.Commit(nil, []store.Write{{Key: "keys/a", Value: []byte("A")}})
	if err == nil || errors.Is(err, store.ErrConflict) {
		t.Errorf("Commit on a closed store = %v, want a non-conflict error", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notDB, bytes.Repeat([]byte("not a database "), 300), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"empty path":     "",
		"question mark":  filepath.Join(dir, "a?b.db"),
		"missing dir":    filepath.Join(dir, "no", "such", "dir", "x.db"),
		"not a database": notDB,
	} {
		if s, err := sqlstore.Open(path); err == nil {
			s.Close()
			t.Errorf("%s: Open(%q) succeeded", name, path)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// FuzzListPrefix checks that the range scan of ListStmt returns exactly the
// keys Go's strings.HasPrefix selects, in Go's order, for any prefix,
// including bytes LIKE would treat specially and 0xff runs at the end.
func FuzzListPrefix(f *testing.F) {
	keys := []string{"keys/a", "keys/b", "keys/", "keys", "keys0", "keys\xff", "keys\xff\xff", "keys\xffa",
		"a_b", "a%b", "A_b", "\xff", "\xff\xff", "\x00", "\x01a", "é", "e\u0301", "aliases/alias/x", "z"}
	s := open(f, filepath.Join(f.TempDir(), "fuzz.db"))
	var ws []store.Write
	for _, k := range keys {
		ws = append(ws, store.Write{Key: k, Value: []byte{1}})
	}
	if err := s.Commit(nil, ws); err != nil {
		f.Fatal(err)
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	for _, p := range []string{"", "keys", "keys/", "keys\xff", "\xff", "a_", "a%", "é", "e", "\x00", "zz"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, prefix string) {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		got, err := s.List(prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("List(%q) = %q, want %q", prefix, got, want)
		}
	})
}
