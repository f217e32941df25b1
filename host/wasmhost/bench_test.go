package wasmhost

import (
	"context"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// BenchmarkAdvanceEncrypt is one AdvanceEncrypt (AES-256-GCM, random IV)
// through the module under wazero: protobuf in, store read through the
// kv_get import, seal, protobuf out. The native figure is the lead's
// benchmark in core; the gap is software AES in wasm plus the ABI crossing.
func BenchmarkAdvanceEncrypt(b *testing.B) {
	ctx := context.Background()
	mem := store.NewMemory()
	seed0(b, mem)
	e := newWasm(b, mem, 0)
	for _, size := range []struct {
		name string
		n    int
	}{{"32B", 32}, {"1KiB", 1 << 10}, {"6KiB", 6 << 10}} {
		body, err := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: make([]byte, size.n)})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(size.name, func(b *testing.B) {
			b.SetBytes(int64(size.n))
			start := cpuTime()
			for b.Loop() {
				if _, err := e.CallProto(ctx, "AdvanceEncrypt", body); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
		b.Run(size.name+"/parallel", func(b *testing.B) {
			b.SetBytes(int64(size.n))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := e.CallProto(ctx, "AdvanceEncrypt", body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkNew is New: compile (or load from the cache) and start one
// instance. "cold" compiles from scratch with no disk cache; "cached" loads
// machine code from a warm cache directory.
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	wasm := wasmtest.Module(b)
	for _, c := range []struct{ name, dir string }{{"cold", ""}, {"cached", b.TempDir()}} {
		cfg := NewConfig().WithPoolSize(1).WithCompilationCacheDir(c.dir)
		if c.dir != "" { // warm the cache
			e, err := New(ctx, wasm, store.NewMemory(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			e.Close(ctx)
		}
		b.Run(c.name, func(b *testing.B) {
			start := cpuTime()
			for b.Loop() {
				e, err := New(ctx, wasm, store.NewMemory(), cfg)
				if err != nil {
					b.Fatal(err)
				}
				e.Close(ctx)
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkInstantiate is starting one more instance of a compiled module
// (instantiate + _initialize): the cost of growing the pool.
func BenchmarkInstantiate(b *testing.B) {
	ctx := context.Background()
	e := newWasm(b, store.NewMemory(), 1)
	start := cpuTime()
	for b.Loop() {
		inst, err := e.start(ctx)
		if err != nil {
			b.Fatal(err)
		}
		inst.mod.Close(ctx)
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

func seed0(tb testing.TB, b store.Backend) {
	tb.Helper()
	n := newNative(b)
	for _, r := range imports() {
		if _, err := n.Call("ImportKey", r); err != nil {
			tb.Fatal(err)
		}
	}
}
