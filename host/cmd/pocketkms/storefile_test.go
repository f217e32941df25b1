//go:build !wasm

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// TestStoreExportImport: a data directory exported and imported into a new
// one with the same root key holds the same records, sealed records byte
// for byte (nothing is re-encrypted); a wrong root key, a plaintext value
// under a sealed prefix and an existing record are refused and import
// nothing.
func TestStoreExportImport(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, args := range [][]string{
		{"key", "create", "--data", a, "--alias", "alias/moved"},
		{"accesskey", "create", "--data", a},
		{"store", "export", "--data", a, "--out", filepath.Join(dir, "a.json")},
	} {
		if code, _, errs := runCLI(t, args...); code != 0 {
			t.Fatalf("%q: %s", args, errs)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "a.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc storeFile
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	sealed := 0
	for name, r := range doc.Records {
		if store.IsSealed(name) != (r.Sealed != nil) || (r.Sealed == nil) == (r.Value == nil) {
			t.Fatalf("record %s: sealed %v, value %v", name, r.Sealed != nil, r.Value != nil)
		}
		if r.Sealed != nil {
			sealed++
		}
	}
	if sealed != 2 || strings.Contains(string(raw), "Material") {
		t.Fatalf("%d sealed records (want the key and the AccessKey); material in clear: %v", sealed, strings.Contains(string(raw), "Material"))
	}

	// Another root key: refused, nothing imported.
	if code, _, _ := runCLI(t, "key", "list", "--data", b); code != 0 {
		t.Fatal("new data directory")
	}
	if code, _, errs := runCLI(t, "store", "import", "--data", b, "--file", filepath.Join(dir, "a.json")); code == 0 || !strings.Contains(errs, "root key") {
		t.Fatalf("import under another root key: %d %s", code, errs)
	}
	if _, out, _ := runCLI(t, "key", "list", "--data", b); strings.Contains(out, "key-") {
		t.Fatalf("a refused import left keys: %s", out)
	}

	// The same root key: everything arrives, sealed bytes unchanged.
	c := filepath.Join(dir, "c")
	os.MkdirAll(c, 0o700)
	key, _ := os.ReadFile(filepath.Join(a, rootKeyFile))
	if err := os.WriteFile(filepath.Join(c, rootKeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "store", "import", "--data", c, "--file", filepath.Join(dir, "a.json")); code != 0 {
		t.Fatal(errs)
	}
	if code, out, errs := runCLI(t, "key", "describe", "--data", c, "alias/moved"); code != 0 || !strings.Contains(out, "Aliyun_AES_256") {
		t.Fatalf("%d %s %s", code, out, errs)
	}
	if code, _, _ := runCLI(t, "store", "export", "--data", c, "--out", filepath.Join(dir, "c.json")); code != 0 {
		t.Fatal("export c")
	}
	var back storeFile
	rawC, _ := os.ReadFile(filepath.Join(dir, "c.json"))
	json.Unmarshal(rawC, &back)
	for name, r := range doc.Records {
		if got := back.Records[name]; string(got.Sealed) != string(r.Sealed) || (r.Value != nil && *got.Value != *r.Value) {
			t.Fatalf("record %s changed on the way", name)
		}
	}

	// Importing again: the records exist. A plaintext key record: refused.
	if code, _, errs := runCLI(t, "store", "import", "--data", c, "--file", filepath.Join(dir, "a.json")); code == 0 || !strings.Contains(errs, "already holds") {
		t.Fatalf("second import: %d %s", code, errs)
	}
	plain := `{"format":"pocketkms-store","version":1,"records":{"keys/key-x":{"rev":1,"value":"{}"}}}`
	os.WriteFile(filepath.Join(dir, "plain.json"), []byte(plain), 0o600)
	if code, _, errs := runCLI(t, "store", "import", "--data", b, "--file", filepath.Join(dir, "plain.json")); code == 0 || !strings.Contains(errs, "must be sealed") {
		t.Fatalf("plaintext key record: %d %s", code, errs)
	}
	// export never overwrites.
	if code, _, _ := runCLI(t, "store", "export", "--data", a, "--out", filepath.Join(dir, "a.json")); code == 0 {
		t.Fatal("export overwrote a file")
	}
}

// FuzzParseStoreFile: any document is refused with an error or parsed into
// writes that put sealed records only as envelopes that open.
func FuzzParseStoreFile(f *testing.F) {
	rootKey := make([]byte, 32)
	sealed, _ := store.Sealed(store.NewMemory(), rootKey)
	sealed.Commit(nil, []store.Write{{Key: "keys/k", Value: []byte(`{"KeyId":"k"}`)}})
	f.Add([]byte(`{"format":"pocketkms-store","version":1,"records":{"aliases/alias/a":{"rev":1,"value":"{}"}}}`))
	f.Add([]byte(`{"format":"pocketkms-store","version":1,"records":{"keys/k":{"rev":1,"value":"{}"}}}`))
	f.Add([]byte(`{"format":"pocketkms-store","version":1,"records":{"keys/k":{"rev":1,"sealed":"AQID"}}}`))
	f.Add([]byte(`{"format":"pocketkms-store","version":2,"records":{}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		writes, err := parseStoreFile(doc, rootKey)
		if err != nil {
			return
		}
		for _, w := range writes {
			if w.Value == nil {
				t.Fatalf("%s: a nil write", w.Key)
			}
			if store.IsSealed(w.Key) {
				m := store.NewMemory()
				m.Commit(nil, []store.Write{w})
				s, _ := store.Sealed(m, rootKey)
				if _, _, err := s.Get(w.Key); err != nil {
					t.Fatalf("%s: accepted an envelope that does not open: %v", w.Key, err)
				}
			}
		}
	})
}
