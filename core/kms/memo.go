package kms

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// recordMemo remembers the last decoded form of each key record, keyed by
// key id and checked against the record's exact bytes: decoding the JSON is
// most of what reading a key costs once the store itself answers from
// memory (store.Cached). It is a pure function cache (the same bytes always
// decode to the same record), so the engine still keeps no state that could
// disagree with the store. Entries are zeroed when replaced or dropped.
type recordMemo struct {
	mu      sync.Mutex
	entries map[string]memoEntry
	aliases map[string]aliasEntry // alias records: no material, decoded all the same
}

type aliasEntry struct {
	raw []byte
	rec aliasRecord
}

type memoEntry struct {
	raw []byte
	rec *keyRecord
}

// maxMemoEntries bounds the memo; past it, it starts over.
const maxMemoEntries = 1024

// decode is decodeKey, remembered: it returns a copy the caller may change.
func (m *recordMemo) decode(id string, raw []byte) (*keyRecord, error) {
	m.mu.Lock()
	e, ok := m.entries[id]
	// The bytes hold key material: compared in constant time, though both
	// sides come from the store.
	if ok && sameRecord(e.raw, raw) {
		k := e.rec.clone()
		m.mu.Unlock()
		return k, nil
	}
	m.mu.Unlock()
	k, err := decodeKey(id, raw)
	if err != nil {
		return nil, err
	}
	kept := k.clone()
	m.mu.Lock()
	if m.entries == nil || len(m.entries) >= maxMemoEntries {
		for _, old := range m.entries {
			old.wipe()
		}
		m.entries = map[string]memoEntry{}
	}
	if old, ok := m.entries[id]; ok {
		old.wipe()
	}
	m.entries[id] = memoEntry{raw: bytes.Clone(raw), rec: kept}
	m.mu.Unlock()
	return k, nil
}

// alias decodes an alias record, remembered like decode; a copy comes out.
func (m *recordMemo) alias(name string, raw []byte) (*aliasRecord, error) {
	m.mu.Lock()
	if e, ok := m.aliases[name]; ok && bytes.Equal(e.raw, raw) {
		a := e.rec
		m.mu.Unlock()
		return &a, nil
	}
	m.mu.Unlock()
	var a aliasRecord
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.aliases == nil || len(m.aliases) >= maxMemoEntries {
		m.aliases = map[string]aliasEntry{}
	}
	m.aliases[name] = aliasEntry{raw: bytes.Clone(raw), rec: a}
	m.mu.Unlock()
	return &a, nil
}

// sameRecord is subtle.ConstantTimeCompare eight bytes at a time: it runs
// on every key read, and byte by byte it was a tenth of an AdvanceEncrypt's
// time inside WebAssembly, where a record is ~500 bytes of loop. Like
// subtle's, it takes time that depends on the lengths only.
func sameRecord(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var v uint64
	i := 0
	for ; i+8 <= len(a); i += 8 {
		v |= binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:])
	}
	for ; i < len(a); i++ {
		v |= uint64(a[i] ^ b[i])
	}
	return v == 0
}

func (e memoEntry) wipe() {
	clear(e.raw)
	for i := range e.rec.Versions {
		clear(e.rec.Versions[i].Material)
	}
	clear(e.rec.PrivateKey)
}

// clone copies everything a caller could change in place, and the material,
// so wiping a memo entry never reaches a record in use.
func (k *keyRecord) clone() *keyRecord {
	c := *k
	c.Versions = slices.Clone(k.Versions)
	for i := range c.Versions {
		c.Versions[i].Material = bytes.Clone(c.Versions[i].Material)
	}
	c.PrivateKey = bytes.Clone(k.PrivateKey)
	c.Tags = slices.Clone(k.Tags)
	c.DeleteDate = cloneTime(k.DeleteDate)
	c.LastRotationDate = cloneTime(k.LastRotationDate)
	c.RotationSince = cloneTime(k.RotationSince)
	return &c
}

func cloneTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}
