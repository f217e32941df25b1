//go:build !wasm

package sqlstore_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// recordSize is about a key record with a few versions, as JSON.
const recordSize = 1024

func benchBackends(b *testing.B) map[string]func(b *testing.B) store.Backend {
	return map[string]func(b *testing.B) store.Backend{
		"plain": func(b *testing.B) store.Backend { return open(b, filepath.Join(b.TempDir(), "bench.db")) },
		"sealed": func(b *testing.B) store.Backend {
			return sealedOn(b, open(b, filepath.Join(b.TempDir(), "bench.db")), testRootKey)
		},
	}
}

// BenchmarkSQLiteCommit is one read-modify-write commit of a 1 KiB record
// (a guard on its rev plus an upsert), durable: WAL fsynced per commit.
func BenchmarkSQLiteCommit(b *testing.B) {
	value := bytes.Repeat([]byte("x"), recordSize)
	for _, name := range []string{"plain", "sealed"} {
		b.Run(name, func(b *testing.B) {
			s := benchBackends(b)[name](b)
			if err := s.Commit(nil, []store.Write{{Key: "keys/bench", Value: value}}); err != nil {
				b.Fatal(err)
			}
			_, rev, _ := s.Get("keys/bench")
			b.ResetTimer()
			for b.Loop() {
				if err := s.Commit(map[string]int64{"keys/bench": rev}, []store.Write{{Key: "keys/bench", Value: value}}); err != nil {
					b.Fatal(err)
				}
				rev++ // one commit per rev: this store's revs are commit numbers
			}
		})
	}
	b.Run("parallel-distinct-keys", func(b *testing.B) {
		s := open(b, filepath.Join(b.TempDir(), "bench.db"))
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			key := fmt.Sprintf("keys/bench-%d", n.Add(1))
			for pb.Next() {
				if err := s.Commit(nil, []store.Write{{Key: key, Value: value}}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkSQLiteGet reads one 1 KiB record by key.
func BenchmarkSQLiteGet(b *testing.B) {
	value := bytes.Repeat([]byte("x"), recordSize)
	for _, name := range []string{"plain", "sealed"} {
		b.Run(name, func(b *testing.B) {
			s := benchBackends(b)[name](b)
			for i := range 100 {
				if err := s.Commit(nil, []store.Write{{Key: fmt.Sprintf("keys/k%03d", i), Value: value}}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			i := 0
			for b.Loop() {
				v, _, err := s.Get(fmt.Sprintf("keys/k%03d", i%100))
				if err != nil || len(v) != recordSize {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		s := sealedOn(b, open(b, filepath.Join(b.TempDir(), "bench.db")), testRootKey)
		if err := s.Commit(nil, []store.Write{{Key: "keys/k", Value: value}}); err != nil {
			b.Fatal(err)
		}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := s.Get("keys/k"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkEngineOnSQLite is what the server does per request, without
// HTTP: AdvanceEncrypt of 32 bytes through an alias (two record reads and
// one key unseal, no commit), and key state changes (durable commits).
func BenchmarkEngineOnSQLite(b *testing.B) {
	s := sealedOn(b, open(b, filepath.Join(b.TempDir(), "bench.db")), testRootKey)
	e := kms.New(s, kms.NewConfig())
	r, err := e.Call("CreateKey", &pb.CreateKeyRequest{})
	if err != nil {
		b.Fatal(err)
	}
	id := r.(*pb.KeyResponse).KeyMetadata.KeyId
	if _, err := e.Call("CreateAlias", &pb.AliasRequest{AliasName: "alias/bench", KeyId: id}); err != nil {
		b.Fatal(err)
	}
	b.Run("AdvanceEncrypt", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/bench", Plaintext: make([]byte, 32)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AdvanceEncrypt-parallel", func(b *testing.B) {
		b.RunParallel(func(pb2 *testing.PB) {
			for pb2.Next() {
				if _, err := e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/bench", Plaintext: make([]byte, 32)}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	// A durable commit of one key record: DisableKey and EnableKey in turn.
	// (CreateKey is not measured here: it first scans every key record to
	// purge expired ones, so its cost grows with the number of keys.)
	b.Run("DisableKey+EnableKey", func(b *testing.B) {
		for b.Loop() {
			for _, api := range []string{"DisableKey", "EnableKey"} {
				if _, err := e.Call(api, &pb.KeyIdRequest{KeyId: id}); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
