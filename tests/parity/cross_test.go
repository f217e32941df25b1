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
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/host/wasmhost"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

// Cross-runtime decryption among the Go runtimes (cross.go has the format
// and the checks). PARITY_PHASE=seal only seals, =open only opens;
// PARITY_REQUIRE=native,wazero,node,browser makes a missing file an error
// (run.sh sets both).

func loadCross(t *testing.T) *CrossInput {
	t.Helper()
	in, err := LoadCross("crossruntime.json")
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func callMap(ctx context.Context, e server.Caller, api string, req any) (map[string]any, error) {
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

func importKeys(ctx context.Context, t *testing.T, e server.Caller, in *CrossInput) {
	t.Helper()
	for _, k := range in.Keys {
		if _, err := e.CallJSON(ctx, "ImportKey", k); err != nil {
			t.Fatalf("ImportKey: %v", err)
		}
	}
}

// engineCaller is e as a MapCaller.
func engineCaller(ctx context.Context, e server.Caller) MapCaller {
	return func(api string, req any) (map[string]any, error) { return callMap(ctx, e, api, req) }
}

func TestCrossRuntime(t *testing.T) {
	ctx := context.Background()
	in := loadCross(t)
	dir := artifacts(t)
	impls := implementations(t)
	if phase() != "open" {
		for _, impl := range impls {
			impl.st.reset()
			importKeys(ctx, t, impl.eng, in)
			f := &SealedFile{Runtime: impl.name, Items: Seal(t, engineCaller(ctx, impl.eng), in)}
			if err := WriteSealedFile(dir, f); err != nil {
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
		f, err := ReadSealedFile(path)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, f.Runtime)
		for _, impl := range impls {
			t.Run(fmt.Sprintf("%s-in-%s", f.Runtime, impl.name), func(t *testing.T) {
				impl.st.reset()
				importKeys(ctx, t, impl.eng, in)
				Open(t, engineCaller(ctx, impl.eng), in, f)
			})
		}
	}
	t.Logf("opened blobs sealed by %v", found)
	// No two runtimes may have drawn the same Iv: a deterministic random
	// source (wazero's default) gives the same sequence in every instance.
	seen := map[string]string{}
	for _, path := range files {
		f, err := ReadSealedFile(path)
		if err != nil {
			t.Fatal(err)
		}
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
