//go:build js && wasm && pocketkms_testhooks

package d1store

import "time"

// SetCommitDelay makes every commit wait d before its batch is sent: fault
// injection for tests/worker, which builds the Worker with the
// pocketkms_testhooks tag. It widens the window in which concurrent
// requests read a record another is about to change, so that the conflict
// path runs for certain. The sleep yields: other requests run meanwhile.
func (s *Store) SetCommitDelay(d time.Duration) {
	s.beforeCommit = func() { time.Sleep(d) }
}
