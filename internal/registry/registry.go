// Package registry keeps the records of who may call pocketkms, ClientKeys
// (internal/clientkeys) and AccessKeys (internal/accesskeys): one record per
// id under the id's store prefix, in the same store.Backend as the keys, so
// every host shares them and a revoke takes effect at the next request.
//
// Like the store, it has no I/O of its own and compiles for every host.
package registry

import (
	"github.com/pocketkms/pocketkms/core/store"
)

// Put writes value under key unless a record is there already. An existing
// record that same accepts leaves the store unchanged (registering twice is
// idempotent); any other is the conflict error.
func Put(b store.Backend, key string, value []byte, same func(old []byte) bool, conflict error) error {
	old, rev, err := b.Get(key)
	if err != nil {
		return err
	}
	if old != nil {
		if same(old) {
			return nil
		}
		return conflict
	}
	return b.Commit(map[string]int64{key: rev}, []store.Write{{Key: key, Value: value}})
}

// List decodes every record under prefix, in key order (so by id). A
// record deleted between the listing and its read is skipped.
func List[R any](b store.Backend, prefix string, decode func(key string, value []byte) (R, error)) ([]R, error) {
	keys, err := b.List(prefix)
	if err != nil {
		return nil, err
	}
	out := make([]R, 0, len(keys))
	for _, k := range keys {
		v, _, err := b.Get(k)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		r, err := decode(k, v)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Delete removes the record under key, or answers notFound when there is none.
func Delete(b store.Backend, key string, notFound error) error {
	v, rev, err := b.Get(key)
	if err != nil {
		return err
	}
	if v == nil {
		return notFound
	}
	return b.Commit(map[string]int64{key: rev}, []store.Write{{Key: key}})
}
