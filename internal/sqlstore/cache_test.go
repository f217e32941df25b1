//go:build !wasm

package sqlstore_test

import (
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

// cachedOn is what `pocketkms serve` reads through: the cache over the
// sealed store, checking the SQLite commit counter.
func cachedOn(t testing.TB, s *sqlstore.Store) store.Backend {
	return store.Cached(sealedOn(t, s, testRootKey), s.Version)
}

// versionSources runs a test with Version read from the mapped WAL-index
// header (where the platform has one) and from the commit counter.
func versionSources(t *testing.T, run func(t *testing.T, open func(t testing.TB, path string) *sqlstore.Store)) {
	t.Run("header", func(t *testing.T) {
		run(t, func(t testing.TB, path string) *sqlstore.Store {
			s := open(t, path)
			if !s.MappedHeader() && runtime.GOOS == "linux" {
				t.Fatal("no mapped WAL-index header on linux")
			}
			return s
		})
	})
	t.Run("counter", func(t *testing.T) {
		run(t, func(t testing.TB, path string) *sqlstore.Store {
			s := open(t, path)
			s.UnmapHeader()
			return s
		})
	})
}

func TestCachedConformance(t *testing.T) {
	versionSources(t, func(t *testing.T, open func(t testing.TB, path string) *sqlstore.Store) {
		storetest.Run(t, func(t *testing.T) store.Backend {
			return cachedOn(t, open(t, filepath.Join(t.TempDir(), "pocketkms.db")))
		})
	})
}

// Every writing commit moves Version, whichever handle made it; reads and
// refused commits do not.
func TestVersionMovesWithEveryCommit(t *testing.T) {
	versionSources(t, versionMoves)
}

func versionMoves(t *testing.T, open func(t testing.TB, path string) *sqlstore.Store) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	a, b := open(t, path), open(t, path)
	version := func(s *sqlstore.Store) sqlstore.Version {
		v, err := s.Version()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version(a)
	if err := b.Commit(nil, []store.Write{{Key: "aliases/x", Value: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	v1 := version(a)
	if v1 == v0 {
		t.Fatal("a put by another handle did not move the version")
	}
	b.Get("aliases/x")
	if err := b.Commit(map[string]int64{"aliases/x": 999}, []store.Write{{Key: "aliases/x", Value: []byte("2")}}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale commit: %v", err)
	}
	if version(a) != v1 {
		t.Fatal("a read or a refused commit moved the version")
	}
	if err := b.Commit(nil, []store.Write{{Key: "aliases/x"}}); err != nil {
		t.Fatal(err)
	}
	if version(a) == v1 {
		t.Fatal("a delete by another handle did not move the version")
	}
}

// TestCacheNeverStale: a server's engine reads through the cache while an
// administrator changes the same file through a second handle, as the CLI
// does from another process. Every change is seen by the very next call.
func TestCacheNeverStale(t *testing.T) {
	versionSources(t, neverStale)
}

func neverStale(t *testing.T, open func(t testing.TB, path string) *sqlstore.Store) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	server := kms.New(cachedOn(t, open(t, path)), kms.NewConfig())
	admin := kms.New(sealedOn(t, open(t, path), testRootKey), kms.NewConfig())

	k1 := call[*pb.KeyResponse](t, admin, "CreateKey", &pb.CreateKeyRequest{}).KeyMetadata.KeyId
	k2 := call[*pb.KeyResponse](t, admin, "CreateKey", &pb.CreateKeyRequest{}).KeyMetadata.KeyId
	mustCall(t, admin, "CreateAlias", &pb.AliasRequest{AliasName: "alias/app", KeyId: k1})

	encrypt := func() (*pb.AdvanceEncryptResponse, error) {
		r, err := server.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: []byte("p")})
		if err != nil {
			return nil, err
		}
		return r.(*pb.AdvanceEncryptResponse), nil
	}
	warm := func() *pb.AdvanceEncryptResponse {
		t.Helper()
		var last *pb.AdvanceEncryptResponse
		for range 3 {
			r, err := encrypt()
			if err != nil {
				t.Fatal(err)
			}
			last = r
		}
		return last
	}
	if r := warm(); r.KeyId != k1 {
		t.Fatalf("encrypted under %s, want %s", r.KeyId, k1)
	}

	mustCall(t, admin, "DisableKey", &pb.KeyIdRequest{KeyId: k1})
	if _, err := encrypt(); kmserr.As(err).Code != kmserr.CodeDisabled {
		t.Fatalf("first call after DisableKey: %v", err)
	}
	mustCall(t, admin, "EnableKey", &pb.KeyIdRequest{KeyId: k1})
	before := warm()

	rotated := call[*pb.KeyResponse](t, admin, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: k1}).KeyMetadata.PrimaryKeyVersionId
	if r, err := encrypt(); err != nil || r.KeyVersionId != rotated || r.KeyVersionId == before.KeyVersionId {
		t.Fatalf("first call after rotation: %v, version %v, want %s", err, r, rotated)
	}
	warm()

	mustCall(t, admin, "UpdateAlias", &pb.AliasRequest{AliasName: "alias/app", KeyId: k2})
	if r, err := encrypt(); err != nil || r.KeyId != k2 {
		t.Fatalf("first call after the alias moved to %s: %v %v", k2, r, err)
	}
	warm()

	mustCall(t, admin, "DeleteAlias", &pb.AliasRequest{AliasName: "alias/app"})
	if _, err := encrypt(); kmserr.As(err).Code != kmserr.CodeKeyNotFound {
		t.Fatalf("first call after DeleteAlias: %v", err)
	}
}

func mustCall(t testing.TB, e *kms.Engine, api string, req pb.Message) {
	t.Helper()
	if _, err := e.Call(api, req); err != nil {
		t.Fatalf("%s: %v", api, err)
	}
}
