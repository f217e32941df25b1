package seed

import (
	"context"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/accesskeys"
)

const akSeed = `{"AccessKeys": [{"AccessKeyId": "LTAIseedexample000001", "AccessKeySecret": "seed-secret-0123456789abcdef"}]}`

func TestApplyAccessKeys(t *testing.T) {
	raw := store.NewMemory()
	sealed, err := store.Sealed(raw, seq(7, 32))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("ak.json", []byte(akSeed))
	if err != nil {
		t.Fatal(err)
	}
	if s := f.AccessKeys[0].String() + f.AccessKeys[0].GoString(); strings.Contains(s, "seed-secret") {
		t.Fatal("an entry prints its secret")
	}
	s, err := Apply(context.Background(), sealed, f, nil)
	if err != nil || len(s.AccessKeysAdded) != 1 {
		t.Fatalf("%+v %v", s, err)
	}
	if v, _, _ := raw.Get(store.AccessKeyPrefix + "LTAIseedexample000001"); v == nil || strings.Contains(string(v), "seed-secret") {
		t.Fatal("the secret is not sealed at rest")
	}
	rec, err := accesskeys.Lookup(sealed, "LTAIseedexample000001")
	if err != nil || rec.AccessKeySecret != "seed-secret-0123456789abcdef" || rec.Source != "seed" {
		t.Fatalf("lookup %v %v", rec, err)
	}
	if s, err = Apply(context.Background(), sealed, f, nil); err != nil || s.Committed || len(s.AccessKeysExisting) != 1 {
		t.Fatalf("second apply: %+v %v", s, err)
	}
	other, _ := Parse("ak.json", []byte(strings.Replace(akSeed, "seed-secret", "diff-secret", 1)))
	if _, err := Apply(context.Background(), sealed, other, nil); err == nil || strings.Contains(err.Error(), "diff-secret") {
		t.Fatalf("another secret for a registered id: %v", err)
	}
}

func TestParseAccessKeysRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"short secret":  `{"AccessKeys": [{"AccessKeyId": "LTAIx0000", "AccessKeySecret": "short"}]}`,
		"bad id":        `{"AccessKeys": [{"AccessKeyId": "a b", "AccessKeySecret": "0123456789abcdefgh"}]}`,
		"unknown field": `{"AccessKeys": [{"AccessKeyId": "LTAIx0000", "Secret": "0123456789abcdefgh"}]}`,
		"not a string":  `{"AccessKeys": [{"AccessKeyId": "LTAIx0000", "AccessKeySecret": 5}]}`,
		"duplicate": `{"AccessKeys": [{"AccessKeyId": "LTAIx0000", "AccessKeySecret": "0123456789abcdefgh"},
			{"AccessKeyId": "LTAIx0000", "AccessKeySecret": "0123456789abcdefgi"}]}`,
	} {
		_, err := Parse("x.json", []byte(doc))
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "0123456789abcdefg") {
			t.Errorf("%s: the error quotes the secret: %v", name, err)
		}
	}
}
