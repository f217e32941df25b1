package worker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Cross-runtime decryption with the Worker as one more runtime, in
// tests/parity's format (tests/parity/cross_test.go): the seals of
// tests/parity/crossruntime.json (their keys are in the seed) made through
// the Worker's HTTP API go to <artifacts>/blobs-worker.json, and every
// blobs-*.json there is opened through it. PARITY_ARTIFACTS names the
// directory (tests/parity/run.sh sets it; default: a temporary one, where
// the Worker opens only its own blobs); PARITY_PHASE=seal only seals,
// =open only opens.

type crossInput struct {
	Keys  []json.RawMessage
	Seals []map[string]any
}

type sealedFile struct {
	Runtime string       `json:"runtime"`
	Items   []sealedItem `json:"items"`
}

type sealedItem struct {
	Seal           int    `json:"seal"`
	API            string `json:"api"`
	CiphertextBlob string
	Iv             string
	Algorithm      string
	PaddingMode    string
}

func loadCross() (*crossInput, error) {
	raw, err := os.ReadFile(filepath.Join(repo, "tests/parity/crossruntime.json"))
	if err != nil {
		return nil, err
	}
	in := &crossInput{}
	return in, json.Unmarshal(raw, in)
}

func TestCrossRuntime(t *testing.T) {
	in, err := loadCross()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("PARITY_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	c := rawClient(t)
	phase := os.Getenv("PARITY_PHASE")
	if phase != "open" {
		f := sealedFile{Runtime: "worker"}
		for i, r := range in.Seals {
			req, _ := json.Marshal(r)
			for _, api := range []string{"AdvanceEncrypt", "AdvanceEncrypt", "Encrypt"} {
				out, err := callJSON(t, c, api, req)
				if err != nil {
					t.Fatalf("seal %d %s: %v", i, api, err)
				}
				var m map[string]any
				json.Unmarshal(out, &m)
				it := sealedItem{Seal: i, API: api}
				it.CiphertextBlob, _ = m["CiphertextBlob"].(string)
				it.Iv, _ = m["Iv"].(string)
				it.Algorithm, _ = m["Algorithm"].(string)
				it.PaddingMode, _ = m["PaddingMode"].(string)
				f.Items = append(f.Items, it)
			}
		}
		raw, _ := json.MarshalIndent(f, "", " ")
		if err := os.WriteFile(filepath.Join(dir, "blobs-worker.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if phase == "seal" {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "blobs-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no blobs-*.json in %s (%v)", dir, err)
	}
	var opened []string
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := &sealedFile{}
		if err := json.Unmarshal(raw, f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(f.Items) != 3*len(in.Seals) {
			t.Fatalf("%s: %d items, want %d", f.Runtime, len(f.Items), 3*len(in.Seals))
		}
		for _, it := range f.Items {
			if it.Seal < 0 || it.Seal >= len(in.Seals) {
				t.Fatalf("%s: item names seal %d", f.Runtime, it.Seal)
			}
			r := in.Seals[it.Seal]
			api, req := "AdvanceDecrypt", map[string]any{"CiphertextBlob": it.CiphertextBlob, "Aad": r["Aad"]}
			if it.API != "AdvanceEncrypt" {
				api, req = "Decrypt", map[string]any{"KeyId": r["KeyId"], "CiphertextBlob": it.CiphertextBlob,
					"Iv": it.Iv, "Algorithm": it.Algorithm, "PaddingMode": it.PaddingMode, "Aad": r["Aad"]}
			}
			body, _ := json.Marshal(req)
			out, err := callJSON(t, c, api, body)
			if err != nil {
				t.Errorf("%s seal %d %s: %v", f.Runtime, it.Seal, api, err)
				continue
			}
			var m map[string]any
			json.Unmarshal(out, &m)
			if m["Plaintext"] != r["Plaintext"] || m["KeyId"] != r["KeyId"] {
				t.Errorf("%s seal %d %s: got KeyId %v, plaintext %.40v; want %v %.40v", f.Runtime, it.Seal, api, m["KeyId"], m["Plaintext"], r["KeyId"], r["Plaintext"])
			}
		}
		opened = append(opened, f.Runtime)
	}
	t.Logf("the Worker opened the blobs sealed by %v", opened)
}
