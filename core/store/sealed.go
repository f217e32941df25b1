package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// Sealed envelope format 1 (docs/storage.md):
//
//	byte 0      format version, 0x01
//	bytes 1-12  random 96-bit GCM nonce
//	bytes 13-   AES-256-GCM ciphertext of the record value, then its 16-byte tag
//
// The GCM additional data is the version byte followed by the record key, so
// a sealed value copied into another record, or relabelled with another
// format version, fails to open instead of decrypting as the wrong thing.
const (
	sealVersion1  = 0x01
	sealNonceSize = 12
	sealTagSize   = 16
	sealOverhead  = 1 + sealNonceSize + sealTagSize
)

// sealInfo is the HKDF info that derives the record-sealing key from the root
// key. The root key itself never keys a cipher directly, so other uses of it
// can be added later with their own info string and their own nonce space.
const sealInfo = "pocketkms store.Sealed v1 record sealing key"

// Sealed returns a Backend that stores every value whose key IsSealed sealed with AES-256-GCM under a key derived from rootKey (32
// bytes), and passes every other record through unchanged. Record keys,
// revisions and conflict behaviour are those of b.
//
// Get returns an error, never the wrong bytes, for a sealed value that does
// not authenticate: a wrong root key, a flipped bit, a truncated value, or a
// value moved from another record. Sealed does no I/O of its own; nonces come
// from crypto/rand.
func Sealed(b Backend, rootKey []byte) (Backend, error) {
	if len(rootKey) != 32 {
		return nil, fmt.Errorf("store: root key is %d bytes, want 32", len(rootKey))
	}
	k, err := hkdf.Key(sha256.New, rootKey, nil, sealInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("store: deriving the sealing key: %v", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealed{b: b, aead: aead}, nil
}

type sealed struct {
	b    Backend
	aead cipher.AEAD
}

func sealAAD(version byte, key string) []byte {
	return append([]byte{version}, key...)
}

func (s *sealed) Get(key string) ([]byte, int64, error) {
	v, rev, err := s.b.Get(key)
	if err != nil || rev == 0 || !IsSealed(key) {
		return v, rev, err
	}
	plain, err := s.open(key, v)
	if err != nil {
		return nil, 0, err
	}
	return plain, rev, nil
}

func (s *sealed) List(prefix string) ([]string, error) { return s.b.List(prefix) }

func (s *sealed) Commit(reads map[string]int64, writes []Write) error {
	out := make([]Write, len(writes))
	for i, w := range writes {
		out[i] = w
		if w.Value != nil && IsSealed(w.Key) {
			out[i].Value = s.seal(w.Key, w.Value)
		}
	}
	return s.b.Commit(reads, out)
}

func (s *sealed) seal(key string, plain []byte) []byte {
	out := make([]byte, 1+sealNonceSize, sealOverhead+len(plain))
	out[0] = sealVersion1
	rand.Read(out[1:]) // never fails (crypto/rand panics rather than return short)
	return s.aead.Seal(out, out[1:1+sealNonceSize], plain, sealAAD(sealVersion1, key))
}

func (s *sealed) open(key string, v []byte) ([]byte, error) {
	if len(v) == 0 {
		return nil, fmt.Errorf("store: record %s is empty, not a sealed value", key)
	}
	if v[0] != sealVersion1 {
		return nil, fmt.Errorf("store: record %s has sealing format 0x%02x, want 0x%02x: it was written without a root key, or by a newer pocketkms", key, v[0], sealVersion1)
	}
	if len(v) < sealOverhead {
		return nil, fmt.Errorf("store: record %s is truncated: %d bytes, a sealed value has at least %d", key, len(v), sealOverhead)
	}
	plain, err := s.aead.Open(make([]byte, 0, len(v)-sealOverhead), v[1:1+sealNonceSize], v[1+sealNonceSize:], sealAAD(v[0], key))
	if err != nil {
		return nil, fmt.Errorf("store: record %s failed to decrypt and authenticate: wrong root key or tampered with", key)
	}
	return plain, nil
}
