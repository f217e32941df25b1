// Package classic is the classic KMS OpenAPI (product Kms, version
// 2016-01-20) as an http.Handler: the transport that Alibaba's classic
// clients speak (the Go v3 client, alibaba-cloud-sdk-go, the Node client,
// the aliyun CLI, Terraform), its three signers checked against the
// AccessKeys in the store, and each action mapped onto the one engine
// (docs/classic-api.md). host/server routes classic requests here, so
// `pocketkms serve` and the Worker answer both APIs on one address.
//
// Every answer is a JSON object; every error carries RequestId, HostId,
// Code, Message and Recommend, whatever the fault, a panic included.
package classic

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/accesskeys"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// APIVersion is the only Version the classic API answers.
const APIVersion = "2016-01-20"

// MaxSkew is how far a signed timestamp may be from the server's clock.
const MaxSkew = 15 * time.Minute

// MaxBody bounds a form body; classic requests carry their parameters in
// the query or a small form (a 6 KB plaintext, a secret value).
const MaxBody = 1 << 20

// Config is an immutable configuration; each WithX returns a copy.
type Config struct {
	clock   func() time.Time
	region  string
	account string
	logf    func(format string, args ...any)
}

// NewConfig returns the defaults: the system clock, region cn-hangzhou (what
// ARNs and DescribeRegions show), account id 1000000000000000, no logging.
func NewConfig() Config {
	return Config{clock: time.Now, region: "cn-hangzhou", account: "1000000000000000"}
}

// WithClock sets the clock timestamps are checked against.
func (c Config) WithClock(now func() time.Time) Config { c.clock = now; return c }

// WithRegion sets the region that ARNs and DescribeRegions name.
func (c Config) WithRegion(r string) Config { c.region = r; return c }

// WithLogf sets where failed requests are logged: one line with the action,
// the AccessKeyId and the error code, never parameters or messages (a
// signature mismatch's message holds the string to sign, with the request's
// parameters).
func (c Config) WithLogf(logf func(format string, args ...any)) Config { c.logf = logf; return c }

// Handler serves the classic API.
type Handler struct {
	eng     caller
	backend store.Backend
	cfg     Config
	nonces  *nonceCache
}

// New returns the handler over an engine and the store the AccessKeys live
// in (read at every request, never cached).
func New(eng caller, backend store.Backend, cfg Config) *Handler {
	if cfg.clock == nil {
		cfg.clock = time.Now
	}
	if cfg.region == "" {
		cfg.region = NewConfig().region
	}
	if cfg.account == "" {
		cfg.account = NewConfig().account
	}
	return &Handler{eng: eng, backend: backend, cfg: cfg, nonces: newNonceCache(2 * MaxSkew)}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := ids.NewRequestID(rand.Reader)
	w.Header().Set("x-acs-request-id", reqID)
	action, akID := r.Header.Get("x-acs-action"), ""
	defer func() {
		if p := recover(); p != nil {
			h.logf("classic: panic in %q: %v\n%s", action, p, debug.Stack())
			h.writeError(w, r, reqID, action, akID, kmserr.Internal("Internal Failure."))
		}
	}()
	resp, act, ak, err := h.serve(r, reqID)
	action, akID = firstOf(act, action), ak
	if err != nil {
		h.writeError(w, r, reqID, action, akID, err)
		return
	}
	resp["RequestId"] = reqID
	writeJSON(w, http.StatusOK, resp)
}

func (h *Handler) serve(r *http.Request, reqID string) (obj, string, string, error) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, "", "", kmserr.New(403, "UnsupportedHTTPMethod", "This http method is not supported.")
	}
	if r.ContentLength > MaxBody {
		return nil, "", "", kmserr.New(413, kmserr.CodeEntityTooLarge, "The request body is over the %d-byte limit.", MaxBody)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		return nil, "", "", errParse("the request body could not be read")
	}
	if len(body) > MaxBody {
		return nil, "", "", kmserr.New(413, kmserr.CodeEntityTooLarge, "The request body is over the %d-byte limit.", MaxBody)
	}
	req, err := ParseRequest(r.Method, r.URL.RawQuery, r.Header.Get("content-type"), r.Header, body)
	if err != nil {
		return nil, "", "", err
	}
	a, err := h.authenticate(r, req)
	akID := ""
	if a != nil {
		akID = a.AccessKeyID
	}
	if err != nil {
		return nil, req.Action, akID, err
	}
	if req.Version != APIVersion {
		return nil, req.Action, akID, kmserr.New(400, codeInvalidVersion, "Specified parameter Version is not valid: want %s.", APIVersion)
	}
	if req.Action == "" {
		return nil, "", akID, missing("Action")
	}
	act, ok := actions[req.Action]
	if !ok {
		return nil, req.Action, akID, kmserr.New(404, codeActionNotFound, "Specified api %q is not found.", req.Action)
	}
	c := &opCtx{ctx: r.Context(), h: h, p: req.Params, host: r.Host}
	resp, err := act(c)
	if err == nil && c.dryRun {
		err = kmserr.New(400, codeDryRun, "Request would have succeeded, but DryRun flag is set.")
	}
	return resp, req.Action, akID, err
}

// authenticate checks the signature, the timestamp and the nonce, in that
// order: only a correctly signed request may use up a nonce.
func (h *Handler) authenticate(r *http.Request, req *Request) (*Auth, error) {
	a, err := ParseAuth(req, r.Header)
	if err != nil {
		return nil, err
	}
	rec, err := accesskeys.Lookup(h.backend, a.AccessKeyID)
	if errors.Is(err, accesskeys.ErrNotFound) {
		return a, kmserr.New(404, codeAccessKeyNotFound, "The AccessKey ID provided does not exist in our records.")
	}
	if err != nil {
		return a, kmserr.Internal("Internal Failure.")
	}
	sts, err := a.StringToSign(r.Method, r.Host, req, r.Header)
	if err != nil {
		return a, err
	}
	if !a.Verify(rec.AccessKeySecret, sts) {
		return a, kmserr.New(400, codeSignatureMismatch, "Specified signature is not matched with our calculation. server string to sign is:%s", sts)
	}
	now := h.cfg.clock()
	if d := now.Sub(a.Time); d > MaxSkew || d < -MaxSkew {
		return a, kmserr.New(400, codeTimestampExpired, "Specified time stamp or date value is expired: %s is more than %v from the server's %s.", a.Time.Format(timeLayout), MaxSkew, now.UTC().Format(timeLayout))
	}
	fresh, err := h.nonces.add(a.AccessKeyID+"\x00"+a.Nonce, now)
	if err != nil {
		return a, err
	}
	if !fresh {
		return a, kmserr.New(400, codeNonceUsed, "Specified signature nonce was used already.")
	}
	return a, nil
}

// obj is a JSON object answer.
type obj = map[string]any

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // cannot happen for maps of strings, numbers and bools
		b = []byte(`{"Code":"InternalFailure","Message":"Internal Failure."}`)
		status = 500
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, reqID, action, akID string, err error) {
	ke := kmserr.As(err)
	if errors.Is(err, context.Canceled) {
		ke = kmserr.New(503, kmserr.CodeServiceUnavailable, "Service Unavailable Temporary.")
	}
	writeJSON(w, ke.Status, obj{"RequestId": reqID, "HostId": r.Host, "Code": ke.Code, "Message": ke.Message, "Recommend": ""})
	h.logf("classic %s action=%q accesskey=%q -> %d %s request=%s", r.Method, quote(action), quote(akID), ke.Status, ke.Code, reqID)
}

func (h *Handler) logf(format string, args ...any) {
	if h.cfg.logf != nil {
		h.cfg.logf(format, args...)
	}
}

// quote bounds and quotes client-chosen text before it reaches a log line.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)[1 : len(strconv.Quote(s))-1]
}
