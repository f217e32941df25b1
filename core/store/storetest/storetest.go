// Package storetest is the conformance suite every store.Backend must pass:
// the memory store, the sealing wrapper, SQLite, and any host store that
// wants the engine's optimistic concurrency to hold on top of it.
//
// The suite checks behaviour the engine relies on, not implementation
// details: rev 0 means absent, a record's rev changes on every write and is
// never reused after a delete, Commit applies all of its writes or none, and
// among racing read-modify-writes of one record exactly one wins.
package storetest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// Run runs the suite. open must return a fresh, empty Backend for each call;
// it is called once per subtest and should register its own cleanup.
func Run(t *testing.T, open func(t *testing.T) store.Backend) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

var cases = []struct {
	name string
	run  func(t *testing.T, b store.Backend)
}{
	{"AbsentIsRevZero", testAbsent},
	{"PutGet", testPutGet},
	{"EmptyValue", testEmptyValue},
	{"ValuesAreCopies", testCopies},
	{"RevChangesOnEveryWrite", testRevChanges},
	{"DeleteThenRecreateNewRev", testRecreate},
	{"DeleteAbsent", testDeleteAbsent},
	{"LaterWriteOfSameKeyWins", testSameKeyTwice},
	{"ConflictStaleRead", testStaleRead},
	{"ConflictReadAbsentThenCreated", testAbsentThenCreated},
	{"ConflictReadThenDeleted", testReadThenDeleted},
	{"ConflictReadOnlyCommit", testReadOnlyCommit},
	{"ConflictAppliesNoWrites", testAtomicity},
	{"FreshReadsCommit", testFreshReads},
	{"ListSortedPrefixExact", testList},
	{"LargeAndBinaryValues", testLarge},
	{"ConcurrentOneWinnerPerRound", testOneWinner},
	{"ConcurrentIncrementsNoLostUpdate", testIncrements},
	{"ConcurrentDisjointCreatesAllWin", testDisjoint},
}

// Helpers. They fail the test on backend errors so cases stay readable.

func get(t *testing.T, b store.Backend, key string) ([]byte, int64) {
	t.Helper()
	v, rev, err := b.Get(key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if rev < 0 {
		t.Fatalf("Get(%q): negative rev %d", key, rev)
	}
	if rev == 0 && v != nil {
		t.Fatalf("Get(%q): rev 0 (absent) but value %q", key, v)
	}
	return v, rev
}

func put(t *testing.T, b store.Backend, key string, value []byte) int64 {
	t.Helper()
	if err := b.Commit(nil, []store.Write{{Key: key, Value: value}}); err != nil {
		t.Fatalf("Commit(put %q): %v", key, err)
	}
	_, rev := get(t, b, key)
	if rev == 0 {
		t.Fatalf("after put %q: rev 0 (absent)", key)
	}
	return rev
}

func del(t *testing.T, b store.Backend, key string) {
	t.Helper()
	if err := b.Commit(nil, []store.Write{{Key: key}}); err != nil {
		t.Fatalf("Commit(delete %q): %v", key, err)
	}
}

func wantConflict(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Commit = %v, want store.ErrConflict", err)
	}
}

func wantValue(t *testing.T, b store.Backend, key string, want []byte) {
	t.Helper()
	v, rev := get(t, b, key)
	switch {
	case want == nil && rev != 0:
		t.Fatalf("%q: present (rev %d, %q), want absent", key, rev, v)
	case want != nil && rev == 0:
		t.Fatalf("%q: absent, want %q", key, want)
	case want != nil && !bytes.Equal(v, want):
		t.Fatalf("%q = %q, want %q", key, v, want)
	}
}

func testAbsent(t *testing.T, b store.Backend) {
	v, rev := get(t, b, "keys/missing")
	if v != nil || rev != 0 {
		t.Fatalf("absent key: (%q, %d), want (nil, 0)", v, rev)
	}
	keys, err := b.List("")
	if err != nil || len(keys) != 0 {
		t.Fatalf("List on empty store = %q, %v", keys, err)
	}
}

func testPutGet(t *testing.T, b store.Backend) {
	for _, key := range []string{"keys/key-a", "aliases/alias/a", "clientkeys/KAAP.1", "plain"} {
		val := []byte(`{"name":"` + key + `"}`)
		put(t, b, key, val)
		wantValue(t, b, key, val)
	}
}

func testEmptyValue(t *testing.T, b store.Backend) {
	for _, key := range []string{"keys/empty", "aliases/empty"} {
		rev := put(t, b, key, []byte{})
		v, got := get(t, b, key)
		if got != rev || len(v) != 0 {
			t.Fatalf("%q: (%q, %d), want empty value at rev %d", key, v, got, rev)
		}
	}
}

func testCopies(t *testing.T, b store.Backend) {
	in := []byte("original")
	put(t, b, "keys/copy", in)
	copy(in, "XXXXXXXX")
	wantValue(t, b, "keys/copy", []byte("original"))
	v, _ := get(t, b, "keys/copy")
	copy(v, "YYYYYYYY")
	wantValue(t, b, "keys/copy", []byte("original"))
}

func testRevChanges(t *testing.T, b store.Backend) {
	seen := map[int64]bool{}
	for i := range 5 {
		rev := put(t, b, "keys/r", []byte("same value")) // identical value on purpose
		if seen[rev] {
			t.Fatalf("write %d reused rev %d", i, rev)
		}
		seen[rev] = true
	}
	// A write to another record must not change this one's rev.
	_, before := get(t, b, "keys/r")
	put(t, b, "keys/other", []byte("x"))
	if _, after := get(t, b, "keys/r"); after != before {
		t.Fatalf("rev of untouched record changed: %d -> %d", before, after)
	}
}

func testRecreate(t *testing.T, b store.Backend) {
	r1 := put(t, b, "keys/re", []byte("v"))
	del(t, b, "keys/re")
	wantValue(t, b, "keys/re", nil)
	r2 := put(t, b, "keys/re", []byte("v"))
	if r1 == r2 {
		t.Fatalf("recreated record reused rev %d: a reader of the old record would not see the change", r1)
	}
	// The stale reader must lose.
	wantConflict(t, b.Commit(map[string]int64{"keys/re": r1}, []store.Write{{Key: "keys/re", Value: []byte("stale")}}))
	wantValue(t, b, "keys/re", []byte("v"))
}

func testDeleteAbsent(t *testing.T, b store.Backend) {
	del(t, b, "keys/never")
	wantValue(t, b, "keys/never", nil)
	if err := b.Commit(map[string]int64{"keys/never": 0}, []store.Write{{Key: "keys/never"}}); err != nil {
		t.Fatalf("delete of absent record read as absent: %v", err)
	}
}

func testSameKeyTwice(t *testing.T, b store.Backend) {
	err := b.Commit(nil, []store.Write{
		{Key: "keys/twice", Value: []byte("first")},
		{Key: "keys/twice", Value: []byte("second")},
		{Key: "aliases/gone", Value: []byte("x")},
		{Key: "aliases/gone"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "keys/twice", []byte("second"))
	wantValue(t, b, "aliases/gone", nil)
}

func testStaleRead(t *testing.T, b store.Backend) {
	r1 := put(t, b, "keys/s", []byte("v1"))
	r2 := put(t, b, "keys/s", []byte("v2"))
	wantConflict(t, b.Commit(map[string]int64{"keys/s": r1}, []store.Write{{Key: "keys/s", Value: []byte("lost")}}))
	wantValue(t, b, "keys/s", []byte("v2"))
	if err := b.Commit(map[string]int64{"keys/s": r2}, []store.Write{{Key: "keys/s", Value: []byte("v3")}}); err != nil {
		t.Fatalf("commit with the current rev: %v", err)
	}
	wantValue(t, b, "keys/s", []byte("v3"))
}

func testAbsentThenCreated(t *testing.T, b store.Backend) {
	// Two creators both saw the record absent; the second must lose.
	if err := b.Commit(map[string]int64{"aliases/alias/x": 0}, []store.Write{{Key: "aliases/alias/x", Value: []byte("first")}}); err != nil {
		t.Fatal(err)
	}
	wantConflict(t, b.Commit(map[string]int64{"aliases/alias/x": 0}, []store.Write{{Key: "aliases/alias/x", Value: []byte("second")}}))
	wantValue(t, b, "aliases/alias/x", []byte("first"))
}

func testReadThenDeleted(t *testing.T, b store.Backend) {
	r := put(t, b, "keys/d", []byte("v"))
	del(t, b, "keys/d")
	wantConflict(t, b.Commit(map[string]int64{"keys/d": r}, []store.Write{{Key: "keys/d", Value: []byte("resurrected")}}))
	wantValue(t, b, "keys/d", nil)
}

func testReadOnlyCommit(t *testing.T, b store.Backend) {
	r := put(t, b, "keys/ro", []byte("v"))
	if err := b.Commit(map[string]int64{"keys/ro": r, "keys/none": 0}, nil); err != nil {
		t.Fatalf("read-only commit with fresh reads: %v", err)
	}
	put(t, b, "keys/ro", []byte("v2"))
	wantConflict(t, b.Commit(map[string]int64{"keys/ro": r}, nil))
}

func testAtomicity(t *testing.T, b store.Backend) {
	ra := put(t, b, "keys/a", []byte("a1"))
	stale := put(t, b, "keys/b", []byte("b1"))
	rc := put(t, b, "aliases/c", []byte("c1"))
	put(t, b, "keys/b", []byte("b2")) // someone else's write
	// One stale read among several fresh ones: nothing may be applied,
	// neither puts, nor deletes, nor creates, whatever their order.
	err := b.Commit(
		map[string]int64{"keys/a": ra, "keys/b": stale, "aliases/c": rc, "keys/new": 0},
		[]store.Write{
			{Key: "keys/a", Value: []byte("a2")},
			{Key: "aliases/c"},
			{Key: "keys/new", Value: []byte("n")},
			{Key: "keys/b", Value: []byte("b3")},
		})
	wantConflict(t, err)
	wantValue(t, b, "keys/a", []byte("a1"))
	wantValue(t, b, "keys/b", []byte("b2"))
	wantValue(t, b, "aliases/c", []byte("c1"))
	wantValue(t, b, "keys/new", nil)
	if _, r := get(t, b, "keys/a"); r != ra {
		t.Fatalf("rev of keys/a moved %d -> %d in a failed commit", ra, r)
	}
}

func testFreshReads(t *testing.T, b store.Backend) {
	ra := put(t, b, "keys/a", []byte("a1"))
	rb := put(t, b, "keys/b", []byte("b1"))
	err := b.Commit(
		map[string]int64{"keys/a": ra, "keys/b": rb, "keys/c": 0},
		[]store.Write{{Key: "keys/a", Value: []byte("a2")}, {Key: "keys/b"}, {Key: "keys/c", Value: []byte("c1")}})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "keys/a", []byte("a2"))
	wantValue(t, b, "keys/b", nil)
	wantValue(t, b, "keys/c", []byte("c1"))
}

func testList(t *testing.T, b store.Backend) {
	all := []string{
		"keys/key-b", "keys/key-a", "keys/Key-C", "keys/", "keys", "keysx", "keys0", "KEYS/upper",
		"keys/é", "keys/z\x7f", "aliases/alias/one", "aliases/alias/two", "clientkeys/KAAP.1",
		"a_b", "axb", "a%b", "a%%",
	}
	var ws []store.Write
	for _, k := range all {
		ws = append(ws, store.Write{Key: k, Value: []byte("v:" + k)})
	}
	if err := b.Commit(nil, ws); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", sorted},
		{"keys/", []string{"keys/", "keys/Key-C", "keys/key-a", "keys/key-b", "keys/z\x7f", "keys/é"}},
		{"keys", []string{"keys", "keys/", "keys/Key-C", "keys/key-a", "keys/key-b", "keys/z\x7f", "keys/é", "keys0", "keysx"}},
		{"keys/key-", []string{"keys/key-a", "keys/key-b"}},
		{"keys/z\x7f", []string{"keys/z\x7f"}},
		{"aliases/", []string{"aliases/alias/one", "aliases/alias/two"}},
		{"KEYS/", []string{"KEYS/upper"}},
		{"a_", []string{"a_b"}},        // "_" is not a wildcard
		{"a%", []string{"a%%", "a%b"}}, // "%" is not a wildcard
		{"nothing/", nil},
		{"keys/key-a/", nil}, // longer than every match
	}
	for _, tc := range tests {
		got, err := b.List(tc.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tc.prefix, err)
		}
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
	}
	del(t, b, "keys/key-a")
	got, err := b.List("keys/key-")
	if err != nil || !slices.Equal(got, []string{"keys/key-b"}) {
		t.Errorf("List after delete = %q, %v", got, err)
	}
}

func testLarge(t *testing.T, b store.Backend) {
	big := make([]byte, 4<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	binary := []byte{0, 0xff, 0xfe, 0, '\n', 0x80, 0}
	put(t, b, "keys/big", big)
	put(t, b, "aliases/big", big)
	put(t, b, "keys/binary", binary)
	wantValue(t, b, "keys/big", big)
	wantValue(t, b, "aliases/big", big)
	wantValue(t, b, "keys/binary", binary)
}

// testOneWinner runs rounds of N goroutines that all read the same record,
// wait until every one has read it, then all try to write it back: exactly
// one commit per round may succeed.
func testOneWinner(t *testing.T, b store.Backend) {
	const n, rounds = 8, 15
	const key = "keys/contended"
	put(t, b, key, []byte("0"))
	for round := 1; round <= rounds; round++ {
		var read, done sync.WaitGroup
		read.Add(n)
		wins := make([]bool, n)
		errs := make([]error, n)
		for g := range n {
			done.Add(1)
			go func() {
				defer done.Done()
				v, rev, err := b.Get(key)
				read.Done()
				if err != nil {
					errs[g] = err
					return
				}
				read.Wait() // everyone holds the same rev now
				err = b.Commit(map[string]int64{key: rev}, []store.Write{
					{Key: key, Value: []byte(strconv.Itoa(atoi(v) + 1))},
					{Key: fmt.Sprintf("keys/winner-%d-%d", round, g), Value: []byte("won")},
				})
				switch {
				case err == nil:
					wins[g] = true
				case !errors.Is(err, store.ErrConflict):
					errs[g] = err
				}
			}()
		}
		done.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		var winners int
		for g, w := range wins {
			if w {
				winners++
			}
			// A loser's second write must not have landed either.
			v, _ := get(t, b, fmt.Sprintf("keys/winner-%d-%d", round, g))
			if (v != nil) != w {
				t.Fatalf("round %d goroutine %d: won=%v but its side write present=%v", round, g, w, v != nil)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d of %d racing commits won, want exactly 1", round, winners, n)
		}
		wantValue(t, b, key, []byte(strconv.Itoa(round)))
	}
}

// testIncrements has N goroutines each add 1 to a counter M times with a
// read-modify-write retry loop; any lost update shows in the total.
func testIncrements(t *testing.T, b store.Backend) {
	const n, m = 8, 20
	const key = "keys/counter"
	var wg sync.WaitGroup
	errs := make([]error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range m {
				for {
					v, rev, err := b.Get(key)
					if err != nil {
						errs[g] = err
						return
					}
					err = b.Commit(map[string]int64{key: rev}, []store.Write{{Key: key, Value: []byte(strconv.Itoa(atoi(v) + 1))}})
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) {
						errs[g] = err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, key, []byte(strconv.Itoa(n*m)))
}

// testDisjoint checks there are no false conflicts: creates of distinct
// records that each read only their own record all succeed.
func testDisjoint(t *testing.T, b store.Backend) {
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("keys/own-%02d", g)
			errs[g] = b.Commit(map[string]int64{key: 0}, []store.Write{{Key: key, Value: []byte(key)}})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("disjoint creates: %v", err)
	}
	keys, err := b.List("keys/own-")
	if err != nil || len(keys) != n {
		t.Fatalf("List = %d keys, %v; want %d", len(keys), err, n)
	}
}

// atoi reads a counter value; an absent record counts as 0.
func atoi(v []byte) int {
	n, _ := strconv.Atoi(string(v))
	return n
}
