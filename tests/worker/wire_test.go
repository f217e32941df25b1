package worker

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dkmsutil "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi-util"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/tests/parity"
)

// signer signs instance API requests by hand (spec §1), so that tests can
// break any part of them.
type signer struct {
	id   string
	priv *rsa.PrivateKey
	url  string
}

var (
	signerOnce sync.Once
	theSigner  *signer
)

func rawClient(t *testing.T) *signer {
	t.Helper()
	signerOnce.Do(func() {
		b, err := os.ReadFile(ckFile)
		if err != nil {
			t.Fatal(err)
		}
		var f struct{ KeyId, PrivateKeyData string }
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		p12, err := base64.StdEncoding.DecodeString(f.PrivateKeyData)
		if err != nil {
			t.Fatal(err)
		}
		pw := ckPassword
		pems, err := dkmsutil.GetPrivatePemFromPk12(p12, &pw) // the SDK's own decoding
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode([]byte(*pems[0]))
		priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		theSigner = &signer{id: f.KeyId, priv: priv}
	})
	s := *theSigner
	s.url = w.url
	return &s
}

// request builds a signed POST /; edit changes headers before signing,
// after changes them after signing.
func (s *signer) request(api string, body []byte, edit, after func(http.Header)) *http.Request {
	h := http.Header{}
	h.Set("content-type", server.ContentType)
	h.Set("accept", server.ContentType)
	h.Set("date", time.Now().UTC().Format(http.TimeFormat))
	h.Set(server.HeaderAPIName, api)
	h.Set(server.HeaderAPIVersion, server.APIVersion)
	h.Set(server.HeaderSignatureMethod, server.SignatureMethod)
	h.Set(server.HeaderAccessKeyID, s.id)
	h.Set(server.HeaderContentSHA256, server.BodySHA256(body))
	if edit != nil {
		edit(h)
	}
	digest := sha256.Sum256([]byte(server.StringToSign("POST", h)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.priv, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}
	h.Set("authorization", "Bearer "+base64.StdEncoding.EncodeToString(sig))
	if after != nil {
		after(h)
	}
	req, _ := http.NewRequest("POST", s.url, bytes.NewReader(body))
	req.Header = h
	return req
}

func do(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// call runs api with a protobuf request and decodes the answer into resp,
// or returns the protobuf Error as a *kmserr.Error.
func (s *signer) call(t *testing.T, api string, req, resp proto.Message) error {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	st, _, out := do(t, s.request(api, body, nil, nil))
	if st != 200 {
		var e pb.Error
		if err := proto.Unmarshal(out, &e); err != nil {
			t.Fatalf("status %d with a non-protobuf body %q", st, out)
		}
		if int(e.StatusCode) != st {
			t.Fatalf("HTTP %d but Error.StatusCode %d", st, e.StatusCode)
		}
		return &kmserr.Error{Status: int(e.StatusCode), Code: e.ErrorCode, Message: e.ErrorMessage}
	}
	return proto.Unmarshal(out, resp)
}

func wantProtoError(t *testing.T, st int, h http.Header, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var e pb.Error
	if err := proto.Unmarshal(body, &e); err != nil {
		t.Fatalf("status %d: body is not a protobuf Error: %q", st, body)
	}
	if st != wantStatus || e.ErrorCode != wantCode || int(e.StatusCode) != wantStatus {
		t.Fatalf("got HTTP %d, Error %d %s (%s); want %d %s", st, e.StatusCode, e.ErrorCode, e.ErrorMessage, wantStatus, wantCode)
	}
	if ct := h.Get("content-type"); ct != server.ContentType {
		t.Errorf("content-type %q", ct)
	}
}

func TestWireErrors(t *testing.T) {
	c := rawClient(t)
	body, _ := proto.Marshal(&pb.GenerateRandomRequest{Length: 8})
	for _, tc := range []struct {
		name        string
		api         string
		body        []byte
		edit, after func(http.Header)
		status      int
		code        string
	}{
		{"bad signature", "GenerateRandom", body, nil, func(h http.Header) {
			h.Set("authorization", "Bearer "+base64.StdEncoding.EncodeToString(make([]byte, 256)))
		}, 401, "SignatureNotMatch"},
		{"body hash mismatch", "GenerateRandom", body, func(h http.Header) { h.Set(server.HeaderContentSHA256, server.BodySHA256([]byte("other"))) }, nil, 401, "SignatureNotMatch"},
		{"unknown ClientKey", "GenerateRandom", body, func(h http.Header) { h.Set(server.HeaderAccessKeyID, "KAAP.nobody") }, nil, 404, "Unauthorized"},
		{"no api version", "GenerateRandom", body, func(h http.Header) { h.Del(server.HeaderAPIVersion) }, nil, 400, "InvalidApiVersion"},
		{"skewed date", "GenerateRandom", body, func(h http.Header) { h.Set("date", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)) }, nil, 400, "RequestTimeTooSkewed"},
		{"management call", "CreateKey", nil, nil, nil, 400, "InvalidApiName"},
		{"unknown api", "EncryptEverything", nil, nil, nil, 400, "InvalidApiName"},
		{"content type", "GenerateRandom", body, func(h http.Header) { h.Set("content-type", "application/json") }, nil, 415, "InvalidContentType"},
		{"over 3 MB", "Encrypt", make([]byte, server.DefaultMaxBody+1), nil, nil, 413, "RequestEntityTooLarge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, h, out := do(t, c.request(tc.api, tc.body, tc.edit, tc.after))
			wantProtoError(t, st, h, out, tc.status, tc.code)
		})
	}
}

func TestPlaygroundAndHealth(t *testing.T) {
	for _, tc := range []struct{ path, ctype, contains string }{
		{"", "text/html", "<html"},
		{"build/pocketkms.wasm", "application/wasm", "\x00asm"},
		{"wasm/js/pocketkms.js", "javascript", ""},
		{"healthz", "application/json", `"store":"d1"`},
	} {
		resp, err := http.Get(w.url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("content-type"), tc.ctype) || !strings.Contains(string(b), tc.contains) {
			t.Errorf("GET /%s: %d %q, %d bytes", tc.path, resp.StatusCode, resp.Header.Get("content-type"), len(b))
		}
	}
	resp, err := http.Get(w.url + "no/such/file")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantProtoError(t, resp.StatusCode, resp.Header, b, 404, "NotFound")
}

// TestSealedAtRest reads D1 directly: key records hold no plaintext
// material, and they open with the Worker's root key.
func TestSealedAtRest(t *testing.T) {
	recs := d1Records(t)
	v, ok := recs["keys/"+rotatingKey]
	if !ok {
		t.Fatalf("no keys/%s in D1 (%d records)", rotatingKey, len(recs))
	}
	material, _ := base64.StdEncoding.DecodeString("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	if v[0] != 0x01 || bytes.Contains(v, material) || bytes.Contains(v, []byte("Material")) || bytes.Contains(v, []byte("AAECAwQF")) {
		t.Fatalf("key record is not sealed: % x...", v[:16])
	}
	if _, err := unseal(t, "keys/"+rotatingKey, v); err != nil {
		t.Fatalf("the record does not open with the Worker's root key: %v", err)
	}
	ck, ok := recs["clientkeys/"+ckID]
	if !ok || !bytes.Contains(ck, []byte("PUBLIC KEY")) || bytes.Contains(ck, []byte("PRIVATE")) {
		t.Fatalf("ClientKey record: %q", ck)
	}
}

func unseal(t *testing.T, key string, sealedValue []byte) ([]byte, error) {
	t.Helper()
	mem := store.NewMemory()
	if err := mem.Commit(nil, []store.Write{{Key: key, Value: sealedValue}}); err != nil {
		t.Fatal(err)
	}
	s, err := store.Sealed(mem, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := s.Get(key)
	return v, err
}

// TestRotationOnceUnderConcurrency: alias/rotating's rotation is due;
// concurrent requests all see it, each builds a new version, and the D1
// batch guard lets exactly one commit: every request ends up on the same
// new version and the record has two versions, not many.
func TestRotationOnceUnderConcurrency(t *testing.T) {
	c := rawClient(t)
	const n = 16
	var wg sync.WaitGroup
	versions := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var resp pb.AdvanceEncryptResponse
			errs[i] = c.call(t, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/rotating", Plaintext: []byte{byte(i)}}, &resp)
			versions[i] = resp.KeyVersionId
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	seeded := rotatingKey + "-v000000001"
	for i, v := range versions {
		if v == seeded || v != versions[0] {
			t.Fatalf("request %d used version %s; versions seen: %v", i, v, versions)
		}
	}
	rec, err := unseal(t, "keys/"+rotatingKey, d1Records(t)["keys/"+rotatingKey])
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Versions []json.RawMessage }
	if err := json.Unmarshal(rec, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Versions) != 2 {
		t.Fatalf("the key has %d versions after one due rotation under %d concurrent requests, want 2", len(k.Versions), n)
	}
}

// responses are the data operations' response messages, for decoding.
var responses = map[string]func() proto.Message{
	"Encrypt":                func() proto.Message { return &pb.EncryptResponse{} },
	"Decrypt":                func() proto.Message { return &pb.DecryptResponse{} },
	"AdvanceEncrypt":         func() proto.Message { return &pb.AdvanceEncryptResponse{} },
	"AdvanceDecrypt":         func() proto.Message { return &pb.AdvanceDecryptResponse{} },
	"GenerateDataKey":        func() proto.Message { return &pb.GenerateDataKeyResponse{} },
	"AdvanceGenerateDataKey": func() proto.Message { return &pb.AdvanceGenerateDataKeyResponse{} },
	"GenerateRandom":         func() proto.Message { return &pb.GenerateRandomResponse{} },
}

// TestParityVectors runs the golden vectors that fit the instance API
// through the Worker's HTTP API in protobuf form: their keys were imported
// by the seed, and every data step must answer as the native core did.
func TestParityVectors(t *testing.T) {
	scens, err := parityScenarios()
	if err != nil {
		t.Fatal(err)
	}
	c := rawClient(t)
	ran := 0
	for _, s := range scens {
		t.Run(s.Name, func(t *testing.T) {
			for i, st := range s.Steps {
				if st.API == "ImportKey" {
					continue // done by the seed
				}
				respJSON, callErr := c.callJSON(t, st.API, st.Request)
				if err := parity.Check(&s.Steps[i], respJSON, callErr); err != nil {
					t.Fatalf("step %d %s (%s): %v", i, st.API, st.Note, err)
				}
				ran++
			}
		})
	}
	t.Logf("%d data steps of %d scenarios (%v) through the Worker", ran, len(scens), parityRun)
	if ran < 100 {
		t.Fatalf("only %d parity steps ran", ran)
	}
}

// callJSON sends a JSON-form request as protobuf and answers in JSON form.
func (s *signer) callJSON(t *testing.T, api string, reqJSON []byte) ([]byte, error) {
	t.Helper()
	req, err := kms.NewRequest(api)
	if err != nil {
		t.Fatal(err)
	}
	if err := protojson.Unmarshal(reqJSON, req); err != nil {
		t.Fatalf("%s request: %v", api, err)
	}
	resp := responses[api]()
	if err := s.call(t, api, req, resp); err != nil {
		return nil, err
	}
	out, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

// TestSecondWorkerSameD1 starts another Worker process on the same D1
// state, with a fresh Go runtime per request (the library's way) instead
// of the pool: what one process sealed the other opens (persistence across
// a restart), in both directions.
func TestSecondWorkerSameD1(t *testing.T) {
	c := rawClient(t)
	var enc pb.AdvanceEncryptResponse
	if err := c.call(t, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: []byte("from the first")}, &enc); err != nil {
		t.Fatal(err)
	}
	w2, err := startWorker(persist, "--var", "POCKETKMS_GO_RUNTIME:per-request")
	if err != nil {
		t.Fatal(err)
	}
	defer w2.stop()
	c2 := *c
	c2.url = w2.url
	var dec pb.AdvanceDecryptResponse
	if err := c2.call(t, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob}, &dec); err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "from the first" {
		t.Fatalf("second Worker decrypted %q", dec.Plaintext)
	}
	if err := c2.call(t, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/sm4", Plaintext: []byte("from the second")}, &enc); err != nil {
		t.Fatal(err)
	}
	if err := c.call(t, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob}, &dec); err != nil || string(dec.Plaintext) != "from the second" {
		t.Fatalf("first Worker: %v %q", err, dec.Plaintext)
	}
}

// TestMisconfigured: a Worker without a usable root key, or over a D1
// database nobody migrated, answers every API call with a protobuf 500
// that names the problem (never a key-less fallback, never a text body).
func TestMisconfigured(t *testing.T) {
	empty := t.TempDir() // a D1 state with no schema
	for _, tc := range []struct {
		name, persist string
		extra         []string
		want          string
	}{
		{"bad root key", persist, []string{"--var", "POCKETKMS_ROOT_KEY:bm90IDMyIGJ5dGVz"}, "POCKETKMS_ROOT_KEY must be standard base64 of 32 bytes"},
		{"unmigrated D1", empty, nil, "wrangler d1 migrations apply"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wp, err := startWorkerNoProbe(tc.persist, tc.extra...)
			if err != nil {
				t.Fatal(err)
			}
			defer wp.stop()
			c := rawClient(t)
			c.url = wp.url
			body, _ := proto.Marshal(&pb.GenerateRandomRequest{Length: 8})
			st, h, out := do(t, c.request("GenerateRandom", body, nil, nil))
			wantProtoError(t, st, h, out, 500, "InternalFailure")
			var e pb.Error
			proto.Unmarshal(out, &e)
			if !strings.Contains(e.ErrorMessage, tc.want) {
				t.Fatalf("message %q does not say %q", e.ErrorMessage, tc.want)
			}
		})
	}
}

// TestClientGoesAway: clients that hang up while their request is inside
// Go (here: during the rotation commit, which the test Worker delays by
// 300 ms) leave the Worker serving, and the key still rotates exactly once.
func TestClientGoesAway(t *testing.T) {
	c := rawClient(t)
	body, _ := proto.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/abandoned", Plaintext: []byte("x")})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	var wg sync.WaitGroup
	abandoned := make([]bool, 6)
	for i := range abandoned { // more at once than the pool's 5 runtimes
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := impatient.Do(c.request("AdvanceEncrypt", body, nil, nil))
			if err == nil {
				resp.Body.Close()
			}
			abandoned[i] = err != nil
		}(i)
	}
	wg.Wait()
	if !slices.Contains(abandoned, true) {
		t.Fatal("no request was abandoned: all answered within 100 ms despite the 300 ms commit delay")
	}
	time.Sleep(500 * time.Millisecond)
	var versions []string
	for i := 0; i < 5; i++ {
		var resp pb.AdvanceEncryptResponse
		if err := c.call(t, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/abandoned", Plaintext: []byte("y")}, &resp); err != nil {
			t.Fatalf("after clients went away: %v", err)
		}
		versions = append(versions, resp.KeyVersionId)
	}
	for _, v := range versions {
		if v != versions[0] || v == abandonedKey+"-v000000001" {
			t.Fatalf("versions used after the abandoned rotation: %v", versions)
		}
	}
	rec, err := unseal(t, "keys/"+abandonedKey, d1Records(t)["keys/"+abandonedKey])
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Versions []json.RawMessage }
	if err := json.Unmarshal(rec, &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Versions) != 2 {
		t.Fatalf("the key has %d versions, want 2", len(k.Versions))
	}
}
