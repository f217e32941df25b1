//go:build pocketkms_embed

package pocketkms

import "embed"

//go:embed build/pocketkms.wasm
var moduleFS embed.FS
