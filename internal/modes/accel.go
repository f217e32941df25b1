package modes

import "github.com/pocketkms/pocketkms/core/kmserr"

// Accelerator is AES run by the host rather than by Go: the WebAssembly
// module installs one when its host offers AES over the module's memory
// (docs/wasm-abi.md#host-ciphers), since Go's AES in wasm is table-based
// software. It must give exactly the bytes crypto/aes and crypto/cipher
// give; the parity suite runs every vector with and without it.
//
// Key lengths, IV lengths, Aad and padding are checked before it is
// called; CBC and ECB get whole blocks, already padded.
type Accelerator interface {
	// GCMSeal appends ciphertext‖16-byte tag to dst (which may be nil), as
	// cipher.AEAD.Seal does, so the caller can seal into a larger buffer.
	GCMSeal(dst, key, iv, aad, plaintext []byte) ([]byte, error)
	// GCMOpen returns the plaintext, or ok false when it does not authenticate.
	GCMOpen(key, iv, aad, ciphertext []byte) (plaintext []byte, ok bool, err error)
	// CBC and ECB en- or decrypt buf in place.
	CBC(encrypt bool, key, iv, buf []byte) error
	ECB(encrypt bool, key, buf []byte) error
}

var accel Accelerator

// UseAccelerator makes every later AES operation run on a (nil: Go's own).
// It is set once, before the first operation; SM4 always stays in Go.
func UseAccelerator(a Accelerator) { accel = a }

// hostCipher runs one AES key on an Accelerator. A failure of the host is
// an internal error, never a silent switch to another implementation.
type hostCipher struct {
	a   Accelerator
	key []byte
}

func (h hostCipher) gcmSeal(dst, iv, aad, plaintext []byte) ([]byte, error) {
	out, err := h.a.GCMSeal(dst, h.key, iv, aad, plaintext)
	if err != nil {
		return nil, kmserr.Internal("host AES-GCM: %v", err)
	}
	return out, nil
}

func (h hostCipher) gcmOpen(iv, aad, ciphertext []byte) ([]byte, bool, error) {
	pt, ok, err := h.a.GCMOpen(h.key, iv, aad, ciphertext)
	if err != nil {
		return nil, false, kmserr.Internal("host AES-GCM: %v", err)
	}
	return pt, ok, nil
}

func (h hostCipher) crypt(m Mode, encrypt bool, iv, buf []byte) error {
	var err error
	if m == CBC {
		err = h.a.CBC(encrypt, h.key, iv, buf)
	} else {
		err = h.a.ECB(encrypt, h.key, buf)
	}
	if err != nil {
		return kmserr.Internal("host AES block mode: %v", err)
	}
	return nil
}
