//go:build !pocketkms_lean

package kmspb

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pocketkms/pocketkms/core/kmspb/leanpb"
)

// Message is any kmspb message. The engine and its hosts encode and decode
// them only through this file's functions, so that builds with the
// pocketkms_lean tag (lean.go, codec_lean.go) can swap the protobuf runtime
// for leanpb without touching them.
type Message = proto.Message

// Marshal encodes m in the protobuf wire form.
func Marshal(m Message) ([]byte, error) { return proto.Marshal(m) }

// Unmarshal decodes the protobuf wire form into m, replacing its contents.
func Unmarshal(b []byte, m Message) error { return proto.Unmarshal(b, m) }

// MarshalJSON encodes m in the JSON form: protojson's with UseProtoNames
// (field names as the product spells them, bytes as standard base64).
//
// Both builds write and read JSON with leanpb, going through the protobuf
// form here, so that a JSON request gets the same answer, errors included,
// from the native engine and the module. The JSON form serves scripts, the
// CLI and the playground, where the extra copy does not matter.
func MarshalJSON(m Message) ([]byte, error) {
	wire, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	l := leanOf(m)
	if err := l.UnmarshalProto(wire); err != nil {
		return nil, err
	}
	return l.MarshalJSON()
}

// UnmarshalJSON decodes the JSON form into m, replacing its contents.
func UnmarshalJSON(b []byte, m Message) error {
	l := leanOf(m)
	if err := l.UnmarshalJSON(b); err != nil {
		return err
	}
	wire, err := l.MarshalProto()
	if err != nil {
		return err
	}
	return proto.Unmarshal(wire, m)
}

func leanOf(m Message) leanpb.Message {
	l := leanpb.New(string(m.ProtoReflect().Descriptor().FullName()))
	if l == nil { // leanpb is generated from these very descriptors
		panic("kmspb: leanpb has no " + string(m.ProtoReflect().Descriptor().FullName()) + ": run go generate ./core/kmspb")
	}
	return l
}

// SetRequestId sets m's RequestId field, if it has one.
func SetRequestId(m Message, id string) {
	r := m.ProtoReflect()
	if f := r.Descriptor().Fields().ByName("RequestId"); f != nil && f.Kind() == protoreflect.StringKind && !f.IsList() {
		r.Set(f, protoreflect.ValueOfString(id))
	}
}
