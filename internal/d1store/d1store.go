//go:build js && wasm

// Package d1store is the Worker's store.Backend: the records table of
// internal/sqlstore's schema in a Cloudflare D1 database, reached from Go
// through the D1 binding's own JavaScript API (prepare, bind, raw, batch),
// with internal/sqlstore's statements.
//
// Why not syumai/workers' database/sql D1 driver: it has no transactions
// (D1 has no interactive ones; BeginTx is an error), so Commit could not
// use it anyway; each of its queries leaves a js.Func callback behind (the
// unused half of a then/catch pair), which adds up in the Worker's pooled
// Go runtimes; and database/sql adds to the gzip bundle, whose margin under
// the free plan's 3 MB limit is small (README). Reads here are three short
// functions over the same binding.
//
// Commit sends sqlstore.CommitStmts, the plan the SQLite server runs inside
// BEGIN IMMEDIATE, as one D1 batch() call.
//
// How atomic Commit is. D1 runs a batch as one SQL transaction, on the
// single primary that owns the database, one batch or query at a time: a
// failing statement rolls the whole batch back. The plan starts with one
// guard per record the operation read, which writes "is the rev still the
// one I read" into commit_guard.ok; a stale read makes that 0, violates the
// pocketkms_conflict CHECK, and aborts the batch before any write. So the
// check and the writes are one atomic compare-and-swap across every isolate
// and every colo: when a rotation falls due and many isolates see it at
// once, each builds its own new version, exactly one batch commits, the
// others get ErrConflict, and the engine re-runs them on the rotated key
// (which is no longer due), so the key gains one version, not many.
// What is not atomic: a read and the batch that follows it (optimistic by
// design: the guard catches any write in between), and D1 read replicas,
// which this package never uses (no Sessions API), so reads see the primary.
package d1store

import (
	"context"
	"errors"
	"fmt"
	"syscall/js"

	"github.com/syumai/workers/cloudflare"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

// Store is a store.Backend over one D1 binding. It holds no cache: every
// Get reads the database, so a change made by another isolate, the seed or
// `wrangler d1 execute` is seen at the next read.
type Store struct {
	raw js.Value // the D1Database binding

	// beforeCommit runs before each commit batch is sent. Only a build with
	// the pocketkms_testhooks tag sets it (testhooks.go): nil otherwise.
	beforeCommit func()
}

var _ store.Backend = (*Store)(nil)

// Open returns the store on the D1 binding named binding (wrangler.toml's
// d1_databases.binding). It fails when the binding is missing or when the
// schema has not been migrated (`wrangler d1 migrations apply`), so a
// misconfigured Worker says so instead of answering "key not found".
func Open(ctx context.Context, binding string) (*Store, error) {
	raw := cloudflare.GetBinding(binding)
	if raw.IsUndefined() || raw.IsNull() {
		return nil, fmt.Errorf("d1store: the Worker has no D1 binding %q (wrangler.toml [[d1_databases]])", binding)
	}
	s := &Store{raw: raw}
	ms, err := sqlstore.Migrations()
	if err != nil {
		return nil, err
	}
	v, err := s.schemaVersion()
	if err != nil {
		return nil, fmt.Errorf("d1store: reading the schema version of %s: %w", binding, err)
	}
	if v != len(ms) {
		return nil, fmt.Errorf("d1store: D1 database %s has schema version %d, this Worker needs %d: run `wrangler d1 migrations apply` (see host/worker/README.md)", binding, v, len(ms))
	}
	return s, nil
}

// schemaVersion is sqlstore.SchemaVersion's two queries, for a database
// reached without database/sql: 0 when schema_migrations does not exist.
func (s *Store) schemaVersion() (int, error) {
	rows, err := s.query(sqlstore.Stmt{SQL: `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`})
	if err != nil || rows.Index(0).Index(0).Int() == 0 {
		return 0, err
	}
	rows, err = s.query(sqlstore.Stmt{SQL: `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`})
	if err != nil {
		return 0, err
	}
	return rows.Index(0).Index(0).Int(), nil
}

// query runs one statement and returns its rows as D1's raw() gives them:
// an array of arrays of column values.
func (s *Store) query(st sqlstore.Stmt) (js.Value, error) {
	args, err := jsArgs(st.Args)
	if err != nil {
		return js.Value{}, err
	}
	return await(s.raw.Call("prepare", st.SQL).Call("bind", args...).Call("raw"))
}

// Get returns a record's value and rev, or (nil, 0, nil) when absent.
func (s *Store) Get(key string) ([]byte, int64, error) {
	rows, err := s.query(sqlstore.Stmt{SQL: sqlstore.GetSQL, Args: []any{key}})
	if err != nil {
		return nil, 0, fmt.Errorf("d1store: get %s: %w", key, err)
	}
	if rows.Length() == 0 {
		return nil, 0, nil
	}
	row := rows.Index(0)
	// D1 gives a BLOB as an ArrayBuffer (or, in older runtimes, an array of
	// numbers); new Uint8Array takes either.
	u := js.Global().Get("Uint8Array").New(row.Index(0))
	v := make([]byte, u.Length())
	js.CopyBytesToGo(v, u)
	return v, int64(row.Index(1).Float()), nil
}

// List returns the keys starting with prefix, sorted.
func (s *Store) List(prefix string) ([]string, error) {
	rows, err := s.query(sqlstore.ListStmt(prefix))
	if err != nil {
		return nil, fmt.Errorf("d1store: list %s: %w", prefix, err)
	}
	keys := make([]string, rows.Length())
	for i := range keys {
		keys[i] = rows.Index(i).Index(0).String()
	}
	return keys, nil
}

// Commit sends the commit plan as one D1 batch (see the package comment for
// why that is atomic); a stale read comes back as store.ErrConflict.
func (s *Store) Commit(reads map[string]int64, writes []store.Write) error {
	plan := sqlstore.CommitStmts(reads, writes)
	if len(plan) == 0 {
		return nil
	}
	stmts := make([]any, len(plan))
	for i, st := range plan {
		args, err := jsArgs(st.Args)
		if err != nil {
			return err
		}
		stmts[i] = s.raw.Call("prepare", st.SQL).Call("bind", args...)
	}
	if s.beforeCommit != nil {
		s.beforeCommit()
	}
	_, err := await(s.raw.Call("batch", js.ValueOf(stmts)))
	if sqlstore.IsConflict(err) {
		return store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("d1store: commit: %w", err)
	}
	return nil
}

// jsArgs converts plan arguments for D1's bind(): strings and int64 as they
// are, bytes as a Uint8Array (a BLOB).
func jsArgs(in []any) ([]any, error) {
	out := make([]any, len(in))
	for i, a := range in {
		switch a := a.(type) {
		case []byte:
			u := js.Global().Get("Uint8Array").New(len(a))
			js.CopyBytesToJS(u, a)
			out[i] = u
		case string, int64:
			out[i] = a
		default:
			return nil, fmt.Errorf("d1store: plan argument of type %T", a)
		}
	}
	return out, nil
}

// await blocks the calling goroutine until p settles; the Go runtime keeps
// serving other goroutines (and JS keeps its event loop) meanwhile.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var onOK, onErr js.Func
	onOK = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	onErr = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "unknown error"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
			// D1 puts the SQLite message in the cause.
			if c := args[0].Get("cause"); c.Type() == js.TypeObject {
				msg += ": " + c.Call("toString").String()
			}
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	r := <-ch
	return r.v, r.err
}
