// Package clientkeys is the registry of ClientKeys: who may call the instance
// endpoint. A ClientKey is an RSA key pair; the client keeps the private half
// (in the product's PKCS#12 ClientKey file) and the registry keeps only the
// public half, as "clientkeys/<ClientKeyId>" records in the same store.Backend
// as the keys, so the server (SQLite) and the Worker (D1) share it and a
// `clientkey revoke` takes effect at the very next request.
//
// The package has no I/O of its own and compiles for every host, including
// GOOS=js for the Worker.
package clientkeys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/registry"
)

// MaxIDLen bounds a ClientKey id; ids are opaque to clients (the SDK's own
// test key is "key_for_unit_test"), so only length and characters are checked.
const MaxIDLen = 128

// Record is what the registry stores for one ClientKey. It never holds a
// private key.
type Record struct {
	ClientKeyId string    `json:"ClientKeyId"`
	PublicKey   string    `json:"PublicKey"`             // PEM "PUBLIC KEY" (PKIX)
	Certificate string    `json:"Certificate,omitempty"` // PEM, when registered from one
	NotAfter    time.Time `json:"NotAfter,omitzero"`     // informative: signature checks ignore expiry
	CreatedAt   time.Time `json:"CreationDate"`
	Source      string    `json:"Source"` // "created", "imported" or "certificate"
}

// ErrNotFound reports an unknown ClientKey id.
var ErrNotFound = errors.New("clientkeys: no such ClientKey")

// CheckID reports whether id can name a ClientKey: 1..MaxIDLen printable
// ASCII characters without spaces or slashes.
func CheckID(id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("ClientKey id must be 1 to %d characters, got %d", MaxIDLen, len(id))
	}
	for _, c := range []byte(id) {
		if c <= ' ' || c >= 0x7f || c == '/' {
			return fmt.Errorf("ClientKey id %q has a character outside printable ASCII (no spaces or '/')", id)
		}
	}
	return nil
}

// RecordFromCertificate makes the registry record for a ClientKey known by
// its certificate (or bare public key) PEM: the seed file's
// {"KeyId", "Certificate"} entry. It returns the store key and JSON value.
func RecordFromCertificate(keyID, certPEM string) (key string, value []byte, err error) {
	if err := CheckID(keyID); err != nil {
		return "", nil, err
	}
	block, rest := pem.Decode([]byte(certPEM))
	if block == nil {
		return "", nil, fmt.Errorf("ClientKey %s: Certificate is not PEM", keyID)
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return "", nil, fmt.Errorf("ClientKey %s: Certificate must hold exactly one PEM block", keyID)
	}
	rec := Record{ClientKeyId: keyID, CreatedAt: time.Now().UTC(), Source: "certificate"}
	var pub any
	switch block.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return "", nil, fmt.Errorf("ClientKey %s: bad certificate: %v", keyID, err)
		}
		pub = cert.PublicKey
		rec.Certificate = string(pem.EncodeToMemory(block))
		rec.NotAfter = cert.NotAfter.UTC()
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return "", nil, fmt.Errorf("ClientKey %s: bad public key: %v", keyID, err)
		}
	default:
		return "", nil, fmt.Errorf("ClientKey %s: PEM block is %q, want CERTIFICATE or PUBLIC KEY", keyID, block.Type)
	}
	return finish(rec, pub)
}

func finish(rec Record, pub any) (string, []byte, error) {
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return "", nil, fmt.Errorf("ClientKey %s: key is %T, the instance API signs with RSA only", rec.ClientKeyId, pub)
	}
	if rsaPub.N.BitLen() < 2048 {
		return "", nil, fmt.Errorf("ClientKey %s: RSA key has %d bits, want at least 2048", rec.ClientKeyId, rsaPub.N.BitLen())
	}
	if _, err := NewPublicKey(rsaPub); err != nil {
		return "", nil, fmt.Errorf("ClientKey %s: %v", rec.ClientKeyId, err)
	}
	der, err := x509.MarshalPKIXPublicKey(rsaPub)
	if err != nil {
		return "", nil, err
	}
	rec.PublicKey = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	v, err := json.Marshal(rec)
	if err != nil {
		return "", nil, err
	}
	return store.ClientKeyPrefix + rec.ClientKeyId, v, nil
}

// Decode parses a stored record.
func Decode(value []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(value, &r); err != nil {
		return nil, fmt.Errorf("clientkeys: corrupt record: %v", err)
	}
	if r.ClientKeyId == "" || r.PublicKey == "" {
		return nil, errors.New("clientkeys: corrupt record: no id or public key")
	}
	return &r, nil
}

// parsed caches public keys by the exact bytes of their record. It is not a
// cache of the registry: every lookup reads the record first, so a revoke or
// a change made by the CLI is seen at the next request; only decoding the
// JSON, parsing the key and preparing its modulus are saved.
var (
	parsedMu sync.Mutex
	parsed   = map[string]*PublicKey{}
)

// maxParsed bounds the cache; it is emptied when full.
const maxParsed = 1024

// Lookup returns the public key registered for id, or ErrNotFound.
func Lookup(b store.Backend, id string) (*PublicKey, error) {
	if CheckID(id) != nil {
		return nil, ErrNotFound
	}
	v, _, err := b.Get(store.ClientKeyPrefix + id)
	if err != nil {
		return nil, fmt.Errorf("clientkeys: read %s: %w", id, err)
	}
	if v == nil {
		return nil, ErrNotFound
	}
	parsedMu.Lock()
	k, ok := parsed[string(v)]
	parsedMu.Unlock()
	if ok {
		return k, nil
	}
	r, err := Decode(v)
	if err != nil {
		return nil, err
	}
	if r.ClientKeyId != id {
		return nil, fmt.Errorf("clientkeys: record %s names %s", id, r.ClientKeyId)
	}
	block, _ := pem.Decode([]byte(r.PublicKey))
	if block == nil {
		return nil, fmt.Errorf("clientkeys: record %s: public key is not PEM", id)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("clientkeys: record %s: %v", id, err)
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("clientkeys: record %s: not an RSA key", id)
	}
	if k, err = NewPublicKey(rsaPub); err != nil {
		return nil, fmt.Errorf("clientkeys: record %s: %v", id, err)
	}
	parsedMu.Lock()
	if len(parsed) >= maxParsed {
		clear(parsed)
	}
	parsed[string(v)] = k
	parsedMu.Unlock()
	return k, nil
}

// Register writes a record made by RecordFromCertificate, RecordFromClientKey
// or Create. Registering the same id again with the same public key is a
// no-op (imports are idempotent); with a different key it is an error.
func Register(b store.Backend, key string, value []byte) error {
	rec, err := Decode(value)
	if err != nil {
		return err
	}
	if key != store.ClientKeyPrefix+rec.ClientKeyId {
		return fmt.Errorf("clientkeys: record key %q does not match id %q", key, rec.ClientKeyId)
	}
	same := func(old []byte) bool {
		prev, err := Decode(old)
		return err == nil && prev.PublicKey == rec.PublicKey
	}
	return registry.Put(b, key, value, same, fmt.Errorf("ClientKey %s is already registered with a different key; revoke it first", rec.ClientKeyId))
}

// List returns every registered ClientKey, sorted by id.
func List(b store.Backend) ([]Record, error) {
	return registry.List(b, store.ClientKeyPrefix, func(k string, v []byte) (Record, error) {
		r, err := Decode(v)
		if err != nil {
			return Record{}, fmt.Errorf("%s: %w", k, err)
		}
		return *r, nil
	})
}

// Revoke deletes the record of id: its holder is refused from the next request.
func Revoke(b store.Backend, id string) error {
	return registry.Delete(b, store.ClientKeyPrefix+id, fmt.Errorf("%w: %s", ErrNotFound, id))
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
