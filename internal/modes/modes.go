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
	"errors"
	"slices"

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

// Lookup returns the Spec of a named algorithm. A switch rather than a map:
// every encryption looks its algorithm up, and inside WebAssembly hashing
// the name cost more than comparing it.
func Lookup(name string) (Spec, bool) {
	switch name {
	case AES_GCM:
		return Spec{AES_GCM, "AES", GCM}, true
	case AES_CBC:
		return Spec{AES_CBC, "AES", CBC}, true
	case AES_ECB:
		return Spec{AES_ECB, "AES", ECB}, true
	case SM4_GCM:
		return Spec{SM4_GCM, "SM4", GCM}, true
	case SM4_CBC:
		return Spec{SM4_CBC, "SM4", CBC}, true
	case SM4_ECB:
		return Spec{SM4_ECB, "SM4", ECB}, true
	}
	return Spec{}, false
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

// cipherFor checks the key length and returns the implementation that
// runs the cipher with it: the host's AES where one is installed
// (UseAccelerator), Go's otherwise, and always Go's for SM4.
func (s Spec) cipherFor(key []byte) (rawCipher, error) {
	if s.Cipher == "SM4" {
		if len(key) != 16 {
			return nil, kmserr.InvalidParameter("%s needs a 16-byte key, got %d bytes", s.Name, len(key))
		}
		b, err := sm4.NewCipher(key)
		return goCipher{b}, err
	}
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, kmserr.InvalidParameter("%s needs a 16, 24 or 32-byte key, got %d bytes", s.Name, len(key))
	}
	if accel != nil {
		return hostCipher{accel, key}, nil
	}
	b, err := aes.NewCipher(key)
	return goCipher{b}, err
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

// blockSize is the block size of both AES and SM4.
const blockSize = 16

// Seal encrypts plaintext. GCM output is ciphertext‖16-byte tag.
func (s Spec) Seal(p Params, plaintext []byte) ([]byte, error) {
	return s.SealAppend(nil, p, plaintext)
}

// SealAppend is Seal appending the ciphertext to dst, so that a caller
// building a larger message around it (the blob) encrypts straight into
// that message instead of copying a separate ciphertext in. dst's spare
// capacity must not overlap plaintext.
func (s Spec) SealAppend(dst []byte, p Params, plaintext []byte) ([]byte, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	c, err := s.cipherFor(p.Key)
	if err != nil {
		return nil, err
	}
	if s.Mode == GCM {
		return c.gcmSeal(dst, p.IV, p.Aad, plaintext)
	}
	if p.Padding == NoPad && (len(plaintext) == 0 || len(plaintext)%blockSize != 0) {
		return nil, kmserr.InvalidParameter("with %s the Plaintext length must be a positive multiple of %d, got %d bytes", NoPad, blockSize, len(plaintext))
	}
	start := len(dst)
	out := append(slices.Grow(dst, s.SealedLen(len(plaintext), p.Padding)), plaintext...)
	if p.Padding != NoPad {
		out = out[:start+len(padding.NewPKCS7Padding(blockSize).Pad(out[start:]))]
	}
	if err := c.crypt(s.Mode, true, p.IV, out[start:]); err != nil {
		return nil, err
	}
	return out, nil
}

// SealedLen is the length of the ciphertext of n plaintext bytes: n plus
// the tag for GCM, n rounded up to the next whole block when padded.
func (s Spec) SealedLen(n int, padding string) int {
	switch {
	case s.Mode == GCM:
		return n + TagSize
	case padding == NoPad:
		return n
	}
	return n - n%blockSize + blockSize
}

// Open decrypts and, for GCM, authenticates. On any failure it returns a nil
// plaintext and an InvalidParameter error that does not say which check
// failed for padded modes (no padding oracle).
func (s Spec) Open(p Params, ciphertext []byte) ([]byte, error) {
	if err := s.check(p); err != nil {
		return nil, err
	}
	c, err := s.cipherFor(p.Key)
	if err != nil {
		return nil, err
	}
	if s.Mode == GCM {
		if len(ciphertext) < TagSize {
			return nil, kmserr.InvalidParameter("%s ciphertext is %d bytes, shorter than its %d-byte tag", s.Name, len(ciphertext), TagSize)
		}
		pt, ok, err := c.gcmOpen(p.IV, p.Aad, ciphertext)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, kmserr.InvalidParameter("failed to decrypt and authenticate the ciphertext: wrong key, Iv or Aad, or it was tampered with")
		}
		if pt == nil {
			pt = []byte{}
		}
		return pt, nil
	}
	if len(ciphertext) == 0 || len(ciphertext)%blockSize != 0 {
		return nil, kmserr.InvalidParameter("%s ciphertext length must be a positive multiple of %d, got %d bytes", s.Name, blockSize, len(ciphertext))
	}
	buf := append([]byte(nil), ciphertext...)
	if err := c.crypt(s.Mode, false, p.IV, buf); err != nil {
		return nil, err
	}
	if p.Padding == NoPad {
		return buf, nil
	}
	pt, err := padding.NewPKCS7Padding(blockSize).ConstantTimeUnpad(buf)
	if err != nil {
		return nil, kmserr.InvalidParameter("failed to decrypt the ciphertext: wrong key, Iv or PaddingMode, or it was tampered with")
	}
	return pt, nil
}

// rawCipher is one key's cipher in the three modes, without padding:
// crypt works in place on whole blocks.
type rawCipher interface {
	gcmSeal(dst, iv, aad, plaintext []byte) ([]byte, error) // appends to dst
	gcmOpen(iv, aad, ciphertext []byte) (plaintext []byte, ok bool, err error)
	crypt(m Mode, encrypt bool, iv, buf []byte) error
}

// goCipher is crypto/cipher and gmsm over a Go block cipher.
type goCipher struct{ b cipher.Block }

func (g goCipher) gcmSeal(dst, iv, aad, plaintext []byte) ([]byte, error) {
	return g.gcm(false, dst, iv, aad, plaintext)
}

func (g goCipher) gcmOpen(iv, aad, ciphertext []byte) ([]byte, bool, error) {
	pt, err := g.gcm(true, nil, iv, aad, ciphertext)
	if err == errAuth {
		return nil, false, nil
	}
	return pt, err == nil, err
}

var errAuth = errors.New("gcm: message authentication failed")

func (g goCipher) gcm(open bool, dst, iv, aad, in []byte) ([]byte, error) {
	a, err := cipher.NewGCM(g.b)
	if err != nil {
		return nil, kmserr.Internal("gcm: %v", err)
	}
	if !open {
		return a.Seal(dst, iv, in, aad), nil
	}
	pt, err := a.Open(nil, iv, in, aad)
	if err != nil {
		return nil, errAuth
	}
	return pt, nil
}

func (g goCipher) crypt(m Mode, encrypt bool, iv, buf []byte) error {
	var bm cipher.BlockMode
	switch {
	case m == CBC && encrypt:
		bm = cipher.NewCBCEncrypter(g.b, iv)
	case m == CBC:
		bm = cipher.NewCBCDecrypter(g.b, iv)
	case encrypt:
		bm = gmcipher.NewECBEncrypter(g.b)
	default:
		bm = gmcipher.NewECBDecrypter(g.b)
	}
	bm.CryptBlocks(buf, buf)
	return nil
}
