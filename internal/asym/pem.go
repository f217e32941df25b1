package asym

import (
	"encoding/pem"
	"errors"
	"strings"
)

// PEM types.
const (
	PEMPrivateKey = "PRIVATE KEY"
	PEMPublicKey  = "PUBLIC KEY"
)

// PEM encodes der as PEM text of type typ: 64-character lines and a
// trailing newline, as the product's GetPublicKey does.
func PEM(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ParsePrivateKey reads a PKCS#8 private key given as DER or as PEM text
// ("PRIVATE KEY"), as ImportKey, the seed and the CLI accept it.
func ParsePrivateKey(b []byte) (*Key, error) {
	if len(b) > 0 && b[0] == 0x30 {
		return ParsePKCS8(b)
	}
	block, rest := pem.Decode(b)
	if block == nil {
		return nil, errors.New("the private key is neither DER nor PEM")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("the PEM private key has trailing data")
	}
	switch block.Type {
	case PEMPrivateKey:
	case "RSA PRIVATE KEY", "EC PRIVATE KEY":
		return nil, errors.New("the PEM private key is " + block.Type + ": convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)")
	default:
		return nil, errors.New("the PEM block is " + block.Type + ", not PRIVATE KEY")
	}
	if len(block.Headers) != 0 {
		return nil, errors.New("the PEM private key is encrypted or has headers: give it unencrypted")
	}
	return ParsePKCS8(block.Bytes)
}
