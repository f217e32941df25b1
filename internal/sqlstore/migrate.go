package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// MigrationFS holds the schema as portable SQLite files, migrations/NNNN_name.sql,
// applied in version order. The server applies them with Migrate; the
// Worker applies the same files to D1 (Migrations gives them parsed).
//
//go:embed migrations/*.sql
var MigrationFS embed.FS

// Migration is one schema step.
type Migration struct {
	Version int    // from the file name: 0001_records.sql is version 1
	Name    string // "records"
	SQL     string // the whole file
}

// Statements splits the file into single statements, without comments, in
// order: the form database/sql drivers and D1's batch() take. Files keep
// to one statement per line-ending ";" and full-line "--" comments.
func (m Migration) Statements() []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(m.SQL, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s) // a last statement without ";"
	}
	return out
}

// Migrations returns every migration in MigrationFS, oldest first.
func Migrations() ([]Migration, error) {
	names, err := fs.Glob(MigrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || name == "" {
			return nil, fmt.Errorf("sqlstore: migration file %s is not named NNNN_name.sql", n)
		}
		b, err := MigrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("sqlstore: migration versions must run 1, 2, 3...: found %d at position %d", m.Version, i+1)
		}
	}
	return out, nil
}

// SchemaVersion reports the highest migration applied to db, 0 for an
// empty database. It needs no transaction, so it works over D1's
// database/sql driver too.
func SchemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil || n == 0 {
		return 0, err
	}
	var v int
	err = db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Migrate applies the pending migrations, each in its own transaction. Two
// processes opening a new database at once is safe: the transaction is
// BEGIN IMMEDIATE (the Store's DSN), and the version is read again inside it.
// A database newer than this build is refused rather than used.
func Migrate(ctx context.Context, db *sql.DB) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := applyOne(ctx, db, m, len(ms)); err != nil {
			return err
		}
	}
	return nil
}

func applyOne(ctx context.Context, db *sql.DB, m Migration, latest int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migration %d: %w", m.Version, err)
	}
	defer tx.Rollback()
	var have int
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: reading the schema version: %w", err)
	}
	if n > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("sqlstore: reading the schema version: %w", err)
		}
	}
	if have > latest {
		return fmt.Errorf("sqlstore: the database has schema version %d, this pocketkms knows only up to %d: use a newer pocketkms", have, latest)
	}
	if have >= m.Version {
		return nil
	}
	for _, s := range m.Statements() {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqlstore: migration %04d_%s: %w", m.Version, m.Name, err)
		}
	}
	var recorded int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&recorded); err != nil || recorded != 1 {
		return fmt.Errorf("sqlstore: migration %04d_%s does not record itself in schema_migrations", m.Version, m.Name)
	}
	return tx.Commit()
}
