package leanpb

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
)

// The JSON form follows protojson (UseProtoNames on output; either name on
// input): fields in declaration order, zero scalars omitted, bytes as
// standard base64, int32 as a number. Input is stricter than encoding/json
// in the ways protojson is: unknown and duplicate fields, invalid UTF-8 and
// lone surrogate escapes are errors; numbers may be written as exact
// integers in any JSON notation or as a string holding one.

func marshalJSON(m message) ([]byte, error) { return m.appendJSON(nil) }

func unmarshalJSON(m message, b []byte) error {
	m.Reset()
	if err := checkJSONText(b); err != nil {
		return err
	}
	d := &decoder{json.NewDecoder(bytes.NewReader(b))}
	d.UseNumber()
	null, err := m.decodeJSON(d)
	if err == nil && null {
		err = errors.New("unexpected null, want a JSON object")
	}
	if err == nil {
		if _, terr := d.Token(); terr != io.EOF {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	if err != nil {
		m.Reset()
		return err
	}
	return nil
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

// object reads '{', then calls field for each name (refusing duplicates) and
// reads '}'. A null in place of the object is absent (isNull true).
func (d *decoder) object(field func(name string) error) (isNull bool, err error) {
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
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return false, err
		}
		name := tok.(string) // encoding/json only yields strings as object keys
		if seen[name] {
			return false, fmt.Errorf("duplicate field %q", name)
		}
		seen[name] = true
		if err := field(name); err != nil {
			return false, err
		}
	}
	_, err = d.Token() // '}'
	return false, err
}

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

// str reads a string; null is reported apart (absent for a field, an error
// in a list).
func (d *decoder) str(name string) (string, bool, error) {
	tok, null, err := d.scalar()
	if err != nil || null {
		return "", null, err
	}
	s, ok := tok.(string)
	if !ok {
		return "", false, fmt.Errorf("invalid value for string field %s: %v", name, tok)
	}
	return s, false, nil
}

func (d *decoder) bytes(name string) ([]byte, error) {
	s, null, err := d.str(name)
	if err != nil || null {
		return nil, err
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

func (d *decoder) boolean(name string) (bool, error) {
	tok, null, err := d.scalar()
	if err != nil || null {
		return false, err
	}
	v, ok := tok.(bool)
	if !ok {
		return false, fmt.Errorf("invalid value for bool field %s: %v", name, tok)
	}
	return v, nil
}

func (d *decoder) int32(name string) (int32, error) {
	tok, null, err := d.scalar()
	if err != nil || null {
		return 0, err
	}
	var text string
	switch t := tok.(type) {
	case json.Number:
		text = string(t)
	case string:
		text = t // protojson accepts a number in a string, exactly
	default:
		return 0, fmt.Errorf("invalid value for int32 field %s: %v", name, tok)
	}
	v, ok := parseInt32(text)
	if !ok {
		return 0, fmt.Errorf("invalid value for int32 field %s: %q", name, text)
	}
	return v, nil
}

// parseInt32 accepts a JSON number whose value is an integer in range,
// whatever its notation ("12", "1.2e1", "120e-1"), as protojson does.
func parseInt32(s string) (int32, bool) {
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
	if !jsonInt(intp) || !allDigits(frac) {
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
	if exp < 0 || len(digits)+exp > 10 {
		return 0, false
	}
	v, err := strconv.ParseInt(digits+strings.Repeat("0", exp), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	if v < -1<<31 || v > 1<<31-1 {
		return 0, false
	}
	return int32(v), true
}

// jsonInt is JSON's int production: 0, or a non-zero digit then digits.
func jsonInt(s string) bool {
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

// JSON output.

func appendJSONName(b []byte, first bool, name string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

func appendJSONString(b []byte, s, field string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("field %s contains invalid UTF-8", field)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c < 0x20 || c == 0x7f:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"'), nil
}

func appendJSONBytes(b, v []byte) []byte {
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}
