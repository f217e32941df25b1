package seed

import (
	"bytes"
	"context"
	"encoding/json"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// FuzzParse checks that Parse never panics, that it either returns a File
// or a *seed.Error, that a File it accepts survives a round trip, and that
// it applies to an empty store, idempotently.
// The corpus is testdata/*.json plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.json", data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse returned a %T: %v", err, err)
			}
			return
		}
		again, err := Parse("again.json", encode(t, file))
		if err != nil {
			t.Fatalf("a file Parse accepted does not parse again: %v", err)
		}
		if len(again.Keys) != len(file.Keys) || len(again.ClientKeys) != len(file.ClientKeys) {
			t.Fatal("round trip changed the number of entries")
		}
		for i := range file.Keys {
			if !pb.Equal(file.Keys[i], again.Keys[i]) {
				t.Fatalf("Keys[%d] changed in a round trip", i)
			}
		}
		if len(again.Secrets) != len(file.Secrets) {
			t.Fatal("round trip changed the number of secrets")
		}
		for i := range file.Secrets {
			if !pb.Equal(file.Secrets[i], again.Secrets[i]) {
				t.Fatalf("Secrets[%d] changed in a round trip", i)
			}
		}
		// A file Parse accepts applies to an empty store, and a second
		// apply writes nothing (unless a seeded rotation fell due), unless
		// a secret's EncryptionKeyId names a key the file does not hold.
		if !ownKeys(file) {
			return
		}
		m := store.NewMemory()
		if _, err := Apply(context.Background(), m, file, fakeRecord); err != nil {
			t.Fatalf("a file Parse accepted does not apply to an empty store: %v", err)
		}
		s, err := Apply(context.Background(), m, file, fakeRecord)
		if err != nil {
			t.Fatalf("second apply: %v", err)
		}
		rotates := false
		for _, k := range file.Keys {
			rotates = rotates || k.RotationInterval != ""
		}
		if s.Committed && !rotates {
			t.Fatalf("the second apply wrote: %+v", s)
		}
	})
}

// encode writes a File back as seed JSON.
func encode(t *testing.T, f *File) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"ClientKeys": [`)
	for i, e := range f.ClientKeys {
		if i > 0 {
			buf.WriteByte(',')
		}
		m := map[string]string{"KeyId": e.KeyId}
		if e.Certificate != "" {
			m["Certificate"] = e.Certificate
		} else {
			m["ClientKeyContent"], m["Password"] = e.ClientKeyContent, e.Password
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	buf.WriteString(`], "Keys": [`)
	for i, k := range f.Keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := pb.MarshalJSON(k)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	buf.WriteString(`], "Secrets": [`)
	for i, s := range f.Secrets {
		if i > 0 {
			buf.WriteByte(',')
		}
		e := map[string]any{"SecretName": s.SecretName, "SecretType": s.SecretType, "EncryptionKeyId": s.EncryptionKeyId,
			"Description": s.Description, "RotationInterval": s.RotationInterval}
		if s.ExtendedConfig != "" {
			e["ExtendedConfig"] = s.ExtendedConfig
		}
		var tags, versions []map[string]any
		for _, t := range s.Tags {
			tags = append(tags, map[string]any{"TagKey": t.TagKey, "TagValue": t.TagValue})
		}
		for _, v := range s.Versions {
			versions = append(versions, map[string]any{"VersionId": v.VersionId, "SecretData": v.SecretData,
				"SecretDataType": v.SecretDataType, "VersionStages": v.VersionStages})
		}
		e["Tags"], e["Versions"] = tags, versions
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
	}
	buf.WriteString(`]}`)
	return buf.Bytes()
}

// ownKeys reports whether every secret's EncryptionKeyId is a key or alias
// of the file itself.
func ownKeys(f *File) bool {
	names := map[string]bool{}
	for _, k := range f.Keys {
		names[k.KeyId] = k.KeyId != ""
		for _, a := range k.Aliases {
			names[a] = true
		}
	}
	for _, s := range f.Secrets {
		if s.EncryptionKeyId != "" && !names[s.EncryptionKeyId] {
			return false
		}
	}
	return true
}
