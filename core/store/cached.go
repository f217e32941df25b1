package store

import "sync"

// Cached returns a Backend that answers Get from memory while the store has
// not changed, and passes List and Commit through. version reports a number
// that changes whenever any commit, from this process or another one, has
// changed a record (sqlstore.Store.Version: the store's commit counter).
//
// Why it is never stale (docs/storage.md#the-read-cache): every Get waits
// for a version check that began after the Get itself began, and an entry is
// kept only under the version checked before its value was read. A commit
// that returned before a Get began has moved the version that check reads,
// so the Get drops every entry and reads the store again. Checks are shared:
// the Gets that arrive while one check runs all wait for the next one, so
// under load there is about one check per batch of requests, not per read.
//
// Values are copied on the way out; entries under sealed prefixes (IsSealed) are zeroed
// when dropped, so unsealed material stays in memory only while cached.
func Cached[V comparable](b Backend, version func() (V, error)) *Cache[V] {
	c := &Cache[V]{b: b, version: version, entries: map[string]cacheEntry{}}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// maxCacheEntries bounds the cache; past it the cache starts over.
const maxCacheEntries = 4096

// Cache is the Backend Cached returns. It is safe for concurrent use.
type Cache[V comparable] struct {
	b       Backend
	version func() (V, error)

	mu      sync.Mutex
	cond    *sync.Cond
	started uint64 // checks begun
	done    uint64 // checks finished
	running bool
	lastVer V // the result of check number done
	lastErr error
	valid   bool // entries hold values read under ver
	ver     V    // the version entries were read under
	entries map[string]cacheEntry
}

type cacheEntry struct {
	value []byte
	rev   int64
}

var _ Backend = (*Cache[int64])(nil)

// check returns the result of a version check that began after check was
// called: it runs one, or waits for the next one another Get runs.
func (c *Cache[V]) check() (V, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	need := c.started + 1 // a check numbered need or later began after now
	for c.done < need {
		if c.running {
			c.cond.Wait()
			continue
		}
		c.running = true
		c.started++
		n := c.started
		c.mu.Unlock()
		v, err := c.version()
		c.mu.Lock()
		c.running = false
		c.done, c.lastVer, c.lastErr = n, v, err
		if err == nil && (!c.valid || v != c.ver) {
			c.dropLocked()
			c.valid, c.ver = true, v
		}
		if err != nil {
			c.dropLocked()
		}
		c.cond.Broadcast()
	}
	return c.lastVer, c.lastErr
}

func (c *Cache[V]) dropLocked() {
	for k, e := range c.entries {
		if IsSealed(k) {
			clear(e.value)
		}
	}
	clear(c.entries)
	c.valid = false
}

func (c *Cache[V]) Get(key string) ([]byte, int64, error) {
	v, err := c.check()
	if err != nil {
		return c.b.Get(key)
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	var out []byte
	if ok && e.value != nil {
		out = append(make([]byte, 0, len(e.value)), e.value...)
	}
	c.mu.Unlock()
	if ok {
		return out, e.rev, nil
	}
	value, rev, err := c.b.Get(key)
	if err != nil {
		return nil, 0, err
	}
	c.mu.Lock()
	if c.valid && c.ver == v {
		if len(c.entries) >= maxCacheEntries {
			c.dropLocked()
			c.valid = true
		}
		var kept []byte
		if value != nil {
			kept = append(make([]byte, 0, len(value)), value...)
		}
		c.entries[key] = cacheEntry{kept, rev}
	}
	c.mu.Unlock()
	return value, rev, nil
}

func (c *Cache[V]) List(prefix string) ([]string, error) { return c.b.List(prefix) }

// Commit passes through: the version check of the next Get sees it.
func (c *Cache[V]) Commit(reads map[string]int64, writes []Write) error {
	return c.b.Commit(reads, writes)
}

// Drop forgets every entry (and zeroes the sealed ones): for a host that
// is closing its store.
func (c *Cache[V]) Drop() {
	c.mu.Lock()
	c.dropLocked()
	c.mu.Unlock()
}
