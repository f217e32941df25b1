package asym

import (
	"bytes"
	"encoding/base64"
	"errors"
)

// PEM is written and read here rather than with encoding/pem, which costs the
// WebAssembly module far more than these two functions (RATIONALE.md, "What
// stays out of the module"). Only what keys need: one block, no headers.

// PEM types.
const (
	PEMPrivateKey = "PRIVATE KEY"
	PEMPublicKey  = "PUBLIC KEY"
)

// PEM encodes der as PEM text of type typ: 64-character lines and a
// trailing newline, as the product's GetPublicKey does (and as
// encoding/pem's EncodeToMemory does for a block without headers).
func PEM(typ string, der []byte) []byte {
	body := base64.StdEncoding.EncodeToString(der)
	out := make([]byte, 0, len(body)+len(body)/64+2*len(typ)+32)
	out = append(out, "-----BEGIN "+typ+"-----\n"...)
	for len(body) > 64 {
		out = append(out, body[:64]...)
		out = append(out, '\n')
		body = body[64:]
	}
	if len(body) > 0 {
		out = append(out, body...)
		out = append(out, '\n')
	}
	return append(out, "-----END "+typ+"-----\n"...)
}

var (
	pemBegin = []byte("-----BEGIN ")
	pemEnd   = []byte("-----END ")
	pemDash  = []byte("-----")
)

// decodePEM reads the first PEM block of b, skipping text before it as
// openssl does; only whitespace may follow it. Headers (encrypted keys) are
// refused rather than ignored.
func decodePEM(b []byte) (typ string, der []byte, err error) {
	start := 0
	for {
		i := bytes.Index(b[start:], pemBegin)
		if i < 0 {
			return "", nil, errors.New("the private key is neither DER nor PEM")
		}
		if start+i == 0 || b[start+i-1] == '\n' {
			start += i
			break
		}
		start += i + len(pemBegin)
	}
	line, rest := pemLine(b[start+len(pemBegin):])
	if !bytes.HasSuffix(line, pemDash) || len(line) == len(pemDash) {
		return "", nil, errors.New("the PEM BEGIN line is malformed")
	}
	typ = string(line[:len(line)-len(pemDash)])
	end := append(append(append([]byte("\n"), pemEnd...), typ...), pemDash...)
	body, after, ok := bytes.Cut(append([]byte("\n"), rest...), end)
	if !ok {
		return "", nil, errors.New("the PEM block has no END line of type " + typ)
	}
	if endLine, rest := pemLine(after); len(endLine) != 0 || len(bytes.TrimSpace(rest)) != 0 {
		return "", nil, errors.New("the PEM private key has trailing data")
	}
	if bytes.IndexByte(body, ':') >= 0 {
		return "", nil, errors.New("the PEM private key is encrypted or has headers: give it unencrypted")
	}
	clean := make([]byte, 0, len(body))
	for _, c := range body {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			clean = append(clean, c)
		}
	}
	der = make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
	n, err := base64.StdEncoding.Strict().Decode(der, clean)
	if err != nil {
		return "", nil, errors.New("the PEM block is not valid base64")
	}
	return typ, der[:n], nil
}

// pemLine splits b after its first line, without the line's end (LF or
// CRLF) and trailing spaces and tabs, as encoding/pem reads lines.
func pemLine(b []byte) (line, rest []byte) {
	line, rest, found := bytes.Cut(b, []byte("\n"))
	if found {
		line = bytes.TrimSuffix(line, []byte("\r"))
	}
	return bytes.TrimRight(line, " \t"), rest
}

// ParsePrivateKey reads a PKCS#8 private key given as DER or as PEM text
// ("PRIVATE KEY"), as ImportKey, the seed and the CLI accept it.
func ParsePrivateKey(b []byte) (*Key, error) {
	if len(b) > 0 && b[0] == 0x30 {
		return ParsePKCS8(b)
	}
	typ, der, err := decodePEM(b)
	if err != nil {
		return nil, err
	}
	switch typ {
	case PEMPrivateKey:
	case "RSA PRIVATE KEY", "EC PRIVATE KEY":
		return nil, errors.New("the PEM private key is " + typ + ": convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)")
	default:
		return nil, errors.New("the PEM block is " + typ + ", not PRIVATE KEY")
	}
	return ParsePKCS8(der)
}
