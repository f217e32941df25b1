package kmspb

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/pocketkms/pocketkms/core/kmspb/internal/refpb" // the reference's types
)

// The reference is google.golang.org/protobuf on protoc-gen-go's types for
// the same .proto files (internal/refpb): every test here says "kmspb
// answers as proto/protojson do".

var (
	jsonOut = protojson.MarshalOptions{UseProtoNames: true}
	jsonIn  = protojson.UnmarshalOptions{}
)

// names lists every message both sides know, sorted.
func names(t testing.TB) []string {
	var out []string
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(fd.Path(), "google/") {
			return true
		}
		for i := 0; i < fd.Messages().Len(); i++ {
			out = append(out, string(fd.Messages().Get(i).FullName()))
		}
		return true
	})
	sort.Strings(out)
	if len(out) != len(allTables) {
		t.Fatalf("refpb has %d messages, kmspb %d: run go generate ./core/kmspb", len(out), len(allTables))
	}
	for _, tab := range allTables {
		if tab.new == nil || tab.alloc == nil {
			t.Fatalf("the table of %s is from an older generator: run go generate ./core/kmspb", tab.name)
		}
	}
	for _, name := range out {
		if newLean(name) == nil {
			t.Fatalf("kmspb has no %s: run go generate ./core/kmspb", name)
		}
	}
	return out
}

// newLean returns a new kmspb message by its full name.
func newLean(name string) Message {
	for _, t := range allTables {
		if t.full == name {
			return t.new()
		}
	}
	return nil
}

func newFull(t testing.TB, name string) proto.Message {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// rounds of TestDifferential per message: fewer inside WebAssembly
// (make test-wasm-core), where the reference runtime is slow, and the
// native run has covered the same random values already.
var rounds = map[bool]int{false: 300, true: 30}[runtime.GOARCH == "wasm"]

// TestDifferential fills every message with random values (many times each)
// and checks both encodings and both decodings against the reference.
func TestDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, name := range names(t) {
		t.Run(name, func(t *testing.T) {
			for i := 0; i < rounds; i++ {
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
	lean := newLean(name)
	if err := Unmarshal(wire, lean); err != nil {
		t.Fatalf("%s: lean cannot decode proto.Marshal's %x: %v", name, wire, err)
	}
	got, err := Marshal(lean)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, wire) {
		t.Fatalf("%s: proto form\n lean %x\n want %x", name, got, wire)
	}
	c := Clone(lean)
	if got, _ := Marshal(c); !bytes.Equal(got, wire) || !Equal(c, lean) {
		t.Fatalf("%s: the clone encodes as %x, want %x", name, got, wire)
	}
	if Equal(c, newLean(name)) != (len(wire) == 0) {
		t.Fatalf("%s: Equal says %x is the empty message", name, wire)
	}
	wantJSON, err := jsonOut.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	gotJSON, err := MarshalJSON(lean)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, gotJSON, wantJSON) {
		t.Fatalf("%s: JSON form\n lean %s\n want %s", name, gotJSON, wantJSON)
	}
	// Each side reads the other's JSON back to the same message.
	back := newLean(name)
	if err := UnmarshalJSON(wantJSON, back); err != nil {
		t.Fatalf("%s: lean cannot read protojson's %s: %v", name, wantJSON, err)
	}
	if b, _ := Marshal(back); !bytes.Equal(b, wire) {
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
	case protoreflect.Int64Kind:
		vals := []int64{0, 1, -1, 1 << 53, -1 << 63, 1<<63 - 1, int64(r.Uint64())}
		return protoreflect.ValueOfInt64(vals[r.IntN(len(vals))])
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

		full, lean := newFull(t, name), newLean(name)
		errF, errL := proto.Unmarshal(data, full), Unmarshal(data, lean)
		if errText(errF) != errText(errL) {
			t.Fatalf("%s proto %x: reference error %v, lean error %v", name, data, errF, errL)
		}
		if errF == nil {
			dropUnknown(full.ProtoReflect())
			checkSame(t, name, full)
		}

		full, lean = newFull(t, name), newLean(name)
		errF, errL = jsonIn.Unmarshal(data, full), UnmarshalJSON(data, lean)
		if errF == nil && errL != nil && !json.Valid(data) {
			return // protojson's tokenizer lets some malformed numbers through ("0e"); lean refuses them
		}
		if (errF == nil) != (errL == nil) {
			t.Fatalf("%s JSON %q: reference error %v, lean error %v", name, data, errF, errL)
		}
		if errF == nil {
			want, _ := proto.Marshal(full)
			if got, _ := Marshal(lean); !bytes.Equal(got, want) {
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

// dropUnknown clears unknown fields, which the reference keeps and kmspb
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
