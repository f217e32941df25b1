package worker

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
	"github.com/pocketkms/pocketkms/tests/parity"
)

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
	kmstest.WantProtoError(t, resp.StatusCode, resp.Header, b, 404, "NotFound")
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

// versionsInD1 is how many versions keyID's record in D1 holds.
func versionsInD1(t *testing.T, keyID string) int {
	t.Helper()
	rec, err := unseal(t, "keys/"+keyID, d1Records(t)["keys/"+keyID])
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Versions []json.RawMessage }
	if err := json.Unmarshal(rec, &k); err != nil {
		t.Fatal(err)
	}
	return len(k.Versions)
}

// TestRotationOnceUnderConcurrency: alias/due's rotation is due;
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
			errs[i] = call(t, c, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/due", Plaintext: []byte{byte(i)}}, &resp)
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
	if got := versionsInD1(t, rotatingKey); got != 2 {
		t.Fatalf("the key has %d versions after one due rotation under %d concurrent requests, want 2", got, n)
	}
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
				respJSON, callErr := callJSON(t, c, st.API, st.Request)
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
func callJSON(t *testing.T, c *kmstest.Raw, api string, reqJSON []byte) ([]byte, error) {
	t.Helper()
	req, err := kms.NewRequest(api)
	if err != nil {
		t.Fatal(err)
	}
	if err := pb.UnmarshalJSON(reqJSON, req); err != nil {
		t.Fatalf("%s request: %v", api, err)
	}
	resp := kms.NewResponse(api)
	if err := call(t, c, api, req, resp); err != nil {
		return nil, err
	}
	out, err := pb.MarshalJSON(resp)
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
	if err := call(t, c, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: []byte("from the first")}, &enc); err != nil {
		t.Fatal(err)
	}
	w2, err := startWorker(persist, "--var", "POCKETKMS_GO_RUNTIME:per-request")
	if err != nil {
		t.Fatal(err)
	}
	defer w2.stop()
	c2 := target(w2).Raw(t)
	var dec pb.AdvanceDecryptResponse
	if err := call(t, c2, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob}, &dec); err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "from the first" {
		t.Fatalf("second Worker decrypted %q", dec.Plaintext)
	}
	if err := call(t, c2, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/sm4", Plaintext: []byte("from the second")}, &enc); err != nil {
		t.Fatal(err)
	}
	if err := call(t, c, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob}, &dec); err != nil || string(dec.Plaintext) != "from the second" {
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
			c := target(wp).Raw(t)
			body, _ := pb.Marshal(&pb.GenerateRandomRequest{Length: 8})
			st, h, out := do(t, c, c.Request("GenerateRandom", body, nil, nil))
			kmstest.WantProtoError(t, st, h, out, 500, "InternalFailure")
			var e pb.Error
			pb.Unmarshal(out, &e)
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
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/abandoned", Plaintext: []byte("x")})
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	var wg sync.WaitGroup
	abandoned := make([]bool, 6)
	for i := range abandoned { // more at once than the pool's 5 runtimes
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, err := impatient.Do(c.Request("AdvanceEncrypt", body, nil, nil))
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
		if err := call(t, c, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/abandoned", Plaintext: []byte("y")}, &resp); err != nil {
			t.Fatalf("after clients went away: %v", err)
		}
		versions = append(versions, resp.KeyVersionId)
	}
	for _, v := range versions {
		if v != versions[0] || v == abandonedKey+"-v000000001" {
			t.Fatalf("versions used after the abandoned rotation: %v", versions)
		}
	}
	if got := versionsInD1(t, abandonedKey); got != 2 {
		t.Fatalf("the key has %d versions, want 2", got)
	}
}
