package wasmhost

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"

	"github.com/pocketkms/pocketkms/internal/modes"
)

// aesCache is one instance's AES ciphers for its AES imports
// (modes.GoAES[*aesCache]): crypto/aes and crypto/cipher, as modes.StdAES,
// but keeping the cipher of the last key it was given. Building the cipher and GCM's tables cost more than sealing
// a few KiB (0.7 µs of an AdvanceEncrypt's host work), and an instance
// usually serves the same key call after call. It belongs to one instance,
// which runs one call at a time, so it needs no lock; the key's copy is
// wiped when another key replaces it.
type aesCache struct {
	key   []byte
	block cipher.Block
	gcm   cipher.AEAD
}

var _ modes.Ciphers = (*aesCache)(nil)

func (c *aesCache) Block(key []byte) (cipher.Block, error) {
	if c.block != nil && len(c.key) == len(key) && subtle.ConstantTimeCompare(c.key, key) == 1 {
		return c.block, nil
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	clear(c.key)
	c.key, c.block, c.gcm = append(c.key[:0], key...), b, nil
	return b, nil
}

func (c *aesCache) GCM(key []byte) (cipher.AEAD, error) {
	b, err := c.Block(key)
	if err != nil || c.gcm != nil {
		return c.gcm, err
	}
	c.gcm, err = cipher.NewGCM(b)
	return c.gcm, err
}
