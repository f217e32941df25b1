package wasmhost

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/pocketkms/pocketkms/core/store"
)

// This file is the host side of the module's store imports (docs/wasm-abi.md):
// kv_get, kv_list and kv_commit of module "pocketkms", served from a
// store.Backend. Every function recovers from a panicking backend and answers
// with the host-error code, so the guest turns it into an InternalFailure and
// the instance stays usable.

// Result codes.
const (
	kvAbsent       = -1 // kv_get: no such key
	kvHostError    = -2 // kv_get, kv_list: the backend failed
	commitOK       = 0
	commitConflict = 1
	commitError    = 2
)

// callState is what one pkms_call's host functions learn: the first backend
// failure, so the engine can report it in the error message the way the
// native engine would (the guest only sees a code).
type callState struct{ err error }

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
	defer guard(s, func() { n = kvHostError })
	key, ok := readString(mem, kp, kl)
	if !ok {
		s.fail(errMemory)
		return kvHostError
	}
	v, rev, err := b.Get(key)
	if err != nil {
		s.fail(err)
		return kvHostError
	}
	if rev == 0 {
		return kvAbsent
	}
	n = 8 + int64(len(v))
	if n <= int64(bc) {
		out := binary.LittleEndian.AppendUint64(make([]byte, 0, n), uint64(rev))
		if !mem.Write(bp, append(out, v...)) {
			s.fail(errMemory)
			return kvHostError
		}
	}
	return n
}

func kvList(ctx context.Context, mem api.Memory, b store.Backend, pp, pl, bp, bc uint32) (n int64) {
	s := stateOf(ctx)
	defer guard(s, func() { n = kvHostError })
	prefix, ok := readString(mem, pp, pl)
	if !ok {
		s.fail(errMemory)
		return kvHostError
	}
	keys, err := b.List(prefix)
	if err != nil {
		s.fail(err)
		return kvHostError
	}
	var out []byte
	for _, k := range keys {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
	}
	if len(out) <= int(bc) && !mem.Write(bp, out) {
		s.fail(errMemory)
		return kvHostError
	}
	return int64(len(out))
}

func kvCommit(ctx context.Context, mem api.Memory, b store.Backend, p, n uint32) (r int32) {
	s := stateOf(ctx)
	defer guard(s, func() { r = commitError })
	raw, ok := mem.Read(p, n)
	if !ok {
		s.fail(errMemory)
		return commitError
	}
	reads, writes, err := decodeBatch(raw)
	if err != nil {
		s.fail(err)
		return commitError
	}
	err = b.Commit(reads, writes)
	switch {
	case err == nil:
		return commitOK
	case errors.Is(err, store.ErrConflict):
		return commitConflict
	}
	s.fail(err)
	return commitError
}

// decodeBatch parses a kv_commit batch, copying everything out of guest
// memory (the backend may keep what it is given).
func decodeBatch(b []byte) (map[string]int64, []store.Write, error) {
	d := decoder{b: b}
	nr := d.u32()
	reads := make(map[string]int64, min(nr, 1024))
	for i := uint32(0); i < nr && d.err == nil; i++ {
		k := string(d.bytes(d.u32()))
		reads[k] = int64(d.u64())
	}
	nw := d.u32()
	var writes []store.Write
	for i := uint32(0); i < nw && d.err == nil; i++ {
		op := d.u8()
		k := string(d.bytes(d.u32()))
		switch op {
		case 1:
			v := append([]byte{}, d.bytes(d.u32())...)
			writes = append(writes, store.Write{Key: k, Value: v})
		case 2:
			writes = append(writes, store.Write{Key: k})
		default:
			d.fail(fmt.Errorf("commit batch: write op %d is not 1 (put) or 2 (delete)", op))
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(fmt.Errorf("commit batch: %d trailing bytes", len(d.b)))
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return reads, writes, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) bytes(n uint32) []byte {
	if d.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(d.b)) {
		d.fail(errors.New("commit batch: truncated"))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u8() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}
