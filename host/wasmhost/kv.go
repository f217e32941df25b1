package wasmhost

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/abi"
	"github.com/pocketkms/pocketkms/internal/modes"
)

// This file is the host side of the module's store imports (docs/wasm-abi.md):
// kv_get, kv_list and kv_commit of module "pocketkms", served from a
// store.Backend. Every function recovers from a panicking backend and answers
// with the host-error code, so the guest turns it into an InternalFailure and
// the instance stays usable. The encodings are internal/abi's.

// callState is what one pkms_call's host functions learn: the first backend
// failure, so the engine can report it in the error message the way the
// native engine would (the guest only sees a code).
type callState struct {
	err error
	aes modes.Accelerator // the instance's (modes.GoAES[*aesCache]), for the AES imports
}

type stateKey struct{}

func (s *callState) fail(err error) {
	if s != nil && s.err == nil {
		s.err = err
	}
}

func stateOf(ctx context.Context) *callState {
	s, _ := ctx.Value(stateKey{}).(*callState)
	return s
}

// guard turns a backend panic into a failure; the value is not echoed, as
// it could hold record contents.
func guard(s *callState, set func()) {
	if r := recover(); r != nil {
		s.fail(fmt.Errorf("store backend panicked (%T)", r))
		set()
	}
}

var errMemory = errors.New("the module passed a range outside its memory")

func instantiateKV(ctx context.Context, rt wazero.Runtime, b store.Backend) error {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	_, err := rt.NewHostModuleBuilder("pocketkms").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		stack[0] = uint64(kvGet(ctx, m.Memory(), b, api.DecodeU32(stack[0]), api.DecodeU32(stack[1]), api.DecodeU32(stack[2]), api.DecodeU32(stack[3])))
	}), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i64}).
		WithParameterNames("key_ptr", "key_len", "buf_ptr", "buf_cap").Export("kv_get").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		stack[0] = uint64(kvList(ctx, m.Memory(), b, api.DecodeU32(stack[0]), api.DecodeU32(stack[1]), api.DecodeU32(stack[2]), api.DecodeU32(stack[3])))
	}), []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i64}).
		WithParameterNames("prefix_ptr", "prefix_len", "buf_ptr", "buf_cap").Export("kv_list").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
		stack[0] = api.EncodeI32(kvCommit(ctx, m.Memory(), b, api.DecodeU32(stack[0]), api.DecodeU32(stack[1])))
	}), []api.ValueType{i32, i32}, []api.ValueType{i32}).
		WithParameterNames("batch_ptr", "batch_len").Export("kv_commit").
		Instantiate(ctx)
	return err
}

// readString copies n bytes at p out of guest memory.
func readString(mem api.Memory, p, n uint32) (string, bool) {
	b, ok := mem.Read(p, n)
	return string(b), ok
}

func kvGet(ctx context.Context, mem api.Memory, b store.Backend, kp, kl, bp, bc uint32) (n int64) {
	s := stateOf(ctx)
	defer guard(s, func() { n = abi.KVHostError })
	key, ok := readString(mem, kp, kl)
	if !ok {
		s.fail(errMemory)
		return abi.KVHostError
	}
	v, rev, err := b.Get(key)
	if err != nil {
		s.fail(err)
		return abi.KVHostError
	}
	if rev == 0 {
		return abi.KVAbsent
	}
	n = 8 + int64(len(v))
	if n <= int64(bc) {
		out, ok := mem.Read(bp, uint32(n)) // a view of the guest's buffer: the answer goes straight in
		if !ok {
			s.fail(errMemory)
			return abi.KVHostError
		}
		abi.PutValue(out, rev, v)
	}
	return n
}

func kvList(ctx context.Context, mem api.Memory, b store.Backend, pp, pl, bp, bc uint32) (n int64) {
	s := stateOf(ctx)
	defer guard(s, func() { n = abi.KVHostError })
	prefix, ok := readString(mem, pp, pl)
	if !ok {
		s.fail(errMemory)
		return abi.KVHostError
	}
	keys, err := b.List(prefix)
	if err != nil {
		s.fail(err)
		return abi.KVHostError
	}
	out := abi.EncodeList(keys)
	if len(out) <= int(bc) && !mem.Write(bp, out) {
		s.fail(errMemory)
		return abi.KVHostError
	}
	return int64(len(out))
}

func kvCommit(ctx context.Context, mem api.Memory, b store.Backend, p, n uint32) (r int32) {
	s := stateOf(ctx)
	defer guard(s, func() { r = abi.CommitError })
	raw, ok := mem.Read(p, n)
	if !ok {
		s.fail(errMemory)
		return abi.CommitError
	}
	reads, writes, err := abi.DecodeBatch(raw)
	if err != nil {
		s.fail(err)
		return abi.CommitError
	}
	err = b.Commit(reads, writes)
	switch {
	case err == nil:
		return abi.CommitOK
	case errors.Is(err, store.ErrConflict):
		return abi.CommitConflict
	}
	s.fail(err)
	return abi.CommitError
}
