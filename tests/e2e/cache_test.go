package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// TestCacheNeverStale: two servers on one data directory read through
// their caches (store.Cached) while `pocketkms` CLI processes change the
// keys, an alias and the ClientKeys. Every change is seen by the very next
// request of both servers, which keep agreeing with each other.
func TestCacheNeverStale(t *testing.T) {
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) { cacheNeverStale(t, engine) })
	}
}

func cacheNeverStale(t *testing.T, engine string) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	pw := writeFile(t, dir, "password.txt", password+"\n")
	ck := filepath.Join(dir, "clientKey.json")
	var created struct{ ClientKeyId string }
	cliJSON(t, &created, "clientkey", "create", "--data", data, "--out", ck, "--password-file", pw)
	var k1, k2 struct{ KeyMetadata struct{ KeyId string } }
	cliJSON(t, &k1, "key", "create", "--data", data, "--alias", "alias/cached")
	cliJSON(t, &k2, "key", "create", "--data", data)

	var clients []*dkms.Client
	for range 2 {
		s, err := kmstest.Start(bin, data, serveArgs(engine)...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Stop() })
		clients = append(clients, sdkClient(t, s, ck, password))
	}
	encrypt := func(c *dkms.Client) (*dkms.AdvanceEncryptResponse, error) {
		return c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/cached"), Plaintext: []byte("p")})
	}
	// warm runs a few requests on both servers, so that what the next
	// change touches is in their caches, and returns the last answers.
	warm := func() []*dkms.AdvanceEncryptResponse {
		t.Helper()
		out := make([]*dkms.AdvanceEncryptResponse, len(clients))
		for i, c := range clients {
			for range 3 {
				r, err := encrypt(c)
				if err != nil {
					t.Fatalf("server %d: %v", i, err)
				}
				out[i] = r
			}
		}
		return out
	}
	// next is the first request of each server after a change.
	next := func(check func(i int, r *dkms.AdvanceEncryptResponse, err error)) {
		t.Helper()
		for i, c := range clients {
			r, err := encrypt(c)
			check(i, r, err)
		}
	}
	wantError := func(status int, code string) func(int, *dkms.AdvanceEncryptResponse, error) {
		return func(i int, _ *dkms.AdvanceEncryptResponse, err error) {
			t.Helper()
			kmstest.WantSDKError(t, time.Now(), err, status, code)
		}
	}

	warm()
	cli(t, "key", "disable", "--data", data, k1.KeyMetadata.KeyId)
	next(wantError(409, "Rejected.Disabled"))
	cli(t, "key", "enable", "--data", data, k1.KeyMetadata.KeyId)
	before := warm()

	var rotated struct {
		KeyMetadata struct{ PrimaryKeyVersionId string }
	}
	cliJSON(t, &rotated, "key", "rotate", "--data", data, k1.KeyMetadata.KeyId)
	next(func(i int, r *dkms.AdvanceEncryptResponse, err error) {
		if err != nil || tea.StringValue(r.KeyVersionId) != rotated.KeyMetadata.PrimaryKeyVersionId ||
			tea.StringValue(r.KeyVersionId) == tea.StringValue(before[i].KeyVersionId) {
			t.Fatalf("server %d, first request after the rotation to %s: %v %v", i, rotated.KeyMetadata.PrimaryKeyVersionId, r, err)
		}
	})
	// What one server sealed under the new version the other opens.
	last := warm()
	for i, c := range clients {
		other := last[1-i]
		d, err := c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: other.CiphertextBlob})
		if err != nil || string(d.Plaintext) != "p" {
			t.Fatalf("server %d cannot open server %d's blob: %v", i, 1-i, err)
		}
	}

	cli(t, "alias", "update", "--data", data, "alias/cached", k2.KeyMetadata.KeyId)
	next(func(i int, r *dkms.AdvanceEncryptResponse, err error) {
		if err != nil || tea.StringValue(r.KeyId) != k2.KeyMetadata.KeyId {
			t.Fatalf("server %d, first request after the alias moved to %s: %v %v", i, k2.KeyMetadata.KeyId, r, err)
		}
	})
	warm()
	cli(t, "alias", "delete", "--data", data, "alias/cached")
	next(wantError(404, "Forbidden.KeyNotFound"))
	cli(t, "alias", "create", "--data", data, "alias/cached", k1.KeyMetadata.KeyId)
	warm()

	cli(t, "clientkey", "revoke", "--data", data, created.ClientKeyId)
	next(wantError(404, "Unauthorized"))
}
