package kms_test

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
	"github.com/pocketkms/pocketkms/internal/require"
)

// countingBackend counts the key records read, to see what purge touches.
type countingBackend struct {
	store.Backend
	mu       sync.Mutex
	keyReads int
}

func (b *countingBackend) Get(key string) ([]byte, int64, error) {
	if strings.HasPrefix(key, "keys/") {
		b.mu.Lock()
		b.keyReads++
		b.mu.Unlock()
	}
	return b.Backend.Get(key)
}

func (b *countingBackend) reads() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.keyReads
	b.keyReads = 0
	return n
}

// Creating a key purges the keys past their deletion date by way of the
// deletion index: it reads the due keys, not every key record.
func TestPurgeReadsOnlyDueKeys(t *testing.T) {
	f := newFixture(t)
	counting := &countingBackend{Backend: f.mem}
	f.e = kms.New(counting, kms.NewConfig().WithClock(f.clock.Now))
	var doomed, later *pb.KeyMetadata
	for i := 0; i < 40; i++ {
		md := f.createKey("")
		switch i {
		case 3:
			doomed = md
		case 7:
			later = md
		}
	}
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/doomed", KeyId: doomed.KeyId})
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: doomed.KeyId, PendingWindowInDays: 7})
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: later.KeyId, PendingWindowInDays: 30})
	f.clock.Add(8 * 24 * time.Hour)

	counting.reads()
	f.createKey("")
	// The doomed key, and the new id checked for a collision: not the other 40.
	require.True(t, counting.reads() <= 2, "CreateKey read more key records than the due one")
	snap := storetest.Snapshot(t, f.mem)
	_, present := snap["keys/"+doomed.KeyId]
	require.True(t, !present, "the due key is purged")
	_, present = snap["aliases/alias/doomed"]
	require.True(t, !present, "its alias too")
	_, present = snap["keys/"+later.KeyId]
	require.True(t, present, "a key due later stays")
	require.Equal(t, []string{later.KeyId}, deletionIndex(snap))

	// Cancelling takes the key out of the index; nothing is left to purge.
	call[*pb.KeyResponse](f, "CancelKeyDeletion", &pb.KeyIdRequest{KeyId: later.KeyId})
	require.Equal(t, 0, len(deletionIndex(storetest.Snapshot(t, f.mem))))
	f.clock.Add(60 * 24 * time.Hour)
	f.createKey("")
	_, present = storetest.Snapshot(t, f.mem)["keys/"+later.KeyId]
	require.True(t, present, "a cancelled deletion never purges")
}

// An index entry whose key was rescheduled or is missing is dropped, and
// never takes a key with it.
func TestPurgeDropsStaleIndexEntries(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 7})
	// Hand-made entries: one for a key that does not exist, one for md at
	// an earlier date than its real one.
	tx := store.Begin(f.mem)
	tx.Put("deletions/0000000000000000001/key-doesnotexist000000000", []byte("x"))
	tx.Put("deletions/0000000000000000002/"+md.KeyId, []byte("x"))
	require.NoError(t, tx.Commit())

	f.createKey("")
	snap := storetest.Snapshot(t, f.mem)
	_, present := snap["keys/"+md.KeyId]
	require.True(t, present, "a key not yet due survives a stale entry")
	require.Equal(t, []string{md.KeyId}, deletionIndex(snap))
}

// deletionIndex lists the key ids in the deletion index, in its order.
func deletionIndex(snap map[string]string) []string {
	var names []string
	for k := range snap {
		if strings.HasPrefix(k, "deletions/") {
			names = append(names, k)
		}
	}
	var ids []string
	sort.Strings(names)
	for _, n := range names {
		ids = append(ids, n[strings.LastIndexByte(n, '/')+1:])
	}
	return ids
}

// A key is purged from the instant its deletion date passes, not a moment
// before, whatever fraction of a second the date has.
func TestPurgeAtTheDeletionDate(t *testing.T) {
	f := newFixture(t)
	f.clock.Add(500 * time.Millisecond)
	first, second := f.createKey(""), f.createKey("")
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: first.KeyId, PendingWindowInDays: 7})
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: second.KeyId, PendingWindowInDays: 8})
	present := func(id string) bool {
		_, ok := storetest.Snapshot(t, f.mem)["keys/"+id]
		return ok
	}
	f.clock.Add(7*24*time.Hour - time.Nanosecond)
	f.createKey("")
	require.True(t, present(first.KeyId), "purged a nanosecond early")
	f.clock.Add(time.Nanosecond)
	f.createKey("")
	require.True(t, !present(first.KeyId), "not purged at its deletion date")
	require.True(t, present(second.KeyId), "purged a key due a day later")
	require.Equal(t, []string{second.KeyId}, deletionIndex(storetest.Snapshot(t, f.mem)))
}
