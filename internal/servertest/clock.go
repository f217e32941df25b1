package servertest

import (
	"sync"
	"time"
)

// FakeClock is a clock that moves only when told, for Config.WithClock.
// It is safe for concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a clock stopped at start. Start it at or after
// time.Now(): keys a seed file makes are dated by the real clock.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d, e.g. past a key's rotation interval
// or its deletion date. A negative d panics: keys' dates never go backwards.
func (c *FakeClock) Advance(d time.Duration) {
	if d < 0 {
		panic("pocketkms: FakeClock.Advance with a negative duration")
	}
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
