// Package blob is the self-describing ciphertext that the Advance calls
// return: everything AdvanceDecrypt needs except the key material and the
// Aad. The layout is documented byte by byte in docs/ciphertext-format.md:
//
//	0      '$' (0x24)
//	1      cipher version << 4 | padding
//	2      algorithm id
//	3..38  key version id, 36 ASCII bytes
//	39..   IV (12 bytes GCM, 16 CBC, none ECB)
//	...    ciphertext (GCM: ciphertext‖16-byte tag)
//
// Byte 0..2 and the AES_GCM id 2 follow upstream, so AES-GCM blobs
// interoperate with Alibaba's own tools; the other ids are pocketkms's.
package blob

import (
	"fmt"

	"github.com/pocketkms/pocketkms/internal/ids"
	"github.com/pocketkms/pocketkms/internal/modes"
)

const (
	Magic         = '$'
	CipherVersion = 0
	headerLen     = 3 + ids.VersionIDLen
	// MaxLen bounds a blob: nothing larger fits in a 3 MB request anyway.
	MaxLen = 3 << 20
)

// Padding nibble values.
const (
	PadNone  = 0 // GCM
	PadPKCS7 = 1
	PadNone2 = 2 // NO_PADDING on CBC/ECB
)

// algIDs are the algorithm bytes, in the order of modes.Algorithms. Blobs
// are made and parsed on every Advance call: a scan of six names is cheaper
// than hashing one, inside WebAssembly above all.
var algIDs = [...]struct {
	name string
	id   byte
}{
	{modes.AES_GCM, 0x02}, // upstream
	{modes.AES_CBC, 0x03},
	{modes.AES_ECB, 0x04},
	{modes.SM4_GCM, 0x12},
	{modes.SM4_CBC, 0x13},
	{modes.SM4_ECB, 0x14},
}

// AlgorithmID returns the blob's byte for an algorithm name.
func AlgorithmID(name string) (byte, bool) {
	for _, a := range algIDs {
		if a.name == name {
			return a.id, true
		}
	}
	return 0, false
}

// algorithmName is AlgorithmID's inverse.
func algorithmName(id byte) (string, bool) {
	for _, a := range algIDs {
		if a.id == id {
			return a.name, true
		}
	}
	return "", false
}

// Blob is a parsed Advance ciphertext.
type Blob struct {
	Algorithm    string // e.g. "AES_GCM"
	Padding      string // "" for GCM, else modes.PKCS7 or modes.NoPad
	KeyVersionID string
	IV           []byte
	Ciphertext   []byte // GCM: includes the tag
}

// Error says why bytes are not a blob. Offset is where the problem is.
type Error struct {
	Offset int
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("not a valid ciphertext blob: %s (at byte %d)", e.Reason, e.Offset)
}

func bad(off int, format string, args ...any) *Error {
	return &Error{Offset: off, Reason: fmt.Sprintf(format, args...)}
}

func padNibble(alg modes.Spec, p string) (byte, error) {
	if !alg.Padded() {
		if p != "" {
			return 0, fmt.Errorf("blob: %s takes no padding", alg.Name)
		}
		return PadNone, nil
	}
	switch p {
	case "", modes.PKCS7:
		return PadPKCS7, nil
	case modes.NoPad:
		return PadNone2, nil
	}
	return 0, fmt.Errorf("blob: unknown padding %q", p)
}

// Marshal encodes b. It fails only on fields that could not have come from
// a successful encryption (unknown algorithm, wrong IV or id length).
func (b *Blob) Marshal() ([]byte, error) {
	out, err := b.AppendHeader(make([]byte, 0, b.HeaderLen()+len(b.Ciphertext)))
	if err != nil {
		return nil, err
	}
	return append(out, b.Ciphertext...), nil
}

// HeaderLen is the length of everything before the ciphertext.
func (b *Blob) HeaderLen() int { return headerLen + len(b.IV) }

// AppendHeader appends everything Marshal writes before the ciphertext
// (b.Ciphertext is not read), so that the caller can seal the ciphertext
// straight after it: one buffer, no copy of the ciphertext.
func (b *Blob) AppendHeader(dst []byte) ([]byte, error) {
	spec, ok := modes.Lookup(b.Algorithm)
	id, ok2 := AlgorithmID(b.Algorithm)
	if !ok || !ok2 {
		return nil, fmt.Errorf("blob: unknown algorithm %q", b.Algorithm)
	}
	if len(b.KeyVersionID) != ids.VersionIDLen {
		return nil, fmt.Errorf("blob: key version id is %d bytes, want %d", len(b.KeyVersionID), ids.VersionIDLen)
	}
	if len(b.IV) != spec.IVSize() {
		return nil, fmt.Errorf("blob: %s IV is %d bytes, want %d", b.Algorithm, len(b.IV), spec.IVSize())
	}
	pad, err := padNibble(spec, b.Padding)
	if err != nil {
		return nil, err
	}
	dst = append(dst, Magic, CipherVersion<<4|pad, id)
	dst = append(dst, b.KeyVersionID...)
	return append(dst, b.IV...), nil
}

// Parse decodes a blob strictly: wrong magic, unknown version, algorithm or
// padding, a malformed key version id, and a body too short or of the wrong
// shape for its mode are all rejected. Returned slices alias data.
func Parse(data []byte) (*Blob, error) {
	if len(data) > MaxLen {
		return nil, bad(MaxLen, "%d bytes, more than the %d allowed", len(data), MaxLen)
	}
	if len(data) < headerLen {
		return nil, bad(len(data), "truncated: %d bytes, a blob has at least %d", len(data), headerLen)
	}
	if data[0] != Magic {
		return nil, bad(0, "starts with 0x%02x, not '$' (0x24)", data[0])
	}
	if v := data[1] >> 4; v != CipherVersion {
		return nil, bad(1, "unknown cipher version %d", v)
	}
	name, ok := algorithmName(data[2])
	if !ok {
		return nil, bad(2, "unknown algorithm id 0x%02x", data[2])
	}
	spec, _ := modes.Lookup(name)
	b := &Blob{Algorithm: name}
	switch nib := data[1] & 0x0f; {
	case !spec.Padded() && nib == PadNone:
	case spec.Padded() && nib == PadPKCS7:
		b.Padding = modes.PKCS7
	case spec.Padded() && nib == PadNone2:
		b.Padding = modes.NoPad
	default:
		return nil, bad(1, "padding %d does not fit %s", nib, name)
	}
	kv := string(data[3:headerLen])
	if !ids.ValidVersionID(kv) {
		return nil, bad(3, "key version id %q is malformed", printable(kv))
	}
	b.KeyVersionID = kv
	rest := data[headerLen:]
	n := spec.IVSize()
	if len(rest) < n {
		return nil, bad(len(data), "truncated inside the %d-byte IV", n)
	}
	b.IV, b.Ciphertext = rest[:n:n], rest[n:]
	switch {
	case spec.Mode == modes.GCM && len(b.Ciphertext) < modes.TagSize:
		return nil, bad(len(data), "truncated: the %s ciphertext is %d bytes, shorter than its %d-byte tag", name, len(b.Ciphertext), modes.TagSize)
	case spec.Padded() && len(b.Ciphertext)%16 != 0:
		return nil, bad(headerLen+n, "the %s ciphertext is %d bytes, not a multiple of 16", name, len(b.Ciphertext))
	case spec.Padded() && b.Padding == modes.PKCS7 && len(b.Ciphertext) == 0:
		return nil, bad(len(data), "truncated: a padded %s ciphertext has at least one block", name)
	}
	return b, nil
}

// Field is one part of a blob, for inspection.
type Field struct {
	Name   string
	Offset int
	Length int
}

// Layout returns the parts of b as laid out by Marshal.
func (b *Blob) Layout() []Field {
	fs := []Field{{"Magic", 0, 1}, {"VersionAndPadding", 1, 1}, {"Algorithm", 2, 1}, {"KeyVersionId", 3, ids.VersionIDLen}}
	off := headerLen
	if len(b.IV) > 0 {
		fs = append(fs, Field{"Iv", off, len(b.IV)})
		off += len(b.IV)
	}
	spec, _ := modes.Lookup(b.Algorithm)
	ct := len(b.Ciphertext)
	if spec.Mode == modes.GCM {
		fs = append(fs, Field{"Ciphertext", off, ct - modes.TagSize}, Field{"Tag", off + ct - modes.TagSize, modes.TagSize})
	} else {
		fs = append(fs, Field{"Ciphertext", off, ct})
	}
	return fs
}

func printable(s string) string {
	out := []rune{}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}
