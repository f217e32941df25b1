package wasmhost

import (
	"context"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/pocketkms/pocketkms/internal/modes"
)

// This file is the host side of the module's optional AES imports, module
// "pocketkms_aes" (docs/wasm-abi.md#host-ciphers), served by Go's crypto
// (AES instructions) over the guest's memory: the module's own AES is
// table-based software. The module is always linked, so that instantiation
// never depends on it; available() says whether the guest should use it
// (Config.WithHostAES).

// Result codes of the AES imports.
const (
	aesOK       = 0
	aesAuthFail = 1 // gcm_open: the ciphertext does not authenticate
	aesBadCall  = -1
)

func instantiateAES(ctx context.Context, rt wazero.Runtime, enabled bool, impl modes.Accelerator) error {
	i32 := api.ValueTypeI32
	avail := uint64(0)
	if enabled {
		avail = 1
	}
	// impl, or the calling instance's own cache (callState.aes).
	accel := func(ctx context.Context) modes.Accelerator {
		if impl != nil {
			return impl
		}
		if s := stateOf(ctx); s != nil && s.aes != nil {
			return s.aes
		}
		return modes.StdAES
	}
	gcm := func(open bool) api.GoModuleFunc {
		return func(ctx context.Context, m api.Module, s []uint64) {
			a := u32s(s[:9])
			s[0] = api.EncodeI32(aesGCM(accel(ctx), m.Memory(), open, a[:]))
		}
	}
	_, err := rt.NewHostModuleBuilder("pocketkms_aes").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = avail
	}), nil, []api.ValueType{i32}).Export("available").
		NewFunctionBuilder().WithGoModuleFunction(gcm(false), []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("key_ptr", "key_len", "iv_ptr", "iv_len", "aad_ptr", "aad_len", "in_ptr", "in_len", "out_ptr").Export("gcm_seal").
		NewFunctionBuilder().WithGoModuleFunction(gcm(true), []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("key_ptr", "key_len", "iv_ptr", "iv_len", "aad_ptr", "aad_len", "in_ptr", "in_len", "out_ptr").Export("gcm_open").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, s []uint64) {
		a := u32s(s[:6])
		s[0] = api.EncodeI32(aesBlocks(accel(ctx), m.Memory(), true, a[:6]))
	}), []api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("encrypt", "key_ptr", "key_len", "iv_ptr", "buf_ptr", "buf_len").Export("cbc").
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, s []uint64) {
		a := u32s(s[:5])
		s[0] = api.EncodeI32(aesBlocks(accel(ctx), m.Memory(), false, a[:5]))
	}), []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("encrypt", "key_ptr", "key_len", "buf_ptr", "buf_len").Export("ecb").
		Instantiate(ctx)
	return err
}

// u32s decodes up to 9 arguments into an array, not a fresh slice: one
// allocation fewer per AES call.
func u32s(s []uint64) (out [9]uint32) {
	for i, v := range s {
		out[i] = api.DecodeU32(v)
	}
	return out
}

// view is the n bytes at p, or false when they are not all in memory.
func view(mem api.Memory, p, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	return mem.Read(p, n)
}

// aesGCM: a = key, key_len, iv, iv_len, aad, aad_len, in, in_len, out.
// Seal writes in_len+16 bytes at out; open writes in_len-16.
func aesGCM(impl modes.Accelerator, mem api.Memory, open bool, a []uint32) (code int32) {
	defer func() {
		if recover() != nil {
			code = aesBadCall
		}
	}()
	key, ok1 := view(mem, a[0], a[1])
	iv, ok2 := view(mem, a[2], a[3])
	aad, ok3 := view(mem, a[4], a[5])
	in, ok4 := view(mem, a[6], a[7])
	outLen := a[7] + modes.TagSize
	if open {
		if a[7] < modes.TagSize {
			return aesBadCall
		}
		outLen = a[7] - modes.TagSize
	}
	out, ok5 := view(mem, a[8], outLen)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return aesBadCall
	}
	if !open {
		// Sealed straight into the guest's buffer: out has room for exactly
		// the answer, so an implementation that appends writes it there.
		ct, err := impl.GCMSeal(out[:0], key, iv, aad, in)
		if err != nil || len(ct) != len(out) {
			return aesBadCall
		}
		if &ct[0] != &out[0] {
			copy(out, ct)
		}
		return aesOK
	}
	pt, ok, err := impl.GCMOpen(key, iv, aad, in)
	switch {
	case err != nil:
		return aesBadCall
	case !ok:
		return aesAuthFail
	}
	copy(out, pt)
	clear(pt)
	return aesOK
}

// aesBlocks: CBC a = encrypt, key, key_len, iv, buf, buf_len (the IV is 16
// bytes); ECB a = encrypt, key, key_len, buf, buf_len. In place.
func aesBlocks(impl modes.Accelerator, mem api.Memory, cbc bool, a []uint32) (code int32) {
	defer func() {
		if recover() != nil {
			code = aesBadCall
		}
	}()
	encrypt := a[0] == 1
	key, ok1 := view(mem, a[1], a[2])
	if !ok1 {
		return aesBadCall
	}
	var err error
	if cbc {
		iv, ok2 := view(mem, a[3], 16)
		buf, ok3 := view(mem, a[4], a[5])
		if !ok2 || !ok3 || len(buf)%16 != 0 {
			return aesBadCall
		}
		err = impl.CBC(encrypt, key, iv, buf)
	} else {
		buf, ok2 := view(mem, a[3], a[4])
		if !ok2 || len(buf)%16 != 0 {
			return aesBadCall
		}
		err = impl.ECB(encrypt, key, buf)
	}
	if err != nil {
		return aesBadCall
	}
	return aesOK
}
