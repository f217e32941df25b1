package store

import "strings"

//go:generate go run ./internal/layoutgen

// The stored layout: every record-key prefix in a pocketkms store, defined
// here and nowhere else. Go code uses these constants; the JavaScript
// package gets the same table from wasm/js/layout.js, which `go generate
// ./core/store` writes from Prefixes (a test keeps it current).
// docs/storage.md describes each record.
const (
	KeyPrefix       = "keys/"       // engine: key records, with every version's material
	AliasPrefix     = "aliases/"    // engine: alias name -> key id
	DeletionPrefix  = "deletions/"  // engine: the date-ordered index of keys pending deletion
	ClientKeyPrefix = "clientkeys/" // hosts: ClientKey public halves
	AccessKeyPrefix = "accesskeys/" // hosts: classic OpenAPI AccessKey pairs, secrets included
	SecretPrefix    = "secrets/"    // engine: secret records, with every version's value
)

// Prefix is one entry of the layout.
type Prefix struct {
	Name string
	// Sealed: Sealed encrypts the values (they hold key material or
	// secrets), and every host must seal them at rest.
	Sealed bool
}

// Prefixes is the whole layout. A new kind of record gets one line here
// (and one constant above); sealing, the JS stores and the docs follow.
var Prefixes = []Prefix{
	{KeyPrefix, true},
	{AliasPrefix, false},
	{DeletionPrefix, false},
	{ClientKeyPrefix, false},
	{AccessKeyPrefix, true},
	{SecretPrefix, true},
}

// IsSealed reports whether the value of the record key is sealed at rest.
func IsSealed(key string) bool {
	for _, p := range Prefixes {
		if p.Sealed && strings.HasPrefix(key, p.Name) {
			return true
		}
	}
	return false
}
