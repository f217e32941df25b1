//go:build !wasm

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// TestRootKeyNeverSilentlyReplaced: a data directory whose root key is lost
// or swapped refuses to open instead of sealing new keys under a new key.
func TestRootKeyNeverSilentlyReplaced(t *testing.T) {
	dir := t.TempDir()
	d, err := openData(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kms.New(d.backend, kms.NewConfig()).Call("CreateKey", &pb.CreateKeyRequest{}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	keyPath := filepath.Join(dir, rootKeyFile)
	orig, _ := os.ReadFile(keyPath)

	os.Remove(keyPath)
	if _, err := openData(dir); err == nil {
		t.Fatal("opened a database whose root key file is missing")
	}
	if _, err := os.Stat(keyPath); err == nil {
		t.Fatal("a new root key was created for an existing database")
	}

	other := append([]byte(nil), orig...)
	other[0] ^= 0xff
	os.WriteFile(keyPath, other, 0o600)
	if _, err := openData(dir); err == nil || !strings.Contains(err.Error(), "root key") {
		t.Fatalf("a wrong root key was accepted: %v", err)
	}

	os.WriteFile(keyPath, orig, 0o600)
	d, err = openData(dir)
	if err != nil {
		t.Fatalf("the right root key is refused: %v", err)
	}
	d.Close()
}

// TestRootKeyOutsideTheDataDir: with POCKETKMS_ROOT_KEY_FILE the key lives
// where it says, the data directory holds none, and it is needed to reopen.
func TestRootKeyOutsideTheDataDir(t *testing.T) {
	dir, keyDir := t.TempDir(), t.TempDir()
	keyPath := filepath.Join(keyDir, "pocketkms.key")
	t.Setenv("POCKETKMS_ROOT_KEY_FILE", keyPath)
	d, err := openData(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kms.New(d.backend, kms.NewConfig()).Call("CreateKey", &pb.CreateKeyRequest{}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := os.Stat(keyPath); err != nil {
		t.Fatalf("root key not at %s: %v", keyPath, err)
	}
	if _, err := os.Stat(filepath.Join(dir, rootKeyFile)); err == nil {
		t.Fatal("a root key was written into the data directory")
	}
	t.Setenv("POCKETKMS_ROOT_KEY_FILE", "")
	if _, err := openData(dir); err == nil {
		t.Fatal("the data directory opened without its root key")
	}
	t.Setenv("POCKETKMS_ROOT_KEY_FILE", keyPath)
	d, err = openData(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
}
