package seed

import (
	"sort"
	"strings"

	"github.com/pocketkms/pocketkms/core/store"
)

// overlay is a store.Backend that reads through to a real backend and keeps
// every write to itself. Apply runs a whole seed file against one, then
// hands all its writes to the real backend in a single Commit: a file that
// fails half-way leaves the real store untouched, and a file that succeeds
// lands all at once or (if someone else changed what it read) not at all.
//
// It is used by one goroutine at a time (Apply's), so it needs no lock.
type overlay struct {
	base   store.Backend
	reads  map[string]int64  // revision in base of every record read from it
	writes map[string][]byte // staged values; nil: deleted
	revs   map[string]int64  // overlay revision of each staged record
	order  []string          // staging order, for a stable final batch
	next   int64
}

// overlayRevBase keeps overlay revisions clear of the base's: the engine
// only compares revisions for equality, and a base never gets this far.
const overlayRevBase = int64(1) << 62

func newOverlay(base store.Backend) *overlay {
	return &overlay{base: base, reads: map[string]int64{}, writes: map[string][]byte{}, revs: map[string]int64{}}
}

func (o *overlay) Get(key string) ([]byte, int64, error) {
	if v, ok := o.writes[key]; ok {
		if v == nil {
			return nil, 0, nil
		}
		return append([]byte(nil), v...), o.revs[key], nil
	}
	v, rev, err := o.base.Get(key)
	if err != nil {
		return nil, 0, err
	}
	if _, seen := o.reads[key]; !seen {
		o.reads[key] = rev
	}
	return v, rev, nil
}

func (o *overlay) List(prefix string) ([]string, error) {
	keys, err := o.base.List(prefix)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, k := range keys {
		set[k] = true
	}
	for k, v := range o.writes {
		if strings.HasPrefix(k, prefix) {
			set[k] = v != nil
		}
	}
	out := make([]string, 0, len(set))
	for k, ok := range set {
		if ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

// current is the revision Get would report for key now.
func (o *overlay) current(key string) (int64, error) {
	if v, ok := o.writes[key]; ok {
		if v == nil {
			return 0, nil
		}
		return o.revs[key], nil
	}
	if rev, ok := o.reads[key]; ok {
		return rev, nil
	}
	_, rev, err := o.Get(key)
	return rev, err
}

func (o *overlay) Commit(reads map[string]int64, writes []store.Write) error {
	for k, rev := range reads {
		cur, err := o.current(k)
		if err != nil {
			return err
		}
		if cur != rev {
			return store.ErrConflict
		}
	}
	for _, w := range writes {
		o.put(w.Key, w.Value)
	}
	return nil
}

// put stages one write (nil value: delete).
func (o *overlay) put(key string, value []byte) {
	if _, ok := o.writes[key]; !ok {
		o.order = append(o.order, key)
	}
	if value != nil {
		value = append([]byte{}, value...)
		o.next++
		o.revs[key] = overlayRevBase + o.next
	}
	o.writes[key] = value
}

// flush commits every staged write to the base in one Commit, guarded by
// the revisions of everything read. It does nothing when nothing changed.
func (o *overlay) flush() (bool, error) {
	if len(o.order) == 0 {
		return false, nil
	}
	ws := make([]store.Write, 0, len(o.order))
	for _, k := range o.order {
		ws = append(ws, store.Write{Key: k, Value: o.writes[k]})
	}
	if err := o.base.Commit(o.reads, ws); err != nil {
		return false, err
	}
	return true, nil
}
