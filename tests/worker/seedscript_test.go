package worker

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
)

// TestSeedScriptSetsItselfUp runs `npm run worker:seed`'s script as on a
// fresh checkout: no root key, no migrated database, no Worker built (the
// config points at a build that does not exist). It must make the root key,
// migrate, seed with keys sealed under that key, and be idempotent.
func TestSeedScriptSetsItselfUp(t *testing.T) {
	dir := t.TempDir()
	conf, err := os.ReadFile(filepath.Join(repo, "host/worker/wrangler.toml"))
	if err != nil {
		t.Fatal(err)
	}
	conf = bytes.ReplaceAll(conf, []byte(`"../../build/worker/`), []byte(`"`+filepath.Join(dir, "never-built")+`/`))
	conf = bytes.ReplaceAll(conf, []byte(`"../../internal/sqlstore/migrations"`), []byte(`"`+filepath.Join(repo, "internal/sqlstore/migrations")+`"`))
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	seed := func() string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", filepath.Join(repo, "host/worker/seed.sh"),
			filepath.Join(repo, "internal/seed/testdata/good.json"), "--config", "wrangler.toml", "--persist-to", "state")
		cmd.Dir = dir
		env := []string{"INIT_CWD=" + dir, "WRANGLER_SEND_METRICS=false"}
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, "POCKETKMS_ROOT_KEY=") && !strings.HasPrefix(e, "INIT_CWD=") {
				env = append(env, e)
			}
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("worker:seed on a fresh checkout: %v\n%s", err, out)
		}
		return string(out)
	}
	out := seed()
	if !strings.Contains(out, "3 keys imported") {
		t.Fatalf("first seed:\n%s", out)
	}

	vars := filepath.Join(dir, ".dev.vars")
	st, err := os.Stat(vars)
	if err != nil {
		t.Fatalf("no root key made: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf(".dev.vars has mode %v, want 0600", st.Mode().Perm())
	}
	text, _ := os.ReadFile(vars)
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(string(text), "POCKETKMS_ROOT_KEY=")))
	if err != nil || len(key) != 32 {
		t.Fatalf(".dev.vars holds no 32-byte POCKETKMS_ROOT_KEY (%d bytes, %v)", len(key), err)
	}
	if strings.Contains(out, strings.TrimSpace(string(text))) {
		t.Fatal("the script printed the root key")
	}

	// The seeded key record is in D1, sealed: unreadable as JSON, opened by
	// core/store's Sealed under the key the script made.
	recs := d1RecordsAt(t, dir, "wrangler.toml", "state")
	const name = "keys/key-seedtest0000000000001"
	raw, ok := recs[name]
	if !ok {
		t.Fatalf("no %s in D1 (%d records)", name, len(recs))
	}
	if json.Valid(raw) {
		t.Fatalf("%s is stored in plaintext", name)
	}
	mem := store.NewMemory()
	if err := mem.Commit(nil, []store.Write{{Key: name, Value: raw}}); err != nil {
		t.Fatal(err)
	}
	sealed, err := store.Sealed(mem, key)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _, err := sealed.Get(name); err != nil || !json.Valid(plain) {
		t.Fatalf("the record does not open under the script's root key: %v", err)
	}

	if out := seed(); !strings.Contains(out, "0 keys imported, 3 already present") {
		t.Fatalf("second seed is not a no-op:\n%s", out)
	}
	if again, _ := os.ReadFile(vars); !bytes.Equal(again, text) {
		t.Fatal("the second run replaced the root key")
	}
}

// d1Busy reports whether wrangler's output says the local D1 file was held
// by another process: miniflare answers "internal error" or SQLITE_BUSY.
func d1Busy(out []byte) bool {
	return bytes.Contains(out, []byte("internal error")) || bytes.Contains(out, []byte("SQLITE_BUSY"))
}

// d1RecordsAt is d1Records for another config and state directory.
func d1RecordsAt(t *testing.T, dir, config, persistTo string) map[string][]byte {
	t.Helper()
	var out []byte
	var err error
	// A read can meet the running workerd's write on the same local D1 file,
	// and reading again is safe.
	for try := 0; try < 3; try++ {
		cmd := exec.Command(filepath.Join(repo, "node_modules/.bin/wrangler"), "d1", "execute", "DB", "--local", "-c", config,
			"--persist-to", persistTo, "--json", "--command", "SELECT key, hex(value) AS v FROM records")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false")
		if out, err = cmd.Output(); err == nil || !d1Busy(out) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("d1 execute: %v\n%s", err, out)
	}
	var res []struct {
		Results []struct{ Key, V string }
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		t.Fatalf("d1 execute output: %v\n%s", err, out)
	}
	recs := map[string][]byte{}
	for _, r := range res[0].Results {
		v, err := hex.DecodeString(r.V)
		if err != nil {
			t.Fatal(err)
		}
		recs[r.Key] = v
	}
	return recs
}
