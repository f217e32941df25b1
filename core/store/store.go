// Package store is the engine's view of persistence: a key-value map that a
// host provides (memory, SQLite, D1, browser storage, a JSON file, or the
// host side of the WebAssembly module), read through a Tx that buffers
// writes and commits them atomically at the end of one operation.
//
// Concurrency is optimistic: every record has a revision; a Tx remembers the
// revision of everything it read and Commit applies its writes only if none
// of those records changed meanwhile. The engine retries an operation that
// lost such a race, so a rotation that falls due under concurrent requests
// is applied exactly once, without holding a lock across an operation.
package store

import (
	"errors"
	"sort"
	"strings"
	"sync"
)

// ErrConflict reports that a record read by a Tx changed before its commit.
var ErrConflict = errors.New("store: concurrent update, retry")

// Backend is what a host implements. Revisions are opaque positive numbers
// that change on every write of a record; 0 means absent.
type Backend interface {
	// Get returns the value and revision of key, or (nil, 0, nil) if absent.
	Get(key string) (value []byte, rev int64, err error)
	// List returns the keys that start with prefix, sorted.
	List(prefix string) ([]string, error)
	// Commit atomically checks that every key in reads still has the given
	// revision (0: still absent) and applies writes; ErrConflict otherwise.
	Commit(reads map[string]int64, writes []Write) error
}

// Write is one put (Value != nil) or delete (Value == nil).
type Write struct {
	Key   string
	Value []byte
}

// Tx is one operation's view: reads go to the backend (and are remembered),
// writes stay in the Tx until Commit.
type Tx struct {
	b      Backend
	reads  map[string]int64
	writes map[string][]byte // nil value: delete
	order  []string
}

// Begin starts a Tx on b.
func Begin(b Backend) *Tx {
	return &Tx{b: b, reads: map[string]int64{}, writes: map[string][]byte{}}
}

// Get reads key, seeing this Tx's own writes first. A nil value: absent.
func (t *Tx) Get(key string) ([]byte, error) {
	if v, ok := t.writes[key]; ok {
		return v, nil
	}
	v, _, err := t.read(key)
	return v, err
}

// read gets key from the backend and remembers the revision first read.
func (t *Tx) read(key string) ([]byte, int64, error) {
	v, rev, err := t.b.Get(key)
	if err != nil {
		return nil, 0, err
	}
	if _, seen := t.reads[key]; !seen {
		t.reads[key] = rev
	}
	return v, rev, nil
}

// List returns the keys under prefix, including this Tx's own puts and
// excluding its deletes.
func (t *Tx) List(prefix string) ([]string, error) {
	keys, err := t.b.List(prefix)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	for k, v := range t.writes {
		if strings.HasPrefix(k, prefix) {
			set[k] = v != nil
		}
	}
	out := keys[:0]
	for k, ok := range set {
		if ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Put stages a write.
func (t *Tx) Put(key string, value []byte) {
	if value == nil {
		value = []byte{}
	}
	t.stage(key, value)
}

// Delete stages a delete.
func (t *Tx) Delete(key string) { t.stage(key, nil) }

func (t *Tx) stage(key string, value []byte) {
	if _, ok := t.writes[key]; !ok {
		t.order = append(t.order, key)
	}
	t.writes[key] = value
}

// Dirty reports whether the Tx has staged writes.
func (t *Tx) Dirty() bool { return len(t.writes) > 0 }

// Commit applies the staged writes if nothing read has changed. A Tx with no
// writes commits trivially.
func (t *Tx) Commit() error {
	if len(t.writes) == 0 {
		return nil
	}
	ws := make([]Write, 0, len(t.order))
	for _, k := range t.order {
		ws = append(ws, Write{Key: k, Value: t.writes[k]})
	}
	return t.b.Commit(t.reads, ws)
}

// Memory is an in-memory Backend, safe for concurrent use. It is the
// default store and the reference the other backends are tested against.
type Memory struct {
	mu   sync.RWMutex
	data map[string]memRecord
	next int64
}

type memRecord struct {
	value []byte
	rev   int64
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{data: map[string]memRecord{}} }

func (m *Memory) Get(key string) ([]byte, int64, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.data[key]
	if !ok {
		return nil, 0, nil
	}
	return append([]byte(nil), r.value...), r.rev, nil
}

func (m *Memory) List(prefix string) ([]string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var keys []string
	for k := range m.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func (m *Memory) Commit(reads map[string]int64, writes []Write) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, rev := range reads {
		if m.data[k].rev != rev {
			return ErrConflict
		}
	}
	for _, w := range writes {
		if w.Value == nil {
			delete(m.data, w.Key)
			continue
		}
		m.next++
		m.data[w.Key] = memRecord{value: append([]byte(nil), w.Value...), rev: m.next}
	}
	return nil
}
