package pocketkms

import (
	"time"

	"github.com/pocketkms/pocketkms/internal/servertest"
)

// The in-process test server is internal/servertest, re-exported here
// under the names a user looks for first.
//
// RATIONALE: it lives under host/ because it is built from host packages
// (the ClientKey registry, the seed file, the local CA) that are internal to
// host/; the root package, outside host/, can only reach them through it.

// TB is the part of testing.TB that NewTestServer uses; *testing.T,
// *testing.B and *testing.F satisfy it. The package does not import testing.
type TB = servertest.TB

// TestConfig is an immutable test server configuration (NewTestConfig,
// then WithSeed, WithSeedFile, WithClock, WithClientKey, each a copy).
type TestConfig = servertest.Config

// TestServer is a KMS instance running in this process: its fields are
// what the official SDK's openapi.Config needs.
type TestServer = servertest.Server

// FakeClock is a clock that moves only when told, for TestConfig.WithClock.
type FakeClock = servertest.FakeClock

// NewTestConfig returns the defaults: an empty in-memory store with one
// fresh ClientKey, the system clock, no seed.
func NewTestConfig() TestConfig { return servertest.NewConfig() }

// NewTestServer starts an instance on 127.0.0.1 over HTTPS with the default
// configuration and closes it when the test ends (t.Cleanup). Safe in
// parallel tests: each server has its own store, port and ClientKey.
func NewTestServer(t TB) *TestServer {
	t.Helper()
	return servertest.New(t)
}

// NewTestServerWithConfig is NewTestServer with a configuration.
func NewTestServerWithConfig(t TB, c TestConfig) *TestServer {
	t.Helper()
	return servertest.NewWithConfig(t, c)
}

// StartTestServer starts a server outside a test (e.g. in TestMain); the
// caller must Close it.
func StartTestServer(c TestConfig) (*TestServer, error) { return servertest.Start(c) }

// NewFakeClock returns a clock stopped at start; see FakeClock.
func NewFakeClock(start time.Time) *FakeClock { return servertest.NewFakeClock(start) }
