package sqlstore

import (
	"maps"
	"slices"
	"strings"

	"github.com/pocketkms/pocketkms/core/store"
)

// The statements below are the whole storage protocol in SQL. The Store
// runs them in one BEGIN IMMEDIATE transaction; the Worker sends the same
// list as one D1 batch (atomic: a failing statement rolls back the batch).
// Keeping one plan for both means the conformance suite run here on SQLite
// also checks the SQL the Worker sends to D1.

// Stmt is one SQL statement and its positional arguments (string, int64 or
// []byte), the form of both database/sql and D1's prepare(sql).bind(...args).
type Stmt struct {
	SQL  string
	Args []any
}

// GetSQL reads one record: no row means absent (rev 0).
const GetSQL = `SELECT value, rev FROM records WHERE key = ?`

// VersionSQL reads the commit counter, which every writing commit bumps.
const VersionSQL = `SELECT last_rev FROM rev_counter WHERE id = 1`

const (
	listFromSQL    = `SELECT key FROM records WHERE key >= ? ORDER BY key`
	listBetweenSQL = `SELECT key FROM records WHERE key >= ? AND key < ? ORDER BY key`

	// guardSQL sets commit_guard.ok to whether key still has the rev that
	// was read; 0 violates the pocketkms_conflict CHECK and aborts.
	guardSQL = `UPDATE commit_guard SET ok = (COALESCE((SELECT rev FROM records WHERE key = ?), 0) = ?) WHERE id = 1`
	bumpSQL  = `UPDATE rev_counter SET last_rev = last_rev + 1 WHERE id = 1`
	putSQL   = `INSERT INTO records (key, value, rev) VALUES (?, ?, (SELECT last_rev FROM rev_counter WHERE id = 1)) ON CONFLICT (key) DO UPDATE SET value = excluded.value, rev = excluded.rev`
	delSQL   = `DELETE FROM records WHERE key = ?`
)

// ConflictConstraint is the constraint name in the error SQLite (and D1)
// report when a commit's read is stale.
const ConflictConstraint = "pocketkms_conflict"

// ListStmt lists the keys starting with prefix in byte order. It compares
// ranges, not LIKE, so "_" and "%" are literal and case matters.
func ListStmt(prefix string) Stmt {
	if end, ok := prefixEnd(prefix); ok {
		return Stmt{listBetweenSQL, []any{prefix, end}}
	}
	return Stmt{listFromSQL, []any{prefix}}
}

// prefixEnd is the smallest string greater than every string with prefix p,
// or false when there is none (p empty or all 0xff bytes). SQLite compares
// TEXT with memcmp (BINARY collation), the same order as Go strings.
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// CommitStmts is the plan for store.Backend.Commit: one guard per read
// (sorted by key, so the plan is deterministic), then, if anything is
// written, one rev_counter increment shared by every put of this commit,
// then the writes in order. Run it atomically and map an error for which
// IsConflict holds to store.ErrConflict.
func CommitStmts(reads map[string]int64, writes []store.Write) []Stmt {
	out := make([]Stmt, 0, len(reads)+len(writes)+1)
	for _, k := range slices.Sorted(maps.Keys(reads)) {
		out = append(out, Stmt{guardSQL, []any{k, reads[k]}})
	}
	if len(writes) > 0 {
		out = append(out, Stmt{bumpSQL, nil})
	}
	for _, w := range writes {
		if w.Value == nil {
			out = append(out, Stmt{delSQL, []any{w.Key}})
			continue
		}
		v := w.Value
		if len(v) == 0 {
			v = []byte{} // never bind nil: that is NULL
		}
		out = append(out, Stmt{putSQL, []any{w.Key, v}})
	}
	return out
}

// IsConflict reports whether err is the stale-read abort of a commit plan.
// It matches the constraint name, the one part of the message that SQLite
// and D1 both keep.
func IsConflict(err error) bool {
	return err != nil && strings.Contains(err.Error(), ConflictConstraint)
}
