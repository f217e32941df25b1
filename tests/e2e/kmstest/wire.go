package kmstest

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/host/server"
)

// wireErrors sends hand-signed requests broken in every way the SDK never
// breaks them: each answer is a protobuf Error with the right status and
// code. (Faults below HTTP, such as TLS or bytes that are not HTTP, are
// the host's own tests.)
func (d *DataPlane) wireErrors(t *testing.T) {
	r := d.tg.Raw(t)
	set := func(k, v string) func(http.Header) { return func(h http.Header) { h.Set(k, v) } }
	del := func(k string) func(http.Header) { return func(h http.Header) { h.Del(k) } }
	ok, _ := pb.Marshal(&pb.GenerateRandomRequest{Length: 8})
	// A correctly signed request works over the same path.
	var rnd pb.GenerateRandomResponse
	if pe, err := r.Call("GenerateRandom", &pb.GenerateRandomRequest{Length: 8}, &rnd); err != nil || pe != nil || len(rnd.Random) != 8 {
		t.Fatalf("signed raw request: %v %v", pe, err)
	}
	skewed := time.Now().Add(-20 * time.Minute).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name        string
		api         string
		body        []byte
		edit, after func(http.Header)
		status      int
		code        string
	}{
		{"unknown client", "GenerateRandom", ok, set(server.HeaderAccessKeyID, "KAAP.00000000-0000-4000-8000-000000000000"), nil, 404, "Unauthorized"},
		{"unknown client, not a KAAP id", "GenerateRandom", ok, set(server.HeaderAccessKeyID, "KAAP.nobody"), nil, 404, "Unauthorized"},
		{"bad signature", "GenerateRandom", ok, nil, set(server.HeaderAPIName, "AdvanceEncrypt"), 401, "SignatureNotMatch"},
		{"zero signature", "GenerateRandom", ok, nil, set("authorization", "Bearer "+base64.StdEncoding.EncodeToString(make([]byte, 256))), 401, "SignatureNotMatch"},
		{"body hash mismatch", "GenerateRandom", ok, set(server.HeaderContentSHA256, server.BodySHA256([]byte("x"))), nil, 401, "SignatureNotMatch"},
		{"date skewed", "GenerateRandom", ok, set("date", skewed), nil, 400, "RequestTimeTooSkewed"},
		{"date an hour old", "GenerateRandom", ok, set("date", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)), nil, 400, "RequestTimeTooSkewed"},
		{"missing access key", "GenerateRandom", ok, del(server.HeaderAccessKeyID), nil, 400, "MissingParameter"},
		{"bad api version", "GenerateRandom", ok, set(server.HeaderAPIVersion, "dkms-gcs-0.1"), nil, 400, "InvalidApiVersion"},
		{"no api version", "GenerateRandom", ok, del(server.HeaderAPIVersion), nil, 400, "InvalidApiVersion"},
		{"bad date", "GenerateRandom", ok, set("date", "2026-11-29T11:28:32Z"), nil, 400, "InvalidParam"},
		{"bad signature method", "GenerateRandom", ok, set(server.HeaderSignatureMethod, "RSA_PSS"), nil, 400, "InvalidParam"},
		{"bad authorization", "GenerateRandom", ok, nil, set("authorization", "Bearer not base64!"), 400, "InvalidParam"},
		{"wrong content type", "GenerateRandom", ok, set("content-type", "application/json"), nil, 415, "InvalidContentType"},
		{"unknown api", "Frobnicate", ok, nil, nil, 400, "InvalidApiName"},
		{"key management is not on the wire", "CreateKey", nil, nil, nil, 400, "InvalidApiName"},
		{"unbuilt api", "GetHealthStatus", nil, nil, nil, 400, "UnsupportedOperation"},
		{"Encrypt body over 3 MB", "Encrypt", make([]byte, server.DefaultMaxBody+1), nil, nil, 413, "RequestEntityTooLarge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, hdr, body, err := r.Do(r.Request(tc.api, tc.body, tc.edit, tc.after))
			if err != nil {
				t.Fatal(err)
			}
			WantProtoError(t, st, hdr, body, tc.status, tc.code)
		})
	}
	t.Run("TOKEN authorization", func(t *testing.T) {
		st, _, body, err := r.Do(r.Request("GenerateRandom", ok, nil, func(h http.Header) {
			h.Set("authorization", strings.Replace(h.Get("authorization"), "Bearer ", "TOKEN ", 1))
		}))
		if err != nil || st != 200 {
			t.Fatalf("%d %q %v", st, body, err)
		}
	})
	t.Run("body over 3 MB answered early", func(t *testing.T) {
		// The host answers from Content-Length alone; the client's body
		// write may fail, but the answer arrives.
		body := make([]byte, 3<<20+1)
		st, hdr, out, err := r.Do(r.Request("AdvanceEncrypt", body, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		WantProtoError(t, st, hdr, out, 413, "RequestEntityTooLarge")
	})
	t.Run("other paths and methods", func(t *testing.T) {
		for _, tc := range []struct {
			method, path string
			status       int
			code         string
		}{
			{"GET", "/nothing-here", 404, "NotFound"},
			{"POST", "/v1/encrypt", 405, "MethodNotAllowed"},
			{"PUT", "/", 405, "MethodNotAllowed"},
			{"DELETE", "/healthz", 405, "MethodNotAllowed"},
		} {
			req, _ := http.NewRequest(tc.method, r.URL[:len(r.URL)-1]+tc.path, nil)
			st, hdr, body, err := r.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			WantProtoError(t, st, hdr, body, tc.status, tc.code)
		}
	})
}
