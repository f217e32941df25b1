//go:build wasip1

package main

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/abi"
)

// The host's store, imported from module "pocketkms". Pointers are guest
// addresses in linear memory; the host reads and writes only inside the
// (ptr, len) ranges it is given, and never calls back into the module.

//go:wasmimport pocketkms kv_get
func kvGet(keyPtr unsafe.Pointer, keyLen uint32, bufPtr unsafe.Pointer, bufCap uint32) int64

//go:wasmimport pocketkms kv_list
func kvList(prefixPtr unsafe.Pointer, prefixLen uint32, bufPtr unsafe.Pointer, bufCap uint32) int64

//go:wasmimport pocketkms kv_commit
func kvCommit(batchPtr unsafe.Pointer, batchLen uint32) int32

const (
	// firstBuf is the first read buffer: a key record with a few versions
	// fits, so most reads cross the boundary once.
	firstBuf = 4 << 10
	// maxValue bounds what the guest agrees to receive, so a broken host
	// cannot make it allocate without limit.
	maxValue = 64 << 20
	// maxGrow bounds the grow-and-retry loop: a value that keeps growing
	// between the two calls is a host bug, not something to chase forever.
	maxGrow = 4
)

var (
	errHost     = errors.New("host store error")
	errTooLarge = fmt.Errorf("host store value larger than %d bytes", maxValue)
)

// hostBackend is a store.Backend over the kv_* imports. It holds nothing:
// every read goes to the host, and writes reach it only through Commit.
type hostBackend struct{}

var _ store.Backend = hostBackend{}

// ptr is the address of b's first byte, or nil for an empty slice.
func ptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

func strPtr(s string) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

// scratch is the first buffer of every fetch, reused: an instance runs one
// call at a time, and what fits is copied out at its exact size, so a read
// allocates what it returns rather than 4 KiB of garbage each time.
var scratch = make([]byte, firstBuf)

// fetch runs the grow-and-retry protocol shared by kv_get and kv_list: call
// with a buffer; if the host says it needs n > cap bytes, grow to n and call
// again. It returns the n bytes the host wrote, or the negative code.
func fetch(call func(buf []byte) int64) ([]byte, int64, error) {
	buf := scratch
	for range maxGrow {
		n := call(buf)
		if n < 0 {
			return nil, n, nil
		}
		if n > maxValue {
			return nil, 0, errTooLarge
		}
		if n <= int64(len(buf)) {
			if &buf[0] == &scratch[0] {
				return append([]byte(nil), buf[:n]...), n, nil
			}
			return buf[:n], n, nil
		}
		buf = make([]byte, n)
	}
	return nil, 0, fmt.Errorf("host store value kept growing across %d reads", maxGrow)
}

func (hostBackend) Get(key string) ([]byte, int64, error) {
	b, code, err := fetch(func(buf []byte) int64 {
		n := kvGet(strPtr(key), uint32(len(key)), ptr(buf), uint32(len(buf)))
		runtime.KeepAlive(key)
		runtime.KeepAlive(buf)
		return n
	})
	switch {
	case err != nil:
		return nil, 0, err
	case code == abi.KVAbsent:
		return nil, 0, nil
	case code < 0:
		return nil, 0, errHost
	}
	rev, v, err := abi.DecodeValue(b)
	if err != nil {
		return nil, 0, fmt.Errorf("%v (key %q)", err, key)
	}
	return v, rev, nil
}

func (hostBackend) List(prefix string) ([]string, error) {
	b, code, err := fetch(func(buf []byte) int64 {
		n := kvList(strPtr(prefix), uint32(len(prefix)), ptr(buf), uint32(len(buf)))
		runtime.KeepAlive(prefix)
		runtime.KeepAlive(buf)
		return n
	})
	switch {
	case err != nil:
		return nil, err
	case code < 0:
		return nil, errHost
	}
	return abi.DecodeList(b, prefix)
}

func (hostBackend) Commit(reads map[string]int64, writes []store.Write) error {
	batch := abi.EncodeBatch(reads, writes)
	r := kvCommit(ptr(batch), uint32(len(batch)))
	runtime.KeepAlive(batch)
	switch r {
	case abi.CommitOK:
		return nil
	case abi.CommitConflict:
		return store.ErrConflict
	case abi.CommitError, abi.KVHostError:
		return errHost
	}
	return fmt.Errorf("host store commit answered %d, not 0, 1 or 2", r)
}
