// Package kms is the pocketkms engine: keys with versions, rotation and
// aliases, and the dkms-gcs-0.2 data operations over them. It is pure Go with
// no I/O of its own: persistence comes through a store.Backend, time through
// a clock and randomness through an io.Reader, all given by the host, so the
// same code runs natively, in the WebAssembly module and in the Worker.
package kms

import (
	"crypto/rand"
	"errors"
	"io"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// Config is an immutable engine configuration; each WithX returns a copy.
type Config struct {
	clock func() time.Time
	rand  io.Reader
}

// NewConfig returns the defaults: the system clock and crypto/rand.
func NewConfig() Config { return Config{clock: time.Now, rand: rand.Reader} }

// WithClock sets the clock (default time.Now). Tests move it to make
// automatic rotation and deletion fall due.
func (c Config) WithClock(now func() time.Time) Config { c.clock = now; return c }

// WithRand sets the source of IVs, key material and ids (default
// crypto/rand.Reader). Only tests should set anything else.
func (c Config) WithRand(r io.Reader) Config { c.rand = r; return c }

// Engine runs operations against one store. It keeps no state of its own
// between calls (its memo of decoded key records is checked against the
// stored bytes at every read), so many engines, or module instances, may
// share a store.
type Engine struct {
	b     store.Backend
	clock func() time.Time
	rand  io.Reader
	memo  recordMemo
}

// New returns an engine over b.
func New(b store.Backend, c Config) *Engine {
	if c.clock == nil {
		c.clock = time.Now
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	return &Engine{b: b, clock: c.clock, rand: c.rand}
}

// maxAttempts bounds retries of an operation that lost a commit race.
const maxAttempts = 16

// call is one operation: it runs fn in a transaction, commits, and retries
// when another writer got there first.
type call struct {
	e   *Engine
	tx  *store.Tx
	now time.Time
}

func (e *Engine) run(fn func(c *call) (pb.Message, error)) (pb.Message, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		c := &call{e: e, tx: store.Begin(e.b), now: e.clock().UTC()}
		resp, err := fn(c)
		if err != nil {
			return nil, kmserr.As(err)
		}
		err = c.tx.Commit()
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, kmserr.Internal("store commit failed: %v", err)
		}
		return resp, nil
	}
	return nil, kmserr.New(503, kmserr.CodeServiceUnavailable, "too many concurrent updates of the same key, try again")
}

// random fills n bytes from the engine's source.
func (c *call) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.e.rand, b); err != nil {
		return nil, kmserr.Internal("random source failed: %v", err)
	}
	return b, nil
}

// RequestID returns a fresh request id from the engine's random source.
func (e *Engine) RequestID() string { return ids.NewRequestID(e.rand) }
