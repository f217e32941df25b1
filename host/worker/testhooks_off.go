//go:build js && wasm && !pocketkms_testhooks

package main

import "github.com/pocketkms/pocketkms/internal/d1store"

// applyTestHooks does nothing in a Worker built for use (testhooks.go).
func applyTestHooks(*d1store.Store) {}
