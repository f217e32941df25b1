package classic

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Params are a request's parameters: the URL query and a form body, merged
// (clients put them in either, spec §1.4). A name given in both with two
// different values is refused rather than guessed.
type Params map[string]string

// Request is a parsed classic request, before its signature is checked.
type Request struct {
	Action, Version string
	Query           url.Values // the URL query alone, as the ACS3/ACS4 signers sign it
	Form            url.Values // the form body alone (nil without one)
	Params          Params     // both merged
	Body            []byte
}

// IsClassic reports whether r is a classic OpenAPI request rather than an
// instance API one (spec §8.1): it names an action in the x-acs-action header
// or an Action query parameter, or it has a form body and no x-kms-apiname.
func IsClassic(r *http.Request) bool {
	if r.Header.Get("x-kms-apiname") != "" {
		return false
	}
	if r.Header.Get("x-acs-action") != "" || r.URL.Query().Has("Action") {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("content-type"))
	return mt == "application/x-www-form-urlencoded"
}

// ParseRequest reads the parameters of a request whose body has been read.
func ParseRequest(method, rawQuery, contentType string, header http.Header, body []byte) (*Request, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, errParse("the query string is not valid URL encoding")
	}
	req := &Request{Query: q, Body: body, Params: Params{}}
	if len(body) > 0 {
		mt, _, _ := mime.ParseMediaType(contentType)
		if mt != "application/x-www-form-urlencoded" {
			return nil, errParse("a request body must be application/x-www-form-urlencoded, got %q", contentType)
		}
		if req.Form, err = url.ParseQuery(string(body)); err != nil {
			return nil, errParse("the form body is not valid URL encoding")
		}
	}
	for _, vs := range []url.Values{q, req.Form} {
		for k, v := range vs {
			if len(v) > 1 {
				return nil, errParse("the parameter %q is given %d times", k, len(v))
			}
			if old, ok := req.Params[k]; ok && old != v[0] {
				return nil, errParse("the parameter %q has different values in the query and the body", k)
			}
			req.Params[k] = v[0]
		}
	}
	req.Action = firstOf(req.Params["Action"], header.Get("x-acs-action"))
	req.Version = firstOf(req.Params["Version"], header.Get("x-acs-version"))
	return req, nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// String returns a parameter, "" when absent.
func (p Params) String(name string) string { return p[name] }

// Required returns a parameter or MissingParameter.
func (p Params) Required(name string) (string, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return "", missing(name)
	}
	return v, nil
}

// Bool reads "true"/"false" (any case); absent is false.
func (p Params) Bool(name string) (bool, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return false, invalid(name)
	}
	return b, nil
}

// Int reads a decimal integer within [lo, hi], def when absent.
func (p Params) Int(name string, def, lo, hi int) (int, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalid(name)
	}
	return n, nil
}

// Map reads a string map given as a JSON object string (the Go clients'
// "shrunk" form) or flattened as name.key=value (Node 1.2.0, Terraform),
// never both. Values must be strings (spec §4.2).
func (p Params) Map(name string) (map[string]string, error) {
	out := map[string]string{}
	if v, ok := p[name]; ok && v != "" {
		var raw map[string]any
		if err := json.Unmarshal([]byte(v), &raw); err != nil || raw == nil {
			return nil, invalid(name)
		}
		for k, x := range raw {
			s, ok := x.(string)
			if !ok {
				return nil, invalid(name)
			}
			out[k] = s
		}
	}
	prefix := name + "."
	for k, v := range p {
		if sub, ok := strings.CutPrefix(k, prefix); ok {
			if len(out) > 0 && p[name] != "" {
				return nil, invalid(name)
			}
			out[sub] = v
		}
	}
	return out, nil
}

// List reads a 1-based flattened list name.1, name.2, ... (TagResources's
// ResourceId.N), or a JSON array string given as name itself.
func (p Params) List(name string) ([]string, error) {
	if v, ok := p[name]; ok && v != "" {
		var out []string
		if err := json.Unmarshal([]byte(v), &out); err != nil {
			return nil, invalid(name)
		}
		return out, nil
	}
	var out []string
	for i := 1; ; i++ {
		v, ok := p[name+"."+strconv.Itoa(i)]
		if !ok {
			break
		}
		out = append(out, v)
	}
	if err := p.noGaps(name, len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// Pairs reads a flattened list of {Key, Value} structs: name.N.Key and
// name.N.Value (TagResources's Tag.N).
func (p Params) Pairs(name string) ([][2]string, error) {
	var out [][2]string
	for i := 1; ; i++ {
		k, ok := p[fmt.Sprintf("%s.%d.Key", name, i)]
		if !ok {
			break
		}
		out = append(out, [2]string{k, p[fmt.Sprintf("%s.%d.Value", name, i)]})
	}
	if err := p.noGaps(name, len(out)); err != nil {
		return nil, err
	}
	return out, nil
}

// noGaps refuses a flattened list with an element past the end of the
// contiguous run, e.g. ResourceId.1 and ResourceId.3: silently dropping
// ResourceId.3 would act on fewer resources than the caller named.
func (p Params) noGaps(name string, n int) error {
	prefix := name + "."
	for k := range p {
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if err != nil || i < 1 || i > n {
			return invalid(k)
		}
	}
	return nil
}

// sortedKeys returns the keys of m in byte order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
