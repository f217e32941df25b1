package modes

import (
	"crypto/aes"
	"crypto/cipher"

	gmcipher "github.com/emmansun/gmsm/cipher"
)

// StdAES is an Accelerator made of crypto/aes and crypto/cipher: what a Go
// host (wasmhost) runs for the module's AES imports, where Go has AES
// instructions, and the reference the tests hold every accelerator to.
var StdAES Accelerator = stdAES{}

type stdAES struct{}

func gcmOf(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (stdAES) GCMSeal(dst, key, iv, aad, plaintext []byte) ([]byte, error) {
	g, err := gcmOf(key)
	if err != nil {
		return nil, err
	}
	return g.Seal(dst, iv, plaintext, aad), nil
}

func (stdAES) GCMOpen(key, iv, aad, ciphertext []byte) ([]byte, bool, error) {
	g, err := gcmOf(key)
	if err != nil {
		return nil, false, err
	}
	pt, err := g.Open(nil, iv, ciphertext, aad)
	return pt, err == nil, nil
}

func (stdAES) CBC(encrypt bool, key, iv, buf []byte) error {
	b, err := aes.NewCipher(key)
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

func (stdAES) ECB(encrypt bool, key, buf []byte) error {
	b, err := aes.NewCipher(key)
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
