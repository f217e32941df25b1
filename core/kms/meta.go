package kms

import (
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// Meta is what travels beside a message rather than in it: on the instance
// API, HTTP headers. The SDK's messages have no field for the key version, so
// the migration clients carry it in x-kms-migrationkeyversionid both ways
// (spec asymmetric-and-secrets.md §8, §10.4).
type Meta struct {
	// KeyVersionID, on a request, selects the key version to use; on a
	// response, it names the version that was used ("" when none was).
	KeyVersionID string
}

// HeaderKeyVersionID is the header that carries Meta.KeyVersionID.
const HeaderKeyVersionID = "x-kms-migrationkeyversionid"

// pick returns the version the request names in m, else def. A name that
// is not a version of k is 404 Forbidden.KeyNotFound (spec §10.4).
func pick(k *keyRecord, m Meta, def *versionRecord) (*versionRecord, error) {
	if m.KeyVersionID == "" {
		return def, nil
	}
	// A projected version has no material and no ciphertext can name it:
	// reads treat it as absent.
	if v := k.version(m.KeyVersionID); v != nil && !(k.pending && v == k.primary()) {
		return v, nil
	}
	return nil, kmserr.New(404, kmserr.CodeKeyNotFound, "The key version %s is not a version of the key %s.", m.KeyVersionID, k.KeyId)
}

// keyOfVersion is the key a request names by its version header alone.
func keyOfVersion(m Meta) string { return ids.KeyIDOfVersion(m.KeyVersionID) }
