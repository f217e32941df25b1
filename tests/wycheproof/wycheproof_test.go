// Package wycheproof runs the Wycheproof AES-GCM and AES-CBC-PKCS5 vectors
// through the core's cipher layer (internal/modes). It lives in the tests module
// because the vectors make large test binaries.
package wycheproof

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"

	"github.com/c2sp/wycheproof"

	"github.com/pocketkms/pocketkms/internal/modes"
)

type vectorFile struct {
	TestGroups []struct {
		IvSize, KeySize, TagSize int
		Tests                    []struct {
			TcID                       int `json:"tcId"`
			Comment                    string
			Key, Iv, Aad, Msg, Ct, Tag string
			Result                     string
		}
	}
}

func load(t *testing.T, name string) vectorFile {
	raw, err := fs.ReadFile(wycheproof.TestVectors, name)
	if err != nil {
		t.Fatal(err)
	}
	var v vectorFile
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func unhex(t *testing.T, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// accelerators are the ways internal/modes runs AES: Go's own, and through the
// Accelerator interface the WebAssembly module uses for its host's AES
// (here Go's crypto behind it, as wasmhost serves it). The module itself
// runs these vectors too: TestModule.
var accelerators = []struct {
	name string
	a    modes.Accelerator
}{{"go", nil}, {"accelerator", modes.StdAES}}

func TestAESGCM(t *testing.T) {
	for _, a := range accelerators {
		t.Run(a.name, func(t *testing.T) {
			modes.UseAccelerator(a.a)
			defer modes.UseAccelerator(nil)
			testAESGCM(t)
		})
	}
}

func TestAESCBCPKCS5(t *testing.T) {
	for _, a := range accelerators {
		t.Run(a.name, func(t *testing.T) {
			modes.UseAccelerator(a.a)
			defer modes.UseAccelerator(nil)
			testAESCBCPKCS5(t)
		})
	}
}

func testAESGCM(t *testing.T) {
	spec, _ := modes.Lookup(modes.AES_GCM)
	ran := 0
	for _, g := range load(t, "aes_gcm_test.json").TestGroups {
		for _, tc := range g.Tests {
			t.Run(fmt.Sprintf("%d", tc.TcID), func(t *testing.T) {
				p := modes.Params{Key: unhex(t, tc.Key), IV: unhex(t, tc.Iv), Aad: unhex(t, tc.Aad)}
				msg, ct := unhex(t, tc.Msg), append(unhex(t, tc.Ct), unhex(t, tc.Tag)...)
				// The KMS API takes 12-byte IVs, 16-byte tags and AES keys only:
				// anything else must be refused, never processed.
				supported := g.IvSize == 96 && g.TagSize == 128 && (g.KeySize == 128 || g.KeySize == 192 || g.KeySize == 256)
				got, err := spec.Open(p, ct)
				if !supported {
					if err == nil && tc.Result == "invalid" {
						t.Fatalf("opened an invalid vector with unsupported sizes (%s)", tc.Comment)
					}
					if g.IvSize != 96 && err == nil {
						t.Fatalf("accepted a %d-bit IV", g.IvSize)
					}
					return
				}
				ran++
				check(t, spec, p, msg, ct, got, err, tc.Result, tc.Comment)
			})
		}
	}
	if ran < 50 {
		t.Fatalf("only %d vectors exercised", ran)
	}
}

func testAESCBCPKCS5(t *testing.T) {
	spec, _ := modes.Lookup(modes.AES_CBC)
	ran := 0
	for _, g := range load(t, "aes_cbc_pkcs5_test.json").TestGroups {
		for _, tc := range g.Tests {
			t.Run(fmt.Sprintf("%d", tc.TcID), func(t *testing.T) {
				p := modes.Params{Key: unhex(t, tc.Key), IV: unhex(t, tc.Iv)}
				msg, ct := unhex(t, tc.Msg), unhex(t, tc.Ct)
				got, err := spec.Open(p, ct)
				ran++
				check(t, spec, p, msg, ct, got, err, tc.Result, tc.Comment)
			})
		}
	}
	if ran < 50 {
		t.Fatalf("only %d vectors exercised", ran)
	}
}

// check holds a vector's verdict against what Open returned, and for valid
// vectors also that Seal reproduces the ciphertext.
func check(t *testing.T, spec modes.Spec, p modes.Params, msg, ct, got []byte, err error, result, comment string) {
	t.Helper()
	switch result {
	case "valid":
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("valid vector failed to open (%s): %v", comment, err)
		}
		sealed, err := spec.Seal(p, msg)
		if err != nil || !bytes.Equal(sealed, ct) {
			t.Fatalf("seal differs (%s): %v", comment, err)
		}
	case "invalid":
		if err == nil || got != nil {
			t.Fatalf("invalid vector opened (%s)", comment)
		}
	}
}
