package wasmhost

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"

	gmcipher "github.com/emmansun/gmsm/cipher"

	"github.com/pocketkms/pocketkms/internal/modes"
)

// aesCache is one instance's AES for its AES imports: crypto/aes and
// crypto/cipher, as modes.StdAES, but keeping the cipher of the last key
// it was given. Building the cipher and GCM's tables cost more than sealing
// a few KiB (0.7 µs of an AdvanceEncrypt's host work), and an instance
// usually serves the same key call after call. It belongs to one instance,
// which runs one call at a time, so it needs no lock; the key's copy is
// wiped when another key replaces it.
type aesCache struct {
	key   []byte
	block cipher.Block
	gcm   cipher.AEAD
}

var _ modes.Accelerator = (*aesCache)(nil)

func (c *aesCache) blockFor(key []byte) (cipher.Block, error) {
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

func (c *aesCache) gcmFor(key []byte) (cipher.AEAD, error) {
	b, err := c.blockFor(key)
	if err != nil || c.gcm != nil {
		return c.gcm, err
	}
	c.gcm, err = cipher.NewGCM(b)
	return c.gcm, err
}

func (c *aesCache) GCMSeal(dst, key, iv, aad, plaintext []byte) ([]byte, error) {
	g, err := c.gcmFor(key)
	if err != nil {
		return nil, err
	}
	return g.Seal(dst, iv, plaintext, aad), nil
}

func (c *aesCache) GCMOpen(key, iv, aad, ciphertext []byte) ([]byte, bool, error) {
	g, err := c.gcmFor(key)
	if err != nil {
		return nil, false, err
	}
	pt, err := g.Open(nil, iv, ciphertext, aad)
	return pt, err == nil, nil
}

func (c *aesCache) CBC(encrypt bool, key, iv, buf []byte) error {
	b, err := c.blockFor(key)
	if err != nil {
		return err
	}
	if encrypt {
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(buf, buf)
	} else {
		cipher.NewCBCDecrypter(b, iv).CryptBlocks(buf, buf)
	}
	return nil
}

func (c *aesCache) ECB(encrypt bool, key, buf []byte) error {
	b, err := c.blockFor(key)
	if err != nil {
		return err
	}
	if encrypt {
		gmcipher.NewECBEncrypter(b).CryptBlocks(buf, buf)
	} else {
		gmcipher.NewECBDecrypter(b).CryptBlocks(buf, buf)
	}
	return nil
}
