// Package rootkey keeps the server's root key: 32 random bytes in a file
// of their own, readable by the owner only, that store.Sealed derives the
// record-sealing key from. Lose the file and the sealed key records cannot
// be opened; leak it together with the database and they can.
package rootkey

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Size is the length of a root key in bytes.
const Size = 32

// Load reads the root key file at path. It refuses a file that is not a
// regular file, that group or others may access (mode must be 0600 or
// 0400), or that does not hold exactly Size bytes.
func Load(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("rootkey: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat() // of the opened file: no window between check and read
	if err != nil {
		return nil, fmt.Errorf("rootkey: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("rootkey: %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("rootkey: %s has mode %04o: a root key file must be accessible by its owner only (chmod 600 %s)", path, perm, path)
	}
	if fi.Size() != Size {
		return nil, fmt.Errorf("rootkey: %s is %d bytes, a root key file holds exactly %d: wrong file, or damaged", path, fi.Size(), Size)
	}
	key := make([]byte, Size+1) // one spare byte notices a file that grew
	n, err := io.ReadFull(f, key)
	if err != io.ErrUnexpectedEOF || n != Size {
		if err == nil {
			err = errors.New("longer than its size")
		}
		return nil, fmt.Errorf("rootkey: reading %s: %v", path, err)
	}
	return key[:Size], nil
}

// LoadOrCreate loads the root key at path, or creates it with fresh random
// bytes if no file is there; created reports which. The new file appears
// whole or not at all: it is written and synced under a temporary name in
// the same directory, then hard-linked into place, which fails rather than
// replaces if another process created the key first (that key is then
// loaded). The directory must exist.
func LoadOrCreate(path string) (key []byte, created bool, err error) {
	key, err = Load(path)
	if !errors.Is(err, os.ErrNotExist) {
		return key, false, err
	}
	if err := create(path); errors.Is(err, os.ErrExist) {
		key, err = Load(path) // lost a creation race: use the winner's key
		return key, false, err
	} else if err != nil {
		return nil, false, err
	}
	key, err = Load(path)
	return key, err == nil, err
}

func create(path string) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".rootkey-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("rootkey: creating %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	key := make([]byte, Size)
	rand.Read(key)
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("rootkey: writing %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return err
		}
		return fmt.Errorf("rootkey: creating %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the new name durable
		d.Sync()
		d.Close()
	}
	return nil
}

// Decode reads a root key given as text, for hosts that get it from a
// secret or an environment variable rather than a file: 64 hex digits, or
// standard base64 of 32 bytes. Surrounding white space is ignored.
func Decode(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if len(s) == 2*Size {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == Size {
		return k, nil
	}
	return nil, fmt.Errorf("rootkey: a root key is %d bytes written as 64 hex digits or 44 base64 characters; got %d characters", Size, len(s))
}
