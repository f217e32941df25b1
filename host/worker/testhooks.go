//go:build js && wasm && pocketkms_testhooks

package main

import (
	"strconv"
	"time"

	"github.com/syumai/workers/cloudflare"

	"github.com/pocketkms/pocketkms/internal/d1store"
)

// applyTestHooks, in a Worker built for tests/worker (tests/worker/run.sh
// builds with -tags pocketkms_testhooks), reads the fault injection the
// tests ask for in variables.
func applyTestHooks(d1 *d1store.Store) {
	if ms, err := strconv.Atoi(cloudflare.Getenv("POCKETKMS_TEST_COMMIT_DELAY_MS")); err == nil && ms > 0 {
		d1.SetCommitDelay(time.Duration(ms) * time.Millisecond)
	}
}
