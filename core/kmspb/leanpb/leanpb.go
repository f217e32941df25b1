// Package leanpb holds the kmspb messages with a codec of their own: plain
// structs that encode and decode the protobuf wire form with protowire and
// the JSON form with encoding/json, byte for byte and value for value what
// google.golang.org/protobuf's proto and protojson (UseProtoNames) do for the
// generated kmspb types.
//
// It exists for size. The protobuf runtime (reflection, registries,
// protojson) is more than half of the WebAssembly module and of the Worker
// bundle; builds with the pocketkms_lean tag make kmspb's types aliases of
// these, and leave the runtime out. Native builds keep the generated types.
// TestDifferential and FuzzDifferential hold the two to the same answers.
//
// messages.go is generated from the kmspb descriptors by
// core/kmspb/internal/leangen (`go generate ./core/kmspb`); this file and
// json.go are the hand-written support it calls.
package leanpb

import (
	"errors"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Message is what every leanpb message implements.
type Message interface {
	// MarshalProto encodes the message as proto.Marshal does: fields in
	// number order, zero scalars omitted.
	MarshalProto() ([]byte, error)
	// UnmarshalProto resets the message and decodes b as proto.Unmarshal
	// does: unknown fields and fields of an unexpected wire type skipped,
	// repeated singular messages merged, invalid UTF-8 in a string refused.
	UnmarshalProto(b []byte) error
	// MarshalJSON encodes the message as protojson with UseProtoNames.
	MarshalJSON() ([]byte, error)
	// UnmarshalJSON resets the message and decodes b as protojson does:
	// unknown and duplicate fields refused.
	UnmarshalJSON(b []byte) error
	Reset()
}

// message is the generated side of Message.
type message interface {
	Message
	appendProto(b []byte) ([]byte, error)
	mergeProto(b []byte) error
	appendJSON(b []byte) ([]byte, error)
	decodeJSON(d *decoder) (null bool, err error)
}

func marshalProto(m message) ([]byte, error) {
	b, err := m.appendProto(nil)
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{} // proto.Marshal of an empty message is empty, not nil
	}
	return b, nil
}

func unmarshalProto(m message, b []byte) error {
	m.Reset()
	if err := m.mergeProto(b); err != nil {
		m.Reset() // a failed decode leaves nothing half-filled
		return err
	}
	return nil
}

// appendMessage appends a length-delimited sub-message.
func appendMessage(b []byte, num protowire.Number, m message) ([]byte, error) {
	sub, err := m.appendProto(nil)
	if err != nil {
		return nil, err
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, sub), nil
}

// appendString appends a string field, refusing invalid UTF-8 as proto3 does.
func appendString(b []byte, num protowire.Number, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, errInvalidUTF8
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s), nil
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// consumeBytes reads a length-delimited value.
func consumeBytes(b []byte) ([]byte, int, error) {
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return nil, 0, errDecode
	}
	return v, n, nil
}

func consumeString(b []byte) (string, int, error) {
	v, n, err := consumeBytes(b)
	if err != nil {
		return "", 0, err
	}
	if !utf8.Valid(v) {
		return "", 0, errInvalidUTF8
	}
	return string(v), n, nil
}

func consumeVarint(b []byte) (uint64, int, error) {
	v, n := protowire.ConsumeVarint(b)
	if n < 0 {
		return 0, 0, errDecode
	}
	return v, n, nil
}

// skipField consumes the value of a field the message does not know (or
// knows with another wire type, which protobuf treats the same way).
func skipField(num protowire.Number, typ protowire.Type, b []byte) (int, error) {
	n := protowire.ConsumeFieldValue(num, typ, b)
	if n < 0 {
		return 0, errDecode
	}
	return n, nil
}

func consumeTag(b []byte) (protowire.Number, protowire.Type, int, error) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return 0, 0, 0, errDecode
	}
	if num > protowire.MaxValidNumber { // ConsumeTag lets these through; proto.Unmarshal does not
		return 0, 0, 0, errDecode
	}
	return num, typ, n, nil
}

// The protobuf form's errors read as google.golang.org/protobuf's (whose
// "proto:" prefix the engine trims), so that a bad request gets the same
// answer from a native build and a lean one.
var (
	errDecode      = errors.New("proto: cannot parse invalid wire-format data")
	errInvalidUTF8 = errors.New("string field contains invalid UTF-8")
)
