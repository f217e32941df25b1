//go:build !wasm

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketkms/pocketkms"
)

// module is where `serve` takes the WebAssembly module from: a file (path
// set) or the copy this binary carries (path "").
type module struct {
	path     string
	explicit bool // named by --wasm
}

// findModule picks the module: --wasm FILE if given, else the embedded one,
// else build/pocketkms.wasm in the working directory (a checkout where
// `bash wasm/build.sh` ran and the binary was built without the tag).
func findModule(flagPath string) module {
	switch {
	case flagPath != "":
		return module{path: flagPath, explicit: true}
	case pocketkms.Module() != nil:
		return module{}
	}
	return module{path: filepath.FromSlash(pocketkms.ModulePath)}
}

var errNoModule = errors.New("this binary carries no module (built without -tags " + pocketkms.ModuleTag +
	") and there is no " + pocketkms.ModulePath + " here: use `make bin`, or give --wasm FILE")

func (m module) read() ([]byte, error) {
	if m.path == "" {
		return pocketkms.Module(), nil
	}
	b, err := os.ReadFile(m.path)
	if err != nil && !m.explicit && errors.Is(err, os.ErrNotExist) {
		return nil, errNoModule
	}
	return b, err
}

// describeModule is `pocketkms version`'s line about the module.
func describeModule() string {
	if b := pocketkms.Module(); b != nil {
		return fmt.Sprintf("module: embedded, %d bytes, sha256 %s", len(b), pocketkms.ModuleSHA256())
	}
	b, err := os.ReadFile(filepath.FromSlash(pocketkms.ModulePath))
	if err != nil {
		return "module: none embedded (built without -tags " + pocketkms.ModuleTag + "); serve needs --wasm FILE for --engine wasm and the playground"
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("module: none embedded; serve would read %s, %d bytes, sha256 %s", pocketkms.ModulePath, len(b), hex.EncodeToString(sum[:]))
}
