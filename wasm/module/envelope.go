package main

import (
	"crypto/rand"
	"io"
	"runtime"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/abi"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// This file builds pkms_call's result envelope. It has no build tag so that
// the panic handling is unit-tested natively.

// appendEnvelope runs one operation and appends its result envelope to dst:
// 0 and the response (framed with its metadata for FormatProtoMeta), or 1
// and the Error message in the request's format (JSON when the format is
// unknown). run appends the response to the buffer it is given, which
// already holds the status byte. A panic in run becomes a 500
// InternalFailure, so that the instance stays usable.
func appendEnvelope(dst []byte, format int32, run func(dst []byte) ([]byte, error)) (out []byte) {
	start := len(dst)
	defer func() {
		if r := recover(); r != nil {
			out = appendError(dst[:start], format, panicError(r))
		}
	}()
	out, err := run(append(dst, abi.ResultOK))
	if err != nil {
		return appendError(dst[:start], format, err)
	}
	return out
}

// errorRand draws the RequestId of error results: the instance's pool in
// the module (exports.go), crypto/rand in native tests.
var errorRand io.Reader = rand.Reader

// appendError appends err's envelope: 1, then the product's Error message.
func appendError(dst []byte, format int32, err error) []byte {
	msg := kms.ErrorMessage(err, ids.NewRequestID(errorRand))
	var b []byte
	var merr error
	if format == abi.FormatProto || format == abi.FormatProtoMeta {
		b, merr = kmspb.Marshal(msg)
	} else {
		b, merr = kmspb.MarshalJSON(msg)
	}
	if merr != nil {
		b = []byte(`{"StatusCode":500,"ErrorCode":"InternalFailure","ErrorMessage":"cannot encode the error"}`)
	}
	return append(append(dst, abi.ResultError), b...)
}

// panicError reports a recovered panic without echoing arbitrary values,
// which could hold request data: runtime errors are safe to name.
func panicError(r any) error {
	if re, ok := r.(runtime.Error); ok {
		return kmserr.Internal("the module recovered from a panic: %v", re)
	}
	return kmserr.Internal("the module recovered from a panic (%T)", r)
}

// appendMeta runs a FormatProtoMeta request and appends the framed
// response to dst. The frame starts with the key version id the call
// returns, so the response is encoded first and moved up behind the frame:
// a copy within the buffer, not a second buffer.
func appendMeta(dst []byte, e *kms.Engine, api string, framed []byte) ([]byte, error) {
	version, body, err := abi.DecodeMeta(framed)
	if err != nil {
		return nil, kmserr.Internal("pkms_call: %v", err)
	}
	start := len(dst)
	out, meta, err := e.AppendProtoMeta(dst, api, body, kms.Meta{KeyVersionID: version})
	if err != nil {
		return nil, err
	}
	frame := abi.AppendMeta(nil, meta.KeyVersionID)
	out = append(out, frame...) // room for the frame
	copy(out[start+len(frame):], out[start:len(out)-len(frame)])
	copy(out[start:], frame)
	return out, nil
}
