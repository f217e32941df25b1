package wasmhost

import (
	"context"
	"os"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// cacheDir is one compilation cache for the whole test binary: the first
// engine compiles the module (~1 s), the others hit the cache.
var cacheDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "wasmhost-cache-")
	if err != nil {
		panic(err)
	}
	cacheDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// newWasm starts an engine over b with pool size n, closed at test end.
func newWasm(tb testing.TB, b store.Backend, n int) *Module {
	tb.Helper()
	ctx := context.Background()
	e, err := New(ctx, wasmtest.Module(tb), b, NewConfig().WithPoolSize(n).WithCompilationCacheDir(cacheDir))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := e.Close(ctx); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return e
}

func newNative(b store.Backend) *kms.Engine { return kms.New(b, kms.NewConfig()) }
