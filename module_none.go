//go:build !pocketkms_embed

package pocketkms

import "embed"

var moduleFS embed.FS // empty: see ModuleTag
