package kms_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/require"
)

// counting is a Backend that counts the commits that carry writes.
type counting struct {
	store.Backend
	writes atomic.Int64
}

func (c *counting) Commit(reads map[string]int64, ws []store.Write) error {
	if len(ws) > 0 {
		c.writes.Add(1)
	}
	return c.Backend.Commit(reads, ws)
}

// snapshot is every record of m with its revision.
func snapshot(t *testing.T, m *store.Memory) map[string]int64 {
	t.Helper()
	names, err := m.List("")
	require.NoError(t, err)
	out := map[string]int64{}
	for _, n := range names {
		_, rev, err := m.Get(n)
		require.NoError(t, err)
		out[n] = rev
	}
	return out
}

// TestReadsOfADueKeyCommitNothing: every read of a key whose automatic
// rotation has fallen due reports the rotated key, writes nothing, and
// agrees with what the next encryption then stores.
func TestReadsOfADueKeyCommitNothing(t *testing.T) {
	f := newFixture(t)
	md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/due", KeyId: md.KeyId})
	adv := f.seal(md.KeyId, "advance")
	raw := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: md.KeyId, Plaintext: []byte("raw")})
	f.clock.Add(10 * 24 * time.Hour)

	cb := &counting{Backend: f.mem}
	e := kms.New(cb, kms.NewConfig().WithClock(f.clock.Now))
	before := snapshot(t, f.mem)
	reads := []struct {
		api string
		req pb.Message
	}{
		{"DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}},
		{"DescribeKey", &pb.KeyIdRequest{KeyId: "alias/due"}},
		{"ListKeys", &pb.ListKeysRequest{}},
		{"ListKeyVersions", &pb.KeyIdRequest{KeyId: md.KeyId}},
		{"DescribeKeyVersion", &pb.DescribeKeyVersionRequest{KeyId: md.KeyId, KeyVersionId: md.PrimaryKeyVersionId}},
		{"ListAliases", &pb.ListAliasesRequest{}},
		{"ListAliasesByKeyId", &pb.ListAliasesRequest{KeyId: md.KeyId}},
		{"AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: adv.CiphertextBlob}},
		{"AdvanceDecrypt", &pb.AdvanceDecryptRequest{KeyId: md.KeyId, CiphertextBlob: adv.CiphertextBlob}},
		{"Decrypt", &pb.DecryptRequest{KeyId: md.KeyId, CiphertextBlob: raw.CiphertextBlob, Iv: raw.Iv}},
		{"InspectBlob", &pb.InspectBlobRequest{CiphertextBlob: adv.CiphertextBlob}},
	}
	for _, r := range reads {
		_, err := e.Call(r.api, r.req)
		require.NoError(t, err, r.api)
	}
	require.Equal(t, int64(0), cb.writes.Load(), "commits with writes")
	require.Equal(t, before, snapshot(t, f.mem), "store unchanged")

	// What the reads report is what an encryption then stores.
	projected := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, int32(2), projected.VersionCount)
	require.True(t, projected.PrimaryKeyVersionId != md.PrimaryKeyVersionId, "a new primary is reported")
	require.Equal(t, "2026-12-06T12:00:00Z", projected.LastRotationDate, "dated when it fell due")
	require.Equal(t, "2026-12-13T12:00:00Z", projected.NextRotationDate)
	again := call[*pb.ListKeyVersionsResponse](f, "ListKeyVersions", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyVersions
	require.Equal(t, projected.PrimaryKeyVersionId, again[1].KeyVersionId, "every read reports the same version")
	d := call[*pb.KeyVersionResponse](f, "DescribeKeyVersion", &pb.DescribeKeyVersionRequest{KeyId: md.KeyId, KeyVersionId: projected.PrimaryKeyVersionId}).KeyVersion
	require.True(t, d.Primary, "the projected version is described as primary")

	// A version header naming the projected version finds nothing to open.
	_, _, err := f.e.CallMeta("Decrypt", &pb.DecryptRequest{KeyId: md.KeyId, CiphertextBlob: raw.CiphertextBlob, Iv: raw.Iv}, kms.Meta{KeyVersionID: projected.PrimaryKeyVersionId})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")

	n := f.seal(md.KeyId, "new")
	require.Equal(t, projected.PrimaryKeyVersionId, n.KeyVersionId, "the encryption commits the reported version")
	stored := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, projected, stored)
	require.Equal(t, "new", string(f.open(n.CiphertextBlob).Plaintext))
}

// TestOnlyTheNamedKeyRotates: an encryption with one due key stores that
// key's rotation and no other's.
func TestOnlyTheNamedKeyRotates(t *testing.T) {
	f := newFixture(t)
	a := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata
	b := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata
	f.clock.Add(8 * 24 * time.Hour)
	rawB, _, err := f.mem.Get("keys/" + b.KeyId)
	require.NoError(t, err)
	f.seal(a.KeyId, "x")
	call[*pb.ListKeysResponse](f, "ListKeys", &pb.ListKeysRequest{})
	nowB, _, err := f.mem.Get("keys/" + b.KeyId)
	require.NoError(t, err)
	require.Equal(t, string(rawB), string(nowB), "the other key's record")
}

// TestConcurrentListKeysNeverFailsOthers: ListKeys over many due keys,
// run alongside encryptions and key changes while rotations keep falling
// due, makes none of them fail and fails itself never.
func TestConcurrentListKeysNeverFailsOthers(t *testing.T) {
	f := newFixture(t)
	var keys []string
	for i := 0; i < 8; i++ {
		keys = append(keys, call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata.KeyId)
	}
	f.clock.Add(8 * 24 * time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	stop := make(chan struct{})
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := f.e.Call("ListKeys", &pb.ListKeysRequest{}); err != nil {
					errs <- err
					return
				}
				runtime.Gosched() // js/wasm and wasip1 never preempt a goroutine that does not block
			}
		}()
	}
	wg.Add(1)
	go func() { // a rotation falls due for every key, again and again
		defer wg.Done()
		for i := 0; i < 200; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
				f.clock.Add(8 * 24 * time.Hour)
			}
		}
	}()
	var work sync.WaitGroup
	for i, k := range keys {
		work.Add(1)
		go func() {
			defer work.Done()
			for j := 0; j < 100; j++ {
				api, req := "AdvanceEncrypt", pb.Message(&pb.AdvanceEncryptRequest{KeyId: k, Plaintext: []byte("x")})
				if j%4 == i%4 {
					api, req = "UpdateKeyDescription", &pb.UpdateKeyDescriptionRequest{KeyId: k, Description: "d"}
				}
				if _, err := f.e.Call(api, req); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	work.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestRotateDue: the background pass stores exactly the rotations reads
// report, one per due key, and leaves every other key alone.
func TestRotateDue(t *testing.T) {
	f := newFixture(t)
	due := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "7d"}).KeyMetadata
	later := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "30d"}).KeyMetadata
	off := f.createKey("")
	f.clock.Add(8 * 24 * time.Hour)
	projected := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: due.KeyId}).KeyMetadata
	before := snapshot(t, f.mem)

	n, err := f.e.RotateDue()
	require.NoError(t, err)
	require.Equal(t, 1, n)
	after := snapshot(t, f.mem)
	require.True(t, after["keys/"+due.KeyId] != before["keys/"+due.KeyId], "the due key was stored")
	for _, id := range []string{later.KeyId, off.KeyId} {
		require.Equal(t, before["keys/"+id], after["keys/"+id], "untouched", id)
	}
	require.Equal(t, projected, call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: due.KeyId}).KeyMetadata)
	require.Equal(t, projected.PrimaryKeyVersionId, f.seal(due.KeyId, "x").KeyVersionId)

	n, err = f.e.RotateDue()
	require.NoError(t, err)
	require.Equal(t, 0, n, "nothing is due twice")

	// A damaged record is skipped and reported; the others still rotate.
	putRaw(t, f.mem, "keys/key-damaged0000000000000", []byte("{"))
	f.clock.Add(30 * 24 * time.Hour)
	n, err = f.e.RotateDue()
	require.KMSError(t, err, 500, "InternalFailure")
	require.Equal(t, 2, n)
}
