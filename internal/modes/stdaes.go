package modes

import (
	"crypto/aes"
	"crypto/cipher"

	gmcipher "github.com/emmansun/gmsm/cipher"
)

// StdAES is an Accelerator made of crypto/aes and crypto/cipher, with new
// ciphers for every call: what a Go host runs for the module's AES imports
// where Go has AES instructions, and the reference the tests hold every
// accelerator to.
var StdAES Accelerator = GoAES[newCiphers]{}

// Ciphers gives a GoAES the AES block cipher and GCM for a key: new ones,
// or ones kept from an earlier call (host/wasmhost keeps its last key's).
type Ciphers interface {
	Block(key []byte) (cipher.Block, error)
	GCM(key []byte) (cipher.AEAD, error)
}

// GoAES is an Accelerator made of crypto/aes and crypto/cipher over the
// ciphers C gives.
type GoAES[C Ciphers] struct{ C C }

type newCiphers struct{}

func (newCiphers) Block(key []byte) (cipher.Block, error) { return aes.NewCipher(key) }

func (newCiphers) GCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (a GoAES[C]) GCMSeal(dst, key, iv, aad, plaintext []byte) ([]byte, error) {
	g, err := a.C.GCM(key)
	if err != nil {
		return nil, err
	}
	return g.Seal(dst, iv, plaintext, aad), nil
}

func (a GoAES[C]) GCMOpen(key, iv, aad, ciphertext []byte) ([]byte, bool, error) {
	g, err := a.C.GCM(key)
	if err != nil {
		return nil, false, err
	}
	pt, err := g.Open(nil, iv, ciphertext, aad)
	return pt, err == nil, nil
}

func (a GoAES[C]) CBC(encrypt bool, key, iv, buf []byte) error {
	b, err := a.C.Block(key)
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

func (a GoAES[C]) ECB(encrypt bool, key, buf []byte) error {
	b, err := a.C.Block(key)
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
