//go:build !wasm

package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

var testRootKey = bytes.Repeat([]byte{0x42}, 32)

func sealedOn(t testing.TB, s store.Backend, key []byte) store.Backend {
	t.Helper()
	b, err := store.Sealed(s, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func call[R pb.Message](t testing.TB, e *kms.Engine, api string, req pb.Message) R {
	t.Helper()
	resp, err := e.Call(api, req)
	if err != nil {
		t.Fatalf("%s: %v", api, err)
	}
	return resp.(R)
}

// TestRotationOnceUnderConcurrency: a key whose automatic rotation has
// fallen due is used by many engines at once, half of them through a
// second handle on the same file (as the CLI and the server would be). The
// rotation must be applied exactly once per interval, and every caller must
// end up on the new primary version.
func TestRotationOnceUnderConcurrency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	handles := []store.Backend{sealedOn(t, open(t, path), testRootKey), sealedOn(t, open(t, path), testRootKey)}
	var now atomic.Pointer[time.Time]
	start := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	now.Store(&start)
	cfg := kms.NewConfig().WithClock(func() time.Time { return *now.Load() })

	admin := kms.New(handles[0], cfg)
	created := call[*pb.KeyResponse](t, admin, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"})
	keyID := created.KeyMetadata.KeyId

	const goroutines = 16
	for round := 1; round <= 3; round++ {
		later := now.Load().Add(8 * 24 * time.Hour)
		now.Store(&later)

		var wg sync.WaitGroup
		versions := make([]string, goroutines)
		errs := make([]error, goroutines)
		ready := make(chan struct{})
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e := kms.New(handles[g%2], cfg)
				<-ready
				resp, err := e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyID, Plaintext: []byte("p")})
				if err != nil {
					errs[g] = err
					return
				}
				versions[g] = resp.(*pb.AdvanceEncryptResponse).KeyVersionId
			}()
		}
		close(ready)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}

		list := call[*pb.ListKeyVersionsResponse](t, admin, "ListKeyVersions", &pb.KeyIdRequest{KeyId: keyID})
		if got := len(list.KeyVersions); got != round+1 {
			t.Fatalf("round %d: %d key versions after %d concurrent uses, want %d (rotation applied %d times)",
				round, got, goroutines, round+1, got-round)
		}
		var primary string
		for _, v := range list.KeyVersions {
			if v.Primary {
				primary = v.KeyVersionId
			}
		}
		for g, v := range versions {
			if v != primary {
				t.Fatalf("round %d: goroutine %d encrypted under %s, want the new primary %s", round, g, v, primary)
			}
		}
	}
}

// canary is key material that must never appear in the database files.
func canary() []byte {
	m := sha256.Sum256([]byte("pocketkms at-rest canary"))
	return m[:]
}

// leaks reports which encodings of material appear in the database files.
func leaks(t *testing.T, path string, material []byte) []string {
	t.Helper()
	forms := map[string][]byte{
		"raw":                     material,
		"base64":                  []byte(base64.StdEncoding.EncodeToString(material)),
		"base64 (first 16 chars)": []byte(base64.StdEncoding.EncodeToString(material)[:16]),
		"hex":                     []byte(hex.EncodeToString(material)),
	}
	var found []string
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for name, needle := range forms {
			if bytes.Contains(b, needle) {
				found = append(found, filepath.Base(f)+": "+name)
			}
		}
	}
	return found
}

func importCanary(t *testing.T, b store.Backend) (*kms.Engine, string) {
	t.Helper()
	e := kms.New(b, kms.NewConfig())
	r := call[*pb.KeyResponse](t, e, "ImportKey", &pb.ImportKeyRequest{
		KeySpec: "Aliyun_AES_256", Aliases: []string{"alias/canary"},
		Versions: []*pb.ImportedVersion{{KeyMaterial: canary()}},
	})
	return e, r.KeyMetadata.KeyId
}

// TestNoKeyMaterialAtRest imports a key with known material and searches
// the database, WAL and shared-memory files for it, while open and after
// close (when the WAL is checkpointed into the main file). The same search
// on an unsealed store must find it, or the search proves nothing.
func TestNoKeyMaterialAtRest(t *testing.T) {
	t.Run("unsealed control", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pocketkms.db")
		s, err := sqlstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		importCanary(t, s)
		if found := leaks(t, path, canary()); len(found) == 0 {
			t.Fatal("the canary is not found in an unsealed database: the search is broken")
		}
		s.Close()
	})

	t.Run("sealed", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "pocketkms.db")
		s, err := sqlstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		e, keyID := importCanary(t, sealedOn(t, s, testRootKey))
		enc := call[*pb.AdvanceEncryptResponse](t, e, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/canary", Plaintext: []byte("hello")})
		if found := leaks(t, path, canary()); len(found) > 0 {
			t.Fatalf("key material found at rest while open: %s", strings.Join(found, ", "))
		}
		if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() == 0 {
			t.Fatalf("expected a non-empty WAL to search: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if found := leaks(t, path, canary()); len(found) > 0 {
			t.Fatalf("key material found at rest after close: %s", strings.Join(found, ", "))
		}

		// The key id and alias name are not secret and are stored in clear.
		db, _ := os.ReadFile(path)
		if !bytes.Contains(db, []byte("keys/"+keyID)) || !bytes.Contains(db, []byte("alias/canary")) {
			t.Fatal("record names not found in the database file: did the data reach it?")
		}

		// Reopened with the same root key, the key decrypts what it encrypted.
		s = open(t, path)
		e = kms.New(sealedOn(t, s, testRootKey), kms.NewConfig())
		dec := call[*pb.AdvanceDecryptResponse](t, e, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
		if string(dec.Plaintext) != "hello" {
			t.Fatalf("decrypt after reopen = %q", dec.Plaintext)
		}

		// With another root key the engine refuses, saying why.
		wrong := kms.New(sealedOn(t, s, bytes.Repeat([]byte{7}, 32)), kms.NewConfig())
		_, err = wrong.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
		if err == nil || !strings.Contains(err.Error(), "failed to decrypt and authenticate: wrong root key or tampered with") {
			t.Fatalf("AdvanceDecrypt with a wrong root key = %v", err)
		}
	})
}

// TestCrossProcess runs increments from this process and from a child
// process (this test binary re-executed) against the same file: no update
// may be lost and neither side may fail with a lock error.
func TestCrossProcess(t *testing.T) {
	if path := os.Getenv("SQLSTORE_CHILD_DB"); path != "" {
		n, _ := strconv.Atoi(os.Getenv("SQLSTORE_CHILD_N"))
		s := open(t, path)
		if err := increment(s, "keys/shared", n); err != nil {
			t.Fatal(err)
		}
		return
	}
	const n = 150
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	s := open(t, path)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrossProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "SQLSTORE_CHILD_DB="+path, "SQLSTORE_CHILD_N="+strconv.Itoa(n))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	err := increment(s, "keys/shared", n)
	if werr := cmd.Wait(); werr != nil {
		t.Fatalf("child process: %v\n%s", werr, out.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	v, _, _ := s.Get("keys/shared")
	if string(v) != strconv.Itoa(2*n) {
		t.Fatalf("counter = %s after %d increments from each of two processes, want %d", v, n, 2*n)
	}
}

func increment(b store.Backend, key string, n int) error {
	for range n {
		for {
			v, rev, err := b.Get(key)
			if err != nil {
				return err
			}
			c, _ := strconv.Atoi(string(v))
			err = b.Commit(map[string]int64{key: rev}, []store.Write{{Key: key, Value: []byte(strconv.Itoa(c + 1))}})
			if err == nil {
				break
			}
			if !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("increment: %w", err)
			}
		}
	}
	return nil
}
