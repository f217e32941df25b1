package kmspb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// The JSON form follows protojson (UseProtoNames on output; either name on
// input, and the two are the same here): fields in declaration order, zero
// scalars omitted, bytes as standard base64, int32 as a number, int64 as a
// string. Input is stricter than encoding/json in the ways protojson is:
// unknown and duplicate fields, invalid UTF-8 and lone surrogate escapes are
// errors; numbers may be written as exact integers in any JSON notation or
// as a string holding one.

// MarshalJSON encodes m in the JSON form: protojson's with UseProtoNames
// (field names as the product spells them, bytes as standard base64). It
// serves scripts, the CLI, the seed file and the playground.
func MarshalJSON(m Message) ([]byte, error) {
	t, p := m.table()
	if p == nil {
		return []byte("{}"), nil
	}
	// The JSON form is about the protobuf form's size plus base64 and names:
	// one allocation for most messages.
	n := t.size(p)
	return t.appendJSON(make([]byte, 0, n+n/2+64), p)
}

// UnmarshalJSON decodes the JSON form into m, replacing its contents. On
// error m is left empty.
func UnmarshalJSON(b []byte, m Message) error {
	t, p := m.table()
	if p == nil {
		return errNilMessage
	}
	t.reset(p)
	err := decodeJSONValue(b, func(d *decoder) error {
		null, err := t.decodeJSON(d, p)
		if err == nil && null {
			err = errors.New("unexpected null, want a JSON object")
		}
		return err
	})
	if err != nil {
		t.reset(p)
	}
	return err
}

// decodeJSONValue runs decode on the one JSON value that b must hold.
func decodeJSONValue(b []byte, decode func(*decoder) error) error {
	if err := checkJSONText(b); err != nil {
		return err
	}
	d := &decoder{json.NewDecoder(bytes.NewReader(b))}
	d.UseNumber()
	if err := decode(d); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// decodeJSON reads one object into p, or a null (reported; p untouched).
func (t *table) decodeJSON(d *decoder, p unsafe.Pointer) (null bool, err error) {
	tok, err := d.Token()
	if err != nil {
		return false, err
	}
	if tok == nil {
		return true, nil
	}
	if tok != json.Delim('{') {
		return false, fmt.Errorf("unexpected token %v, want an object", tok)
	}
	var seen uint64 // by field index; the generator keeps tables within 64 fields
	next := 0       // fields usually come in table order: try the next one first
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return false, err
		}
		name := tok.(string) // encoding/json only yields strings as object keys
		i := next
		if i >= len(t.fields) || t.fields[i].name != name {
			if i = t.index(name); i < 0 {
				return false, fmt.Errorf("unknown field %q in %s", name, t.name)
			}
		}
		next = i + 1
		if seen&(1<<i) != 0 {
			return false, fmt.Errorf("duplicate field %q", name)
		}
		seen |= 1 << i
		f := &t.fields[i]
		if !f.list {
			err = d.element(t, f, p)
		} else {
			err = d.array(func() error { return d.element(t, f, p) })
		}
		if err != nil {
			return false, err
		}
	}
	_, err = d.Token() // '}'
	return false, err
}

// element decodes one value of f into p's field: the field's value, or one
// more element of a list. A null leaves a field absent; in a list it is an
// error.
func (d *decoder) element(t *table, f *field, p unsafe.Pointer) error {
	q := f.ptr(p)
	name := qualified{t, f} // for errors
	if f.kind == KindMessage {
		s := f.sub.alloc()
		null, err := f.sub.decodeJSON(d, s)
		switch {
		case err != nil:
			return err
		case null && f.list:
			return fmt.Errorf("null in the list %s", name)
		case null:
			return nil
		case f.list:
			*messages(q) = append(*messages(q), s)
		default:
			*(*unsafe.Pointer)(q) = s
		}
		return nil
	}
	tok, null, err := d.scalar()
	if err != nil {
		return err
	}
	if null {
		if f.list {
			return fmt.Errorf("null in the list %s", name)
		}
		return nil
	}
	switch f.kind {
	case KindString:
		s, ok := tok.(string)
		if !ok {
			return fmt.Errorf("invalid value for string field %s: %v", name, tok)
		}
		if f.list {
			*(*[]string)(q) = append(*(*[]string)(q), s)
		} else {
			*(*string)(q) = s
		}
	case KindBytes:
		v, err := jsonBytes(name, tok)
		if err != nil {
			return err
		}
		*(*[]byte)(q) = v
	case KindBool:
		v, ok := tok.(bool)
		if !ok {
			return fmt.Errorf("invalid value for bool field %s: %v", name, tok)
		}
		*(*bool)(q) = v
	case KindInt32:
		v, err := jsonInt(name, "int32", tok, 32)
		if err != nil {
			return err
		}
		*(*int32)(q) = int32(v)
	case KindInt64:
		v, err := jsonInt(name, "int64", tok, 64)
		if err != nil {
			return err
		}
		*(*int64)(q) = v
	}
	return nil
}

// qualified names a field in errors, "Message.Field", built only when an
// error is.
type qualified struct {
	t *table
	f *field
}

func (q qualified) String() string { return q.t.name + "." + q.f.name }

func (t *table) appendJSON(b []byte, p unsafe.Pointer) (_ []byte, err error) {
	b = append(b, '{')
	open := len(b) // a field written after open needs a comma
	for i := range t.fields {
		f := &t.fields[i]
		q := f.ptr(p)
		switch f.kind {
		case KindString:
			if f.list {
				l := *(*[]string)(q)
				if len(l) == 0 {
					continue
				}
				b = appendJSONName(b, open, f)
				b = append(b, '[')
				for i, s := range l {
					if i > 0 {
						b = append(b, ',')
					}
					if b, err = appendJSONString(b, s, t, f); err != nil {
						return nil, err
					}
				}
				b = append(b, ']')
			} else if s := *(*string)(q); s != "" {
				b = appendJSONName(b, open, f)
				if b, err = appendJSONString(b, s, t, f); err != nil {
					return nil, err
				}
			}
		case KindBytes:
			if v := *(*[]byte)(q); len(v) > 0 {
				b = appendJSONName(b, open, f)
				b = append(b, '"')
				b = base64.StdEncoding.AppendEncode(b, v)
				b = append(b, '"')
			}
		case KindInt32:
			if v := *(*int32)(q); v != 0 {
				b = appendJSONName(b, open, f)
				b = strconv.AppendInt(b, int64(v), 10)
			}
		case KindInt64:
			if v := *(*int64)(q); v != 0 {
				b = appendJSONName(b, open, f)
				b = append(b, '"')
				b = strconv.AppendInt(b, v, 10)
				b = append(b, '"')
			}
		case KindBool:
			if *(*bool)(q) {
				b = appendJSONName(b, open, f)
				b = append(b, "true"...)
			}
		case KindMessage:
			if f.list {
				l := *messages(q)
				if len(l) == 0 {
					continue
				}
				b = appendJSONName(b, open, f)
				b = append(b, '[')
				for i, s := range l {
					if i > 0 {
						b = append(b, ',')
					}
					if s == nil {
						b = append(b, '{', '}')
					} else if b, err = f.sub.appendJSON(b, s); err != nil {
						return nil, err
					}
				}
				b = append(b, ']')
			} else if s := *(*unsafe.Pointer)(q); s != nil {
				b = appendJSONName(b, open, f)
				if b, err = f.sub.appendJSON(b, s); err != nil {
					return nil, err
				}
			}
		}
	}
	return append(b, '}'), nil
}

// checkJSONText refuses what encoding/json would quietly repair: invalid
// UTF-8 and \u escapes of lone surrogates both become U+FFFD there.
func checkJSONText(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("invalid UTF-8 in JSON input")
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] != 'u' {
			i++ // skip the escaped character, which may be a backslash
			continue
		}
		r, ok := hex4(b[i+2:])
		if !ok { // a syntax error; the decoder will report it
			i++
			continue
		}
		i += 5
		switch {
		case r >= 0xD800 && r < 0xDC00: // must be followed by a low surrogate escape
			if i+6 < len(b) && b[i+1] == '\\' && b[i+2] == 'u' {
				if lo, ok := hex4(b[i+3:]); ok && lo >= 0xDC00 && lo < 0xE000 {
					i += 6
					continue
				}
			}
			return errors.New("invalid escape code in JSON string: lone surrogate")
		case r >= 0xDC00 && r < 0xE000:
			return errors.New("invalid escape code in JSON string: lone surrogate")
		}
	}
	return nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 16)
	return rune(v), err == nil
}

// decoder reads protojson's input model from encoding/json's tokens.
type decoder struct{ *json.Decoder }

// array reads '[', calls elem until ']'; null is an empty list.
func (d *decoder) array(elem func() error) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("unexpected token %v, want an array", tok)
	}
	for d.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err = d.Token() // ']'
	return err
}

// scalar reads one scalar token, reporting null apart.
func (d *decoder) scalar() (tok json.Token, null bool, err error) {
	tok, err = d.Token()
	if err != nil {
		return nil, false, err
	}
	if tok == nil {
		return nil, true, nil
	}
	if _, ok := tok.(json.Delim); ok {
		return nil, false, fmt.Errorf("unexpected %v, want a value", tok)
	}
	return tok, false, nil
}

func jsonBytes(name fmt.Stringer, tok json.Token) ([]byte, error) {
	s, ok := tok.(string)
	if !ok {
		return nil, fmt.Errorf("invalid value for bytes field %s: %v", name, tok)
	}
	// As protojson: URL-safe if it has - or _, unpadded if not a multiple of 4.
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	v, err := enc.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid value for bytes field %s: %v", name, err)
	}
	return v, nil
}

func jsonInt(name fmt.Stringer, typ string, tok json.Token, bits int) (int64, error) {
	var text string
	switch t := tok.(type) {
	case json.Number:
		text = string(t)
	case string:
		text = t // protojson accepts a number in a string, exactly
	default:
		return 0, fmt.Errorf("invalid value for %s field %s: %v", typ, name, tok)
	}
	v, ok := parseInt(text, bits)
	if !ok {
		return 0, fmt.Errorf("invalid value for %s field %s: %q", typ, name, text)
	}
	return v, nil
}

// parseInt accepts a JSON number whose value is an integer that fits in
// bits, whatever its notation ("12", "1.2e1", "120e-1"), as protojson does.
func parseInt(s string, bits int) (int64, bool) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || i+1 == len(s) {
			return 0, false
		}
		mant, exp = s[:i], e
	}
	intp, frac := mant, ""
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		intp, frac = mant[:i], mant[i+1:]
		if frac == "" {
			return 0, false
		}
	}
	if !jsonIntText(intp) || !allDigits(frac) {
		return 0, false
	}
	digits := strings.TrimLeft(intp+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return 0, true
	}
	for exp < 0 && strings.HasSuffix(digits, "0") {
		digits, exp = digits[:len(digits)-1], exp+1
	}
	if exp < 0 || len(digits)+exp > 19 {
		return 0, false
	}
	u, err := strconv.ParseUint(digits+strings.Repeat("0", exp), 10, 64)
	if err != nil || u > 1<<(bits-1) || (!neg && u == 1<<(bits-1)) {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// jsonIntText is JSON's int production: 0, or a non-zero digit then digits.
func jsonIntText(s string) bool {
	return s == "0" || (s != "" && s[0] != '0' && allDigits(s))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func appendJSONName(b []byte, open int, f *field) []byte {
	if len(b) > open {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, f.name...)
	return append(b, '"', ':')
}

// appendJSONString appends s quoted as protojson does, refusing invalid
// UTF-8.
func appendJSONString(b []byte, s string, t *table, f *field) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("field %s.%s contains invalid UTF-8", t.name, f.name)
	}
	b = append(b, '"')
	for len(s) > 0 {
		// Copy the run that needs no escape in one append.
		i := 0
		for i < len(s) && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] != 0x7f {
			i++
		}
		b = append(b, s[:i]...)
		if i == len(s) {
			break
		}
		c := s[i]
		s = s[i+1:]
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
	}
	return append(b, '"'), nil
}
