//go:build !wasm

// (Not for GOARCH=wasm: modernc.org/sqlite does not build there. The Worker
// imports this package for its SQL plan and migrations only: statements.go
// and migrate.go, which need no SQLite driver.)

// Package sqlstore is the server's store.Backend: one SQLite file through
// database/sql and the pure-Go driver modernc.org/sqlite, no cgo.
//
// Durability and concurrency choices (docs/storage.md):
//   - WAL journal with synchronous=FULL: a commit that returned is on disk
//     (the WAL is fsynced at every commit), and readers never block the
//     writer or each other.
//   - Every Commit is one BEGIN IMMEDIATE transaction running the plan of
//     CommitStmts: the write lock is taken before the revs are checked, so
//     the check and the writes are atomic across processes (the CLI and the
//     server may hold the same file) as well as goroutines.
//   - busy_timeout makes a second process wait for the lock instead of
//     failing; inside one process a mutex queues writers so they do not
//     sleep in SQLite's busy handler.
//
// Values are stored as given: wrap the Store in store.Sealed so key
// material is encrypted before it reaches the file.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/pocketkms/pocketkms/core/store"
)

// BusyTimeoutMillis is how long a commit waits for another process's
// write lock before failing.
const BusyTimeoutMillis = 10000

// Store is a store.Backend over one SQLite file, safe for concurrent use.
type Store struct {
	db      *sql.DB
	get     *sql.Stmt  // prepared once per connection: Get is the hot path
	version *sql.Stmt  // the commit counter, where there is no mapped header
	pinned  *sql.Conn  // held open so the -shm file, and shm's mapping of it, stay valid
	shm     *shmHeader // unmapped: Version asks SQL
	writeMu sync.Mutex
}

var _ store.Backend = (*Store)(nil)

// Open opens or creates the SQLite database at path and brings its schema
// up to date. A new file is created with mode 0600 (SQLite gives its -wal
// and -shm files the same mode).
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlstore: bad database path %q (empty, or contains '?')", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %w", err)
	}
	if f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("sqlstore: creating %s: %w", abs, err)
	}
	dsn := fmt.Sprintf("%s?_busy_timeout=%d&_journal_mode=WAL&_synchronous=FULL&_txlock=immediate", abs, BusyTimeoutMillis)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: opening %s: %w", abs, err)
	}
	// database/sql keeps two idle connections by default: under concurrent
	// requests it would open (and run the PRAGMAs on, and prepare the
	// statements on) a new connection for nearly every query. A fixed pool
	// keeps every connection, and its prepared statements, alive.
	n := max(8, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db}
	if err := s.check(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: %s: %w", abs, err)
	}
	if err := Migrate(context.Background(), db); err != nil {
		db.Close()
		return nil, err
	}
	if s.get, err = db.Prepare(GetSQL); err == nil {
		s.version, err = db.Prepare(VersionSQL)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: %s: %w", abs, err)
	}
	if err := s.watch(abs); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: %s: %w", abs, err)
	}
	return s, nil
}

// watch pins one connection, reads through it so that SQLite has mapped
// the wal-index, and maps its header for Version.
func (s *Store) watch(abs string) error {
	ctx := context.Background()
	c, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	s.pinned = c
	var v int64
	if err := c.QueryRowContext(ctx, VersionSQL).Scan(&v); err != nil {
		return err
	}
	s.shm, _ = openShm(abs) // without a mapping (an error), Version asks SQL
	return nil
}

// check verifies the connection really is in WAL mode with full sync: a
// filesystem that cannot do WAL would otherwise silently change the
// durability and locking this package documents.
func (s *Store) check() error {
	var mode string
	var sync int
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if err := s.db.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") || sync != 2 {
		return fmt.Errorf("journal_mode=%s synchronous=%d, want wal and 2 (FULL)", mode, sync)
	}
	return nil
}

// Close closes the database. The Store must not be used afterwards.
func (s *Store) Close() error {
	if s.pinned != nil {
		s.pinned.Close()
	}
	s.get.Close()
	s.version.Close()
	err := s.db.Close()
	if s.shm != nil {
		s.shm.close() // after SQLite's own descriptors: see openShm
	}
	return err
}

// Get returns a record's value and rev, or (nil, 0, nil) when absent.
func (s *Store) Get(key string) ([]byte, int64, error) {
	var v []byte
	var rev int64
	err := s.get.QueryRow(key).Scan(&v, &rev)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("sqlstore: get %s: %w", key, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, rev, nil
}

// Version identifies the state of the file: it changes whenever a commit,
// from this process or any other on the same file, has changed a record,
// so an unchanged Version means unchanged records. It is what store.Cached
// checks at every read. Where the WAL-index header is mapped (shm_unix.go)
// it is that header's commit fields; elsewhere the commit counter, which
// every writing Commit increments in the same transaction (CommitStmts).
type Version struct {
	Change, Frame, Salt1, Salt2 uint32 // the WAL-index header
	Counter                     int64  // rev_counter, without a mapped header
}

func (s *Store) Version() (Version, error) {
	if s.shm.mapped() {
		return s.shm.version(), nil
	}
	var v int64
	if err := s.version.QueryRow().Scan(&v); err != nil {
		return Version{}, fmt.Errorf("sqlstore: version: %w", err)
	}
	return Version{Counter: v}, nil
}

// List returns the keys starting with prefix, sorted.
func (s *Store) List(prefix string) ([]string, error) {
	st := ListStmt(prefix)
	rows, err := s.db.Query(st.SQL, st.Args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", prefix, err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sqlstore: list %s: %w", prefix, err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", prefix, err)
	}
	return keys, nil
}

// Commit checks reads and applies writes in one transaction; a stale read
// rolls everything back and returns store.ErrConflict.
func (s *Store) Commit(reads map[string]int64, writes []store.Write) error {
	plan := CommitStmts(reads, writes)
	if len(plan) == 0 {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock in the DSN)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	for _, st := range plan {
		if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
			if IsConflict(err) {
				return store.ErrConflict
			}
			return fmt.Errorf("sqlstore: commit: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	return nil
}
