package worker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
	"github.com/pocketkms/pocketkms/tests/parity"
)

// The seeded keys besides kmstest.SeedKeys (which TestDataPlane uses).
// alias/due's only version is from January with a 7d interval, so its
// automatic rotation is due at the first request.
var seedKeys = []map[string]any{
	{"KeyId": rotatingKey, "KeySpec": "Aliyun_AES_256", "Aliases": []string{"alias/due"}, "RotationInterval": "7d",
		"Versions": []map[string]any{{"KeyVersionId": rotatingKey + "-v000000001", "CreationDate": "2026-01-01T00:00:00Z",
			"KeyMaterial": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}},
	{"KeyId": abandonedKey, "KeySpec": "Aliyun_AES_256", "Aliases": []string{"alias/abandoned"}, "RotationInterval": "7d",
		"Versions": []map[string]any{{"KeyVersionId": abandonedKey + "-v000000001", "CreationDate": "2026-01-01T00:00:00Z"}}},
}

const rotatingKey = "key-wrkrotating0000000001"

// abandonedKey is due for rotation too; TestClientGoesAway abandons the
// request that rotates it.
const abandonedKey = "key-wrkabandoned000000001"

// writeSeed writes the seed file: the test ClientKey, the keys above, and
// the keys of every parity scenario that can run through the instance API
// (see parityScenarios); it returns the names of those scenarios.
func writeSeed(clientKeyFile string) (string, []string, error) {
	keys := []any{}
	for _, k := range append(append(kmstest.SeedKeys, kmstest.SeedSecretKeys...), seedKeys...) {
		keys = append(keys, k)
	}
	scens, err := parityScenarios()
	if err != nil {
		return "", nil, err
	}
	cross, err := loadCross() // tests/parity's cross-runtime keys (cross_test.go)
	if err != nil {
		return "", nil, err
	}
	for _, k := range cross.Keys {
		keys = append(keys, k)
	}
	var names []string
	for _, s := range scens {
		names = append(names, s.Name)
		for _, st := range s.Steps {
			if st.API == "ImportKey" {
				keys = append(keys, json.RawMessage(st.Request))
			}
		}
	}
	doc := map[string]any{
		"AccessKeys": []map[string]string{{"AccessKeyId": classicAK, "AccessKeySecret": classicSecret}},
		"ClientKeys": []map[string]string{{"ClientKeyContent": clientKeyFile, "Password": ckPassword}},
		"Keys":       keys,
		"Secrets":    kmstest.SeedSecrets,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", nil, err
	}
	p := filepath.Join(tmp, "seed.json")
	return p, names, os.WriteFile(p, b, 0o600)
}

// parityScenarios are the vector files whose steps the Worker can run: the
// key imports (done by the seed) come first and succeed, and every other
// step is a data operation, the only kind the instance API serves. The
// others need management calls (CreateAlias, DisableKey, ...), which the
// Worker does not expose; the server and wasm runs cover them.
func parityScenarios() ([]*parity.Scenario, error) {
	files, err := filepath.Glob(filepath.Join(repo, "tests/vectors/*.json"))
	if err != nil {
		return nil, err
	}
	var out []*parity.Scenario
	for _, f := range files {
		// One file at a time, so that a scenario this test cannot run
		// anyway does not stop the others from loading.
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := &parity.Scenario{}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(s); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		ok, imports := true, true
		for _, st := range s.Steps {
			switch {
			case st.API == "ImportKey" && imports && st.Expect.Error == nil:
			case kms.IsDataOperation(st.API):
				imports = false
			default:
				ok = false
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	// The mode scenarios (one per key spec) and data-keys must be among
	// them: if the vectors change so that they no longer fit, fail rather
	// than quietly run fewer.
	if len(out) < 5 {
		return nil, fmt.Errorf("only %d parity scenarios can run through the instance API, want at least 5", len(out))
	}
	return out, nil
}
