//go:build wasip1

package main

import (
	"unsafe"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/abi"
)

// pkms_buffer and pkms_run are how the hosts call the module: one request
// buffer and one result buffer per instance, reused from call to call, so
// that a call crosses into the module once (twice when its request is the
// largest yet) and allocates neither buffer. pkms_alloc, pkms_call and
// pkms_free stay for hosts that keep their own buffers (docs/wasm-abi.md).
var (
	reqBuf []byte // pkms_buffer's; the host writes requests here
	resBuf []byte // pkms_run's result; valid until the next call
)

const (
	// minBuf is the first request buffer: most requests fit.
	minBuf = 4 << 10
	// keepBuf bounds what the instance keeps between calls: after one huge
	// request or result, the buffer is given back to the garbage collector
	// rather than held for good.
	keepBuf = 1 << 20
)

// pkmsBuffer returns the address of the request buffer, with room for at
// least size bytes (0 if size is beyond abi.MaxAlloc). The address is valid
// until the next pkms_buffer; a host keeps it and its size, and asks again
// only for a larger request.
//
//go:wasmexport pkms_buffer
func pkmsBuffer(size uint32) (p uint32) {
	defer func() {
		if recover() != nil {
			p = 0
		}
	}()
	if size > abi.MaxAlloc {
		return 0
	}
	if int(size) > len(reqBuf) || len(reqBuf) > keepBuf && size <= keepBuf {
		reqBuf = nil // the old one is garbage before the new one is made
		reqBuf = make([]byte, max(int(size), minBuf))
	}
	return uint32(uintptr(unsafe.Pointer(&reqBuf[0])))
}

// pkmsRun runs the request in the request buffer: the api name in its
// first apiLen bytes, the request message in the reqLen bytes after. It
// answers like pkms_call, but the result is in the instance's result
// buffer, valid until the next call into the module: the host reads it and
// frees nothing.
//
//go:wasmexport pkms_run
func pkmsRun(apiLen, reqLen uint32, format int32) uint64 {
	if cap(resBuf) > keepBuf {
		resBuf = nil
	}
	resBuf = appendEnvelope(resBuf[:0], format, func(dst []byte) ([]byte, error) {
		if uint64(apiLen)+uint64(reqLen) > uint64(len(reqBuf)) {
			return nil, kmserr.Internal("pkms_run: %d + %d bytes do not fit the %d-byte buffer from pkms_buffer", apiLen, reqLen, len(reqBuf))
		}
		return run(dst, string(reqBuf[:apiLen]), reqBuf[apiLen:apiLen+reqLen], format)
	})
	return uint64(uintptr(unsafe.Pointer(&resBuf[0])))<<32 | uint64(len(resBuf))
}
