// Command genvectors writes the golden vectors of tests/vectors from the
// native core. Run it from the tests module:
//
//	cd tests && go run ./parity/cmd/genvectors
//
// Every scenario (scenarios.go) is run twice, each time on a fresh memory
// store with the real random source, the second time with the clock three
// hours ahead. A response field whose value differs between the two runs
// depends on time or randomness: it is left out of the expectation, but only
// if its name is in volatileFields; any other difference stops the
// generator, because it means a vector would not be reproducible. Each step
// also states the outcome its author meant (success or an error code), so a
// core change that turns a success into an error cannot slip into the
// vectors unnoticed.
//
// The side engines' fixed random streams must reach the crypto libraries,
// which since Go 1.26 ignore the io.Reader they are given unless told so:
//
//go:debug cryptocustomrand=1
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/tests/parity"
)

// volatileFields may differ between two runs and are then left out.
var volatileFields = map[string]bool{
	"RequestId": true, "CreationDate": true, "LastRotationDate": true, "NextRotationDate": true,
	"DeleteDate": true, "KeyVersionId": true, "PrimaryKeyVersionId": true, "CiphertextBlob": true,
	"Iv": true, "Plaintext": true, "Random": true,
	"CreateTime": true, "UpdateTime": true, "PlannedDeleteTime": true,
}

// shift is how far ahead the second run's clock is.
const shift = 3*time.Hour + 17*time.Minute

func main() {
	out := flag.String("out", "vectors", "directory to write the vector files to (relative to the tests module)")
	cross := flag.String("cross", "parity/crossruntime.json", "file to write the cross-runtime inputs to")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	total := 0
	for _, def := range scenarios() {
		s, err := generate(def)
		if err != nil {
			log.Fatalf("%s: %v", def.name, err)
		}
		path := filepath.Join(*out, def.name+".json")
		raw := encode(s)
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			log.Fatal(err)
		}
		total += len(raw)
		fmt.Printf("%-28s %4d steps %7d bytes\n", path, len(s.Steps), len(raw))
	}
	fmt.Printf("total %d bytes\n", total)
	raw, err := json.MarshalIndent(crossInputs(), "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*cross, append(raw, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Println(*cross)
}

// builder collects a scenario's steps while running them on the first
// engine, so later steps can use earlier outputs as literal inputs.
type builder struct {
	name, desc string
	steps      []stepDef
	run0       *kms.Engine
	t0         time.Time
}

type stepDef struct {
	note    string
	api     string
	req     []byte
	wantErr string // "" = success, else the ErrorCode the author expects
	lengths map[string]int
	resp    map[string]any // run 0's response, EmitUnpopulated
	err     *kmserr.Error  // run 0's error
}

func newBuilder(name, desc string) *builder {
	t0 := time.Now()
	return &builder{name: name, desc: desc, t0: t0,
		run0: kms.New(store.NewMemory(), kms.NewConfig().WithClock(func() time.Time { return t0 }))}
}

// req is a request as Go values; []byte fields marshal as standard base64.
type req = map[string]any

// ok adds a step that must succeed and returns its response.
func (b *builder) ok(note, api string, r req) map[string]any {
	return b.add(note, api, r, "", nil)
}

// okLen adds a successful step whose listed byte fields are random: only
// their lengths are expected.
func (b *builder) okLen(note, api string, r req, lengths map[string]int) map[string]any {
	return b.add(note, api, r, "", lengths)
}

// fail adds a step that must fail with code.
func (b *builder) fail(note, api, code string, r req) {
	b.add(note, api, r, code, nil)
}

func (b *builder) add(note, api string, r req, wantErr string, lengths map[string]int) map[string]any {
	raw, err := json.Marshal(r)
	if err != nil {
		log.Fatalf("%s: %s: %v", b.name, note, err)
	}
	st := stepDef{note: note, api: api, req: raw, wantErr: wantErr, lengths: lengths}
	st.resp, st.err = call(b.run0, api, raw)
	switch {
	case st.err != nil && st.err.Code != wantErr:
		log.Fatalf("%s: step %d %s (%s): got error %v, want %q", b.name, len(b.steps), api, note, st.err, wantErr)
	case st.err == nil && wantErr != "":
		log.Fatalf("%s: step %d %s (%s): succeeded, want error %s", b.name, len(b.steps), api, note, wantErr)
	}
	b.steps = append(b.steps, st)
	return st.resp
}

// call runs one JSON request and returns the response with every field,
// zero or not, so that expectations can list empty values explicitly.
func call(e *kms.Engine, api string, body []byte) (map[string]any, *kmserr.Error) {
	m, err := kms.NewRequest(api)
	if err != nil {
		return nil, kmserr.As(err)
	}
	if err := pb.UnmarshalJSON(body, m); err != nil {
		log.Fatalf("%s request %s does not parse: %v", api, body, err)
	}
	resp, err := e.Call(api, m)
	if err != nil {
		return nil, kmserr.As(err)
	}
	// The JSON form CallJSON returns, but with zero values too.
	raw, err := pb.MarshalJSON(resp)
	if err != nil {
		log.Fatal(err)
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		log.Fatal(err)
	}
	withZeros(resp, out)
	return out, nil
}

// withZeros adds the fields the JSON form of m omits, with their zero
// values, as protojson's EmitUnpopulated does: "" for strings and bytes, 0,
// false, [] for lists, null for messages.
func withZeros(m pb.Message, obj map[string]any) {
	for _, f := range pb.Fields(m) {
		v, ok := obj[f.Name]
		switch {
		case f.Repeated && !ok:
			obj[f.Name] = []any{}
		case f.Repeated && f.Kind == pb.KindMessage:
			for _, e := range v.([]any) {
				withZeros(f.Message(), e.(map[string]any))
			}
		case ok && f.Kind == pb.KindMessage:
			withZeros(f.Message(), v.(map[string]any))
		case ok:
		case f.Kind == pb.KindMessage:
			obj[f.Name] = nil
		case f.Kind == pb.KindString, f.Kind == pb.KindBytes, f.Kind == pb.KindInt64:
			obj[f.Name] = ""
			if f.Kind == pb.KindInt64 {
				obj[f.Name] = "0"
			}
		case f.Kind == pb.KindInt32:
			obj[f.Name] = json.Number("0")
		case f.Kind == pb.KindBool:
			obj[f.Name] = false
		}
	}
}

// generate replays the built steps on a second engine and keeps what both
// runs agree on.
func generate(def *builder) (*parity.Scenario, error) {
	t1 := def.t0.Add(shift)
	run1 := kms.New(store.NewMemory(), kms.NewConfig().WithClock(func() time.Time { return t1 }))
	s := &parity.Scenario{Name: def.name, Description: def.desc}
	dropped := map[string]bool{}
	for i, st := range def.steps {
		where := fmt.Sprintf("step %d %s (%s)", i, st.api, st.note)
		r1, e1 := call(run1, st.api, st.req)
		out := parity.Step{Note: st.note, API: st.api, Request: st.req}
		switch {
		case st.err != nil || e1 != nil:
			if st.err == nil || e1 == nil || *st.err != *e1 {
				return nil, fmt.Errorf("%s: the two runs disagree: %v vs %v", where, st.err, e1)
			}
			out.Expect.Error = &parity.ErrorBody{StatusCode: st.err.Status, ErrorCode: st.err.Code, ErrorMessage: st.err.Message}
		default:
			for f := range st.lengths {
				delete(st.resp, f)
				delete(r1, f)
			}
			delete(st.resp, "RequestId")
			common, err := intersect(st.resp, r1, "", dropped)
			if err != nil {
				return nil, fmt.Errorf("%s: %v", where, err)
			}
			out.Expect.Response = common.(map[string]any)
			out.Expect.Lengths = st.lengths
		}
		s.Steps = append(s.Steps, out)
	}
	// Self-check: the vectors just made pass on a third, fresh engine.
	e := kms.New(store.NewMemory(), kms.NewConfig())
	for i := range s.Steps {
		st := &s.Steps[i]
		resp, err := e.CallJSON(st.API, st.Request)
		if cerr := parity.Check(st, resp, err); cerr != nil {
			return nil, fmt.Errorf("self-check step %d %s: %v", i, st.API, cerr)
		}
	}
	if len(dropped) > 0 {
		var names []string
		for n := range dropped {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Printf("%s: left out as time- or random-dependent somewhere: %s\n", def.name, strings.Join(names, ", "))
	}
	return s, nil
}

// intersect keeps the parts of a and b that are equal. Differences are
// allowed only in volatile fields; arrays must have the same length.
func intersect(a, b any, path string, dropped map[string]bool) (any, error) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: object vs %v", path, b)
		}
		out := map[string]any{}
		for k, v := range av {
			if _, ok := bv[k]; !ok {
				return nil, fmt.Errorf("%s.%s missing in the second run", path, k)
			}
			if reflect.DeepEqual(v, bv[k]) {
				out[k] = v
				continue
			}
			if _, isObj := v.(map[string]any); isObj {
				c, err := intersect(v, bv[k], path+"."+k, dropped)
				if err != nil {
					return nil, err
				}
				out[k] = c
				continue
			}
			if _, isArr := v.([]any); isArr {
				c, err := intersect(v, bv[k], path+"."+k, dropped)
				if err != nil {
					return nil, err
				}
				out[k] = c
				continue
			}
			if !volatileFields[k] {
				return nil, fmt.Errorf("%s.%s differs between runs (%v vs %v) and is not a volatile field", path, k, v, bv[k])
			}
			dropped[k] = true
		}
		return out, nil
	case []any:
		bv, ok := b.([]any)
		if !ok || len(bv) != len(av) {
			return nil, fmt.Errorf("%s: arrays differ in length", path)
		}
		out := make([]any, len(av))
		for i := range av {
			c, err := intersect(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i), dropped)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	if !reflect.DeepEqual(a, b) {
		return nil, fmt.Errorf("%s: %v vs %v", path, a, b)
	}
	return a, nil
}

// encode writes a scenario with one step per line: readable, diffable and
// far smaller than a fully indented file.
func encode(s *parity.Scenario) []byte {
	var buf bytes.Buffer
	head, _ := json.Marshal(map[string]string{"name": s.Name, "description": s.Description})
	buf.Write(head[:len(head)-1])
	buf.WriteString(",\n\"steps\": [\n")
	for i, st := range s.Steps {
		line, err := json.Marshal(st)
		if err != nil {
			log.Fatal(err)
		}
		buf.Write(line)
		if i < len(s.Steps)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]}\n")
	return buf.Bytes()
}
