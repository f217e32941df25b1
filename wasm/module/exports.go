//go:build wasip1

package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/abi"
	"github.com/pocketkms/pocketkms/internal/modes"
)

// allocs keeps every buffer handed to the host reachable, so the garbage
// collector neither frees nor reuses it before pkms_free. It is the module's
// only state between calls. Go's collector does not move objects, so the
// address stays valid.
var allocs = map[uint32][]byte{}

func keep(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1) // a unique, non-zero address even for 0 bytes
	}
	p := uint32(uintptr(unsafe.Pointer(&b[0])))
	allocs[p] = b
	return p
}

// pkmsAlloc returns a buffer of size bytes that stays valid until pkms_free,
// or 0 if size is beyond abi.MaxAlloc: a request is at most a few MB (3 MiB
// of plaintext, as base64 in JSON), so anything far larger is a host bug,
// and refusing it beats the Go runtime's fatal out-of-memory.
//
//go:wasmexport pkms_alloc
func pkmsAlloc(size uint32) (p uint32) {
	defer func() {
		if recover() != nil {
			p = 0
		}
	}()
	if size > abi.MaxAlloc {
		return 0
	}
	return keep(make([]byte, size))
}

// pkmsFree releases a buffer from pkms_alloc, pkms_call or pkms_info.
// Unknown addresses (including 0 and double frees) are ignored.
//
//go:wasmexport pkms_free
func pkmsFree(p uint32) {
	defer func() { recover() }()
	delete(allocs, p)
}

// region returns the n bytes at p if they lie inside one live allocation:
// the module never trusts a host address it did not hand out, since reading
// outside memory would trap and kill the instance.
func region(p, n uint32) ([]byte, bool) {
	if n == 0 {
		return nil, true
	}
	for base, b := range allocs {
		if p >= base && uint64(p)+uint64(n) <= uint64(base)+uint64(len(b)) {
			off := p - base
			return b[off : off+n : off+n], true
		}
	}
	return nil, false
}

// pack returns a result buffer as (ptr<<32 | len), kept until pkms_free.
func pack(b []byte) uint64 {
	return uint64(keep(b))<<32 | uint64(len(b))
}

// instanceRand is where the instance's IVs, ids and key material come
// from: crypto/rand (the host's random_get), fetched ahead (randpool.go).
var instanceRand = newRandPool(rand.Reader, 4<<10)

// instanceEngine serves every call of this instance: the engine keeps no
// state but its memo of decoded key records, which is checked against the
// bytes the host store returns at every read.
var instanceEngine = kms.New(hostBackend{}, kms.NewConfig().WithRand(instanceRand).WithClock(wallClock))

func init() { errorRand = instanceRand }

// pkmsCall runs one operation in one store transaction. The result's first
// byte is 0 (the response follows, in the request's format) or 1 (an Error
// message follows, in that format; in JSON if the format itself is unknown).
//
//go:wasmexport pkms_call
func pkmsCall(apiPtr, apiLen, reqPtr, reqLen uint32, format int32) uint64 {
	return pack(appendEnvelope(nil, format, func(dst []byte) ([]byte, error) {
		apiBytes, ok := region(apiPtr, apiLen)
		if !ok {
			return nil, kmserr.Internal("pkms_call: the api range is not inside a buffer from pkms_alloc")
		}
		return runAt(dst, string(apiBytes), reqPtr, reqLen, format)
	}))
}

// callNamed is a named export (exports_named.go): pkms_call for one api.
func callNamed(api string, reqPtr, reqLen uint32, format int32) uint64 {
	return pack(appendEnvelope(nil, format, func(dst []byte) ([]byte, error) { return runAt(dst, api, reqPtr, reqLen, format) }))
}

func runAt(dst []byte, api string, reqPtr, reqLen uint32, format int32) ([]byte, error) {
	body, ok := region(reqPtr, reqLen)
	if !ok {
		return nil, kmserr.Internal("%s: the request range is not inside a buffer from pkms_alloc", api)
	}
	return run(dst, api, body, format)
}

// run runs one request and appends its response to dst. body is only read
// during the call: the codecs copy every field they decode, so no response
// keeps a slice of it.
func run(dst []byte, api string, body []byte, format int32) ([]byte, error) {
	e := instanceEngine
	switch format {
	case abi.FormatProto:
		out, _, err := e.AppendProtoMeta(dst, api, body, kms.Meta{})
		return out, err
	case abi.FormatJSON:
		out, err := e.CallJSON(api, body)
		return append(dst, out...), err
	case abi.FormatProtoMeta:
		return appendMeta(dst, e, api, body)
	}
	return nil, kmserr.Internal("%s: format %d is not 0 (protobuf), 1 (JSON) or 2 (protobuf with metadata)", api, format)
}

// pkmsInfo describes the module: name, build version, ABI version, what it
// can do and which operations it exports by name, as JSON; release the
// buffer with pkms_free.
//
//go:wasmexport pkms_info
func pkmsInfo() (res uint64) {
	defer func() {
		if r := recover(); r != nil {
			res = pack([]byte(fmt.Sprintf(`{"name":"pocketkms","abi":%d,"error":"panic"}`, abi.Version)))
		}
	}()
	b, err := json.Marshal(abi.Info{Name: "pocketkms", Version: buildVersion(), ABI: abi.Version,
		Operations: kms.Operations(), Exports: namedExports, Algorithms: modes.Algorithms()})
	if err != nil {
		panic(err)
	}
	return pack(b)
}

// buildVersion is the module version Go stamped into the build: a release
// version, or for a build from a checkout "devel+<commit>" (with "-dirty"
// when the tree had changes), so a host can tell which engine it runs.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = "+" + s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	return "devel" + rev + dirty
}
