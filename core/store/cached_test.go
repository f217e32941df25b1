package store_test

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
)

// counted is a Memory with a commit counter, the way sqlstore's rev_counter
// moves in the same transaction as the writes. Writing to it directly, not
// through the Cache, is what another process does.
type counted struct {
	*store.Memory
	n    atomic.Int64
	fail atomic.Bool
}

func newCounted() *counted { return &counted{Memory: store.NewMemory()} }

func (c *counted) Commit(reads map[string]int64, writes []store.Write) error {
	err := c.Memory.Commit(reads, writes)
	if err == nil && len(writes) > 0 {
		c.n.Add(1)
	}
	return err
}

func (c *counted) Version() (int64, error) {
	if c.fail.Load() {
		return 0, errors.New("version unavailable")
	}
	return c.n.Load(), nil
}

func TestCachedConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		inner := newCounted()
		return store.Cached(inner, inner.Version)
	})
}

func put(t *testing.T, b store.Backend, key, value string) {
	t.Helper()
	_, rev, err := b.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(map[string]int64{key: rev}, []store.Write{{Key: key, Value: []byte(value)}}); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, b store.Backend, key string) string {
	t.Helper()
	v, _, err := b.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	if v == nil {
		return "<absent>"
	}
	return string(v)
}

// A write that bypasses the cache (another process) is seen by the very
// next Get, for puts, overwrites and deletes, however warm the cache is.
func TestCachedSeesOutsideWrites(t *testing.T) {
	inner := newCounted()
	c := store.Cached(inner, inner.Version)
	for i := range 50 {
		want := "v" + strconv.Itoa(i)
		put(t, inner, "keys/k", want)
		for range 3 {
			if got := mustGet(t, c, "keys/k"); got != want {
				t.Fatalf("round %d: cached Get = %q, want %q", i, got, want)
			}
		}
	}
	if err := inner.Commit(nil, []store.Write{{Key: "keys/k"}}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, c, "keys/k"); got != "<absent>" {
		t.Fatalf("after an outside delete: %q", got)
	}
	put(t, inner, "aliases/a", "x")
	if got := mustGet(t, c, "aliases/a"); got != "x" {
		t.Fatalf("an absent record created outside: %q", got)
	}
}

// The values a cached Get returns are the caller's to change.
func TestCachedValuesAreCopies(t *testing.T) {
	inner := newCounted()
	c := store.Cached(inner, inner.Version)
	put(t, inner, "keys/k", "secret")
	v, _, _ := c.Get("keys/k")
	v[0] = 'X'
	if got := mustGet(t, c, "keys/k"); got != "secret" {
		t.Fatalf("changing a returned value changed the cache: %q", got)
	}
}

// When the version cannot be read the cache answers from the store.
func TestCachedVersionFailureReadsThrough(t *testing.T) {
	inner := newCounted()
	c := store.Cached(inner, inner.Version)
	put(t, inner, "keys/k", "one")
	mustGet(t, c, "keys/k")
	inner.fail.Store(true)
	inner.Memory.Commit(nil, []store.Write{{Key: "keys/k", Value: []byte("two")}}) // no version bump
	if got := mustGet(t, c, "keys/k"); got != "two" {
		t.Fatalf("with the version unreadable: %q", got)
	}
}

// Under concurrent readers, a value published by an outside writer before
// a Get began is never missed: each reader notes the last published
// sequence number before its Get and must read at least that.
func TestCachedNeverStaleConcurrent(t *testing.T) {
	inner := newCounted()
	c := store.Cached(inner, inner.Version)
	put(t, inner, "keys/seq", "0")
	var published atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				min := published.Load()
				v, _, err := c.Get("keys/seq")
				if err != nil {
					errs <- err
					return
				}
				n, _ := strconv.ParseInt(string(v), 10, 64)
				if n < min {
					errs <- errors.New("read " + string(v) + " after " + strconv.FormatInt(min, 10) + " was published")
					return
				}
			}
		}()
	}
	for i := int64(1); i <= 2000; i++ {
		if err := inner.Commit(nil, []store.Write{{Key: "keys/seq", Value: []byte(strconv.FormatInt(i, 10))}}); err != nil {
			t.Fatal(err)
		}
		published.Store(i)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Reads of an unchanged store do not reach the store at all.
func TestCachedServesFromMemory(t *testing.T) {
	inner := &countingGets{counted: newCounted()}
	c := store.Cached(inner, inner.Version)
	put(t, inner, "keys/k", "v")
	for range 100 {
		mustGet(t, c, "keys/k")
	}
	if n := inner.gets.Load(); n != 2 { // the put's own read, then one miss
		t.Fatalf("%d store reads for 100 cached Gets, want 2", n)
	}
}

type countingGets struct {
	*counted
	gets atomic.Int64
}

func (c *countingGets) Get(key string) ([]byte, int64, error) {
	c.gets.Add(1)
	return c.counted.Get(key)
}
