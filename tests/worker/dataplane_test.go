package worker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// TestDataPlane runs the data-plane suite every host answers
// (kmstest.RunDataPlane: every data operation through the official SDK,
// aliases, rotation, data keys, the wire errors, parallel clients) against
// the local Worker, over plain HTTP (the deployed Worker is HTTPS with
// Cloudflare's certificate: Protocol "https", no CA).
func TestDataPlane(t *testing.T) {
	kmstest.RunDataPlane(t, target(w))
}

// target is the Worker process wp as the SDK sees it.
func target(wp *workerProcess) *kmstest.Target {
	return &kmstest.Target{Name: "worker", Protocol: "http", Endpoint: wp.addr,
		ClientKeyFile: ckFile, Password: ckPassword, Rotate: rotate, PutSecret: putSecret, DisableKey: disableKey,
		DeleteSecret: func(t *testing.T, name string) {
			manage(t, "secrets/"+name, "DeleteSecret", &pb.DeleteSecretRequest{SecretName: name, RecoveryWindowInDays: 7})
		}}
}

// TestSecrets: secrets through the instance SDK, the Secrets Manager client
// and the transfer SDK (kmstest.RunSecrets), seeded into D1 by the seed
// file (kmstest.SeedSecrets).
func TestSecrets(t *testing.T) {
	kmstest.RunSecrets(t, *target(w))
}

// rotate does what `pocketkms key rotate` does on a server's data
// directory, for the Worker, which serves no management API.
func rotate(t *testing.T, keyID string) {
	t.Helper()
	manage(t, "keys/"+keyID, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: keyID})
}

// putSecret and disableKey are RunSecrets' hooks, done the same way.
func putSecret(t *testing.T, name, versionID, value string) {
	t.Helper()
	manage(t, "secrets/"+name, "PutSecretValue", &pb.PutSecretValueRequest{SecretName: name, VersionId: versionID, SecretData: value})
}

func disableKey(t *testing.T, alias string) {
	t.Helper()
	recs := d1Records(t)
	id := string(recs["aliases/"+alias])
	var a struct{ KeyId string }
	if err := json.Unmarshal([]byte(id), &a); err != nil || a.KeyId == "" {
		t.Fatalf("alias record %s: %q", alias, id)
	}
	manage(t, "keys/"+a.KeyId, "DisableKey", &pb.KeyIdRequest{KeyId: a.KeyId})
}

// manage runs a management operation as the server's CLI would: the native
// engine runs it over the one sealed D1 record rk it changes (opened with
// the Worker's root key), and the new sealed record goes back into D1
// through wrangler with a new rev, guarded by the old value, so a request
// that read the old record meanwhile conflicts and retries.
func manage(t *testing.T, rk, api string, req pb.Message) {
	t.Helper()
	old, ok := d1Records(t)[rk]
	if !ok {
		t.Fatalf("no %s in D1", rk)
	}
	mem := store.NewMemory()
	if err := mem.Commit(nil, []store.Write{{Key: rk, Value: old}}); err != nil {
		t.Fatal(err)
	}
	sealed, err := store.Sealed(mem, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kms.New(sealed, kms.NewConfig()).Call(api, req); err != nil {
		t.Fatalf("%s over the D1 record: %v", api, err)
	}
	v, _, err := mem.Get(rk)
	if err != nil || bytes.Equal(v, old) {
		t.Fatalf("the record did not change: %v", err)
	}
	sql := fmt.Sprintf("UPDATE rev_counter SET last_rev = last_rev + 1 WHERE id = 1; "+
		"UPDATE records SET value = X'%x', rev = (SELECT last_rev FROM rev_counter WHERE id = 1) WHERE key = '%s' AND value = X'%x'", v, rk, old)
	// The running workerd may hold the local D1 file (the Secrets Manager
	// client keeps polling it): SQLite then refuses with SQLITE_BUSY. Trying
	// again is safe: the record's UPDATE only applies over the old value, and
	// an extra rev_counter step is only a revision skipped.
	var out string
	for try := 0; try < 3; try++ {
		out, err = runRepo("npx", "wrangler", "d1", "execute", "DB", "--local", "-c", "host/worker/wrangler.toml",
			"--persist-to", persist, "--command", sql)
		if err == nil || !d1Busy([]byte(out)) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("d1 execute: %v\n%s", err, out)
	}
	if got := d1Records(t)[rk]; !bytes.Equal(got, v) {
		t.Fatalf("%s changed under the rotation; not written", rk)
	}
}

// rawClient signs requests by hand for the shared Worker.
func rawClient(t testing.TB) *kmstest.Raw { return target(w).Raw(t) }

// do sends req and fails t on a transport error.
func do(t testing.TB, r *kmstest.Raw, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	st, h, b, err := r.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return st, h, b
}

// call runs api with a protobuf request and decodes the answer into resp,
// or returns the protobuf Error as a *kmserr.Error.
func call(t testing.TB, r *kmstest.Raw, api string, req, resp pb.Message) error {
	t.Helper()
	pe, err := r.Call(api, req, resp)
	if err != nil {
		t.Fatal(err)
	}
	if pe != nil {
		return &kmserr.Error{Status: int(pe.StatusCode), Code: pe.ErrorCode, Message: pe.ErrorMessage}
	}
	return nil
}
