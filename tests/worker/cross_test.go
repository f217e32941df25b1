package worker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
	"github.com/pocketkms/pocketkms/tests/parity"
)

// Cross-runtime decryption with the Worker as one more runtime, in
// tests/parity's format and with its checks (tests/parity/cross.go): the
// seals of tests/parity/crossruntime.json (their keys are in the seed)
// made through the Worker's HTTP API go to <artifacts>/blobs-worker.json,
// and every blobs-*.json there is opened through it. PARITY_ARTIFACTS
// names the directory (tests/parity/run.sh sets it; default: a temporary
// one, where the Worker opens only its own blobs); PARITY_PHASE=seal only
// seals, =open only opens.

func loadCross() (*parity.CrossInput, error) {
	return parity.LoadCross(filepath.Join(repo, "tests/parity/crossruntime.json"))
}

// mapCaller sends JSON-form requests through the Worker's HTTP API.
func mapCaller(t *testing.T, c *kmstest.Raw) parity.MapCaller {
	return func(api string, req any) (map[string]any, error) {
		body, err := json.Marshal(req)
		if err != nil {
			return nil, err
		}
		out, err := callJSON(t, c, api, body)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		return m, json.Unmarshal(out, &m)
	}
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
	call := mapCaller(t, rawClient(t))
	phase := os.Getenv("PARITY_PHASE")
	if phase != "open" {
		if err := parity.WriteSealedFile(dir, &parity.SealedFile{Runtime: "worker", Items: parity.Seal(t, call, in)}); err != nil {
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
		f, err := parity.ReadSealedFile(path)
		if err != nil {
			t.Fatal(err)
		}
		parity.Open(t, call, in, f)
		opened = append(opened, f.Runtime)
	}
	t.Logf("the Worker opened the blobs sealed by %v", opened)
}
