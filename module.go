package pocketkms

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"sync"
)

// ModulePath is where the WebAssembly module lives in the repository after
// `bash wasm/build.sh`, and the path the playground loads it from.
const ModulePath = "build/pocketkms.wasm"

// ModuleTag is the build tag that embeds the module in this package (and so
// in `pocketkms serve`): `go build -tags pocketkms_embed`, after building the
// module. A build without it carries no module.
//
// RATIONALE: the module is a build output and is never committed, so a
// plain `go build` or `go install` cannot embed it; a tag, rather than a
// generated file, keeps every untagged build working and makes the full one
// fail loudly ("pattern build/pocketkms.wasm: no matching files found") when
// the module was not built first.
const ModuleTag = "pocketkms_embed"

// Module returns the WebAssembly module this binary carries, or nil when it
// was built without ModuleTag.
func Module() []byte {
	b, err := fs.ReadFile(moduleFS, ModulePath)
	if err != nil {
		return nil
	}
	return b
}

// ModuleFS is the module as a file system holding ModulePath alone (empty
// without ModuleTag), for a web root that layers it over Assets.
func ModuleFS() fs.FS { return moduleFS }

// ModuleSHA256 is the hex SHA-256 of Module, "" without one: what
// `pocketkms version` prints.
var ModuleSHA256 = sync.OnceValue(func() string {
	b := Module()
	if b == nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
})
