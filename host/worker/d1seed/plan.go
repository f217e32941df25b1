//go:build !js && !wasip1

package main

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

// snapshot is a store.Backend over a copy of the D1 records table taken
// with `wrangler d1 execute --json`. Reads come from the copy; the one
// Commit that seed.Apply makes is not applied but turned into SQL: the
// same plan the Worker sends as a D1 batch (sqlstore.CommitStmts), whose
// guards check that every record the seed read still has the rev it had
// in the copy. So a D1 database changed between snapshot and upload makes
// the upload fail with pocketkms_conflict, changing nothing, and the seed
// is planned again.
type snapshot struct {
	records map[string]record
	plan    []sqlstore.Stmt // set by Commit
}

type record struct {
	value []byte
	rev   int64
}

var _ store.Backend = (*snapshot)(nil)

func (s *snapshot) Get(key string) ([]byte, int64, error) {
	r, ok := s.records[key]
	if !ok {
		return nil, 0, nil
	}
	return append([]byte{}, r.value...), r.rev, nil
}

func (s *snapshot) List(prefix string) ([]string, error) {
	var keys []string
	for k := range s.records {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}

func (s *snapshot) Commit(reads map[string]int64, writes []store.Write) error {
	if s.plan != nil {
		return fmt.Errorf("d1seed: a second commit in one seed run")
	}
	for k, rev := range reads {
		if s.records[k].rev != rev {
			return store.ErrConflict
		}
	}
	s.plan = sqlstore.CommitStmts(reads, writes)
	return nil
}

// renderSQL writes a plan as a SQL file for `wrangler d1 execute --file`,
// which runs it as one batch locally and as one import (all or nothing)
// remotely. Every value is a hex literal, so no input can break out of
// its quotes; text is CAST from hex so that it stays TEXT (a bare blob
// would never equal the TEXT keys the Worker queries with).
func renderSQL(plan []sqlstore.Stmt) (string, error) {
	var sb strings.Builder
	sb.WriteString("-- pocketkms seed plan (host/worker/d1seed): sealed values only, no plaintext key material.\n")
	for _, st := range plan {
		start := sb.Len()
		parts := strings.Split(st.SQL, "?")
		if len(parts) != len(st.Args)+1 {
			return "", fmt.Errorf("d1seed: statement has %d placeholders and %d arguments: %s", len(parts)-1, len(st.Args), st.SQL)
		}
		sb.WriteString(parts[0])
		for i, a := range st.Args {
			lit, err := literal(a)
			if err != nil {
				return "", err
			}
			sb.WriteString(lit)
			sb.WriteString(parts[i+1])
		}
		if n := sb.Len() - start; n > maxStatement {
			return "", fmt.Errorf("d1seed: the record %v makes a %d-byte SQL statement, over D1's %d-byte limit (values are hex, twice their size): split that key's versions over several seed runs", st.Args[0], n, maxStatement)
		}
		sb.WriteString(";\n")
	}
	return sb.String(), nil
}

// maxStatement is D1's limit on the length of one SQL statement.
const maxStatement = 100000

func literal(a any) (string, error) {
	switch a := a.(type) {
	case string:
		if !utf8.ValidString(a) || strings.ContainsRune(a, 0) {
			return "", fmt.Errorf("d1seed: record key %q is not NUL-free UTF-8", a)
		}
		return "CAST(X'" + hex.EncodeToString([]byte(a)) + "' AS TEXT)", nil
	case []byte:
		return "X'" + hex.EncodeToString(a) + "'", nil
	case int64:
		return strconv.FormatInt(a, 10), nil
	}
	return "", fmt.Errorf("d1seed: plan argument of type %T", a)
}
