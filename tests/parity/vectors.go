// Package parity runs the golden vectors of tests/vectors against any
// server.Caller, the way Go's crypto tests run one table against every
// implementation: the native core and the WebAssembly module under wazero
// here, the module under Node and in Chromium through harness.mjs, which
// implements the same comparison rule.
//
// The format (tests/vectors/README.md) is one scenario per file: steps that
// run in order on a fresh, empty store. Each step names an api, a request in
// the JSON form (protojson field names, bytes as standard base64) and what
// to expect:
//
//   - "response": the fields that must match exactly. Fields not listed are
//     ignored; that is how RequestId, dates and random values stay out. A
//     field listed with its zero value ("", 0, false, []) also matches a
//     field the response leaves out, since proto3 cannot tell them apart.
//     Objects nest under the same rule; arrays must have the same length.
//   - "lengths": byte fields (by name, top level) whose decoded length must
//     match, for values that are random (GenerateRandom, data keys).
//   - "error": StatusCode, ErrorCode and ErrorMessage, all exact.
package parity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/host/server"
)

// Scenario is one vector file.
type Scenario struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Steps       []Step `json:"steps"`
}

// Step is one call and what it must answer.
type Step struct {
	Note    string          `json:"note,omitempty"`
	API     string          `json:"api"`
	Request json.RawMessage `json:"request"`
	Expect  Expect          `json:"expect"`
}

// Expect is exactly one of Response (with optional Lengths) or Error.
type Expect struct {
	Response map[string]any `json:"response,omitempty"`
	Lengths  map[string]int `json:"lengths,omitempty"`
	Error    *ErrorBody     `json:"error,omitempty"`
}

// ErrorBody is the product's Error message without its RequestId.
type ErrorBody struct {
	StatusCode   int
	ErrorCode    string
	ErrorMessage string
}

// MarshalJSON writes "response" even when no field is expected (an
// operation whose answer is only its RequestId), so that success and error
// stay distinguishable.
func (e Expect) MarshalJSON() ([]byte, error) {
	if e.Error != nil {
		return json.Marshal(struct {
			Error *ErrorBody `json:"error"`
		}{e.Error})
	}
	r := e.Response
	if r == nil {
		r = map[string]any{}
	}
	return json.Marshal(struct {
		Response map[string]any `json:"response"`
		Lengths  map[string]int `json:"lengths,omitempty"`
	}{r, e.Lengths})
}

// Load reads every *.json scenario in dir, sorted by file name.
func Load(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("no vector files in %s", dir)
	}
	var out []*Scenario
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := &Scenario{}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		if err := dec.Decode(s); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		for i, st := range s.Steps {
			if (st.Expect.Error == nil) == (st.Expect.Response == nil) {
				return nil, fmt.Errorf("%s: step %d (%s) must expect either a response or an error", f, i, st.API)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// Caller runs one step's request; it returns the response JSON or an error
// that kmserr.As understands. Form adapters (JSON, protobuf) implement it.
type Caller func(ctx context.Context, api string, req []byte) ([]byte, error)

// JSONCaller calls e in the JSON form.
func JSONCaller(e server.Caller) Caller { return e.CallJSON }

// Check compares one step's outcome with its expectation and says what
// differs, or returns nil.
func Check(st *Step, resp []byte, callErr error) error {
	if st.Expect.Error != nil {
		if callErr == nil {
			return fmt.Errorf("want error %d %s, got response %s", st.Expect.Error.StatusCode, st.Expect.Error.ErrorCode, resp)
		}
		ke := kmserr.As(callErr)
		got := ErrorBody{StatusCode: ke.Status, ErrorCode: ke.Code, ErrorMessage: ke.Message}
		if got != *st.Expect.Error {
			return fmt.Errorf("error mismatch:\n got  %+v\n want %+v", got, *st.Expect.Error)
		}
		return nil
	}
	if callErr != nil {
		return fmt.Errorf("unexpected error: %v", callErr)
	}
	var got map[string]any
	dec := json.NewDecoder(bytes.NewReader(resp))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		return fmt.Errorf("response is not a JSON object: %v: %s", err, resp)
	}
	if err := Match(st.Expect.Response, got, ""); err != nil {
		return err
	}
	for field, n := range st.Expect.Lengths {
		s, _ := got[field].(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Errorf("%s is not base64: %v", field, err)
		}
		if len(b) != n {
			return fmt.Errorf("%s is %d bytes, want %d", field, len(b), n)
		}
	}
	return nil
}

// Match checks that every field of want is in got with the same value, under
// the rule of the package comment. Values are what encoding/json decodes
// with UseNumber.
func Match(want, got any, path string) error {
	if got == nil {
		got = zeroLike(want)
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %v", where(path), got)
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := Match(w[k], g[k], path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d elements %v, got %v", where(path), len(w), w, got)
		}
		for i := range w {
			if err := Match(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s: got %v, want %v", where(path), got, want)
	}
	return nil
}

// zeroLike is the proto3 zero value a field absent from a response stands for.
func zeroLike(v any) any {
	switch v.(type) {
	case string:
		return ""
	case bool:
		return false
	case json.Number:
		return json.Number("0")
	case []any:
		return []any{}
	case map[string]any:
		return map[string]any{}
	}
	return nil
}

func where(path string) string {
	if path == "" {
		return "response"
	}
	return path[1:]
}

// Run runs every step of s through call, stopping at the first mismatch.
func Run(ctx context.Context, s *Scenario, call Caller) error {
	for i := range s.Steps {
		st := &s.Steps[i]
		resp, err := call(ctx, st.API, st.Request)
		if cerr := Check(st, resp, err); cerr != nil {
			return fmt.Errorf("step %d %s (%s): %v", i, st.API, st.Note, cerr)
		}
	}
	return nil
}
