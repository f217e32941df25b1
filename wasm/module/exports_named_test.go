package main

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
)

// TestNamedExportsCurrent: exports_named.go exports every data operation of
// the engine, and nothing else; a new one needs `go generate ./wasm/module`.
func TestNamedExportsCurrent(t *testing.T) {
	src, err := os.ReadFile("exports_named.go")
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, m := range regexp.MustCompile(`(?m)^//go:wasmexport (\w+)$`).FindAllSubmatch(src, -1) {
		got = append(got, string(m[1]))
	}
	for _, api := range kms.Operations() {
		if kms.IsDataOperation(api) {
			want = append(want, api)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("exports_named.go exports %v, the engine's data operations are %v: run go generate ./wasm/module", got, want)
	}
}
