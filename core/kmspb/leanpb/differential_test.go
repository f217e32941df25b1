//go:build !pocketkms_lean

package leanpb_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/kmspb/leanpb"
)

// The reference is google.golang.org/protobuf on the generated kmspb types:
// every test here says "leanpb answers as proto/protojson do".

var (
	jsonOut = protojson.MarshalOptions{UseProtoNames: true}
	jsonIn  = protojson.UnmarshalOptions{}
)

// names lists every message both sides know, sorted.
func names(t testing.TB) []string {
	var out []string
	for _, fd := range []protoreflect.FileDescriptor{kmspb.File_dkms_gcs_proto, kmspb.File_admin_proto} {
		for i := 0; i < fd.Messages().Len(); i++ {
			out = append(out, string(fd.Messages().Get(i).FullName()))
		}
	}
	sort.Strings(out)
	for _, name := range out {
		if leanpb.New(name) == nil {
			t.Fatalf("leanpb has no %s: run go generate ./core/kmspb", name)
		}
	}
	return out
}

func newFull(t testing.TB, name string) proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// TestDifferential fills every message with random values (many times each)
// and checks both encodings and both decodings against the reference.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range names(t) {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < 300; i++ {
				full := newFull(t, name)
				fill(full.ProtoReflect(), r, 0)
				checkSame(t, name, full)
			}
		})
	}
}

// checkSame: lean decodes the reference's bytes and JSON to the same message,
// and encodes it to the same bytes and the same JSON value.
func checkSame(t testing.TB, name string, full proto.Message) {
	t.Helper()
	wire, err := proto.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	lean := leanpb.New(name)
	if err := lean.UnmarshalProto(wire); err != nil {
		t.Fatalf("%s: lean cannot decode proto.Marshal's %x: %v", name, wire, err)
	}
	got, err := lean.MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wire) {
		t.Fatalf("%s: proto form\n lean %x\n want %x", name, got, wire)
	}
	wantJSON, err := jsonOut.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, err := lean.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, gotJSON, wantJSON) {
		t.Fatalf("%s: JSON form\n lean %s\n want %s", name, gotJSON, wantJSON)
	}
	// Each side reads the other's JSON back to the same message.
	back := leanpb.New(name)
	if err := back.UnmarshalJSON(wantJSON); err != nil {
		t.Fatalf("%s: lean cannot read protojson's %s: %v", name, wantJSON, err)
	}
	if b, _ := back.MarshalProto(); !bytes.Equal(b, wire) {
		t.Fatalf("%s: lean read %s as %x, want %x", name, wantJSON, b, wire)
	}
	fullBack := newFull(t, name)
	if err := jsonIn.Unmarshal(gotJSON, fullBack); err != nil {
		t.Fatalf("%s: protojson cannot read lean's %s: %v", name, gotJSON, err)
	}
	if !proto.Equal(fullBack, full) {
		t.Fatalf("%s: protojson read lean's %s as %v", name, gotJSON, fullBack)
	}
}

func sameJSON(t testing.TB, a, b []byte) bool {
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("not JSON: %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("not JSON: %s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

var samples = []string{"", "x", "key-abc", "é", "日本", "\x00\x01\x7f", "a\"b\\c\n\t\r\b\f", "\u2028<>&", "🔑"}

// fill sets about half of m's fields to random values.
func fill(m protoreflect.Message, r *rand.Rand, depth int) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if r.IntN(2) == 0 {
			continue
		}
		if fd.IsList() {
			l := m.Mutable(fd).List()
			for n := r.IntN(4); n > 0; n-- {
				if fd.Kind() == protoreflect.MessageKind {
					if depth < 3 {
						e := l.NewElement()
						fill(e.Message(), r, depth+1)
						l.Append(e)
					}
					continue
				}
				l.Append(scalar(fd, r))
			}
			continue
		}
		if fd.Kind() == protoreflect.MessageKind {
			if depth < 3 {
				fill(m.Mutable(fd).Message(), r, depth+1)
			}
			continue
		}
		m.Set(fd, scalar(fd, r))
	}
}

func scalar(fd protoreflect.FieldDescriptor, r *rand.Rand) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(samples[r.IntN(len(samples))] + samples[r.IntN(len(samples))])
	case protoreflect.BytesKind:
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return protoreflect.ValueOfBytes(b)
	case protoreflect.Int32Kind:
		vals := []int32{0, 1, -1, 127, 128, 1 << 30, -1 << 31, 1<<31 - 1, int32(r.Uint32())}
		return protoreflect.ValueOfInt32(vals[r.IntN(len(vals))])
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(r.IntN(2) == 0)
	}
	panic("unexpected kind " + fd.Kind().String())
}

// FuzzDifferential feeds the same bytes to both decoders, as the protobuf
// form and as the JSON form, and wants the same verdict and, when both
// accept, the same message.
func FuzzDifferential(f *testing.F) {
	all := names(f)
	r := rand.New(rand.NewPCG(3, 4))
	for i, name := range all {
		full := newFull(f, name)
		fill(full.ProtoReflect(), r, 0)
		wire, _ := proto.Marshal(full)
		js, _ := jsonOut.Marshal(full)
		f.Add(uint8(i), wire)
		f.Add(uint8(i), js)
	}
	for _, s := range []string{`{"Length": "12"}`, `{"Length": 1.2e1}`, `{"Length": -0}`, `{"Length": 1e400}`, `{"KeyId": null}`,
		`{"KeyId":"a","KeyId":"b"}`, `{"Plaintext":"YQ"}`, `{"Plaintext":"-_-_"}`, `{"X":1}`, `null`, `{} {}`, `{"KeyId":"\ud800"}`} {
		f.Add(uint8(0), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := all[int(which)%len(all)]

		full, lean := newFull(t, name), leanpb.New(name)
		errF, errL := proto.Unmarshal(data, full), lean.UnmarshalProto(data)
		if errText(errF) != errText(errL) {
			t.Fatalf("%s proto %x: reference error %v, lean error %v", name, data, errF, errL)
		}
		if errF == nil {
			dropUnknown(full.ProtoReflect())
			checkSame(t, name, full)
		}

		full, lean = newFull(t, name), leanpb.New(name)
		errF, errL = jsonIn.Unmarshal(data, full), lean.UnmarshalJSON(data)
		if errF == nil && errL != nil && !json.Valid(data) {
			return // protojson's tokenizer lets some malformed numbers through ("0e"); lean refuses them
		}
		if (errF == nil) != (errL == nil) {
			t.Fatalf("%s JSON %q: reference error %v, lean error %v", name, data, errF, errL)
		}
		if errF == nil {
			want, _ := proto.Marshal(full)
			if got, _ := lean.MarshalProto(); !bytes.Equal(got, want) {
				t.Fatalf("%s JSON %q: lean read %x, reference %x", name, data, got, want)
			}
		}
	})
}

// errText is an error's text with the reference's deliberately random
// "proto:" spacing made plain.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}

// dropUnknown clears unknown fields, which the reference keeps and leanpb
// (like the engine, which never re-encodes a request) drops.
func dropUnknown(m protoreflect.Message) {
	m.SetUnknown(nil)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		if fd.IsList() {
			for i := 0; i < v.List().Len(); i++ {
				dropUnknown(v.List().Get(i).Message())
			}
		} else {
			dropUnknown(v.Message())
		}
		return true
	})
}
