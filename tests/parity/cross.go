package parity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Cross-runtime decryption (crossruntime.json): every runtime seals the
// requests with a random Iv and writes what it got to
// <artifacts>/blobs-<runtime>.json; every runtime opens every file there.
// The Go runtimes (cross_test.go), the Worker (tests/worker) and
// harness.mjs (Node, Chromium) share this format.

// CrossInput is crossruntime.json: the keys every runtime imports (or
// seeds) and the requests it seals.
type CrossInput struct {
	Keys  []json.RawMessage
	Seals []map[string]any
	Signs []map[string]any // Sign requests: each runtime's signature is verified by every other
	Wraps []map[string]any // Encrypt requests with asymmetric keys: decrypted by every other
}

// items is how many items a runtime makes from in.
func (in *CrossInput) items() int { return 3*len(in.Seals) + len(in.Signs) + len(in.Wraps) }

// SealedFile is one runtime's blobs-<runtime>.json.
type SealedFile struct {
	Runtime string       `json:"runtime"`
	Items   []SealedItem `json:"items"`
}

// SealedItem is one ciphertext and how to open it. For API "Sign" Seal
// indexes Signs and CiphertextBlob is the signature; for "Wrap" it indexes
// Wraps.
type SealedItem struct {
	Seal           int    `json:"seal"`
	API            string `json:"api"`
	CiphertextBlob string
	Iv             string
	Algorithm      string
	PaddingMode    string
}

// MapCaller runs api with a request in the JSON form and returns the
// response decoded into a map.
type MapCaller func(api string, req any) (map[string]any, error)

// LoadCross reads a crossruntime.json.
func LoadCross(path string) (*CrossInput, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	in := &CrossInput{}
	return in, json.Unmarshal(raw, in)
}

// ReadSealedFile reads a blobs-<runtime>.json.
func ReadSealedFile(path string) (*SealedFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &SealedFile{}
	if err := json.Unmarshal(raw, f); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return f, nil
}

// WriteSealedFile writes f to dir as blobs-<runtime>.json.
func WriteSealedFile(dir string, f *SealedFile) error {
	raw, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "blobs-"+f.Runtime+".json"), raw, 0o644)
}

// Seal makes every item (the keys already in place): AdvanceEncrypt twice
// (the two must differ: the Iv is random) and Encrypt once.
func Seal(t testing.TB, call MapCaller, in *CrossInput) []SealedItem {
	t.Helper()
	var items []SealedItem
	for i, r := range in.Seals {
		var advIVs []string
		for _, api := range []string{"AdvanceEncrypt", "AdvanceEncrypt", "Encrypt"} {
			m, err := call(api, r)
			if err != nil {
				t.Fatalf("seal %d %s: %v", i, api, err)
			}
			it := SealedItem{Seal: i, API: api}
			it.CiphertextBlob, _ = m["CiphertextBlob"].(string)
			it.Iv, _ = m["Iv"].(string)
			it.Algorithm, _ = m["Algorithm"].(string)
			it.PaddingMode, _ = m["PaddingMode"].(string)
			if api == "AdvanceEncrypt" {
				advIVs = append(advIVs, it.Iv+"|"+it.CiphertextBlob)
			}
			items = append(items, it)
		}
		alg, _ := r["Algorithm"].(string) // "" is the key's default, GCM
		if !strings.HasSuffix(alg, "_ECB") && advIVs[0] == advIVs[1] {
			t.Errorf("seal %d: two AdvanceEncrypt calls gave the same Iv and blob: the Iv is not random", i)
		}
	}
	for _, c := range []struct {
		api, op, field string
		reqs           []map[string]any
	}{{"Sign", "Sign", "Signature", in.Signs}, {"Wrap", "Encrypt", "CiphertextBlob", in.Wraps}} {
		for i, r := range c.reqs {
			m, err := call(c.op, r)
			if err != nil {
				t.Fatalf("%s %d: %v", c.op, i, err)
			}
			it := SealedItem{Seal: i, API: c.api}
			it.CiphertextBlob, _ = m[c.field].(string)
			it.Algorithm, _ = m["Algorithm"].(string)
			items = append(items, it)
		}
	}
	return items
}

// Open opens every item of f and checks plaintext and key.
func Open(t testing.TB, call MapCaller, in *CrossInput, f *SealedFile) {
	t.Helper()
	if len(f.Items) != in.items() {
		t.Fatalf("%s: %d items, want %d", f.Runtime, len(f.Items), in.items())
	}
	for _, it := range f.Items {
		if it.API == "Sign" || it.API == "Wrap" {
			openAsymmetric(t, call, in, f.Runtime, it)
			continue
		}
		if it.Seal < 0 || it.Seal >= len(in.Seals) {
			t.Fatalf("%s: item names seal %d", f.Runtime, it.Seal)
		}
		r := in.Seals[it.Seal]
		var api string
		var req map[string]any
		if it.API == "AdvanceEncrypt" {
			api, req = "AdvanceDecrypt", map[string]any{"CiphertextBlob": it.CiphertextBlob, "Aad": r["Aad"]}
		} else {
			api, req = "Decrypt", map[string]any{"KeyId": r["KeyId"], "CiphertextBlob": it.CiphertextBlob,
				"Iv": it.Iv, "Algorithm": it.Algorithm, "PaddingMode": it.PaddingMode, "Aad": r["Aad"]}
		}
		m, err := call(api, req)
		if err != nil {
			t.Errorf("%s seal %d %s: %v", f.Runtime, it.Seal, api, err)
			continue
		}
		if m["Plaintext"] != r["Plaintext"] || m["KeyId"] != r["KeyId"] {
			t.Errorf("%s seal %d %s: got KeyId %v plaintext %.40v, want %v %.40v", f.Runtime, it.Seal, api, m["KeyId"], m["Plaintext"], r["KeyId"], r["Plaintext"])
		}
	}
}

// openAsymmetric verifies a signature or decrypts a ciphertext that another
// runtime made with an asymmetric key.
func openAsymmetric(t testing.TB, call MapCaller, in *CrossInput, runtime string, it SealedItem) {
	t.Helper()
	reqs := in.Signs
	if it.API == "Wrap" {
		reqs = in.Wraps
	}
	if it.Seal < 0 || it.Seal >= len(reqs) {
		t.Fatalf("%s: %s item names request %d", runtime, it.API, it.Seal)
	}
	r := reqs[it.Seal]
	if it.API == "Sign" {
		m, err := call("Verify", map[string]any{"KeyId": r["KeyId"], "Message": r["Message"], "Algorithm": it.Algorithm, "Signature": it.CiphertextBlob})
		if err != nil || m["Value"] != true {
			t.Errorf("%s signature %d (%s): Verify says %v %v", runtime, it.Seal, it.Algorithm, m["Value"], err)
		}
		return
	}
	m, err := call("Decrypt", map[string]any{"KeyId": r["KeyId"], "CiphertextBlob": it.CiphertextBlob, "Algorithm": it.Algorithm})
	if err != nil || m["Plaintext"] != r["Plaintext"] {
		t.Errorf("%s ciphertext %d (%s): Decrypt: %v", runtime, it.Seal, it.Algorithm, err)
	}
}
