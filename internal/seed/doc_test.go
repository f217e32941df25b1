package seed

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// The example in docs/seed.md is a valid seed file (with its shortened
// certificate replaced by a whole one) and applies.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/seed.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Example\n\n```json\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no example in docs/seed.md")
	}
	good, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	cert := strings.ReplaceAll(good.ClientKeys[0].Certificate, "\n", `\n`)
	example := regexp.MustCompile(`-----BEGIN CERTIFICATE-----[^"]*`).ReplaceAllLiteralString(string(m[1]), cert)
	f, err := Parse("docs/seed.md", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Apply(context.Background(), store.NewMemory(), f, fakeRecord)
	if err != nil || len(s.Imported) != 2 || len(s.ClientKeysAdded) != 1 {
		t.Fatalf("%+v %v", s, err)
	}
}
