package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestLayoutJSIsCurrent: the JS stores seal exactly what the Go stores
// seal. On failure run `go generate ./core/store`.
func TestLayoutJSIsCurrent(t *testing.T) {
	got, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(target)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, render()) {
		t.Fatalf("wasm/js/layout.js is stale: run go generate ./core/store")
	}
}
