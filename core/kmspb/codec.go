package kmspb

import "unsafe"

// Message is any kmspb message: a pointer to one of messages.go's structs.
// Encode and decode them with Marshal, Unmarshal, MarshalJSON and
// UnmarshalJSON.
type Message interface {
	// table returns the message's field table and the struct's address,
	// the two things the codec's walkers need.
	table() (*table, unsafe.Pointer)
}

// Kind is the type of a field's values.
type Kind uint8

const (
	KindString Kind = iota + 1
	KindBytes
	KindInt32
	KindInt64
	KindBool
	KindMessage
)

// table describes one message: what the generator read from its descriptor.
type table struct {
	name   string // the message's name, also its Go type's
	full   string // protobuf full name
	new    func() Message
	alloc  func() unsafe.Pointer // new, for the walkers
	fields []field               // declaration order, which the JSON form follows
	wire   []uint8               // field indexes in number order when that differs
}

// field is one row of a table. off is the Go field's offset in the struct;
// the walkers read and write the value through it with the Go type that
// kind and list imply, which the generator wrote from the same row.
type field struct {
	num  int32
	name string // proto and JSON name
	kind Kind
	list bool
	off  uintptr
	sub  *table // KindMessage's type
}

func (f *field) ptr(p unsafe.Pointer) unsafe.Pointer { return unsafe.Add(p, f.off) }

// byNum returns the field numbered num, nil if none.
func (t *table) byNum(num int32) *field {
	for i := range t.fields {
		if t.fields[i].num == num {
			return &t.fields[i]
		}
	}
	return nil
}

func (t *table) byName(name string) *field {
	if i := t.index(name); i >= 0 {
		return &t.fields[i]
	}
	return nil
}

// index is the position of the field called name, -1 if none.
func (t *table) index(name string) int {
	for i := range t.fields {
		if t.fields[i].name == name {
			return i
		}
	}
	return -1
}

// reset zeroes every field, with typed stores (the garbage collector must
// see pointer fields overwritten).
func (t *table) reset(p unsafe.Pointer) {
	for i := range t.fields {
		f := &t.fields[i]
		q := f.ptr(p)
		switch {
		case f.list && f.kind == KindString:
			*(*[]string)(q) = nil
		case f.list:
			*(*[]unsafe.Pointer)(q) = nil
		case f.kind == KindString:
			*(*string)(q) = ""
		case f.kind == KindBytes:
			*(*[]byte)(q) = nil
		case f.kind == KindInt32:
			*(*int32)(q) = 0
		case f.kind == KindInt64:
			*(*int64)(q) = 0
		case f.kind == KindBool:
			*(*bool)(q) = false
		case f.kind == KindMessage:
			*(*unsafe.Pointer)(q) = nil
		}
	}
}

// messages returns the elements of a repeated message field: a []*T has
// the layout of a []unsafe.Pointer.
func messages(q unsafe.Pointer) *[]unsafe.Pointer { return (*[]unsafe.Pointer)(q) }

// SetRequestId sets m's RequestId field, if it has one.
func SetRequestId(m Message, id string) {
	t, p := m.table()
	if f := t.byName("RequestId"); f != nil && f.kind == KindString && !f.list && p != nil {
		*(*string)(f.ptr(p)) = id
	}
}

// Field describes one field of a message, for code that checks input
// against the schema field by field (the seed parser names the exact field
// of an error).
type Field struct {
	Name     string
	Kind     Kind
	Repeated bool
	f        *field
	owner    *table
}

// Fields lists m's fields in declaration order.
func Fields(m Message) []Field {
	t, _ := m.table()
	out := make([]Field, len(t.fields))
	for i := range t.fields {
		f := &t.fields[i]
		out[i] = Field{Name: f.name, Kind: f.kind, Repeated: f.list, f: f, owner: t}
	}
	return out
}

// Message returns a new, empty message of a KindMessage field's type; nil
// for other kinds.
func (f Field) Message() Message {
	if f.f == nil || f.f.sub == nil {
		return nil
	}
	return f.f.sub.new()
}

// CheckJSON reports whether value is a valid JSON value for one element of
// the field (the whole value when it is not repeated), with the error
// UnmarshalJSON would give for it.
func (f Field) CheckJSON(value []byte) error {
	m := f.owner.new()
	_, p := m.table()
	return decodeJSONValue(value, func(d *decoder) error { return d.element(f.owner, f.f, p) })
}

// Clone returns a deep copy of m.
func Clone[M Message](m M) M {
	t, p := m.table()
	c := t.new()
	if p != nil {
		_, q := c.table()
		t.copy(q, p)
	}
	return c.(M)
}

func (t *table) copy(dst, src unsafe.Pointer) {
	for i := range t.fields {
		f := &t.fields[i]
		d, s := f.ptr(dst), f.ptr(src)
		switch {
		case f.list && f.kind == KindString:
			*(*[]string)(d) = append([]string(nil), *(*[]string)(s)...)
		case f.list:
			for _, e := range *messages(s) {
				c := f.sub.alloc()
				if e != nil {
					f.sub.copy(c, e)
				}
				*messages(d) = append(*messages(d), c)
			}
		case f.kind == KindString:
			*(*string)(d) = *(*string)(s)
		case f.kind == KindBytes:
			if v := *(*[]byte)(s); v != nil {
				*(*[]byte)(d) = append([]byte{}, v...)
			}
		case f.kind == KindInt32:
			*(*int32)(d) = *(*int32)(s)
		case f.kind == KindInt64:
			*(*int64)(d) = *(*int64)(s)
		case f.kind == KindBool:
			*(*bool)(d) = *(*bool)(s)
		case f.kind == KindMessage:
			if e := *(*unsafe.Pointer)(s); e != nil {
				c := f.sub.alloc()
				f.sub.copy(c, e)
				*(*unsafe.Pointer)(d) = c
			}
		}
	}
}

// Equal reports whether a and b are the same message type with the same
// field values (an empty list or bytes equals an absent one, as in proto3).
func Equal(a, b Message) bool {
	ta, _ := a.table()
	tb, _ := b.table()
	if ta != tb {
		return false
	}
	wa, errA := Marshal(a)
	wb, errB := Marshal(b)
	return errA == nil && errB == nil && string(wa) == string(wb)
}
