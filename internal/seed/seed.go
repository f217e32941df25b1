// Package seed reads and applies pocketkms seed files: JSON documents, in
// the product's PascalCase naming, that list the keys and ClientKeys a store
// must hold before it serves (docs/seed.md). `pocketkms serve --seed FILE`
// and the Worker's `npm run worker:seed -- FILE` both go through Load and
// Apply, so a file means the same thing to every host.
//
// Load is strict: an unknown or misspelled field, a value of the wrong shape
// or a duplicate id is an error that names the entry and the field, e.g.
//
//	seed file dev.json: Keys[2].Versions[0].KeyMaterial: is 31 bytes, Aliyun_AES_256 needs 32
//
// Apply is idempotent (applying a file twice changes nothing the second time)
// and atomic (a file that fails half-way changes nothing at all).
package seed

import (
	"fmt"
	"io"
	"os"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// File is a parsed and validated seed file.
type File struct {
	// Name is the file name that errors are reported against.
	Name string
	// ClientKeys are the ClientKeys to register, in file order.
	ClientKeys []ClientKeyEntry
	// AccessKeys are the classic OpenAPI's AccessKey pairs, in file order.
	AccessKeys []AccessKeyEntry
	// Keys are the keys to import, in file order. Each is exactly the
	// engine's ImportKey request.
	Keys []*pb.ImportKeyRequest
	// Secrets are the secrets to import, in file order; each is exactly
	// the engine's ImportSecret request.
	Secrets []*pb.ImportSecretRequest
}

// ClientKeyEntry is one ClientKeys entry: either a certificate (public part
// only; the preferred form) or a whole ClientKey file with its password.
type ClientKeyEntry struct {
	// KeyId is the ClientKey id. After Load it is always set: for a
	// ClientKeyContent entry it is taken from the content when not given.
	KeyId string
	// Certificate is the ClientKey's certificate in PEM.
	Certificate string
	// ClientKeyContent is the text of a ClientKey JSON file
	// ({"KeyId": ..., "PrivateKeyData": "<base64 PKCS#12>"}).
	ClientKeyContent string
	// Password opens ClientKeyContent's PKCS#12.
	Password string
}

// String describes the entry without its password or private key data, so
// that printing an entry by mistake leaks nothing.
func (e ClientKeyEntry) String() string {
	if e.Certificate != "" {
		return fmt.Sprintf("ClientKey %s (certificate)", e.KeyId)
	}
	return fmt.Sprintf("ClientKey %s (ClientKey file)", e.KeyId)
}

// GoString is String, for %#v.
func (e ClientKeyEntry) GoString() string { return e.String() }

// Error is a problem with a seed file. Field locates it inside the file,
// e.g. "Keys[2].Versions[0].KeyMaterial"; it is empty when the problem is
// with the file as a whole. Messages never quote key material or passwords.
type Error struct {
	File  string
	Field string
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("seed file %s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("seed file %s: %s: %s", e.File, e.Field, e.Msg)
}

// MaxSize bounds a seed file. Real files are a few kilobytes; the bound
// keeps a wrong path (a disk image, /dev/zero) from exhausting memory.
const MaxSize = 16 << 20

// Load reads and validates the seed file at path.
func Load(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	if len(data) > MaxSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("is larger than %d bytes", MaxSize)}
	}
	return Parse(path, data)
}
