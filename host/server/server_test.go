package server

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

type fixture struct {
	srv  *httptest.Server
	b    *store.Memory
	eng  *kms.Engine
	id   string
	priv *rsa.PrivateKey
	now  time.Time
}

func newFixture(t *testing.T, cfg Config, eng Caller) *fixture {
	t.Helper()
	id, content, priv := sdkTestKey(t)
	f := &fixture{b: store.NewMemory(), id: id, priv: priv, now: time.Now()}
	key, value, err := clientkeys.RecordFromClientKey(content, "1234")
	if err != nil {
		t.Fatal(err)
	}
	if err := clientkeys.Register(f.b, key, value); err != nil {
		t.Fatal(err)
	}
	f.eng = kms.New(f.b, kms.NewConfig())
	if eng == nil {
		eng = Native(f.eng)
	}
	f.srv = httptest.NewServer(New(eng, f.b, cfg.WithClock(func() time.Time { return f.now })))
	t.Cleanup(f.srv.Close)
	return f
}

// call sends a signed request; edit changes headers before signing, after
// changes them after signing (to break the signature on purpose).
func (f *fixture) call(t *testing.T, api string, body []byte, edit, after func(http.Header)) (int, []byte, http.Header) {
	t.Helper()
	h := http.Header{}
	h.Set("content-type", ContentType)
	h.Set("date", f.now.UTC().Format(http.TimeFormat))
	h.Set(HeaderAPIName, api)
	h.Set(HeaderAPIVersion, APIVersion)
	h.Set(HeaderSignatureMethod, SignatureMethod)
	h.Set(HeaderAccessKeyID, f.id)
	h.Set(HeaderContentSHA256, BodySHA256(body))
	if edit != nil {
		edit(h)
	}
	h.Set("authorization", signString(t, f.priv, StringToSign("POST", h)))
	if after != nil {
		after(h)
	}
	req, _ := http.NewRequest("POST", f.srv.URL+"/", bytes.NewReader(body))
	req.Header = h
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, []byte, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp.Header
}

// wantError checks a protobuf Error body with a lower-case UUID RequestId.
func wantError(t *testing.T, status int, body []byte, hdr http.Header, wantStatus int, wantCode string) {
	t.Helper()
	if hdr.Get("Content-Type") != ContentType {
		t.Errorf("content type %q", hdr.Get("Content-Type"))
	}
	var e pb.Error
	if err := pb.Unmarshal(body, &e); err != nil {
		t.Fatalf("body is not a protobuf Error: %q", body)
	}
	if status != wantStatus || e.ErrorCode != wantCode || int(e.StatusCode) != wantStatus {
		t.Fatalf("got %d %d %q (%s), want %d %q", status, e.StatusCode, e.ErrorCode, e.ErrorMessage, wantStatus, wantCode)
	}
	if len(e.RequestId) != 36 || e.RequestId != strings.ToLower(e.RequestId) || e.ErrorMessage == "" {
		t.Errorf("RequestId %q message %q", e.RequestId, e.ErrorMessage)
	}
}

func mustMarshal(m pb.Message) []byte { b, _ := pb.Marshal(m); return b }

func TestDataOperationRoundTrip(t *testing.T) {
	f := newFixture(t, NewConfig(), nil)
	if _, err := f.eng.CallJSON("CreateKey", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	keys, _ := f.eng.Call("ListKeys", &pb.ListKeysRequest{})
	keyID := keys.(*pb.ListKeysResponse).Keys[0].KeyId
	st, body, hdr := f.call(t, "AdvanceEncrypt", mustMarshal(&pb.AdvanceEncryptRequest{KeyId: keyID, Plaintext: []byte("hi")}), nil, nil)
	if st != 200 || hdr.Get("Content-Type") != ContentType {
		t.Fatalf("%d %q", st, body)
	}
	var enc pb.AdvanceEncryptResponse
	pb.Unmarshal(body, &enc)
	// The product's docs show "TOKEN" instead of "Bearer": both are accepted.
	st, body, _ = f.call(t, "AdvanceDecrypt", mustMarshal(&pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob}), nil,
		func(h http.Header) {
			h.Set("authorization", strings.Replace(h.Get("authorization"), "Bearer", "TOKEN", 1))
		})
	var dec pb.AdvanceDecryptResponse
	if st != 200 || pb.Unmarshal(body, &dec) != nil || string(dec.Plaintext) != "hi" {
		t.Fatalf("%d %q", st, body)
	}
}

// The spec's second vector, sent as the SDK sent it, passes every check:
// the engine answers (no such alias yet), not the authentication.
func TestVectorRequestIsAccepted(t *testing.T) {
	f := newFixture(t, NewConfig(), nil)
	f.now, _ = http.ParseTime(vector2Date)
	body, _ := hex.DecodeString(vector2Body)
	req, _ := http.NewRequest("POST", f.srv.URL+"/", bytes.NewReader(body))
	req.Header = vector2Headers()
	req.Header.Set("authorization", vector2)
	st, out, hdr := do(t, req)
	wantError(t, st, out, hdr, 404, "Forbidden.KeyNotFound")
}

func TestErrorRows(t *testing.T) {
	f := newFixture(t, NewConfig().WithMaxBody(1024), nil)
	set := func(k, v string) func(http.Header) { return func(h http.Header) { h.Set(k, v) } }
	del := func(k string) func(http.Header) { return func(h http.Header) { h.Del(k) } }
	okBody := mustMarshal(&pb.GenerateRandomRequest{Length: 16})
	for _, tc := range []struct {
		name        string
		api         string
		body        []byte
		edit, after func(http.Header)
		status      int
		code        string
	}{
		{"unknown client", "GenerateRandom", okBody, set(HeaderAccessKeyID, "KAAP.nobody"), nil, 404, "Unauthorized"},
		{"bad signature", "GenerateRandom", okBody, nil, set("date", time.Now().Add(time.Second).UTC().Format(http.TimeFormat)), 401, "SignatureNotMatch"},
		{"signed api name changed", "GenerateRandom", okBody, nil, set(HeaderAPIName, "GenerateDataKey"), 401, "SignatureNotMatch"},
		{"signature by another key", "GenerateRandom", okBody, nil, set("authorization", vector1), 401, "SignatureNotMatch"},
		{"body hash mismatch", "GenerateRandom", okBody, set(HeaderContentSHA256, BodySHA256([]byte("other"))), nil, 401, "SignatureNotMatch"},
		{"no body hash", "GenerateRandom", okBody, del(HeaderContentSHA256), nil, 401, "SignatureNotMatch"},
		{"date skewed", "GenerateRandom", okBody, set("date", time.Now().Add(-16*time.Minute).UTC().Format(http.TimeFormat)), nil, 400, "RequestTimeTooSkewed"},
		{"date ahead", "GenerateRandom", okBody, set("date", time.Now().Add(16*time.Minute).UTC().Format(http.TimeFormat)), nil, 400, "RequestTimeTooSkewed"},
		{"missing access key", "GenerateRandom", okBody, del(HeaderAccessKeyID), nil, 400, "MissingParameter"},
		{"bad api version", "GenerateRandom", okBody, set(HeaderAPIVersion, "dkms-gcs-0.1"), nil, 400, "InvalidApiVersion"},
		{"no api version", "GenerateRandom", okBody, del(HeaderAPIVersion), nil, 400, "InvalidApiVersion"},
		{"bad date", "GenerateRandom", okBody, set("date", "yesterday"), nil, 400, "InvalidParam"},
		{"bad signature method", "GenerateRandom", okBody, set(HeaderSignatureMethod, "HMAC_SHA1"), nil, 400, "InvalidParam"},
		{"bad authorization", "GenerateRandom", okBody, nil, set("authorization", "Basic abc"), 400, "InvalidParam"},
		{"no authorization", "GenerateRandom", okBody, nil, del("authorization"), 400, "InvalidParam"},
		{"wrong content type", "GenerateRandom", okBody, set("content-type", "application/json"), nil, 415, "InvalidContentType"},
		{"unknown api", "Frobnicate", nil, nil, nil, 400, "InvalidApiName"},
		{"management api", "CreateKey", nil, nil, nil, 400, "InvalidApiName"},
		{"unbuilt api", "GetHealthStatus", nil, nil, nil, 400, "UnsupportedOperation"},
		{"body too large", "GenerateRandom", make([]byte, 1025), nil, nil, 413, "RequestEntityTooLarge"},
		{"engine error", "GenerateRandom", mustMarshal(&pb.GenerateRandomRequest{Length: 65}), nil, nil, 400, "InvalidParameter"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body, hdr := f.call(t, tc.api, tc.body, tc.edit, tc.after)
			wantError(t, st, body, hdr, tc.status, tc.code)
		})
	}
}

// A body over the limit without a Content-Length is cut off while read.
func TestChunkedBodyTooLarge(t *testing.T) {
	f := newFixture(t, NewConfig().WithMaxBody(1024), nil)
	req, _ := http.NewRequest("POST", f.srv.URL+"/", io.MultiReader(bytes.NewReader(make([]byte, 4096))))
	req.ContentLength = -1
	h := http.Header{}
	h.Set("content-type", ContentType)
	h.Set("date", f.now.UTC().Format(http.TimeFormat))
	h.Set(HeaderAPIName, "GenerateRandom")
	h.Set(HeaderAPIVersion, APIVersion)
	h.Set(HeaderSignatureMethod, SignatureMethod)
	h.Set(HeaderAccessKeyID, f.id)
	h.Set(HeaderContentSHA256, BodySHA256(make([]byte, 4096)))
	h.Set("authorization", signString(t, f.priv, StringToSign("POST", h)))
	req.Header = h
	st, body, hdr := do(t, req)
	wantError(t, st, body, hdr, 413, "RequestEntityTooLarge")
}

func TestRevokeTakesEffectAtNextRequest(t *testing.T) {
	f := newFixture(t, NewConfig(), nil)
	body := mustMarshal(&pb.GenerateRandomRequest{Length: 8})
	if st, out, _ := f.call(t, "GenerateRandom", body, nil, nil); st != 200 {
		t.Fatalf("%d %q", st, out)
	}
	if err := clientkeys.Revoke(f.b, f.id); err != nil {
		t.Fatal(err)
	}
	st, out, hdr := f.call(t, "GenerateRandom", body, nil, nil)
	wantError(t, st, out, hdr, 404, "Unauthorized")
}

type panicEngine struct{}

func (panicEngine) CallProto(context.Context, string, []byte) ([]byte, error) { panic("boom") }
func (panicEngine) CallProtoMeta(context.Context, string, []byte, kms.Meta) ([]byte, kms.Meta, error) {
	panic("boom")
}
func (panicEngine) CallJSON(context.Context, string, []byte) ([]byte, error) { panic("boom") }
func (panicEngine) Close(context.Context) error                              { return nil }

func TestPanicIsProtobuf500(t *testing.T) {
	f := newFixture(t, NewConfig(), panicEngine{})
	st, body, hdr := f.call(t, "GenerateRandom", nil, nil, nil)
	wantError(t, st, body, hdr, 500, "InternalFailure")
}

func TestOtherPathsAndMethods(t *testing.T) {
	assets := fstest.MapFS{
		"web/index.html":       {Data: []byte("<h1>playground</h1>")},
		"web/app.js":           {Data: []byte("1")},
		"build/pocketkms.wasm": {Data: []byte("\x00asm"), ModTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		"secret.txt":           {Data: []byte("no")},
	}
	f := newFixture(t, NewConfig().WithAssets(assets).WithHealth(map[string]string{"engine": "native"}), nil)
	get := func(method, path string) (int, []byte, http.Header) {
		req, _ := http.NewRequest(method, f.srv.URL+path, nil)
		return do(t, req)
	}
	for _, tc := range []struct {
		method, path, ctype, body string
	}{
		{"GET", "/", "text/html; charset=utf-8", "<h1>playground</h1>"},
		{"GET", "/index.html", "text/html; charset=utf-8", "<h1>playground</h1>"},
		{"GET", "/web/app.js", "text/javascript; charset=utf-8", "1"},
		{"GET", "/build/pocketkms.wasm", "application/wasm", "\x00asm"},
		{"GET", "/healthz", "application/json", `{"status":"ok","api":"dkms-gcs-0.2","engine":"native"}` + "\n"},
	} {
		st, body, hdr := get(tc.method, tc.path)
		if st != 200 || hdr.Get("Content-Type") != tc.ctype || string(body) != tc.body {
			t.Errorf("%s %s: %d %q %q", tc.method, tc.path, st, hdr.Get("Content-Type"), body)
		}
	}
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/secret.txt", 404, "NotFound"},
		{"GET", "/web/../secret.txt", 404, "NotFound"},
		{"GET", "/nope", 404, "NotFound"},
		{"POST", "/other", 405, "MethodNotAllowed"},
		{"PUT", "/", 405, "MethodNotAllowed"},
		{"DELETE", "/healthz", 405, "MethodNotAllowed"},
	} {
		st, body, hdr := get(tc.method, tc.path)
		wantError(t, st, body, hdr, tc.status, tc.code)
	}
	// A file with a modification time is revalidated, not refetched.
	req, _ := http.NewRequest("GET", f.srv.URL+"/build/pocketkms.wasm", nil)
	req.Header.Set("If-Modified-Since", "Fri, 02 Jan 2026 03:04:05 GMT")
	if st, body, _ := do(t, req); st != 304 || len(body) != 0 {
		t.Errorf("revalidation: %d %q", st, body)
	}
	req.Header.Set("If-Modified-Since", "Fri, 02 Jan 2026 03:04:04 GMT")
	if st, body, hdr := do(t, req); st != 200 || string(body) != "\x00asm" || hdr.Get("Last-Modified") != "Fri, 02 Jan 2026 03:04:05 GMT" {
		t.Errorf("changed file: %d %q %q", st, body, hdr.Get("Last-Modified"))
	}
	// Without assets, GET / is a protobuf 404 too.
	g := newFixture(t, NewConfig(), nil)
	req, _ = http.NewRequest("GET", g.srv.URL+"/", nil)
	st, body, hdr := do(t, req)
	wantError(t, st, body, hdr, 404, "NotFound")
}

// FuzzHandler sends arbitrary header values and bodies: every answer is a
// protobuf Error (or a success), never a 500 or a text body.
func FuzzHandler(f *testing.F) {
	f.Add("GenerateRandom", "dkms-gcs-0.2", "RSA_PKCS1_SHA_256", "key_for_unit_test", "Sun, 29 Nov 2026 11:28:32 GMT", "Bearer AAAA", "application/x-protobuf", []byte{8, 8})
	f.Add("AdvanceDecrypt", "", "", "", "", "TOKEN", "", []byte("$"))
	_, content, _ := sdkTestKey(f)
	b := store.NewMemory()
	key, value, err := clientkeys.RecordFromClientKey(content, "1234")
	if err != nil {
		f.Fatal(err)
	}
	clientkeys.Register(b, key, value)
	h := New(Native(kms.New(b, kms.NewConfig())), b, NewConfig().WithMaxBody(4096))
	f.Fuzz(func(t *testing.T, api, version, method, access, date, auth, ctype string, body []byte) {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		for k, v := range map[string]string{HeaderAPIName: api, HeaderAPIVersion: version, HeaderSignatureMethod: method,
			HeaderAccessKeyID: access, "date": date, "authorization": auth, "content-type": ctype, HeaderContentSHA256: BodySHA256(body)} {
			req.Header[http.CanonicalHeaderKey(k)] = []string{v}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code == 200 {
			return
		}
		var e pb.Error
		if w.Code >= 500 || w.Header().Get("Content-Type") != ContentType || pb.Unmarshal(w.Body.Bytes(), &e) != nil || int(e.StatusCode) != w.Code || e.ErrorCode == "" {
			t.Fatalf("%d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.Bytes())
		}
	})
}

// x-kms-migrationkeyversionid selects the version, comes back with the
// version used, and is signed like every x-kms-* header.
func TestMigrationHeader(t *testing.T) {
	f := newFixture(t, NewConfig(), nil)
	resp, err := f.eng.Call("CreateKey", &pb.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	md := resp.(*pb.KeyResponse).KeyMetadata
	v1, err := f.eng.Call("CreateKeyVersion", &pb.KeyIdRequest{KeyId: md.KeyId})
	if err != nil {
		t.Fatal(err)
	}
	initial, primary := md.InitialKeyVersionId, v1.(*pb.KeyResponse).KeyMetadata.PrimaryKeyVersionId
	enc := mustMarshal(&pb.EncryptRequest{KeyId: md.KeyId, Plaintext: []byte("hi")})

	st, body, hdr := f.call(t, "Encrypt", enc, nil, nil)
	if st != 200 || hdr.Get(kms.HeaderKeyVersionID) != initial {
		t.Fatalf("without the header: %d, version %q, want %q", st, hdr.Get(kms.HeaderKeyVersionID), initial)
	}
	withHeader := func(h http.Header) { h.Set(kms.HeaderKeyVersionID, primary) }
	st, body, hdr = f.call(t, "Encrypt", enc, withHeader, nil)
	if st != 200 || hdr.Get(kms.HeaderKeyVersionID) != primary {
		t.Fatalf("with the header: %d, version %q, want %q", st, hdr.Get(kms.HeaderKeyVersionID), primary)
	}
	var out pb.EncryptResponse
	if err := pb.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	// The transfer SDKs' Decrypt: no KeyId, the version in the header.
	st, body, hdr = f.call(t, "Decrypt", mustMarshal(&pb.DecryptRequest{CiphertextBlob: out.CiphertextBlob, Iv: out.Iv}), withHeader, nil)
	var dec pb.DecryptResponse
	if st != 200 || pb.Unmarshal(body, &dec) != nil || string(dec.Plaintext) != "hi" || hdr.Get(kms.HeaderKeyVersionID) != primary {
		t.Fatalf("Decrypt by header: %d %q %q", st, body, hdr.Get(kms.HeaderKeyVersionID))
	}
	// Changed after signing: the signature no longer matches.
	st, body, hdr = f.call(t, "Encrypt", enc, withHeader, func(h http.Header) { h.Set(kms.HeaderKeyVersionID, initial) })
	wantError(t, st, body, hdr, 401, "SignatureNotMatch")
	// Added after signing too.
	st, body, hdr = f.call(t, "Encrypt", enc, nil, withHeader)
	wantError(t, st, body, hdr, 401, "SignatureNotMatch")
	// No header on errors.
	st, body, hdr = f.call(t, "Encrypt", enc, func(h http.Header) { h.Set(kms.HeaderKeyVersionID, md.KeyId+"-nosuchvers") }, nil)
	wantError(t, st, body, hdr, 404, "Forbidden.KeyNotFound")
	if hdr.Get(kms.HeaderKeyVersionID) != "" {
		t.Fatalf("an error answer carries %q", hdr.Get(kms.HeaderKeyVersionID))
	}
}
