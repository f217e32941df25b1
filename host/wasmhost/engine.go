// Package wasmhost runs the pocketkms WebAssembly module (wasm/module) under
// wazero, as a host/server.Caller: the same answers as the native engine,
// from the same bytes that run in browsers, Node and workerd. It exists so
// that the module is exercised by the Go test suites and servable by
// `pocketkms serve --engine wasm`.
//
// The store stays in Go: the module reaches the caller's store.Backend
// through its kv_* imports, one transaction per call. Instances are pooled,
// so calls from several goroutines run in parallel, up to the pool size.
package wasmhost

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/abi"
	"github.com/pocketkms/pocketkms/internal/modes"
)

// Module is the module under wazero. It is safe for concurrent use.
//
// A context bounds the wait for a free instance, not a running call: wazero
// can only interrupt guest code if every function checks for it
// (WithCloseOnContextDone), which made the module several times slower, and one
// operation is bounded anyway (at most 3 MiB of plaintext).
type Module struct {
	rt       wazero.Runtime
	cache    wazero.CompilationCache // nil without a disk cache
	compiled wazero.CompiledModule
	modCfg   wazero.ModuleConfig

	slots chan struct{}  // one token per call in flight; cap = pool size
	idle  chan *instance // started instances not in use

	mu     sync.Mutex
	closed bool
	done   chan struct{} // closed by Close: wakes calls waiting for a slot
}

// instance is one started module with its exports looked up once, and the
// request buffer pkms_buffer last gave (buf, bufLen; 0 before the first).
// Calls go through pkms_buffer and pkms_run; pkms_alloc and pkms_call are
// there for the tests that hold the module to the rest of the ABI.
type instance struct {
	mod                                      api.Module
	alloc, free, call, info, buffer, runCall api.Function
	buf, bufLen                              uint32
	stack                                    [3]uint64 // pkms_run's arguments and result, not a slice per call
	aes                                      aesCache  // the AES imports' ciphers while this instance runs a call
}

// New compiles wasm (the bytes of build/pocketkms.wasm) and returns an engine
// whose module instances use b as their store. Instances start lazily.
func New(ctx context.Context, wasm []byte, b store.Backend, c Config) (*Module, error) {
	if b == nil {
		return nil, errors.New("wasmhost: nil store backend")
	}
	rc := wazero.NewRuntimeConfig()
	var cache wazero.CompilationCache
	if dir := c.cache(); dir != "" {
		var err error
		if cache, err = wazero.NewCompilationCacheWithDir(dir); err != nil {
			return nil, fmt.Errorf("wasmhost: compilation cache %s: %w", dir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	e := &Module{rt: wazero.NewRuntimeWithConfig(ctx, rc), cache: cache, done: make(chan struct{})}
	fail := func(err error) (*Module, error) {
		e.rt.Close(ctx)
		if cache != nil {
			cache.Close(ctx)
		}
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, e.rt); err != nil {
		return fail(fmt.Errorf("wasmhost: WASI: %w", err))
	}
	if err := instantiateKV(ctx, e.rt, b); err != nil {
		return fail(fmt.Errorf("wasmhost: store imports: %w", err))
	}
	if err := instantiateAES(ctx, e.rt, c.hostAES(), c.aesImpl()); err != nil {
		return fail(fmt.Errorf("wasmhost: AES imports: %w", err))
	}
	var err error
	// Compiling is a slow one-off (without a cache hit): use every core, whatever
	// the pool size.
	cctx := experimental.WithCompilationWorkers(ctx, runtime.GOMAXPROCS(0))
	if e.compiled, err = e.rt.CompileModule(cctx, wasm); err != nil {
		return fail(fmt.Errorf("wasmhost: compile module: %w", err))
	}
	// pkms_info and pkms_free first, to read the ABI version: a module of
	// another version may lack the exports below, and should be refused as
	// such rather than as not a pocketkms module.
	for _, name := range []string{"pkms_info", "pkms_free", "_initialize"} {
		if _, ok := e.compiled.ExportedFunctions()[name]; !ok {
			return fail(fmt.Errorf("wasmhost: the module does not export %s: not a pocketkms module", name))
		}
	}
	// wazero's defaults are a deterministic random source and a fake clock:
	// with them every instance would draw the same IVs and key material.
	// WithName("") lets one runtime hold many instances of the module.
	e.modCfg = wazero.NewModuleConfig().WithName("").
		WithStartFunctions("_initialize").
		WithRandSource(rand.Reader).
		WithSysWalltime().WithSysNanotime().
		WithStderr(c.errWriter())
	for _, kv := range c.env {
		k, v, _ := strings.Cut(kv, "=")
		e.modCfg = e.modCfg.WithEnv(k, v)
	}
	n := c.pool()
	e.slots = make(chan struct{}, n)
	e.idle = make(chan *instance, n)
	// Start one instance now so that a module that cannot start, or speaks
	// another ABI, fails New, not the first request.
	inst, err := e.start(ctx)
	if err != nil {
		return fail(err)
	}
	info, err := inst.infoJSON(ctx)
	if err != nil {
		return fail(fmt.Errorf("wasmhost: pkms_info: %w", err))
	}
	if _, err := abi.ParseInfo(info); err != nil {
		return fail(fmt.Errorf("wasmhost: %w", err))
	}
	for _, name := range []string{"pkms_buffer", "pkms_run", "pkms_alloc", "pkms_call"} {
		if _, ok := e.compiled.ExportedFunctions()[name]; !ok {
			return fail(fmt.Errorf("wasmhost: the module says ABI %d but does not export %s", abi.Version, name))
		}
	}
	e.idle <- inst
	return e, nil
}

func (e *Module) start(ctx context.Context) (*instance, error) {
	mod, err := e.rt.InstantiateModule(ctx, e.compiled, e.modCfg)
	if err != nil {
		return nil, fmt.Errorf("wasmhost: start module instance: %w", err)
	}
	return &instance{mod: mod,
		alloc: mod.ExportedFunction("pkms_alloc"), free: mod.ExportedFunction("pkms_free"),
		call: mod.ExportedFunction("pkms_call"), info: mod.ExportedFunction("pkms_info"),
		buffer: mod.ExportedFunction("pkms_buffer"), runCall: mod.ExportedFunction("pkms_run")}, nil
}

var errClosed = kmserr.New(503, kmserr.CodeServiceUnavailable, "the wasm engine is closed")

// acquire takes a pool slot (waiting for one, or for ctx) and an instance.
func (e *Module) acquire(ctx context.Context) (*instance, error) {
	select {
	case e.slots <- struct{}{}:
	case <-e.done:
		return nil, errClosed
	case <-ctx.Done():
		return nil, kmserr.New(503, kmserr.CodeServiceUnavailable, "no wasm engine instance became free: %v", ctx.Err())
	}
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		<-e.slots
		return nil, errClosed
	}
	select {
	case inst := <-e.idle:
		return inst, nil
	default:
	}
	inst, err := e.start(ctx)
	if err != nil {
		<-e.slots
		return nil, kmserr.Internal("%v", err)
	}
	return inst, nil
}

// release returns a healthy instance to the pool; a broken one (it trapped,
// so the Go runtime inside may be mid-way through anything) is closed and
// replaced on a later call.
func (e *Module) release(ctx context.Context, inst *instance, healthy bool) {
	if healthy {
		e.idle <- inst
	} else {
		inst.mod.Close(ctx)
	}
	<-e.slots
}

// invoke runs one export and reports a trap as an error.
func invoke(ctx context.Context, f api.Function, args ...uint64) (uint64, error) {
	r, err := f.Call(ctx, args...)
	if err != nil || len(r) == 0 {
		return 0, err
	}
	return r[0], nil
}

// run sends one request to an instance and returns the raw result envelope
// (status byte, then response or Error).
func (e *Module) run(ctx context.Context, api string, body []byte, format int) ([]byte, *callState, error) {
	inst, err := e.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	state := &callState{aes: modes.GoAES[*aesCache]{C: &inst.aes}}
	healthy := false
	defer func() { e.release(ctx, inst, healthy) }()
	out, err := inst.roundTrip(context.WithValue(ctx, stateKey{}, state), api, body, format)
	if err != nil {
		if ke, ok := err.(*kmserr.Error); ok {
			healthy = true // refused before the module ran
			return nil, nil, ke
		}
		return nil, nil, kmserr.Internal("the wasm module failed: %v", err)
	}
	healthy = true
	return out, state, nil
}

func tooLarge(n uint64) error {
	return kmserr.New(413, kmserr.CodeEntityTooLarge, "the request is %d bytes, at most %d are allowed", n, abi.MaxAlloc)
}

// roundTrip runs one call through the instance's reusable buffers: the
// request goes into the buffer from pkms_buffer (asked for again only when
// this request is the largest yet), pkms_run answers in its result buffer,
// and nothing is freed. One call into the module per request.
func (inst *instance) roundTrip(ctx context.Context, api string, body []byte, format int) ([]byte, error) {
	n := uint64(len(api)) + uint64(len(body))
	if n > abi.MaxAlloc {
		return nil, tooLarge(n)
	}
	if n > uint64(inst.bufLen) || inst.buf == 0 {
		p, err := invoke(ctx, inst.buffer, n)
		if err != nil {
			return nil, err
		}
		if p == 0 { // the module's answer for a buffer it will not make
			return nil, tooLarge(n)
		}
		inst.buf, inst.bufLen = uint32(p), uint32(n)
	}
	mem := inst.mod.Memory()
	if !mem.WriteString(inst.buf, api) || !mem.Write(inst.buf+uint32(len(api)), body) {
		return nil, errors.New("pkms_buffer returned a buffer outside memory")
	}
	st := inst.stack[:]
	st[0], st[1], st[2] = uint64(len(api)), uint64(len(body)), uint64(format)
	if err := inst.runCall.CallWithStack(ctx, st); err != nil {
		return nil, err
	}
	packed := st[0]
	rp, rl := uint32(packed>>32), uint32(packed)
	view, ok := mem.Read(rp, rl)
	if !ok || rl == 0 {
		return nil, fmt.Errorf("pkms_run returned an invalid result range (%d, %d)", rp, rl)
	}
	return append([]byte(nil), view...), nil // the view is overwritten by the next call
}

// result splits the envelope: a response, or the *kmserr.Error it carries.
func result(out []byte, state *callState, format int) ([]byte, error) {
	status, body, err := abi.SplitResult(out)
	switch {
	case err != nil:
		return nil, kmserr.Internal("%v", err)
	case status == abi.ResultOK:
		return body, nil
	}
	var m pb.Error
	if format == abi.FormatProto || format == abi.FormatProtoMeta {
		err = pb.Unmarshal(body, &m)
	} else {
		err = pb.UnmarshalJSON(body, &m)
	}
	if err != nil {
		return nil, kmserr.Internal("the wasm module returned an undecodable Error: %v", err)
	}
	ke := &kmserr.Error{Status: int(m.StatusCode), Code: m.ErrorCode, Message: m.ErrorMessage}
	if state.err != nil && ke.Code == kmserr.CodeInternalFailure {
		// The guest only learns that the store failed; name the failure as
		// the native engine does.
		ke.Message = strings.Replace(ke.Message, "host store error", state.err.Error(), 1)
	}
	return nil, ke
}

func (e *Module) call(ctx context.Context, api string, body []byte, format int) ([]byte, error) {
	out, state, err := e.run(ctx, api, body, format)
	if err != nil {
		return nil, err
	}
	return result(out, state, format)
}

// CallProto runs api on a binary protobuf request. Errors are *kmserr.Error.
func (e *Module) CallProto(ctx context.Context, api string, body []byte) ([]byte, error) {
	return e.call(ctx, api, body, abi.FormatProto)
}

// CallProtoMeta is CallProto with header metadata (kms.Meta), which
// travels framed around the protobuf bodies (abi.FormatProtoMeta).
func (e *Module) CallProtoMeta(ctx context.Context, api string, body []byte, in kms.Meta) ([]byte, kms.Meta, error) {
	out, err := e.call(ctx, api, abi.EncodeMeta(in.KeyVersionID, body), abi.FormatProtoMeta)
	if err != nil {
		return nil, kms.Meta{}, err
	}
	version, resp, err := abi.DecodeMeta(out)
	if err != nil {
		return nil, kms.Meta{}, kmserr.Internal("the wasm module returned %v", err)
	}
	return resp, kms.Meta{KeyVersionID: version}, nil
}

// CallJSON runs api on a JSON request (protojson, PascalCase field names).
func (e *Module) CallJSON(ctx context.Context, api string, body []byte) ([]byte, error) {
	return e.call(ctx, api, body, abi.FormatJSON)
}

// Call runs api with a request message, like kms.Engine.Call.
func (e *Module) Call(ctx context.Context, api string, req pb.Message) (pb.Message, error) {
	want, err := kms.NewRequest(api)
	if err != nil {
		return nil, err
	}
	if req == nil || reflect.TypeOf(req) != reflect.TypeOf(want) {
		return nil, kmserr.Internal("%s called with a %T request", api, req)
	}
	body, err := pb.Marshal(req)
	if err != nil {
		return nil, kmserr.InvalidParameter("encode %s request: %v", api, err)
	}
	out, err := e.CallProto(ctx, api, body)
	if err != nil {
		return nil, err
	}
	resp := kms.NewResponse(api)
	if resp == nil {
		return nil, kmserr.Internal("wasmhost does not know the response type of %s", api)
	}
	if err := pb.Unmarshal(out, resp); err != nil {
		return nil, kmserr.Internal("decode %s response: %v", api, err)
	}
	return resp, nil
}

// Info returns the module's pkms_info JSON (name, version, abi, operations,
// algorithms).
func (e *Module) Info(ctx context.Context) ([]byte, error) {
	inst, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	healthy := false
	defer func() { e.release(ctx, inst, healthy) }()
	out, err := inst.infoJSON(ctx)
	healthy = err == nil
	return out, err
}

func (inst *instance) infoJSON(ctx context.Context) ([]byte, error) {
	packed, err := invoke(ctx, inst.info)
	if err != nil {
		return nil, err
	}
	view, ok := inst.mod.Memory().Read(uint32(packed>>32), uint32(packed))
	if !ok {
		return nil, errors.New("pkms_info returned an invalid range")
	}
	out := append([]byte(nil), view...)
	_, err = invoke(ctx, inst.free, packed>>32)
	return out, err
}

// Close waits for calls in flight (or ctx), then frees every instance and
// the runtime. Calls after Close fail with 503.
func (e *Module) Close(ctx context.Context) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	close(e.done)
	e.mu.Unlock()
	var waitErr error
	for range cap(e.slots) {
		select {
		case e.slots <- struct{}{}:
		case <-ctx.Done():
			waitErr = ctx.Err()
		}
		if waitErr != nil {
			break
		}
	}
	err := e.rt.Close(ctx)
	if e.cache != nil {
		err = errors.Join(err, e.cache.Close(ctx))
	}
	return errors.Join(waitErr, err)
}
