package wasmhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/pocketkms/pocketkms/internal/abi"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// faulty is a Backend that fails one method, by error or by panic, while
// armed; disarmed it is the wrapped store.
type faulty struct {
	store.Backend
	method string // "Get", "List" or "Commit"
	panics bool
	armed  atomic.Bool
}

var errBoom = errors.New("disk on fire")

func (f *faulty) trip(method string) error {
	if !f.armed.Load() || f.method != method {
		return nil
	}
	if f.panics {
		panic("backend exploded with secret-looking value 0xdeadbeef")
	}
	return errBoom
}

func (f *faulty) Get(k string) ([]byte, int64, error) {
	if err := f.trip("Get"); err != nil {
		return nil, 0, err
	}
	return f.Backend.Get(k)
}

func (f *faulty) List(p string) ([]string, error) {
	if err := f.trip("List"); err != nil {
		return nil, err
	}
	return f.Backend.List(p)
}

func (f *faulty) Commit(r map[string]int64, w []store.Write) error {
	if err := f.trip("Commit"); err != nil {
		return err
	}
	return f.Backend.Commit(r, w)
}

// A failing or panicking store gives an InternalFailure, never a crash, and
// the same instance (pool of one) serves the next call. A failing store
// reports exactly what the native engine reports.
func TestStoreFailures(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		method string
		panics bool
		api    string
		req    pb.Message
	}{
		{"Get", false, "DescribeKey", &pb.KeyIdRequest{KeyId: aesID}},
		{"Get", true, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("x")}},
		{"List", false, "ListKeys", &pb.ListKeysRequest{}},
		{"List", true, "ListAliases", &pb.ListAliasesRequest{}},
		{"Commit", false, "CreateAlias", &pb.AliasRequest{AliasName: "alias/c", KeyId: aesID}},
		{"Commit", true, "DisableKey", &pb.KeyIdRequest{KeyId: aesID}},
	} {
		name := c.method + "/error"
		if c.panics {
			name = c.method + "/panic"
		}
		t.Run(name, func(t *testing.T) {
			mem := store.NewMemory()
			seed(t, nativeCaller(newNative(mem)))
			f := &faulty{Backend: mem, method: c.method, panics: c.panics}
			e := newWasm(t, f, 1)
			f.armed.Store(true)
			_, err := e.Call(ctx, c.api, c.req)
			ke := kmserr.As(err)
			if ke == nil || ke.Status != 500 || ke.Code != kmserr.CodeInternalFailure {
				t.Fatalf("err = %v, want 500 InternalFailure", err)
			}
			if c.panics {
				if !strings.Contains(ke.Message, "panicked") || strings.Contains(ke.Message, "deadbeef") {
					t.Errorf("message %q should say the store panicked without echoing the value", ke.Message)
				}
			} else {
				_, nerr := newNative(f).Call(c.api, c.req)
				sameError(t, nerr, err)
			}
			f.armed.Store(false)
			if _, err := e.Call(ctx, c.api, c.req); err != nil {
				t.Fatalf("the instance did not recover: %v", err)
			}
			if len(e.idle) != 1 {
				t.Errorf("%d idle instances, want the same 1", len(e.idle))
			}
		})
	}
}

// rawCall drives pkms_call on an instance with host-chosen addresses, the
// way a careless JavaScript host might.
func rawCall(t *testing.T, e *Module, apiPtr, apiLen, reqPtr, reqLen uint32, format int32) (byte, *pb.Error) {
	t.Helper()
	ctx := context.Background()
	inst, err := e.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.release(ctx, inst, true)
	packed, err := invoke(ctx, inst.call, uint64(apiPtr), uint64(apiLen), uint64(reqPtr), uint64(reqLen), uint64(uint32(format)))
	if err != nil {
		t.Fatalf("pkms_call trapped: %v", err)
	}
	view, ok := inst.mod.Memory().Read(uint32(packed>>32), uint32(packed))
	if !ok || len(view) == 0 {
		t.Fatalf("bad result range %x", packed)
	}
	out := append([]byte(nil), view...)
	invoke(ctx, inst.free, packed>>32)
	var m pb.Error
	if out[0] == 1 {
		if format == abi.FormatProto {
			err = pb.Unmarshal(out[1:], &m)
		} else {
			err = pb.UnmarshalJSON(out[1:], &m)
		}
		if err != nil {
			t.Fatalf("undecodable Error %q: %v", out[1:], err)
		}
	}
	return out[0], &m
}

// The module checks host-supplied ranges and formats and answers with an
// error result; the instance stays usable.
func TestABIBadArguments(t *testing.T) {
	e := newWasm(t, store.NewMemory(), 1)
	ctx := context.Background()
	for _, c := range []struct {
		name                           string
		apiPtr, apiLen, reqPtr, reqLen uint32
		format                         int32
		code                           string
	}{
		{"api range not allocated", 8, 10, 0, 0, abi.FormatJSON, kmserr.CodeInternalFailure},
		{"request beyond memory", 0, 0, 0xfffffff0, 100, abi.FormatProto, kmserr.CodeInternalFailure},
		{"unknown format", 0, 0, 0, 0, 7, kmserr.CodeInternalFailure},
		{"empty api", 0, 0, 0, 0, abi.FormatProto, kmserr.CodeInvalidApiName},
	} {
		t.Run(c.name, func(t *testing.T) {
			tag, m := rawCall(t, e, c.apiPtr, c.apiLen, c.reqPtr, c.reqLen, c.format)
			if tag != 1 || m.ErrorCode != c.code || m.RequestId == "" {
				t.Fatalf("tag %d, Error %v; want tag 1, code %s, a RequestId", tag, m, c.code)
			}
		})
	}
	inst, err := e.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Oversized allocations are refused with 0 instead of killing the
	// instance; freeing unknown or already freed addresses is harmless.
	if p, err := invoke(ctx, inst.alloc, 1<<30); err != nil || p != 0 {
		t.Errorf("pkms_alloc(1 GiB) = %d, %v; want 0", p, err)
	}
	p, err := invoke(ctx, inst.alloc, 16)
	if err != nil || p == 0 {
		t.Fatalf("pkms_alloc(16) = %d, %v", p, err)
	}
	for _, q := range []uint64{p, p, 0, 12345} {
		if _, err := invoke(ctx, inst.free, q); err != nil {
			t.Errorf("pkms_free(%d): %v", q, err)
		}
	}
	// pkms_buffer refuses as pkms_alloc does, and pkms_run checks its
	// lengths against the buffer it gave.
	if p, err := invoke(ctx, inst.buffer, 1<<30); err != nil || p != 0 {
		t.Errorf("pkms_buffer(1 GiB) = %d, %v; want 0", p, err)
	}
	if p, err := invoke(ctx, inst.buffer, 16); err != nil || p == 0 {
		t.Fatalf("pkms_buffer(16) = %d, %v", p, err)
	}
	inst.buf = 0 // the host's record of the buffer is stale now: ask again next call
	packed, err := invoke(ctx, inst.runCall, 1, 1<<20, abi.FormatJSON)
	if err != nil {
		t.Fatalf("pkms_run trapped: %v", err)
	}
	view, ok := inst.mod.Memory().Read(uint32(packed>>32), uint32(packed))
	if !ok || len(view) == 0 || view[0] != abi.ResultError || !strings.Contains(string(view), "do not fit") {
		t.Errorf("pkms_run beyond its buffer answered %q", view)
	}
	e.release(ctx, inst, true)
	if _, err := e.CallJSON(ctx, "GenerateRandom", []byte(`{"Length":4}`)); err != nil {
		t.Fatalf("instance unusable after bad arguments: %v", err)
	}
}

func TestInfo(t *testing.T) {
	e := newWasm(t, store.NewMemory(), 1)
	b, err := e.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name":"pocketkms"`, fmt.Sprintf(`"abi":%d`, abi.Version), `"AdvanceEncrypt"`, `"SM4_GCM"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("pkms_info %s lacks %s", b, want)
		}
	}
}

func TestClose(t *testing.T) {
	e := newWasm(t, store.NewMemory(), 1)
	ctx := context.Background()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := e.CallJSON(ctx, "GenerateRandom", []byte(`{"Length":4}`))
	if ke := kmserr.As(err); ke == nil || ke.Status != 503 {
		t.Fatalf("call after Close: %v, want 503", err)
	}
}

// An instance that fails (here: closed under the pool, as after a trap) is
// dropped, the call reports InternalFailure, and the next call gets a fresh
// instance.
func TestBrokenInstanceReplaced(t *testing.T) {
	ctx := context.Background()
	e := newWasm(t, store.NewMemory(), 1)
	inst := <-e.idle
	inst.mod.Close(ctx)
	e.idle <- inst
	_, err := e.CallJSON(ctx, "GenerateRandom", []byte(`{"Length":4}`))
	if ke := kmserr.As(err); ke == nil || ke.Code != kmserr.CodeInternalFailure {
		t.Fatalf("call on a dead instance: %v, want InternalFailure", err)
	}
	if _, err := e.CallJSON(ctx, "GenerateRandom", []byte(`{"Length":4}`)); err != nil {
		t.Fatalf("no fresh instance after a failure: %v", err)
	}
	if got := <-e.idle; got == inst {
		t.Error("the dead instance went back into the pool")
	} else {
		e.idle <- got
	}
}

// The module's stderr reaches the configured writer: here the Go runtime's
// init trace (GODEBUG=inittrace=1), written while New starts the first
// instance (on this goroutine, so a plain buffer will do), stands in for the
// fatal-error report that is the usual reason for output.
func TestModuleStderr(t *testing.T) {
	var out bytes.Buffer
	c := NewConfig().WithPoolSize(1).WithCompilationCacheDir(cacheDir).WithStderr(&out)
	c.env = []string{"GODEBUG=inittrace=1"}
	e, err := New(context.Background(), wasmtest.Module(t), store.NewMemory(), c)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	if !strings.Contains(out.String(), "init ") {
		t.Fatalf("no init trace on the module's stderr: %q", out.String())
	}
}
