package kmspb

import (
	"errors"
	"slices"
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// The protobuf form, byte for byte what proto.Marshal writes for the same
// message (fields in number order, zero scalars omitted, packed nothing:
// the only repeated scalars are strings) and value for value what
// proto.Unmarshal reads (unknown fields and fields of an unexpected wire
// type skipped, repeated singular messages merged, invalid UTF-8 refused).

// The errors read as google.golang.org/protobuf's (whose "proto:" prefix
// the engine trims), the reference the differential tests compare with.
var (
	errDecode      = errors.New("proto: cannot parse invalid wire-format data")
	errInvalidUTF8 = errors.New("string field contains invalid UTF-8")
	errNilMessage  = errors.New("kmspb: decoding into a nil message")
)

// Marshal encodes m in the protobuf wire form.
func Marshal(m Message) ([]byte, error) {
	t, p := m.table()
	if p == nil {
		return []byte{}, nil
	}
	return t.appendWire(make([]byte, 0, t.size(p)), p)
}

// MarshalAppend appends m's protobuf encoding to b, growing it once, so that
// a caller that frames or buffers the encoding writes it where it will stay
// (the WebAssembly module's reused result buffer) instead of copying it from
// a fresh one.
func MarshalAppend(b []byte, m Message) ([]byte, error) {
	t, p := m.table()
	if p == nil {
		return b, nil
	}
	return t.appendWire(slices.Grow(b, t.size(p)), p)
}

// Unmarshal decodes the protobuf wire form into m, replacing its contents.
// On error m is left empty, never half-filled.
func Unmarshal(b []byte, m Message) error { return unmarshal(b, m, false) }

// UnmarshalAlias is Unmarshal whose bytes fields are slices of b rather than
// copies (strings are still copies): for a caller that is done with m before
// b changes, and for which a copy of every bytes field is the dearest part
// of decoding (inside WebAssembly, a 6 KiB plaintext's copy costs more than
// the rest of the decode).
func UnmarshalAlias(b []byte, m Message) error { return unmarshal(b, m, true) }

func unmarshal(b []byte, m Message, alias bool) error {
	t, p := m.table()
	if p == nil {
		return errNilMessage
	}
	t.reset(p)
	if err := t.merge(b, p, alias); err != nil {
		t.reset(p)
		return err
	}
	return nil
}

func (t *table) field(i int) *field {
	if t.wire != nil {
		return &t.fields[t.wire[i]]
	}
	return &t.fields[i]
}

func tagSize(num int32) int { return protowire.SizeVarint(uint64(num) << 3) }

// size is the length of p's encoding.
func (t *table) size(p unsafe.Pointer) int {
	n := 0
	for i := range t.fields {
		f := &t.fields[i]
		q := f.ptr(p)
		switch f.kind {
		case KindString:
			if f.list {
				for _, s := range *(*[]string)(q) {
					n += tagSize(f.num) + protowire.SizeBytes(len(s))
				}
			} else if s := *(*string)(q); s != "" {
				n += tagSize(f.num) + protowire.SizeBytes(len(s))
			}
		case KindBytes:
			if v := *(*[]byte)(q); len(v) > 0 {
				n += tagSize(f.num) + protowire.SizeBytes(len(v))
			}
		case KindInt32:
			if v := *(*int32)(q); v != 0 {
				n += tagSize(f.num) + protowire.SizeVarint(uint64(int64(v)))
			}
		case KindInt64:
			if v := *(*int64)(q); v != 0 {
				n += tagSize(f.num) + protowire.SizeVarint(uint64(v))
			}
		case KindBool:
			if *(*bool)(q) {
				n += tagSize(f.num) + 1
			}
		case KindMessage:
			if f.list {
				for _, s := range *messages(q) {
					n += tagSize(f.num) + protowire.SizeBytes(f.sub.sizeOf(s))
				}
			} else if s := *(*unsafe.Pointer)(q); s != nil {
				n += tagSize(f.num) + protowire.SizeBytes(f.sub.size(s))
			}
		}
	}
	return n
}

// sizeOf is size where a nil element of a list is an empty message.
func (t *table) sizeOf(p unsafe.Pointer) int {
	if p == nil {
		return 0
	}
	return t.size(p)
}

func (t *table) appendWire(b []byte, p unsafe.Pointer) (_ []byte, err error) {
	for i := range t.fields {
		f := t.field(i)
		q := f.ptr(p)
		switch f.kind {
		case KindString:
			if f.list {
				for _, s := range *(*[]string)(q) {
					if b, err = appendString(b, f.num, s); err != nil {
						return nil, err
					}
				}
			} else if s := *(*string)(q); s != "" {
				if b, err = appendString(b, f.num, s); err != nil {
					return nil, err
				}
			}
		case KindBytes:
			if v := *(*[]byte)(q); len(v) > 0 {
				b = protowire.AppendTag(b, protowire.Number(f.num), protowire.BytesType)
				b = protowire.AppendBytes(b, v)
			}
		case KindInt32:
			if v := *(*int32)(q); v != 0 {
				b = protowire.AppendTag(b, protowire.Number(f.num), protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(int64(v)))
			}
		case KindInt64:
			if v := *(*int64)(q); v != 0 {
				b = protowire.AppendTag(b, protowire.Number(f.num), protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(v))
			}
		case KindBool:
			if *(*bool)(q) {
				b = protowire.AppendTag(b, protowire.Number(f.num), protowire.VarintType)
				b = append(b, 1)
			}
		case KindMessage:
			if f.list {
				for _, s := range *messages(q) {
					if b, err = f.sub.appendSub(b, f.num, s); err != nil {
						return nil, err
					}
				}
			} else if s := *(*unsafe.Pointer)(q); s != nil {
				if b, err = f.sub.appendSub(b, f.num, s); err != nil {
					return nil, err
				}
			}
		}
	}
	return b, nil
}

// appendSub appends a length-delimited sub-message (empty when p is nil).
func (t *table) appendSub(b []byte, num int32, p unsafe.Pointer) ([]byte, error) {
	b = protowire.AppendTag(b, protowire.Number(num), protowire.BytesType)
	if p == nil {
		return append(b, 0), nil
	}
	b = protowire.AppendVarint(b, uint64(t.size(p)))
	return t.appendWire(b, p)
}

// appendString appends a string field, refusing invalid UTF-8 as proto3 does.
func appendString(b []byte, num int32, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, errInvalidUTF8
	}
	b = protowire.AppendTag(b, protowire.Number(num), protowire.BytesType)
	return protowire.AppendString(b, s), nil
}

func wireType(k Kind) protowire.Type {
	switch k {
	case KindInt32, KindInt64, KindBool:
		return protowire.VarintType
	}
	return protowire.BytesType
}

func (t *table) merge(b []byte, p unsafe.Pointer, alias bool) error {
	next := 0 // fields usually come in table order: try the next one first
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > protowire.MaxValidNumber { // ConsumeTag lets the latter through; proto.Unmarshal does not
			return errDecode
		}
		b = b[n:]
		var f *field
		if next < len(t.fields) && t.fields[next].num == int32(num) {
			f = &t.fields[next]
			next++
		} else {
			f = t.byNum(int32(num))
		}
		if f == nil || typ != wireType(f.kind) {
			if n = protowire.ConsumeFieldValue(num, typ, b); n < 0 {
				return errDecode
			}
			b = b[n:]
			continue
		}
		q := f.ptr(p)
		if typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return errDecode
			}
			b = b[n:]
			switch f.kind {
			case KindInt32:
				*(*int32)(q) = int32(v)
			case KindInt64:
				*(*int64)(q) = int64(v)
			case KindBool:
				*(*bool)(q) = v != 0
			}
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return errDecode
		}
		b = b[n:]
		switch f.kind {
		case KindString:
			if !utf8.Valid(v) {
				return errInvalidUTF8
			}
			if f.list {
				*(*[]string)(q) = append(*(*[]string)(q), string(v))
			} else {
				*(*string)(q) = string(v)
			}
		case KindBytes:
			if alias {
				*(*[]byte)(q) = v[:len(v):len(v)] // capped: appending to it never writes into b
			} else {
				*(*[]byte)(q) = append([]byte{}, v...)
			}
		case KindMessage:
			if f.list {
				s := f.sub.alloc()
				if err := f.sub.merge(v, s, alias); err != nil {
					return err
				}
				*messages(q) = append(*messages(q), s)
				continue
			}
			s := *(*unsafe.Pointer)(q)
			if s == nil {
				s = f.sub.alloc()
				*(*unsafe.Pointer)(q) = s
			}
			if err := f.sub.merge(v, s, alias); err != nil {
				return err
			}
		}
	}
	return nil
}
