package main

import (
	"crypto/rand"
	"encoding/binary"
	"runtime"

	"github.com/pocketkms/pocketkms/core/ids"
	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/kmspb"
)

// This file builds pkms_call's result envelope. It has no build tag so that
// the panic handling is unit-tested natively.

// Request formats of pkms_call. formatProtoMeta is formatProto with the
// metadata the instance API carries in headers (kms.Meta): the request is
// uvarint(n) ‖ the n-byte key version id ‖ the protobuf body, and a
// successful result is uvarint(n) ‖ the key version id used ‖ the protobuf
// response (docs/wasm-abi.md).
const (
	formatProto     = 0
	formatJSON      = 1
	formatProtoMeta = 2
)

// envelope runs one operation and returns its result buffer: 0 and the
// response, or 1 and the Error message in the request's format (JSON when
// the format is unknown). A panic in run becomes a 500 InternalFailure, so
// that the instance stays usable.
func envelope(format int32, run func() ([]byte, error)) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out = errorResult(format, panicError(r))
		}
	}()
	resp, err := run()
	if err != nil {
		return errorResult(format, err)
	}
	return append([]byte{0}, resp...)
}

// errorResult encodes err as the product's Error message, prefixed with 1.
func errorResult(format int32, err error) []byte {
	msg := kms.ErrorMessage(err, ids.NewRequestID(rand.Reader))
	var b []byte
	var merr error
	if format == formatProto || format == formatProtoMeta {
		b, merr = kmspb.Marshal(msg)
	} else {
		b, merr = kmspb.MarshalJSON(msg)
	}
	if merr != nil {
		b = []byte(`{"StatusCode":500,"ErrorCode":"InternalFailure","ErrorMessage":"cannot encode the error"}`)
	}
	return append([]byte{1}, b...)
}

// panicError reports a recovered panic without echoing arbitrary values,
// which could hold request data: runtime errors are safe to name.
func panicError(r any) error {
	if re, ok := r.(runtime.Error); ok {
		return kmserr.Internal("the module recovered from a panic: %v", re)
	}
	return kmserr.Internal("the module recovered from a panic (%T)", r)
}

// callMeta runs a formatProtoMeta request.
func callMeta(e *kms.Engine, api string, framed []byte) ([]byte, error) {
	n, k := binary.Uvarint(framed)
	if k <= 0 || n > uint64(len(framed)-k) {
		return nil, kmserr.Internal("pkms_call: a format 2 request does not start with its metadata")
	}
	in := kms.Meta{KeyVersionID: string(framed[k : k+int(n)])}
	out, meta, err := e.CallProtoMeta(api, framed[k+int(n):], in)
	if err != nil {
		return nil, err
	}
	res := binary.AppendUvarint(nil, uint64(len(meta.KeyVersionID)))
	res = append(res, meta.KeyVersionID...)
	return append(res, out...), nil
}
