package classic

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The three signers the classic clients use (spec §1.2, §1.3).
const (
	SchemeV1   = "HMAC-SHA1"        // RPC v1: Node, the aliyun CLI, Terraform, the old Go SDK, v3 with "v2"
	SchemeACS3 = "ACS3-HMAC-SHA256" // the v3 Go client's default
	SchemeACS4 = "ACS4-HMAC-SHA256" // v3 with SignatureVersion "v4"
)

// timeLayout is how every signer writes its timestamp: UTC, seconds, Z.
const timeLayout = "2006-01-02T15:04:05Z"

// Auth is what a request claims about itself: who signed it, when, with
// which nonce and signature. ParseAuth reads it without any secret.
type Auth struct {
	Scheme        string
	AccessKeyID   string
	Signature     string
	SignedHeaders []string // ACS3/ACS4, sorted as given
	Date8, Region string   // ACS4 credential scope
	Service       string   // ACS4 credential scope, "Kms"
	Time          time.Time
	Nonce         string
}

// ParseAuth picks the signer from the Authorization header (ACS3/ACS4) or the
// Signature parameter (v1) and reads its fields.
func ParseAuth(req *Request, h http.Header) (*Auth, error) {
	if v := h.Get("Authorization"); v != "" {
		return parseAuthorization(v, h)
	}
	p := req.Params
	sig, ok := p["Signature"]
	if !ok {
		if p["SignatureType"] == "BEARERTOKEN" {
			return nil, incomplete("bearer tokens are not supported; sign with an AccessKey")
		}
		return nil, incomplete("the request has neither an Authorization header nor a Signature parameter")
	}
	a := &Auth{Scheme: SchemeV1, Signature: sig, AccessKeyID: p["AccessKeyId"], Nonce: p["SignatureNonce"]}
	if a.AccessKeyID == "" {
		return nil, missing("AccessKeyId")
	}
	if m := p["SignatureMethod"]; m != "HMAC-SHA1" {
		return nil, incomplete("SignatureMethod %q is not supported; use HMAC-SHA1", m)
	}
	if v := p["SignatureVersion"]; v != "1.0" {
		return nil, incomplete("SignatureVersion %q is not supported; use 1.0", v)
	}
	t, err := parseTime(p["Timestamp"], "Timestamp")
	if err != nil {
		return nil, err
	}
	a.Time = t
	if a.Nonce == "" {
		return nil, missing("SignatureNonce")
	}
	return a, nil
}

func parseTime(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, errTimestamp(name)
	}
	t, err := time.Parse(timeLayout, v)
	if err != nil {
		return time.Time{}, errTimestamp(name)
	}
	return t, nil
}

// parseAuthorization reads
// "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex" and the
// ACS4 form whose Credential is "AK/yyyymmdd/region/Kms/aliyun_v4_request".
func parseAuthorization(v string, h http.Header) (*Auth, error) {
	scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || (scheme != SchemeACS3 && scheme != SchemeACS4) {
		return nil, incomplete("the Authorization scheme must be %s or %s", SchemeACS3, SchemeACS4)
	}
	a := &Auth{Scheme: scheme}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || fields[k] != "" {
			return nil, incomplete("the Authorization header is malformed")
		}
		fields[k] = val
	}
	cred, signed, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	if len(fields) != 3 || cred == "" || signed == "" || sig == "" {
		return nil, incomplete("the Authorization header needs exactly Credential, SignedHeaders and Signature")
	}
	a.Signature = sig
	a.AccessKeyID = cred
	if scheme == SchemeACS4 {
		parts := strings.Split(cred, "/")
		if len(parts) != 5 || parts[4] != "aliyun_v4_request" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" {
			return nil, incomplete("the ACS4 Credential must be AccessKeyId/yyyymmdd/region/service/aliyun_v4_request")
		}
		a.AccessKeyID, a.Date8, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	}
	a.SignedHeaders = strings.Split(signed, ";")
	if !sort.StringsAreSorted(a.SignedHeaders) {
		return nil, incomplete("SignedHeaders must be sorted")
	}
	// Every x-acs-* header the request carries, and the host, must be signed:
	// an unsigned x-acs-action or x-acs-date could be changed in flight.
	want := map[string]bool{"host": true}
	for name := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") {
			want[l] = true
		}
	}
	for _, n := range a.SignedHeaders {
		if n != strings.ToLower(n) || n == "" {
			return nil, incomplete("SignedHeaders must be lower-case names")
		}
		delete(want, n)
	}
	if len(want) > 0 {
		return nil, incomplete("the headers %s must be signed", strings.Join(sortedKeys(want), ", "))
	}
	for _, need := range []string{"x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"} {
		if h.Get(need) == "" {
			return nil, missing(need)
		}
	}
	t, err := parseTime(h.Get("x-acs-date"), "x-acs-date")
	if err != nil {
		return nil, err
	}
	a.Time = t
	if a.Date8 != "" && a.Date8 != t.Format("20060102") {
		return nil, incomplete("the ACS4 credential date %s is not the day of x-acs-date", a.Date8)
	}
	a.Nonce = h.Get("x-acs-signature-nonce")
	return a, nil
}

// percentEncode is RFC 3986 encoding, as every signer canonicalises.
func percentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// StringToSign is the text the client signed, rebuilt from the request.
func (a *Auth) StringToSign(method, host string, req *Request, h http.Header) (string, error) {
	if a.Scheme == SchemeV1 {
		return v1StringToSign(method, req.Params), nil
	}
	if got := h.Get("x-acs-content-sha256"); !strings.EqualFold(got, hexSHA256(req.Body)) {
		return "", kmserr400(codeSignatureMismatch, "Specified signature is not matched with our calculation: x-acs-content-sha256 is not the SHA-256 of the body.")
	}
	var sb strings.Builder
	sb.WriteString(method + "\n/\n")
	keys := sortedKeys(req.Query)
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte('&')
		}
		if a.Scheme == SchemeACS4 {
			sb.WriteString(percentEncode(k))
		} else {
			sb.WriteString(k)
		}
		sb.WriteString("=" + percentEncode(req.Query.Get(k)))
	}
	sb.WriteByte('\n')
	for _, n := range a.SignedHeaders {
		var v string
		if n == "host" {
			v = host
		} else {
			vs := append([]string(nil), h.Values(n)...)
			for i := range vs {
				vs[i] = strings.TrimSpace(vs[i])
			}
			sort.Strings(vs)
			v = strings.Join(vs, ",")
		}
		sb.WriteString(n + ":" + strings.TrimSpace(v) + "\n")
	}
	sb.WriteString("\n" + strings.Join(a.SignedHeaders, ";") + "\n" + h.Get("x-acs-content-sha256"))
	return a.Scheme + "\n" + hexSHA256([]byte(sb.String())), nil
}

// v1StringToSign is METHOD&%2F&enc(sorted k=v&...) over every parameter but
// Signature, query and form alike (spec §1.3a).
func v1StringToSign(method string, p Params) string {
	var parts []string
	for _, k := range sortedKeys(p) {
		if k != "Signature" {
			parts = append(parts, percentEncode(k)+"="+percentEncode(p[k]))
		}
	}
	return method + "&%2F&" + percentEncode(strings.Join(parts, "&"))
}

// Sign computes the signature of sts with secret, in the form the scheme
// carries it (base64 for v1, lower-case hex for ACS3/ACS4).
func (a *Auth) Sign(secret, sts string) string {
	switch a.Scheme {
	case SchemeV1:
		m := hmac.New(sha1.New, []byte(secret+"&"))
		m.Write([]byte(sts))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	case SchemeACS4:
		return hex.EncodeToString(hmacSHA256(acs4Key(secret, a.Date8, a.Region, a.Service), sts))
	}
	return hex.EncodeToString(hmacSHA256([]byte(secret), sts))
}

// Verify reports whether the request's signature is sts signed with secret,
// comparing in constant time.
func (a *Auth) Verify(secret, sts string) bool {
	want := a.Sign(secret, sts)
	got := a.Signature
	if a.Scheme != SchemeV1 {
		got = strings.ToLower(got)
	}
	return hmac.Equal([]byte(got), []byte(want))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// acs4Key derives the ACS4 signing key (spec §1.3b).
func acs4Key(secret, date8, region, service string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date8)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aliyun_v4_request")
}
