package rootkey_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pocketkms/pocketkms/internal/rootkey"
)

func TestCreateThenLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	k1, created, err := rootkey.LoadOrCreate(path)
	if err != nil || !created || len(k1) != rootkey.Size {
		t.Fatalf("LoadOrCreate = (%x, %v, %v)", k1, created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != rootkey.Size {
		t.Fatalf("key file: %v, %v", fi.Mode(), err)
	}
	if bytes.Equal(k1, make([]byte, rootkey.Size)) {
		t.Fatal("root key is all zeros")
	}
	k2, created, err := rootkey.LoadOrCreate(path)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second LoadOrCreate = (%x, %v, %v), want the same key, not created", k2, created, err)
	}
	k3, err := rootkey.Load(path)
	if err != nil || !bytes.Equal(k1, k3) {
		t.Fatalf("Load = (%x, %v)", k3, err)
	}
	onlyKey(t, filepath.Dir(path))
	other, _, _ := rootkey.LoadOrCreate(filepath.Join(t.TempDir(), "root.key"))
	if bytes.Equal(k1, other) {
		t.Fatal("two new root keys are equal")
	}
}

// onlyKey checks no temporary file was left next to the key.
func onlyKey(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "root.key" {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %q, want only root.key", names)
	}
}

func TestRefused(t *testing.T) {
	key := bytes.Repeat([]byte{1}, rootkey.Size)
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    string
	}{
		{"world readable", key, 0o644, "has mode 0644: a root key file must be accessible by its owner only (chmod 600"},
		{"group readable", key, 0o640, "has mode 0640"},
		{"others writable", key, 0o602, "has mode 0602"},
		{"empty", nil, 0o600, "is 0 bytes, a root key file holds exactly 32"},
		{"short", key[:31], 0o600, "is 31 bytes"},
		{"long", append(key, 0), 0o600, "is 33 bytes"},
		{"hex text", []byte(strings.Repeat("ab", 32) + "\n"), 0o600, "is 65 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "root.key")
			if err := os.WriteFile(path, tc.content, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			for _, load := range []func() ([]byte, error){
				func() ([]byte, error) { return rootkey.Load(path) },
				func() ([]byte, error) { k, _, err := rootkey.LoadOrCreate(path); return k, err },
			} {
				k, err := load()
				if err == nil || !strings.Contains(err.Error(), tc.want) || k != nil {
					t.Fatalf("= (%x, %v), want an error containing %q", k, err, tc.want)
				}
			}
			// A refused file is never replaced by a new key.
			if got, _ := os.ReadFile(path); !bytes.Equal(got, tc.content) {
				t.Fatal("the refused key file was changed")
			}
		})
	}
}

func TestReadOnlyOwnerModeAccepted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	want := bytes.Repeat([]byte{9}, rootkey.Size)
	if err := os.WriteFile(path, want, 0o400); err != nil {
		t.Fatal(err)
	}
	if k, err := rootkey.Load(path); err != nil || !bytes.Equal(k, want) {
		t.Fatalf("Load of a 0400 key = (%x, %v)", k, err)
	}
}

func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := rootkey.LoadOrCreate(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("LoadOrCreate(dir) = %v", err)
	}
}

func TestMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "root.key")
	if _, _, err := rootkey.LoadOrCreate(path); err == nil {
		t.Fatal("created a key in a missing directory")
	}
	if _, err := rootkey.Load(path); err == nil || !os.IsNotExist(unwrap(err)) {
		t.Fatalf("Load of a missing file = %v", err)
	}
}

func unwrap(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

// TestStaleTempFileIgnored: a crash while creating leaves at most a
// temporary file, never a short root.key; the next start creates a whole
// key and leaves the stale file alone.
func TestStaleTempFileIgnored(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".rootkey-123.tmp")
	os.WriteFile(stale, []byte{1, 2, 3}, 0o600)
	k, created, err := rootkey.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil || !created || len(k) != rootkey.Size {
		t.Fatalf("LoadOrCreate = (%x, %v, %v)", k, created, err)
	}
}

// TestConcurrentCreate: processes starting at once must agree on one key.
func TestConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "root.key")
	const n = 16
	keys := make([][]byte, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], created[i], errs[i] = rootkey.LoadOrCreate(path)
		}()
	}
	close(start)
	wg.Wait()
	creators := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatal("concurrent LoadOrCreate calls returned different keys")
		}
		if created[i] {
			creators++
		}
	}
	if creators != 1 {
		t.Fatalf("%d callers report creating the key, want 1", creators)
	}
	onlyKey(t, filepath.Dir(path))
}

func TestDecode(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, 32)
	for _, s := range []string{
		strings.Repeat("ab", 32),
		strings.Repeat("AB", 32) + "\n",
		"q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=",
	} {
		if k, err := rootkey.Decode(s); err != nil || !bytes.Equal(k, want) {
			t.Errorf("Decode(%q) = (%x, %v)", s, k, err)
		}
	}
	for _, s := range []string{"", strings.Repeat("ab", 31), strings.Repeat("zz", 32), "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6ur", "short"} {
		if k, err := rootkey.Decode(s); err == nil {
			t.Errorf("Decode(%q) = %x, want an error", s, k)
		}
	}
}
