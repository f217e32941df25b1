package kms_test

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
	"github.com/pocketkms/pocketkms/internal/require"
)

func (f *fixture) seal(keyID string, pt string) *pb.AdvanceEncryptResponse {
	f.t.Helper()
	return call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyID, Plaintext: []byte(pt)})
}

func (f *fixture) open(blob []byte) *pb.AdvanceDecryptResponse {
	f.t.Helper()
	return call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob})
}

func (f *fixture) versions(keyID string) []*pb.KeyVersion {
	f.t.Helper()
	return call[*pb.ListKeyVersionsResponse](f, "ListKeyVersions", &pb.KeyIdRequest{KeyId: keyID}).KeyVersions
}

// TestRotationKeepsEveryVersion: blobs made under every version still open
// after three rotations, each names its own version, Encrypt stays on the
// initial version.
func TestRotationKeepsEveryVersion(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	raw := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: md.KeyId, Plaintext: []byte("raw")})
	blobs := []*pb.AdvanceEncryptResponse{f.seal(md.KeyId, "v0")}
	for i := 1; i <= 3; i++ {
		f.clock.Add(time.Hour)
		r := call[*pb.KeyResponse](f, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
		require.Equal(t, int32(i+1), r.VersionCount)
		require.Equal(t, md.InitialKeyVersionId, r.InitialKeyVersionId)
		blobs = append(blobs, f.seal(md.KeyId, "v"+string(rune('0'+i))))
		require.Equal(t, r.PrimaryKeyVersionId, blobs[i].KeyVersionId)
		require.True(t, blobs[i].KeyVersionId != blobs[i-1].KeyVersionId, "version changed")
	}
	for i, b := range blobs {
		got := f.open(b.CiphertextBlob)
		require.Equal(t, "v"+string(rune('0'+i)), string(got.Plaintext))
		require.Equal(t, b.KeyVersionId, got.KeyVersionId)
	}
	vs := f.versions(md.KeyId)
	require.Equal(t, 4, len(vs))
	require.True(t, vs[0].Initial && !vs[0].Primary && vs[3].Primary, "initial and primary flags")
	// Encrypt after rotation still uses (and Decrypt still opens with) the initial version.
	enc := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: md.KeyId, Plaintext: []byte("raw2")})
	for _, c := range []*pb.EncryptResponse{raw, enc} {
		d := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{KeyId: md.KeyId, CiphertextBlob: c.CiphertextBlob, Iv: c.Iv})
		require.Equal(t, md.InitialKeyVersionId, d.KeyVersionId)
	}
}

func TestAutomaticRotation(t *testing.T) {
	f := newFixture(t)
	md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata
	require.Equal(t, "Enabled", md.AutomaticRotation)
	require.Equal(t, "2026-12-06T12:00:00Z", md.NextRotationDate)
	old := f.seal(md.KeyId, "old")

	f.clock.Add(7*24*time.Hour - time.Second)
	require.Equal(t, old.KeyVersionId, f.seal(md.KeyId, "x").KeyVersionId, "not due yet")

	f.clock.Add(30 * 24 * time.Hour) // several intervals: rotates once
	n := f.seal(md.KeyId, "new")
	require.True(t, n.KeyVersionId != old.KeyVersionId, "rotated at next use")
	require.Equal(t, 2, len(f.versions(md.KeyId)))
	require.Equal(t, "old", string(f.open(old.CiphertextBlob).Plaintext))
	require.Equal(t, n.KeyVersionId, f.seal(md.KeyId, "again").KeyVersionId, "once per due date")

	// Suspended while disabled: no rotation, and DescribeKey says so.
	call[*pb.KeyResponse](f, "DisableKey", &pb.KeyIdRequest{KeyId: md.KeyId})
	f.clock.Add(8 * 24 * time.Hour)
	d := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, "Suspended", d.AutomaticRotation)
	require.Equal(t, int32(2), d.VersionCount)
	call[*pb.KeyResponse](f, "EnableKey", &pb.KeyIdRequest{KeyId: md.KeyId})
	require.Equal(t, int32(3), call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata.VersionCount)

	// Turned off: no more rotations.
	call[*pb.KeyResponse](f, "UpdateRotationPolicy", &pb.UpdateRotationPolicyRequest{KeyId: md.KeyId})
	f.clock.Add(100 * 24 * time.Hour)
	require.Equal(t, 3, len(f.versions(md.KeyId)))
}

func TestRotationInterval(t *testing.T) {
	for _, ok := range []string{"7d", "730d", "168h", "604800s", "10080m", "30d"} {
		_, err := kms.ParseRotationInterval(ok)
		require.NoError(t, err, ok)
	}
	for _, bad := range []string{"", "6d", "731d", "7", "d", "7w", "-7d", "1.5d", "167h", "99999999999999999999d"} {
		_, err := kms.ParseRotationInterval(bad)
		require.KMSError(t, err, 400, "InvalidParameter", bad)
	}
}

func TestAliases(t *testing.T) {
	f := newFixture(t)
	a, b := f.createKey(""), f.createKey("")
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/app", KeyId: a.KeyId})
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/app2", KeyId: a.KeyId})
	r := f.seal("alias/app", "x")
	require.Equal(t, a.KeyId, r.KeyId, "responses name the real key id")

	_, err := f.e.Call("CreateAlias", &pb.AliasRequest{AliasName: "alias/app", KeyId: b.KeyId})
	require.KMSError(t, err, 409, "Forbidden.ResourceAlreadyExists")
	_, err = f.e.Call("CreateAlias", &pb.AliasRequest{AliasName: "alias/x", KeyId: "alias/app"})
	require.KMSError(t, err, 400, "InvalidParameter")

	call[*pb.AliasResponse](f, "UpdateAlias", &pb.AliasRequest{AliasName: "alias/app", KeyId: b.KeyId})
	require.Equal(t, b.KeyId, f.seal("alias/app", "y").KeyId, "rebound")
	require.Equal(t, "x", string(f.open(r.CiphertextBlob).Plaintext), "old blob still opens")

	byA := call[*pb.ListAliasesResponse](f, "ListAliasesByKeyId", &pb.ListAliasesRequest{KeyId: a.KeyId}).Aliases
	require.Equal(t, 1, len(byA))
	require.Equal(t, "alias/app2", byA[0].AliasName)
	all := call[*pb.ListAliasesResponse](f, "ListAliases", &pb.ListAliasesRequest{}).Aliases
	require.Equal(t, 2, len(all))
	md := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: "alias/app"}).KeyMetadata
	require.Equal(t, b.KeyId, md.KeyId)
	require.Equal(t, []string{"alias/app"}, md.Aliases)

	call[*pb.EmptyResponse](f, "DeleteAlias", &pb.AliasRequest{AliasName: "alias/app"})
	_, err = f.e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: []byte("z")})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")
	_, err = f.e.Call("UpdateAlias", &pb.AliasRequest{AliasName: "alias/nope", KeyId: a.KeyId})
	require.KMSError(t, err, 404, "Forbidden.AliasNotFound")
	_, err = f.e.Call("DeleteAlias", &pb.AliasRequest{AliasName: "alias/nope"})
	require.KMSError(t, err, 404, "Forbidden.AliasNotFound")
}

func TestStatesRefuseWith409(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	blob := f.seal(md.KeyId, "x").CiphertextBlob
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/doomed", KeyId: md.KeyId})

	call[*pb.KeyResponse](f, "DisableKey", &pb.KeyIdRequest{KeyId: md.KeyId})
	for _, c := range dataCalls(md.KeyId, blob) {
		_, err := f.e.Call(c.api, c.req)
		require.KMSError(t, err, 409, "Rejected.Disabled", c.api)
	}
	call[*pb.KeyResponse](f, "EnableKey", &pb.KeyIdRequest{KeyId: md.KeyId})
	f.open(blob)

	_, err := f.e.Call("ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 6})
	require.KMSError(t, err, 400, "InvalidParameter")
	d := call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 7}).KeyMetadata
	require.Equal(t, "PendingDeletion", d.KeyState)
	require.Equal(t, "2026-12-06T12:00:00Z", d.DeleteDate)
	for _, c := range dataCalls(md.KeyId, blob) {
		_, err := f.e.Call(c.api, c.req)
		require.KMSError(t, err, 409, "Rejected.PendingDeletion", c.api)
	}
	_, err = f.e.Call("EnableKey", &pb.KeyIdRequest{KeyId: md.KeyId})
	require.KMSError(t, err, 409, "Rejected.PendingDeletion")
	call[*pb.KeyResponse](f, "CancelKeyDeletion", &pb.KeyIdRequest{KeyId: md.KeyId})
	f.open(blob)
	_, err = f.e.Call("CancelKeyDeletion", &pb.KeyIdRequest{KeyId: md.KeyId})
	require.KMSError(t, err, 409, "Rejected.Enabled")

	// Past its deletion date the key is gone, its material purged at the next write.
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 30})
	f.clock.Add(30 * 24 * time.Hour)
	_, err = f.e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")
	require.Equal(t, 0, len(call[*pb.ListKeysResponse](f, "ListKeys", &pb.ListKeysRequest{}).Keys))
	other := f.createKey("")
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/doomed", KeyId: other.KeyId})
	snap := storetest.Snapshot(t, f.mem)
	_, present := snap["keys/"+md.KeyId]
	require.True(t, !present, "purged")
}

func dataCalls(keyID string, blob []byte) []struct {
	api string
	req pb.Message
} {
	return []struct {
		api string
		req pb.Message
	}{
		{"AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyID, Plaintext: []byte("x")}},
		{"Encrypt", &pb.EncryptRequest{KeyId: keyID, Plaintext: []byte("x")}},
		{"AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob}},
		{"GenerateDataKey", &pb.GenerateDataKeyRequest{KeyId: keyID}},
		{"AdvanceGenerateDataKey", &pb.AdvanceGenerateDataKeyRequest{KeyId: keyID}},
		{"CreateKeyVersion", &pb.KeyIdRequest{KeyId: keyID}},
	}
}

func TestAsymmetricKeys(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ spec, usage string }{{"RSA_2048", "ENCRYPT/DECRYPT"}, {"RSA_2048", "SIGN/VERIFY"}, {"EC_P256", "SIGN/VERIFY"}, {"EC_SM2", "ENCRYPT/DECRYPT"}} {
		md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{KeySpec: c.spec, KeyUsage: c.usage, Description: "asym"}).KeyMetadata
		require.Equal(t, c.usage, md.KeyUsage)
		require.Equal(t, "asym", md.Description)
		_, err := f.e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: md.KeyId, Plaintext: []byte("x")})
		ke := require.KMSError(t, err, 404, "Forbidden.OnlySymmetricKeySupported")
		require.Equal(t, "The key "+md.KeyId+" is not a symmetric key. The API only supports symmetric keys.", ke.Message)
		// New versions come from CreateKeyVersion only (spec §10.4).
		v := call[*pb.KeyResponse](f, "CreateKeyVersion", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
		require.Equal(t, int32(2), v.VersionCount)
		_, err = f.e.Call("UpdateRotationPolicy", &pb.UpdateRotationPolicyRequest{KeyId: md.KeyId, EnableAutomaticRotation: true, RotationInterval: "30d"})
		require.KMSError(t, err, 400, "UnsupportedOperation")
	}
	_, err := f.e.Call("CreateKey", &pb.CreateKeyRequest{KeySpec: "EC_P256", KeyUsage: "ENCRYPT/DECRYPT"})
	require.KMSError(t, err, 400, "InvalidParameter")
}

// flaky is a backend whose first commits lose a race.
type flaky struct {
	store.Backend
	failures atomic.Int32
}

func (f *flaky) Commit(r map[string]int64, w []store.Write) error {
	if f.failures.Add(-1) >= 0 {
		return store.ErrConflict
	}
	return f.Backend.Commit(r, w)
}

type broken struct{ store.Backend }

func (broken) Commit(map[string]int64, []store.Write) error { return errors.New("disk full") }

func TestTransactions(t *testing.T) {
	// A failed operation writes nothing.
	f := newFixture(t)
	md := f.createKey("")
	before := storetest.Snapshot(t, f.mem)
	_, err := f.e.Call("ImportKey", &pb.ImportKeyRequest{Aliases: []string{"alias/ok", "alias/bad name"}})
	require.KMSError(t, err, 400, "InvalidParameter")
	_, err = f.e.Call("CreateKeyVersion", &pb.KeyIdRequest{KeyId: "key-doesnotexist000000000"})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")
	require.Equal(t, before, storetest.Snapshot(t, f.mem))

	// A lost race is retried until it commits.
	fl := &flaky{Backend: f.mem}
	fl.failures.Store(3)
	e := kms.New(fl, kms.NewConfig())
	_, err = e.Call("CreateKeyVersion", &pb.KeyIdRequest{KeyId: md.KeyId})
	require.NoError(t, err)
	require.Equal(t, 2, len(f.versions(md.KeyId)))
	// ... but not forever.
	fl.failures.Store(1000)
	_, err = e.Call("CreateKeyVersion", &pb.KeyIdRequest{KeyId: md.KeyId})
	require.KMSError(t, err, 503, "ServiceUnavailableTemporary")

	// A store failure is an InternalFailure, never a success.
	_, err = kms.New(broken{f.mem}, kms.NewConfig()).Call("CreateKey", &pb.CreateKeyRequest{})
	require.KMSError(t, err, 500, "InternalFailure")
}

// TestRotationOnceUnderConcurrency: many callers see a rotation fall due at
// the same moment; exactly one new version is made, and every caller seals
// with it.
func TestRotationOnceUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata
	for round := 1; round <= 3; round++ {
		f.clock.Add(8 * 24 * time.Hour)
		const n = 16
		got := make(chan string, n)
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			go func() {
				r, err := f.e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: md.KeyId, Plaintext: []byte("x")})
				if err != nil {
					errs <- err
					return
				}
				got <- r.(*pb.AdvanceEncryptResponse).KeyVersionId
			}()
		}
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			select {
			case err := <-errs:
				t.Fatal(err)
			case v := <-got:
				seen[v] = true
			}
		}
		require.Equal(t, round+1, len(f.versions(md.KeyId)), "one new version per due date, round", round)
		require.Equal(t, 1, len(seen), "every caller used the new primary")
	}
}

// TestRotationPolicyTurnedOnLater: the interval counts from when the policy
// is turned on, and turning it on is not reported as a rotation.
func TestRotationPolicyTurnedOnLater(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	f.clock.Add(100 * 24 * time.Hour)
	r := call[*pb.KeyResponse](f, "UpdateRotationPolicy", &pb.UpdateRotationPolicyRequest{KeyId: md.KeyId, EnableAutomaticRotation: true, RotationInterval: "30d"}).KeyMetadata
	require.Equal(t, "", r.LastRotationDate, "no rotation happened")
	require.Equal(t, "2027-04-08T12:00:00Z", r.NextRotationDate)
	require.Equal(t, int32(1), r.VersionCount, "not due at once")
	f.clock.Add(30 * 24 * time.Hour)
	r = call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, int32(2), r.VersionCount)
	require.Equal(t, "2027-04-08T12:00:00Z", r.LastRotationDate)
}

// FuzzParseRotationInterval: never a panic; whatever is accepted is within
// the product's 7d to 730d.
func FuzzParseRotationInterval(f *testing.F) {
	for _, s := range []string{"7d", "730d", "168h", "604800s", "10080m", "6d", "x", "", "99999999999999999999d", "-7d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := kms.ParseRotationInterval(s)
		if err != nil {
			return
		}
		if d < 7*24*time.Hour || d > 730*24*time.Hour {
			t.Fatalf("%q accepted as %v", s, d)
		}
	})
}
