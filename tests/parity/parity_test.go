package parity

import (
	"context"
	"encoding/json"
	"fmt"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/host/wasmhost"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// resettable is a store.Backend whose contents can be thrown away, so that
// one compiled wasm engine serves every scenario on a fresh store.
type resettable struct {
	mu sync.Mutex
	b  store.Backend
}

func (r *resettable) cur() store.Backend { r.mu.Lock(); defer r.mu.Unlock(); return r.b }
func (r *resettable) reset()             { r.mu.Lock(); r.b = store.NewMemory(); r.mu.Unlock() }
func (r *resettable) Get(k string) ([]byte, int64, error) {
	return r.cur().Get(k)
}
func (r *resettable) List(p string) ([]string, error) { return r.cur().List(p) }
func (r *resettable) Commit(reads map[string]int64, w []store.Write) error {
	return r.cur().Commit(reads, w)
}

// implementation is one way to run the engine: the TestAllImplementations
// pattern, one table of vectors against each.
type implementation struct {
	name string
	eng  server.Caller
	st   *resettable
}

// implementations returns the native core and the module under wazero,
// each over its own resettable store. They are made once per test binary
// (compiling the module takes seconds; wasmhost's default on-disk
// compilation cache makes later runs fast) and closed by TestMain.
func implementations(t *testing.T) []implementation {
	t.Helper()
	implsOnce.Do(func() {
		ctx := context.Background()
		nst := &resettable{b: store.NewMemory()}
		wst := &resettable{b: store.NewMemory()}
		w, err := wasmhost.New(ctx, wasmtest.Module(t), wst, wasmhost.NewConfig().WithPoolSize(1))
		if err != nil {
			implsErr = err
			return
		}
		// The same module with its own Go AES instead of the host's.
		sst := &resettable{b: store.NewMemory()}
		soft, err := wasmhost.New(ctx, wasmtest.Module(t), sst, wasmhost.NewConfig().WithPoolSize(1).WithHostAES(false))
		if err != nil {
			w.Close(ctx)
			implsErr = err
			return
		}
		closeImpls = func() { w.Close(ctx); soft.Close(ctx) }
		impls = []implementation{
			{"native", server.Native(kms.New(nst, kms.NewConfig())), nst},
			{"wazero", w, wst},
			{"wazero-go-aes", soft, sst},
		}
	})
	if implsErr != nil {
		t.Fatalf("wazero engine: %v", implsErr)
	}
	return impls
}

var (
	implsOnce  sync.Once
	impls      []implementation
	implsErr   error
	closeImpls = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	closeImpls()
	os.Exit(code)
}

// vectorsDir is tests/vectors, from tests/parity.
const vectorsDir = "../vectors"

func TestVectors(t *testing.T) {
	scenarios, err := Load(vectorsDir)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for _, s := range scenarios {
		steps += len(s.Steps)
	}
	t.Logf("%d scenarios, %d steps", len(scenarios), steps)
	ctx := context.Background()
	for _, impl := range implementations(t) {
		for _, form := range []struct {
			name string
			call func(server.Caller) Caller
		}{{"json", JSONCaller}, {"proto", protoCaller}} {
			t.Run(impl.name+"/"+form.name, func(t *testing.T) {
				for _, s := range scenarios {
					t.Run(s.Name, func(t *testing.T) {
						impl.st.reset()
						if err := Run(ctx, s, form.call(impl.eng)); err != nil {
							t.Fatal(err)
						}
					})
				}
			})
		}
	}
}

// protoCaller runs vectors through the protobuf form: the JSON request is
// turned into protobuf bytes, the protobuf answer back into JSON, so the
// same expectations check the form the instance API speaks.
func protoCaller(e server.Caller) Caller {
	return func(ctx context.Context, api string, body []byte) ([]byte, error) {
		req, err := kms.NewRequest(api)
		if err != nil {
			// Unknown api: send an empty body, the engine names the problem.
			_, cerr := e.CallProto(ctx, api, nil)
			if cerr == nil {
				return nil, fmt.Errorf("unknown api %s answered without error", api)
			}
			return nil, cerr
		}
		if err := pb.UnmarshalJSON(body, req); err != nil {
			return nil, fmt.Errorf("vector request does not parse: %v", err)
		}
		raw, err := pb.Marshal(req)
		if err != nil {
			return nil, err
		}
		out, err := e.CallProto(ctx, api, raw)
		if err != nil {
			return nil, err
		}
		resp := kms.NewResponse(api)
		if resp == nil {
			return nil, fmt.Errorf("no response type for %s", api)
		}
		if err := pb.Unmarshal(out, resp); err != nil {
			return nil, fmt.Errorf("response does not decode as %T: %v", resp, err)
		}
		return pb.MarshalJSON(resp)
	}
}

// TestResponseTypes checks kms.NewResponse against what the native engine
// returns for every successful step of the vectors.
func TestResponseTypes(t *testing.T) {
	scenarios, err := Load(vectorsDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, s := range scenarios {
		e := kms.New(store.NewMemory(), kms.NewConfig())
		for _, st := range s.Steps {
			req, err := kms.NewRequest(st.API)
			if err != nil {
				continue
			}
			if err := pb.UnmarshalJSON(st.Request, req); err != nil {
				t.Fatal(err)
			}
			resp, err := e.Call(st.API, req)
			if err != nil || seen[st.API] {
				continue
			}
			seen[st.API] = true
			want := kms.NewResponse(st.API)
			if want == nil || reflect.TypeOf(want) != reflect.TypeOf(resp) {
				t.Errorf("%s: kms.NewResponse gives %T, the engine %T", st.API, want, resp)
			}
		}
	}
}

// TestVectorsCoverEveryOperation keeps the vectors from silently losing an
// operation: every operation of the core appears in at least one step.
func TestVectorsCoverEveryOperation(t *testing.T) {
	scenarios, err := Load(vectorsDir)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, s := range scenarios {
		for _, st := range s.Steps {
			used[st.API] = true
		}
	}
	for _, op := range kms.Operations() {
		if !used[op] {
			t.Errorf("no vector step uses %s", op)
		}
	}
}

// TestMatchRule pins the comparison rule the runners share.
func TestMatchRule(t *testing.T) {
	dec := func(s string) any {
		var v any
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		want, got string
		ok        bool
	}{
		{`{"A":"x"}`, `{"A":"x","B":"ignored"}`, true},
		{`{"A":"x"}`, `{"A":"y"}`, false},
		{`{"A":""}`, `{}`, true},
		{`{"A":0}`, `{}`, true},
		{`{"A":false}`, `{}`, true},
		{`{"A":[]}`, `{}`, true},
		{`{"A":"x"}`, `{}`, false},
		{`{"A":[{"B":1}]}`, `{"A":[{"B":1,"C":2}]}`, true},
		{`{"A":[{"B":1}]}`, `{"A":[{"B":1},{"B":2}]}`, false},
		{`{"M":{"B":1}}`, `{"M":{"B":2}}`, false},
		{`{"N":1}`, `{"N":"1"}`, false},
	} {
		err := Match(dec(c.want), dec(c.got), "")
		if (err == nil) != c.ok {
			t.Errorf("Match(%s, %s) = %v, want ok=%v", c.want, c.got, err, c.ok)
		}
	}
	// Errors compare all three fields.
	st := &Step{Expect: Expect{Error: &ErrorBody{StatusCode: 409, ErrorCode: "Rejected.Disabled", ErrorMessage: "m"}}}
	if Check(st, nil, kmserr.New(409, "Rejected.Disabled", "m")) != nil {
		t.Error("identical error rejected")
	}
	if Check(st, nil, kmserr.New(409, "Rejected.Disabled", "other")) == nil {
		t.Error("different message accepted")
	}
	if Check(st, []byte(`{}`), nil) == nil {
		t.Error("success accepted for an expected error")
	}
}

// artifacts is where runtimes leave sealed blobs for each other.
func artifacts(t *testing.T) string {
	t.Helper()
	d := os.Getenv("PARITY_ARTIFACTS")
	if d == "" {
		d = filepath.Join("..", "artifacts", "parity")
	}
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func phase() string { return os.Getenv("PARITY_PHASE") }
