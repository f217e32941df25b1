// Package ids makes and checks the identifiers the product uses: key ids
// (`key-` + 21 lower-case alphanumerics), key version ids (key id + `-` + 10
// alphanumerics, 36 in all), aliases (`alias/` + name, at most 255 in all)
// and request ids (lower-case UUIDs). Random ids come from the caller's
// cryptographic source so that tests can fix them and hosts cannot forget.
package ids

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

const (
	KeyIDLen      = 25
	VersionIDLen  = 36
	AliasPrefix   = "alias/"
	MaxAliasLen   = 255
	lowerAlnum    = "abcdefghijklmnopqrstuvwxyz0123456789"
	keyIDPrefix   = "key-"
	versionSuffix = 10
)

func randomString(r io.Reader, n int) (string, error) {
	// Rejection sampling keeps the 36 symbols uniform.
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("random source: %w", err)
		}
		for _, b := range buf {
			if b < 252 && len(out) < n { // 252 = 7*36
				out = append(out, lowerAlnum[b%36])
			}
		}
	}
	return string(out), nil
}

// NewKeyID returns a fresh key id.
func NewKeyID(r io.Reader) (string, error) {
	s, err := randomString(r, KeyIDLen-len(keyIDPrefix))
	return keyIDPrefix + s, err
}

// NewVersionID returns a fresh version id for keyID.
func NewVersionID(r io.Reader, keyID string) (string, error) {
	s, err := randomString(r, versionSuffix)
	return keyID + "-" + s, err
}

// NewRequestID returns a random lower-case UUID (version 4).
func NewRequestID(r io.Reader) string {
	var u [16]byte
	if _, err := io.ReadFull(r, u[:]); err != nil {
		return "00000000-0000-4000-8000-000000000000"
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func alnum(s string, upper bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || upper && c >= 'A' && c <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

// ValidKeyID reports whether s has the shape of a key id.
func ValidKeyID(s string) bool {
	return len(s) == KeyIDLen && strings.HasPrefix(s, keyIDPrefix) && alnum(s[len(keyIDPrefix):], false)
}

// ValidVersionID reports whether s has the shape of a key version id.
func ValidVersionID(s string) bool {
	return len(s) == VersionIDLen && ValidKeyID(s[:KeyIDLen]) && s[KeyIDLen] == '-' && alnum(s[KeyIDLen+1:], true)
}

// KeyIDOfVersion returns the key id a version id belongs to.
func KeyIDOfVersion(v string) string {
	if len(v) < KeyIDLen {
		return ""
	}
	return v[:KeyIDLen]
}

// IsAlias reports whether s names an alias rather than a key.
func IsAlias(s string) bool { return strings.HasPrefix(s, AliasPrefix) }

// CheckAlias validates an alias name and says what is wrong with it.
func CheckAlias(s string) error {
	if !IsAlias(s) {
		return fmt.Errorf("alias %q must start with %q", s, AliasPrefix)
	}
	name := s[len(AliasPrefix):]
	if name == "" || len(s) > MaxAliasLen {
		return fmt.Errorf("alias %q must be 1 to %d characters in all with a non-empty name", s, MaxAliasLen)
	}
	if strings.HasPrefix(name, "acs/") {
		return fmt.Errorf("alias %q: the prefix alias/acs/ is reserved", s)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_/-", c) >= 0) {
			return fmt.Errorf("alias %q: only letters, digits, '_', '-' and '/' are allowed", s)
		}
	}
	return nil
}
