// Package accesskeys is the registry of AccessKey pairs: who may call the
// classic KMS OpenAPI (docs/classic-api.md). Records live under
// "accesskeys/<AccessKeyId>" in the engine's store.Backend, so the server
// (SQLite) and the Worker (D1) share them and a revoke takes effect at the
// next request. The signers need the secret itself (HMAC), so a record holds
// it: hosts wrap the store in store.Sealed, which seals this prefix like key
// material, and nothing here ever formats a secret into an error or a log.
//
// The package has no I/O of its own and compiles for every host.
package accesskeys

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/registry"
)

// Record is one AccessKey pair.
type Record struct {
	AccessKeyId     string    `json:"AccessKeyId"`
	AccessKeySecret string    `json:"AccessKeySecret"`
	CreationDate    time.Time `json:"CreationDate"`
	Source          string    `json:"Source"` // "created" or "seed"
}

// String never shows the secret, so printing a record by mistake leaks nothing.
func (r Record) String() string { return fmt.Sprintf("AccessKey %s (%s)", r.AccessKeyId, r.Source) }

// GoString is String, for %#v.
func (r Record) GoString() string { return r.String() }

// ErrNotFound reports an unknown or revoked AccessKeyId.
var ErrNotFound = errors.New("accesskeys: no such AccessKey")

// CheckID reports whether id can name an AccessKey: 8 to 64 letters, digits,
// '.', '_' or '-' (Alibaba's own ids are "LTAI" and 20 alphanumerics; STS ids
// start "STS.").
func CheckID(id string) error {
	if len(id) < 4 || len(id) > 64 {
		return fmt.Errorf("AccessKeyId must be 4 to 64 characters, got %d", len(id))
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("AccessKeyId %q has a character other than letters, digits, '.', '_' and '-'", id)
		}
	}
	return nil
}

// CheckSecret reports whether s can be an AccessKey secret: 16 to 128
// printable ASCII characters. The message never quotes the secret.
func CheckSecret(s string) error {
	if len(s) < 16 || len(s) > 128 {
		return fmt.Errorf("AccessKeySecret must be 16 to 128 characters, got %d", len(s))
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return errors.New("AccessKeySecret must be printable ASCII without spaces")
		}
	}
	return nil
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomText(r io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)] // 256 % 62 bias is irrelevant at 30 characters
	}
	return string(b), nil
}

// New makes a fresh pair in Alibaba's shape: "LTAI" + 20 characters, and a
// 30-character secret, from r (crypto/rand).
func New(r io.Reader, now time.Time) (Record, error) {
	id, err := randomText(r, 20)
	if err != nil {
		return Record{}, err
	}
	secret, err := randomText(r, 30)
	if err != nil {
		return Record{}, err
	}
	return Record{AccessKeyId: "LTAI" + id, AccessKeySecret: secret, CreationDate: now.UTC().Truncate(time.Second), Source: "created"}, nil
}

// Encode checks a record and returns its store key and value.
func Encode(r Record) (string, []byte, error) {
	if err := CheckID(r.AccessKeyId); err != nil {
		return "", nil, err
	}
	if err := CheckSecret(r.AccessKeySecret); err != nil {
		return "", nil, err
	}
	v, err := json.Marshal(r)
	return store.AccessKeyPrefix + r.AccessKeyId, v, err
}

func decode(v []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(v, &r); err != nil || r.AccessKeyId == "" || r.AccessKeySecret == "" {
		return nil, errors.New("accesskeys: corrupt record")
	}
	return &r, nil
}

// Lookup returns the record of id, or ErrNotFound.
func Lookup(b store.Backend, id string) (*Record, error) {
	if CheckID(id) != nil {
		return nil, ErrNotFound
	}
	v, _, err := b.Get(store.AccessKeyPrefix + id)
	if err != nil {
		return nil, fmt.Errorf("accesskeys: read %s: %w", id, err)
	}
	if v == nil {
		return nil, ErrNotFound
	}
	r, err := decode(v)
	if err != nil {
		return nil, err
	}
	if r.AccessKeyId != id {
		return nil, fmt.Errorf("accesskeys: record %s names %s", id, r.AccessKeyId)
	}
	return r, nil
}

// Register stores r. The same id with the same secret again is a no-op (seed
// files are applied at every start); with another secret it is an error.
func Register(b store.Backend, r Record) error {
	key, value, err := Encode(r)
	if err != nil {
		return err
	}
	same := func(old []byte) bool {
		prev, err := decode(old)
		return err == nil && subtle.ConstantTimeCompare([]byte(prev.AccessKeySecret), []byte(r.AccessKeySecret)) == 1
	}
	return registry.Put(b, key, value, same, fmt.Errorf("AccessKey %s is already registered with another secret; revoke it first", r.AccessKeyId))
}

// List returns every AccessKey, sorted by id, with the secrets blanked.
func List(b store.Backend) ([]Record, error) {
	return registry.List(b, store.AccessKeyPrefix, func(k string, v []byte) (Record, error) {
		r, err := decode(v)
		if err != nil {
			return Record{}, fmt.Errorf("%s: %w", k, err)
		}
		r.AccessKeySecret = ""
		return *r, nil
	})
}

// Revoke deletes the record of id.
func Revoke(b store.Backend, id string) error {
	return registry.Delete(b, store.AccessKeyPrefix+id, fmt.Errorf("%w: %s", ErrNotFound, id))
}
