package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

// The request headers of the instance API (spec §1). The access key header
// really is spelled with three c's.
const (
	HeaderAPIName         = "x-kms-apiname"
	HeaderAPIVersion      = "x-kms-apiversion"
	HeaderAccessKeyID     = "x-kms-acccesskeyid"
	HeaderSignatureMethod = "x-kms-signaturemethod"
	HeaderContentSHA256   = "content-sha256"

	APIVersion      = "dkms-gcs-0.2"
	SignatureMethod = "RSA_PKCS1_SHA_256"
	ContentType     = "application/x-protobuf"

	// MaxSkew is how far a request's Date may be from the server's clock.
	MaxSkew = 15 * time.Minute
)

// StringToSign is the text a client signs (spec §1):
// METHOD, content-sha256, content-type and date, one per line, then every
// x-kms-* header as "name:value" lines sorted by name, then the resource "/".
// Clients sign the headers they send; Go canonicalises the names on the
// server side, so they are lower-cased back here.
func StringToSign(method string, h http.Header) string {
	type header struct {
		name   string // lower case
		values []string
	}
	var buf [8]header
	kmsHeaders := buf[:0]
	size := len(method) + 5
	for name, values := range h {
		if len(name) >= len(kmsPrefix) && strings.EqualFold(name[:len(kmsPrefix)], kmsPrefix) {
			lower, known := lowerNames[name]
			if !known {
				lower = strings.ToLower(name)
			}
			kmsHeaders = append(kmsHeaders, header{lower, values})
			size += len(name) + 2
			for _, v := range values {
				size += len(v) + 1
			}
		}
	}
	slices.SortFunc(kmsHeaders, func(a, b header) int { return strings.Compare(a.name, b.name) })
	first := [...]string{method, headerValue(h, canonContentSHA256), headerValue(h, canonContentType), headerValue(h, canonDate)}
	for _, v := range first {
		size += len(v)
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, v := range first {
		sb.WriteString(v)
		sb.WriteByte('\n')
	}
	for _, kh := range kmsHeaders {
		sb.WriteString(kh.name)
		sb.WriteByte(':')
		if len(kh.values) == 1 {
			sb.WriteString(strings.TrimSpace(kh.values[0]))
		} else {
			sb.WriteString(strings.TrimSpace(strings.Join(kh.values, ",")))
		}
		sb.WriteByte('\n')
	}
	sb.WriteByte('/')
	return sb.String()
}

const kmsPrefix = "x-kms-"

// The header names as net/http stores them (canonical), so that reading
// them does not canonicalise, and allocate, on every request.
var (
	canonAPIName         = http.CanonicalHeaderKey(HeaderAPIName)
	canonAPIVersion      = http.CanonicalHeaderKey(HeaderAPIVersion)
	canonAccessKeyID     = http.CanonicalHeaderKey(HeaderAccessKeyID)
	canonSignatureMethod = http.CanonicalHeaderKey(HeaderSignatureMethod)
	canonContentSHA256   = http.CanonicalHeaderKey(HeaderContentSHA256)
	canonKeyVersionID    = http.CanonicalHeaderKey(kms.HeaderKeyVersionID)
	canonContentType     = http.CanonicalHeaderKey("content-type")
	canonDate            = http.CanonicalHeaderKey("date")
	canonAuthorization   = http.CanonicalHeaderKey("authorization")

	lowerNames = map[string]string{}
)

func init() {
	for _, n := range []string{HeaderAPIName, HeaderAPIVersion, HeaderAccessKeyID, HeaderSignatureMethod, kms.HeaderKeyVersionID} {
		lowerNames[http.CanonicalHeaderKey(n)] = n
	}
}

// headerValue is h.Get(canon) for a name already in canonical form.
func headerValue(h http.Header, canon string) string {
	if v := h[canon]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// BodySHA256 is the content-sha256 value for body: upper-case hex.
func BodySHA256(body []byte) string {
	sum := sha256.Sum256(body)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// parseAuthorization takes "Bearer <base64>" (what the SDKs send) or
// "TOKEN <base64>" (what the product docs show) and returns the signature.
func parseAuthorization(v string) ([]byte, error) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !(strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "TOKEN")) {
		return nil, errors.New("want Authorization: Bearer <base64 signature>")
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil || len(sig) == 0 {
		return nil, errors.New("the Authorization signature is not standard base64")
	}
	return sig, nil
}

// authenticate runs the header checks of spec §1 that need no body, in the
// spec's order, and returns the caller's public key and signature.
func (h *Handler) authenticate(r *http.Request) (*clientkeys.PublicKey, []byte, error) {
	if v := headerValue(r.Header, canonAPIVersion); v != APIVersion {
		return nil, nil, kmserr.New(400, kmserr.CodeInvalidApiVersion, "The x-kms-apiversion %q is not supported; want %q.", v, APIVersion)
	}
	if v := headerValue(r.Header, canonSignatureMethod); v != SignatureMethod {
		return nil, nil, kmserr.New(400, kmserr.CodeInvalidParam, "The x-kms-signaturemethod %q is not supported; want %q.", v, SignatureMethod)
	}
	id := headerValue(r.Header, canonAccessKeyID)
	if id == "" {
		return nil, nil, kmserr.New(400, kmserr.CodeMissingParameter, "The x-kms-acccesskeyid header is missing.")
	}
	pub, err := clientkeys.Lookup(h.backend, id)
	if errors.Is(err, clientkeys.ErrNotFound) {
		return nil, nil, kmserr.New(404, kmserr.CodeUnauthorized, "The ClientKey %s is not registered on this instance.", quoteID(id))
	}
	if err != nil {
		return nil, nil, kmserr.Internal("ClientKey lookup failed: %v", err)
	}
	date := headerValue(r.Header, canonDate)
	t, err := http.ParseTime(date)
	if err != nil {
		return nil, nil, kmserr.New(400, kmserr.CodeInvalidParam, "The Date header %q is not an RFC 1123 date.", date)
	}
	if skew := h.cfg.clock().Sub(t); skew > MaxSkew || skew < -MaxSkew {
		return nil, nil, kmserr.New(400, kmserr.CodeRequestTimeTooSkewed, "The Date %s is more than %v away from the server time.", date, MaxSkew)
	}
	sig, err := parseAuthorization(headerValue(r.Header, canonAuthorization))
	if err != nil {
		return nil, nil, kmserr.New(400, kmserr.CodeInvalidParam, "%s", err.Error())
	}
	return pub, sig, nil
}

// verify checks the body hash and then the signature. Both failures are the
// product's 401 SignatureNotMatch.
func verify(r *http.Request, body []byte, pub *clientkeys.PublicKey, sig []byte) error {
	claimed, err := hex.DecodeString(headerValue(r.Header, canonContentSHA256))
	sum := sha256.Sum256(body)
	if err != nil || subtle.ConstantTimeCompare(claimed, sum[:]) != 1 {
		return kmserr.New(401, kmserr.CodeSignatureNotMatch, "The content-sha256 header does not match the SHA-256 of the request body.")
	}
	digest := sha256.Sum256([]byte(StringToSign(r.Method, r.Header)))
	if pub.VerifySHA256(digest[:], sig) != nil {
		return kmserr.New(401, kmserr.CodeSignatureNotMatch, "The request signature does not match: check the ClientKey and the string to sign.")
	}
	return nil
}

// quoteID keeps an id fit for an error message (ids are client input).
func quoteID(id string) string {
	if len(id) > clientkeys.MaxIDLen {
		id = id[:clientkeys.MaxIDLen] + "..."
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, id), "?")
}
