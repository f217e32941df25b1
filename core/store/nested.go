package store

import "sync"

// Nested is a Backend that is itself one transaction of its parent:
// operations run over it, each with its own Tx, commit and conflicts, see
// each other's writes, and none of them reaches the parent until Apply,
// which hands every write to the parent in one Commit guarded by the
// revision of everything read from it. A batch of operations (a seed file)
// thus lands whole or not at all: one that fails half-way leaves the parent
// untouched, and one whose reads went stale meanwhile conflicts.
type Nested struct {
	mu   sync.Mutex
	tx   *Tx              // what was read from the parent; the staged writes
	revs map[string]int64 // the revision of each staged record
	next int64
}

// nestedRevBase keeps revisions of staged records clear of the parent's:
// callers only compare revisions for equality, and no store gets this far.
const nestedRevBase = int64(1) << 62

// Nest begins a nested transaction on parent.
func Nest(parent Backend) *Nested {
	return &Nested{tx: Begin(parent), revs: map[string]int64{}}
}

func (n *Nested) Get(key string) ([]byte, int64, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.get(key)
}

func (n *Nested) get(key string) ([]byte, int64, error) {
	if v, ok := n.tx.writes[key]; ok {
		if v == nil {
			return nil, 0, nil
		}
		return append([]byte(nil), v...), n.revs[key], nil
	}
	return n.tx.read(key)
}

func (n *Nested) List(prefix string) ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tx.List(prefix)
}

func (n *Nested) Commit(reads map[string]int64, writes []Write) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, rev := range reads {
		_, cur, err := n.get(k)
		if err != nil {
			return err
		}
		if cur != rev {
			return ErrConflict
		}
	}
	for _, w := range writes {
		if w.Value == nil {
			n.tx.Delete(w.Key)
			delete(n.revs, w.Key)
			continue
		}
		n.next++
		n.revs[w.Key] = nestedRevBase + n.next
		n.tx.Put(w.Key, append([]byte{}, w.Value...))
	}
	return nil
}

// Apply commits every staged write to the parent at once; changed is false
// when there was nothing to write. After Apply the Nested is spent.
func (n *Nested) Apply() (changed bool, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.tx.Dirty() {
		return false, nil
	}
	if err := n.tx.Commit(); err != nil {
		return false, err
	}
	return true, nil
}
