package classic

import (
	"sync"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// maxNonces bounds the replay cache. Past it, requests are refused with
// Throttling until entries age out, rather than forgetting nonces early.
const maxNonces = 1 << 18

// nonceCache remembers each (AccessKeyId, nonce) for ttl. A signed timestamp
// is accepted up to MaxSkew either side of the clock, so a nonce must be
// remembered for 2×MaxSkew to refuse every replay the skew check lets by.
// It is per process: a Worker isolate or a restarted server starts empty,
// as the skew check still bounds a replay to the window.
type nonceCache struct {
	mu    sync.Mutex
	ttl   time.Duration
	seen  map[string]time.Time
	order []nonceEntry // insertion order, so oldest first
}

type nonceEntry struct {
	key string
	at  time.Time
}

func newNonceCache(ttl time.Duration) *nonceCache {
	return &nonceCache{ttl: ttl, seen: map[string]time.Time{}}
}

// add records key and reports whether it was new (within ttl), or an error
// when the cache is full.
func (c *nonceCache) add(key string, now time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) > 0 && now.Sub(c.order[0].at) > c.ttl {
		if c.seen[c.order[0].key].Equal(c.order[0].at) {
			delete(c.seen, c.order[0].key)
		}
		c.order = c.order[1:]
	}
	if at, ok := c.seen[key]; ok && now.Sub(at) <= c.ttl {
		return false, nil
	}
	if len(c.seen) >= maxNonces {
		return false, kmserr.New(429, "Throttling", "Request was denied due to request throttling.")
	}
	c.seen[key] = now
	c.order = append(c.order, nonceEntry{key, now})
	return true, nil
}
