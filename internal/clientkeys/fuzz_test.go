package clientkeys

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
)

// FuzzRecordFromClientKey feeds arbitrary ClientKey files and passwords:
// never a panic, and whatever is accepted yields a record that decodes, under
// the registry prefix, holding no private key.
func FuzzRecordFromClientKey(f *testing.F) {
	_, file, _, _, err := Create(rand.Reader, "fuzz-password", time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(file, "fuzz-password")
	f.Add(file, "wrong-password")
	if sdk, err := os.ReadFile(sdkTestKey); err == nil {
		f.Add(sdk, "1234")
	}
	f.Add([]byte(`{"KeyId":"KAAP.x","PrivateKeyData":"AAAA"}`), "12345678")
	f.Add([]byte(`not json`), "")
	f.Fuzz(func(t *testing.T, content []byte, password string) {
		key, value, err := RecordFromClientKey(content, password)
		if err != nil {
			return
		}
		rec, derr := Decode(value)
		if derr != nil || !strings.HasPrefix(key, store.ClientKeyPrefix) || key != store.ClientKeyPrefix+rec.ClientKeyId {
			t.Fatalf("accepted file gives a bad record: %q %v", key, derr)
		}
		if strings.Contains(string(value), "PRIVATE KEY") {
			t.Fatal("a private key reached the registry record")
		}
	})
}

// FuzzRecordFromCertificate: arbitrary ids and PEM text never panic.
func FuzzRecordFromCertificate(f *testing.F) {
	f.Add("KAAP.x", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, id, certPEM string) {
		key, value, err := RecordFromCertificate(id, certPEM)
		if err != nil {
			return
		}
		if _, derr := Decode(value); derr != nil || !strings.HasPrefix(key, store.ClientKeyPrefix) {
			t.Fatalf("accepted certificate gives a bad record: %q %v", key, derr)
		}
	})
}
