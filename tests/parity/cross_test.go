package parity

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/engine"
	"github.com/pocketkms/pocketkms/host/wasmhost"
	"github.com/pocketkms/pocketkms/host/wasmhost/wasmtest"
)

// Cross-runtime decryption: every runtime seals the requests of
// crossruntime.json with a random Iv and writes what it got to
// <artifacts>/blobs-<runtime>.json; every runtime opens every file there.
// harness.mjs implements the same for Node and Chromium. PARITY_PHASE=seal
// only seals, =open only opens; PARITY_REQUIRE=native,wazero,node,browser
// makes a missing file an error (run.sh sets both).

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

func loadCross(t *testing.T) *crossInput {
	t.Helper()
	raw, err := os.ReadFile("crossruntime.json")
	if err != nil {
		t.Fatal(err)
	}
	in := &crossInput{}
	if err := json.Unmarshal(raw, in); err != nil {
		t.Fatal(err)
	}
	return in
}

func callMap(ctx context.Context, e engine.Engine, api string, req any) (map[string]any, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	out, err := e.CallJSON(ctx, api, body)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(out, &m)
}

func importKeys(ctx context.Context, t *testing.T, e engine.Engine, in *crossInput) {
	t.Helper()
	for _, k := range in.Keys {
		if _, err := e.CallJSON(ctx, "ImportKey", k); err != nil {
			t.Fatalf("ImportKey: %v", err)
		}
	}
}

// seal makes every item: AdvanceEncrypt twice (the two must differ: the Iv
// is random) and Encrypt once.
func seal(ctx context.Context, t *testing.T, e engine.Engine, in *crossInput) []sealedItem {
	t.Helper()
	importKeys(ctx, t, e, in)
	var items []sealedItem
	for i, r := range in.Seals {
		var advIVs []string
		for _, api := range []string{"AdvanceEncrypt", "AdvanceEncrypt", "Encrypt"} {
			m, err := callMap(ctx, e, api, r)
			if err != nil {
				t.Fatalf("seal %d %s: %v", i, api, err)
			}
			it := sealedItem{Seal: i, API: api}
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
	return items
}

// open opens every item of f and checks plaintext and key.
func open(ctx context.Context, t *testing.T, e engine.Engine, in *crossInput, f *sealedFile) {
	t.Helper()
	if len(f.Items) != 3*len(in.Seals) {
		t.Fatalf("%s: %d items, want %d", f.Runtime, len(f.Items), 3*len(in.Seals))
	}
	for _, it := range f.Items {
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
		m, err := callMap(ctx, e, api, req)
		if err != nil {
			t.Errorf("%s seal %d %s: %v", f.Runtime, it.Seal, api, err)
			continue
		}
		if m["Plaintext"] != r["Plaintext"] || m["KeyId"] != r["KeyId"] {
			t.Errorf("%s seal %d %s: got KeyId %v plaintext %.40v, want %v %.40v", f.Runtime, it.Seal, api, m["KeyId"], m["Plaintext"], r["KeyId"], r["Plaintext"])
		}
	}
}

func TestCrossRuntime(t *testing.T) {
	ctx := context.Background()
	in := loadCross(t)
	dir := artifacts(t)
	impls := implementations(t)
	if phase() != "open" {
		for _, impl := range impls {
			impl.st.reset()
			f := sealedFile{Runtime: impl.name, Items: seal(ctx, t, impl.eng, in)}
			raw, err := json.MarshalIndent(f, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "blobs-"+impl.name+".json"), raw, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if phase() == "seal" {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "blobs-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := &sealedFile{}
		if err := json.Unmarshal(raw, f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		found = append(found, f.Runtime)
		for _, impl := range impls {
			t.Run(fmt.Sprintf("%s-in-%s", f.Runtime, impl.name), func(t *testing.T) {
				impl.st.reset()
				importKeys(ctx, t, impl.eng, in)
				open(ctx, t, impl.eng, in, f)
			})
		}
	}
	t.Logf("opened blobs sealed by %v", found)
	// No two runtimes may have drawn the same Iv: a deterministic random
	// source (wazero's default) gives the same sequence in every instance.
	seen := map[string]string{}
	for _, path := range files {
		raw, _ := os.ReadFile(path)
		f := &sealedFile{}
		_ = json.Unmarshal(raw, f)
		for _, it := range f.Items {
			if it.Iv == "" {
				continue // ECB
			}
			where := fmt.Sprintf("%s seal %d %s", f.Runtime, it.Seal, it.API)
			if other, dup := seen[it.Iv]; dup {
				t.Errorf("Iv %s drawn twice: by %s and by %s", it.Iv, other, where)
			}
			seen[it.Iv] = where
		}
	}
	for _, want := range strings.Split(os.Getenv("PARITY_REQUIRE"), ",") {
		if want != "" && !slices.Contains(found, want) {
			t.Errorf("PARITY_REQUIRE names %s but %s has no blobs-%s.json", want, dir, want)
		}
	}
}

// TestRandomAcrossInstances starts two separate wazero engines, as two
// processes would: their random draws must differ. wazero's default random
// source is deterministic, so this fails if a host forgets to replace it.
func TestRandomAcrossInstances(t *testing.T) {
	ctx := context.Background()
	in := loadCross(t)
	var ivs, randoms []string
	for i := 0; i < 2; i++ {
		st := &resettable{b: store.NewMemory()}
		w, err := wasmhost.New(ctx, wasmtest.Module(t), st, wasmhost.NewConfig().WithPoolSize(1))
		if err != nil {
			t.Fatal(err)
		}
		importKeys(ctx, t, w, in)
		m, err := callMap(ctx, w, "AdvanceEncrypt", in.Seals[0])
		if err != nil {
			t.Fatal(err)
		}
		ivs = append(ivs, m["Iv"].(string))
		r, err := callMap(ctx, w, "GenerateRandom", map[string]any{"Length": 32})
		if err != nil {
			t.Fatal(err)
		}
		randoms = append(randoms, r["Random"].(string))
		w.Close(ctx)
	}
	if ivs[0] == ivs[1] || randoms[0] == randoms[1] {
		t.Fatalf("two module instances drew the same values: Iv %v, GenerateRandom %v", ivs, randoms)
	}
}
