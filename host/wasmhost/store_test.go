package wasmhost

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
)

// counting wraps a Backend to count commits, optionally failing the first
// `conflicts` of them with ErrConflict.
type counting struct {
	store.Backend
	commits   atomic.Int32 // calls to Commit
	conflicts atomic.Int32 // how many more commits to refuse
}

func (c *counting) Commit(reads map[string]int64, writes []store.Write) error {
	c.commits.Add(1)
	if c.conflicts.Add(-1) >= 0 {
		return store.ErrConflict
	}
	return c.Backend.Commit(reads, writes)
}

func TestOneCommitPerCall(t *testing.T) {
	mem := store.NewMemory()
	cb := &counting{Backend: mem}
	e := newWasm(t, cb, 1)
	seed(t, wasmCaller(e))
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		api     string
		req     pb.Message
		commits int32
		fails   bool
	}{
		// Each mutation is one transaction, however many records it writes
		// (ImportKey with aliases writes the key and the alias).
		{"ImportKey with alias", "ImportKey", &pb.ImportKeyRequest{Aliases: []string{"alias/one", "alias/two"}}, 1, false},
		{"CreateKey", "CreateKey", &pb.CreateKeyRequest{}, 1, false},
		{"CreateAlias", "CreateAlias", &pb.AliasRequest{AliasName: "alias/x", KeyId: aesID}, 1, false},
		{"DisableKey", "DisableKey", &pb.KeyIdRequest{KeyId: sm4ID}, 1, false},
		{"EnableKey", "EnableKey", &pb.KeyIdRequest{KeyId: sm4ID}, 1, false},
		{"CreateKeyVersion", "CreateKeyVersion", &pb.KeyIdRequest{KeyId: aesID}, 1, false},
		// Reads and data operations write nothing.
		{"AdvanceEncrypt", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("p")}, 0, false},
		{"DescribeKey", "DescribeKey", &pb.KeyIdRequest{KeyId: "alias/aes"}, 0, false},
		{"ListKeys", "ListKeys", &pb.ListKeysRequest{}, 0, false},
		// A failed call reaches no commit, so it cannot write half of itself.
		{"ImportKey second alias taken", "ImportKey", &pb.ImportKeyRequest{Aliases: []string{"alias/new-one", "alias/aes"}}, 0, true},
		{"CreateAlias duplicate", "CreateAlias", &pb.AliasRequest{AliasName: "alias/aes", KeyId: sm4ID}, 0, true},
		{"CreateKey bad spec", "CreateKey", &pb.CreateKeyRequest{KeySpec: "nope"}, 0, true},
		{"UpdateRotationPolicy bad", "UpdateRotationPolicy", &pb.UpdateRotationPolicyRequest{KeyId: aesID, EnableAutomaticRotation: true, RotationInterval: "soon"}, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := storetest.Snapshot(t, mem)
			cb.commits.Store(0)
			_, err := e.Call(ctx, c.api, c.req)
			if (err != nil) != c.fails {
				t.Fatalf("err = %v, want failure %v", err, c.fails)
			}
			if got := cb.commits.Load(); got != c.commits {
				t.Errorf("%d commits, want %d", got, c.commits)
			}
			after := storetest.Snapshot(t, mem)
			if c.fails || c.commits == 0 {
				if len(after) != len(before) {
					t.Errorf("store went from %d to %d records", len(before), len(after))
				}
				for k, v := range before {
					if after[k] != v {
						t.Errorf("record %s changed", k)
					}
				}
			}
		})
	}
}

func TestConflictRetried(t *testing.T) {
	mem := store.NewMemory()
	cb := &counting{Backend: mem}
	e := newWasm(t, cb, 1)
	seed(t, wasmCaller(e))
	ctx := context.Background()

	cb.commits.Store(0)
	cb.conflicts.Store(1)
	r, err := e.Call(ctx, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: aesID})
	if err != nil {
		t.Fatalf("a single conflict must be retried: %v", err)
	}
	if got := cb.commits.Load(); got != 2 {
		t.Errorf("%d commits, want 2 (one refused, one applied)", got)
	}
	if n := r.(*pb.KeyResponse).KeyMetadata.VersionCount; n != 3 {
		t.Errorf("VersionCount %d after one CreateKeyVersion on a 2-version key, want 3 (applied once)", n)
	}

	// A store that always conflicts: the engine gives up with a 503 and the
	// store is unchanged.
	before := storetest.Snapshot(t, mem)
	cb.commits.Store(0)
	cb.conflicts.Store(1 << 30)
	_, err = e.Call(ctx, "CreateAlias", &pb.AliasRequest{AliasName: "alias/never", KeyId: aesID})
	ke := kmserr.As(err)
	if ke == nil || ke.Status != 503 || ke.Code != kmserr.CodeServiceUnavailable {
		t.Fatalf("err = %v, want 503 %s", err, kmserr.CodeServiceUnavailable)
	}
	if got := cb.commits.Load(); got != 16 {
		t.Errorf("%d commit attempts, want the engine's 16", got)
	}
	if after := storetest.Snapshot(t, mem); len(after) != len(before) {
		t.Errorf("store changed after refused commits: %d -> %d records", len(before), len(after))
	}
	cb.conflicts.Store(0)
}

// barrier is a Backend whose Get waits until `want` calls are inside Get at
// once: it proves that calls run in parallel, not one after another.
type barrier struct {
	store.Backend
	want    int32
	inside  atomic.Int32
	reached chan struct{}
	once    sync.Once
}

func (b *barrier) Get(key string) ([]byte, int64, error) {
	if b.inside.Add(1) >= b.want {
		b.once.Do(func() { close(b.reached) })
	}
	select {
	case <-b.reached:
	case <-time.After(30 * time.Second):
		return nil, 0, errors.New("calls did not run in parallel")
	}
	return b.Backend.Get(key)
}

func TestPoolRunsInParallel(t *testing.T) {
	mem := store.NewMemory()
	seed(t, nativeCaller(newNative(mem)))
	b := &barrier{Backend: mem, want: 2, reached: make(chan struct{})}
	e := newWasm(t, b, 2)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			_, err := e.Call(context.Background(), "DescribeKey", &pb.KeyIdRequest{KeyId: aesID})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Many goroutines through a small pool: every call succeeds, and concurrent
// CreateKeyVersion on one key is applied exactly once per call (optimistic
// commits retried through the host store).
func TestConcurrentCalls(t *testing.T) {
	mem := store.NewMemory()
	e := newWasm(t, mem, 2)
	seed(t, wasmCaller(e))
	ctx := context.Background()
	const workers, each = 6, 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				pt := []byte{byte(w), byte(i)}
				r, err := e.Call(ctx, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/aes", Plaintext: pt})
				if err != nil {
					errs <- err
					continue
				}
				d, err := e.Call(ctx, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: r.(*pb.AdvanceEncryptResponse).CiphertextBlob})
				if err != nil {
					errs <- err
				} else if string(d.(*pb.AdvanceDecryptResponse).Plaintext) != string(pt) {
					errs <- errors.New("round trip changed the plaintext")
				}
				if w%2 == 0 && i < 3 {
					if _, err := e.Call(ctx, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: sm4ID}); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	r, err := e.Call(ctx, "ListKeyVersions", &pb.KeyIdRequest{KeyId: sm4ID})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.(*pb.ListKeyVersionsResponse).KeyVersions); n != 1+3*3 {
		t.Errorf("%d versions, want 10 (1 imported + 9 concurrent CreateKeyVersion)", n)
	}
}

// The deterministic-random trap: wazero's default random source gives every
// instance the same bytes. Two engines (two runtimes) and two instances of
// one pool must all draw different IVs and random bytes.
func TestRandomDiffersAcrossInstances(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory()
	seed(t, nativeCaller(newNative(mem)))
	a, b := newWasm(t, mem, 1), newWasm(t, mem, 1)
	req := &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("same")}
	seen := map[string]string{}
	for name, e := range map[string]*Module{"a": a, "b": b} {
		r, err := e.Call(ctx, "AdvanceEncrypt", req)
		if err != nil {
			t.Fatal(err)
		}
		g, err := e.Call(ctx, "GenerateRandom", &pb.GenerateRandomRequest{Length: 32})
		if err != nil {
			t.Fatal(err)
		}
		for what, v := range map[string][]byte{"IV": r.(*pb.AdvanceEncryptResponse).Iv, "random": g.(*pb.GenerateRandomResponse).Random} {
			if prev, ok := seen[string(v)]; ok {
				t.Errorf("engine %s drew the same %s as %s: %x", name, what, prev, v)
			}
			seen[string(v)] = name + " " + what
		}
	}
	// Two instances of one pool: the barrier holds the first call until the
	// second is running too, so they are different instances.
	p := newWasm(t, &barrier{Backend: mem, want: 2, reached: make(chan struct{})}, 2)
	var wg sync.WaitGroup
	ivs := make([][]byte, 2)
	for i := range 2 {
		wg.Go(func() {
			r, err := p.Call(ctx, "AdvanceEncrypt", req)
			if err != nil {
				t.Error(err)
				return
			}
			ivs[i] = r.(*pb.AdvanceEncryptResponse).Iv
		})
	}
	wg.Wait()
	if string(ivs[0]) == string(ivs[1]) {
		t.Errorf("two calls drew the same IV %x", ivs[0])
	}
}

// The trap is real: with wazero's default module config (no random source,
// fake clocks) two engines draw identical IVs. This keeps the test above
// honest: it would catch a regression in New's module config.
func TestRandomTrapIsReal(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory()
	seed(t, nativeCaller(newNative(mem)))
	var ivs [][]byte
	for range 2 {
		e := newWasm(t, mem, 1)
		(<-e.idle).mod.Close(ctx) // drop the instance started with the real config
		e.modCfg = wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
		r, err := e.Call(ctx, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("same")})
		if err != nil {
			t.Fatal(err)
		}
		ivs = append(ivs, r.(*pb.AdvanceEncryptResponse).Iv)
	}
	if string(ivs[0]) != string(ivs[1]) {
		t.Fatalf("wazero's default random source no longer repeats (%x, %x): revisit the guide's warning", ivs[0], ivs[1])
	}
}
