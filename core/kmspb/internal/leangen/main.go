// Command leangen writes core/kmspb/messages.go from the .proto files'
// descriptors, as protoc-gen-go compiled them into internal/refpb: one plain
// struct per message and one field table for the package's shared codec
// (codec.go, wire.go, json.go). It also writes messages_test.go, which lists
// every table for the differential tests against refpb. Run by
// `go generate ./core/kmspb`, after protoc, from that directory.
package main

import (
	"bytes"
	"fmt"
	"go/format"
	"log"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/pocketkms/pocketkms/core/kmspb/internal/refpb" // registers the descriptors
)

// field is one message field as leangen needs it.
type field struct {
	num      int
	name     string // proto (and JSON) name
	goName   string
	kind     protoreflect.Kind
	repeated bool
	msg      string // Go type name of a message field
}

type message struct {
	name   string
	full   string // protobuf full name
	fields []field
}

func main() {
	log.SetFlags(0)
	var files []protoreflect.FileDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(fd.Path(), "google/") {
			files = append(files, fd)
		}
		return true
	})
	sort.Slice(files, func(i, j int) bool { return files[i].Path() < files[j].Path() })
	var msgs []message
	seen := map[string]string{}
	for _, fd := range files {
		for i := 0; i < fd.Messages().Len(); i++ {
			m := describe(fd.Messages().Get(i))
			if other, dup := seen[m.name]; dup {
				log.Fatalf("%s and %s: kmspb is one Go package, message names must differ", m.full, other)
			}
			seen[m.name] = m.full
			msgs = append(msgs, m)
		}
	}
	checkAcyclic(msgs)
	write("messages.go", generate(msgs))
	write("messages_test.go", tables(msgs))
}

func describe(md protoreflect.MessageDescriptor) message {
	if md.Messages().Len() > 0 || md.Enums().Len() > 0 || md.Oneofs().Len() > 0 {
		log.Fatalf("%s: nested types, enums and oneofs are not supported by leangen", md.FullName())
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(md.FullName())
	if err != nil {
		log.Fatal(err)
	}
	goNames := map[int]string{}
	st := reflect.TypeOf(mt.New().Interface()).Elem()
	for i := 0; i < st.NumField(); i++ {
		if tag := st.Field(i).Tag.Get("protobuf"); tag != "" {
			n, err := strconv.Atoi(strings.Split(tag, ",")[1])
			if err != nil {
				log.Fatalf("%s: bad protobuf tag %q", st, tag)
			}
			goNames[n] = st.Field(i).Name
		}
	}
	if md.Fields().Len() > 64 {
		log.Fatalf("%s: more than 64 fields; the JSON decoder tracks fields in a uint64", md.FullName())
	}
	m := message{name: string(md.Name()), full: string(md.FullName())}
	// Declaration order: protojson writes fields in it; the protobuf form
	// goes by number (the table's wire order).
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		if fd.JSONName() != string(fd.Name()) {
			log.Fatalf("%s: JSON name %q differs from the field name: the codec assumes one name per field", fd.FullName(), fd.JSONName())
		}
		if fd.HasPresence() && fd.Kind() != protoreflect.MessageKind {
			log.Fatalf("%s: explicit presence (optional) is not supported by leangen", fd.FullName())
		}
		f := field{num: int(fd.Number()), name: string(fd.Name()), goName: goNames[int(fd.Number())],
			kind: fd.Kind(), repeated: fd.IsList()}
		switch fd.Kind() {
		case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.BoolKind:
			if f.repeated && fd.Kind() != protoreflect.StringKind {
				log.Fatalf("%s: repeated %v is not supported by leangen", fd.FullName(), fd.Kind())
			}
		case protoreflect.MessageKind:
			if fd.IsMap() {
				log.Fatalf("%s: maps are not supported by leangen", fd.FullName())
			}
			if fd.Message().ParentFile().Package() != md.ParentFile().Package() && !sameGoPackage(fd.Message()) {
				log.Fatalf("%s: message from another package", fd.FullName())
			}
			f.msg = string(fd.Message().Name())
		default:
			log.Fatalf("%s: kind %v is not supported by leangen (add it to core/kmspb's codec and here)", fd.FullName(), fd.Kind())
		}
		if f.goName == "" {
			log.Fatalf("%s: no Go field", fd.FullName())
		}
		m.fields = append(m.fields, f)
	}
	return m
}

// sameGoPackage: every non-google file is compiled into refpb, hence kmspb.
func sameGoPackage(md protoreflect.MessageDescriptor) bool {
	return !strings.HasPrefix(md.ParentFile().Path(), "google/")
}

// checkAcyclic refuses message types that contain themselves: the tables
// point at each other from package-level variables, which Go initializes
// only without cycles.
func checkAcyclic(msgs []message) {
	byName := map[string]message{}
	for _, m := range msgs {
		byName[m.name] = m
	}
	var visit func(name string, path []string)
	visit = func(name string, path []string) {
		for _, p := range path {
			if p == name {
				log.Fatalf("recursive messages (%s) are not supported by leangen", strings.Join(append(path, name), " -> "))
			}
		}
		for _, f := range byName[name].fields {
			if f.msg != "" {
				visit(f.msg, append(path, name))
			}
		}
	}
	for _, m := range msgs {
		visit(m.name, nil)
	}
}

func (f field) goType() string {
	var t string
	switch f.kind {
	case protoreflect.StringKind:
		t = "string"
	case protoreflect.BytesKind:
		t = "[]byte"
	case protoreflect.Int32Kind:
		t = "int32"
	case protoreflect.Int64Kind:
		t = "int64"
	case protoreflect.BoolKind:
		t = "bool"
	case protoreflect.MessageKind:
		t = "*" + f.msg
	}
	if f.repeated {
		t = "[]" + t
	}
	return t
}

func (f field) codecKind() string {
	switch f.kind {
	case protoreflect.StringKind:
		return "KindString"
	case protoreflect.BytesKind:
		return "KindBytes"
	case protoreflect.Int32Kind:
		return "KindInt32"
	case protoreflect.Int64Kind:
		return "KindInt64"
	case protoreflect.BoolKind:
		return "KindBool"
	}
	return "KindMessage"
}

func generate(msgs []message) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("// Code generated by core/kmspb/internal/leangen. DO NOT EDIT.\n")
	p("package kmspb\n")
	p("import \"unsafe\"\n")
	for _, m := range msgs {
		x := m.name
		p("// %s is the protobuf message %s.", x, m.full)
		p("type %s struct {", x)
		for _, f := range m.fields {
			p("%s %s", f.goName, f.goType())
		}
		p("}\n")
		p("func (x *%s) table() (*table, unsafe.Pointer) { return &t%s, unsafe.Pointer(x) }\n", x, x)
		p("var t%s = table{name: %q, full: %q, new: func() Message { return new(%s) }, alloc: func() unsafe.Pointer { return unsafe.Pointer(new(%s)) },", x, x, m.full, x, x)
		if !byNumber(m.fields) {
			order := make([]int, len(m.fields))
			for i := range order {
				order[i] = i
			}
			sort.SliceStable(order, func(i, j int) bool { return m.fields[order[i]].num < m.fields[order[j]].num })
			s := make([]string, len(order))
			for i, o := range order {
				s[i] = strconv.Itoa(o)
			}
			p("wire: []uint8{%s},", strings.Join(s, ", "))
		}
		if len(m.fields) > 0 {
			p("fields: []field{")
			for _, f := range m.fields {
				sub := ""
				if f.msg != "" {
					sub = fmt.Sprintf(", sub: &t%s", f.msg)
				}
				list := ""
				if f.repeated {
					list = ", list: true"
				}
				p("{num: %d, name: %q, kind: %s%s, off: unsafe.Offsetof(%s{}.%s)%s},", f.num, f.name, f.codecKind(), list, x, f.goName, sub)
			}
			p("},")
		}
		p("}\n")
	}
	return b.Bytes()
}

func byNumber(fs []field) bool {
	for i := 1; i < len(fs); i++ {
		if fs[i].num < fs[i-1].num {
			return false
		}
	}
	return true
}

func tables(msgs []message) []byte {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("// Code generated by core/kmspb/internal/leangen. DO NOT EDIT.\n")
	p("package kmspb\n")
	p("// allTables lists every message, for the tests; the package itself")
	p("// reaches a table only through its message type.")
	p("var allTables = []*table{")
	for _, m := range msgs {
		p("&t%s,", m.name)
	}
	p("}")
	return b.Bytes()
}

func write(path string, src []byte) {
	out, err := format.Source(src)
	if err != nil {
		os.WriteFile(path, src, 0o644)
		log.Fatalf("%s: %v", path, err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		log.Fatal(err)
	}
}
