package kms_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/require"
)

// clock is a settable clock for rotation and deletion tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	t     testing.TB
	e     *kms.Engine
	mem   *store.Memory
	clock *clock
}

func newFixture(t testing.TB) *fixture {
	c := &clock{now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	m := store.NewMemory()
	return &fixture{t: t, e: kms.New(m, kms.NewConfig().WithClock(c.Now)), mem: m, clock: c}
}

// call runs an operation that must succeed and returns its typed response.
func call[R pb.Message](f *fixture, api string, req pb.Message) R {
	f.t.Helper()
	resp, err := f.e.Call(api, req)
	require.NoError(f.t, err, api)
	return resp.(R)
}

func (f *fixture) createKey(spec string) *pb.KeyMetadata {
	f.t.Helper()
	return call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: spec}).KeyMetadata
}

// Fixed ids and material for imported keys.
const (
	keyA  = "key-aaaaaaaaaaaaaaaaaaaaa"
	keyAv = keyA + "-aaaaaaaaa1"
)

func versionID(keyID string, i int) string { return fmt.Sprintf("%s-v00000000%d", keyID, i) }

func material(n int, seed byte) []byte { return bytes.Repeat([]byte{seed}, n) }

func (f *fixture) importKey(id, spec string, versions ...[]byte) *pb.KeyMetadata {
	f.t.Helper()
	req := &pb.ImportKeyRequest{KeyId: id, KeySpec: spec}
	for i, m := range versions {
		req.Versions = append(req.Versions, &pb.ImportedVersion{KeyVersionId: versionID(id, i), KeyMaterial: m})
	}
	return call[*pb.KeyResponse](f, "ImportKey", req).KeyMetadata
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
