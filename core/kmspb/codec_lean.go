//go:build pocketkms_lean

package kmspb

import "github.com/pocketkms/pocketkms/core/kmspb/leanpb"

// Message is any kmspb message; see codec.go.
type Message = leanpb.Message

// Marshal encodes m in the protobuf wire form.
func Marshal(m Message) ([]byte, error) { return m.MarshalProto() }

// Unmarshal decodes the protobuf wire form into m, replacing its contents.
func Unmarshal(b []byte, m Message) error { return m.UnmarshalProto(b) }

// SetRequestId sets m's RequestId field, if it has one.
func SetRequestId(m Message, id string) { leanpb.SetRequestId(m, id) }

// MarshalJSON encodes m as protojson does with UseProtoNames.
func MarshalJSON(m Message) ([]byte, error) { return m.MarshalJSON() }

// UnmarshalJSON decodes protojson's JSON form into m, replacing its contents.
func UnmarshalJSON(b []byte, m Message) error { return m.UnmarshalJSON(b) }
