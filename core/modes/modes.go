// Package modes is the cipher layer: AES and SM4 in GCM, CBC and ECB, with
// PKCS#7 or no padding. It knows nothing of keys, versions or blobs; it turns
// (algorithm, key material, IV, plaintext, Aad) into ciphertext and back, and
// rejects every bad parameter with a *kmserr.Error naming it.
//
// Block ciphers come from crypto/aes and github.com/emmansun/gmsm/sm4; GCM
// and CBC from crypto/cipher; ECB and constant-time PKCS#7 unpadding from
// gmsm. Nothing here is hand-rolled.
package modes

import (
	"crypto/aes"
	"crypto/cipher"

	gmcipher "github.com/emmansun/gmsm/cipher"
	"github.com/emmansun/gmsm/padding"
	"github.com/emmansun/gmsm/sm4"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// Algorithm names as the API spells them.
const (
	AES_GCM = "AES_GCM"
	AES_CBC = "AES_CBC"
	AES_ECB = "AES_ECB"
	SM4_GCM = "SM4_GCM"
	SM4_CBC = "SM4_CBC"
	SM4_ECB = "SM4_ECB"
)

// Padding modes as the API spells them.
const (
	PKCS7   = "PKCS7_PADDING"
	NoPad   = "NO_PADDING"
	MaxAad  = 8192
	TagSize = 16
)

// Mode is the shape of an algorithm.
type Mode int

const (
	GCM Mode = iota + 1
	CBC
	ECB
)

// Spec describes one algorithm.
type Spec struct {
	Name   string
	Cipher string // "AES" or "SM4"
	Mode   Mode
}

var specs = map[string]Spec{
	AES_GCM: {AES_GCM, "AES", GCM},
	AES_CBC: {AES_CBC, "AES", CBC},
	AES_ECB: {AES_ECB, "AES", ECB},
	SM4_GCM: {SM4_GCM, "SM4", GCM},
	SM4_CBC: {SM4_CBC, "SM4", CBC},
	SM4_ECB: {SM4_ECB, "SM4", ECB},
}

// Lookup returns the Spec of a named algorithm.
func Lookup(name string) (Spec, bool) {
	s, ok := specs[name]
	return s, ok
}

// Algorithms lists every supported algorithm name.
func Algorithms() []string {
	return []string{AES_GCM, AES_CBC, AES_ECB, SM4_GCM, SM4_CBC, SM4_ECB}
}

// IVSize is the IV length the mode takes: 12 for GCM, 16 for CBC, 0 for ECB.
func (s Spec) IVSize() int {
	switch s.Mode {
	case GCM:
		return 12
	case CBC:
		return 16
	}
	return 0
}

// Padded reports whether the mode takes a PaddingMode (CBC and ECB).
func (s Spec) Padded() bool { return s.Mode != GCM }

// Params are the inputs of one Seal or Open.
type Params struct {
	Key     []byte
	IV      []byte
	Aad     []byte
	Padding string // PKCS7 (default when empty) or NoPad; CBC/ECB only
}

func (s Spec) block(key []byte) (cipher.Block, error) {
	if s.Cipher == "SM4" {
		if len(key) != 16 {
			return nil, kmserr.InvalidParameter("%s needs a 16-byte key, got %d bytes", s.Name, len(key))
		}
		return sm4.NewCipher(key)
	}
	switch len(key) {
	case 16, 24, 32:
		return aes.NewCipher(key)
	}
	return nil, kmserr.InvalidParameter("%s needs a 16, 24 or 32-byte key, got %d bytes", s.Name, len(key))
}

// check validates IV, Aad and padding for this mode.
func (s Spec) check(p Params) error {
	if n := s.IVSize(); len(p.IV) != n {
		if n == 0 {
			return kmserr.InvalidParameter("%s takes no Iv, got %d bytes", s.Name, len(p.IV))
		}
		return kmserr.InvalidParameter("%s needs a %d-byte Iv, got %d bytes", s.Name, n, len(p.IV))
	}
	if s.Mode == GCM {
		if len(p.Aad) > MaxAad {
			return kmserr.InvalidParameter("Aad is %d bytes, at most %d are allowed", len(p.Aad), MaxAad)
		}
		if p.Padding != "" {
			return kmserr.InvalidParameter("%s takes no PaddingMode, got %q", s.Name, p.Padding)
		}
		return nil
	}
	if len(p.Aad) != 0 {
		return kmserr.InvalidParameter("Aad is only allowed with GCM, not %s", s.Name)
	}
	switch p.Padding {
	case "", PKCS7, NoPad:
		return nil
	}
	return kmserr.InvalidParameter("PaddingMode %q is not supported: use %s or %s", p.Padding, PKCS7, NoPad)
}

// prepare checks the parameters and returns the block cipher, and for GCM
// the AEAD over it.
func (s Spec) prepare(p Params) (cipher.Block, cipher.AEAD, error) {
	if err := s.check(p); err != nil {
		return nil, nil, err
	}
	b, err := s.block(p.Key)
	if err != nil || s.Mode != GCM {
		return b, nil, err
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, nil, kmserr.Internal("gcm: %v", err)
	}
	return b, g, nil
}

// Seal encrypts plaintext. GCM output is ciphertext‖16-byte tag.
func (s Spec) Seal(p Params, plaintext []byte) ([]byte, error) {
	b, g, err := s.prepare(p)
	if err != nil {
		return nil, err
	}
	if g != nil {
		return g.Seal(nil, p.IV, plaintext, p.Aad), nil
	}
	var buf []byte
	if p.Padding == NoPad {
		if len(plaintext) == 0 || len(plaintext)%b.BlockSize() != 0 {
			return nil, kmserr.InvalidParameter("with %s the Plaintext length must be a positive multiple of %d, got %d bytes", NoPad, b.BlockSize(), len(plaintext))
		}
		buf = append([]byte(nil), plaintext...)
	} else {
		buf = padding.NewPKCS7Padding(uint(b.BlockSize())).Pad(append([]byte(nil), plaintext...))
	}
	s.blockMode(b, p.IV, true).CryptBlocks(buf, buf)
	return buf, nil
}

// Open decrypts and, for GCM, authenticates. On any failure it returns a nil
// plaintext and an InvalidParameter error that does not say which check
// failed for padded modes (no padding oracle).
func (s Spec) Open(p Params, ciphertext []byte) ([]byte, error) {
	b, g, err := s.prepare(p)
	if err != nil {
		return nil, err
	}
	if g != nil {
		if len(ciphertext) < TagSize {
			return nil, kmserr.InvalidParameter("%s ciphertext is %d bytes, shorter than its %d-byte tag", s.Name, len(ciphertext), TagSize)
		}
		pt, err := g.Open(nil, p.IV, ciphertext, p.Aad)
		if err != nil {
			return nil, kmserr.InvalidParameter("failed to decrypt and authenticate the ciphertext: wrong key, Iv or Aad, or it was tampered with")
		}
		if pt == nil {
			pt = []byte{}
		}
		return pt, nil
	}
	bs := b.BlockSize()
	if len(ciphertext) == 0 || len(ciphertext)%bs != 0 {
		return nil, kmserr.InvalidParameter("%s ciphertext length must be a positive multiple of %d, got %d bytes", s.Name, bs, len(ciphertext))
	}
	buf := append([]byte(nil), ciphertext...)
	s.blockMode(b, p.IV, false).CryptBlocks(buf, buf)
	if p.Padding == NoPad {
		return buf, nil
	}
	pt, err := padding.NewPKCS7Padding(uint(bs)).ConstantTimeUnpad(buf)
	if err != nil {
		return nil, kmserr.InvalidParameter("failed to decrypt the ciphertext: wrong key, Iv or PaddingMode, or it was tampered with")
	}
	return pt, nil
}

func (s Spec) blockMode(b cipher.Block, iv []byte, encrypt bool) cipher.BlockMode {
	switch {
	case s.Mode == CBC && encrypt:
		return cipher.NewCBCEncrypter(b, iv)
	case s.Mode == CBC:
		return cipher.NewCBCDecrypter(b, iv)
	case encrypt:
		return gmcipher.NewECBEncrypter(b)
	}
	return gmcipher.NewECBDecrypter(b)
}
