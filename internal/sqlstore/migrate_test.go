//go:build !wasm

package sqlstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

func TestMigrationFiles(t *testing.T) {
	ms, err := sqlstore.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].Version != 1 || ms[0].Name != "records" {
		t.Fatalf("Migrations() = %+v", ms)
	}
	for _, m := range ms {
		stmts := m.Statements()
		last := stmts[len(stmts)-1]
		if !strings.HasPrefix(last, "INSERT INTO schema_migrations") || !strings.Contains(last, "("+strconv.Itoa(m.Version)+", '"+m.Name+"')") {
			t.Errorf("%04d_%s: last statement %q does not record the migration", m.Version, m.Name, last)
		}
		for _, s := range stmts {
			// D1 runs statements one by one inside its own batch
			// transaction: no transaction control or PRAGMAs in files.
			up := strings.ToUpper(s)
			for _, bad := range []string{"BEGIN", "COMMIT", "ROLLBACK", "PRAGMA", "SAVEPOINT"} {
				if strings.HasPrefix(up, bad) {
					t.Errorf("%04d_%s: statement %q is not portable to a D1 batch", m.Version, m.Name, s)
				}
			}
			if strings.Count(s, ";") != 1 || !strings.HasSuffix(s, ";") {
				t.Errorf("%04d_%s: statement split wrongly: %q", m.Version, m.Name, s)
			}
		}
	}
}

// TestMigrationStatementsAlone applies the split statements, one Exec each
// and no transaction, to a bare SQLite database: the way the Worker's D1
// (through database/sql or a batch) sees them.
func TestMigrationStatementsAlone(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "bare.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if v, err := sqlstore.SchemaVersion(ctx, db); err != nil || v != 0 {
		t.Fatalf("SchemaVersion of an empty database = %d, %v", v, err)
	}
	ms, _ := sqlstore.Migrations()
	for _, m := range ms {
		for _, s := range m.Statements() {
			if _, err := db.Exec(s); err != nil {
				t.Fatalf("%04d_%s: %q: %v", m.Version, m.Name, s, err)
			}
		}
	}
	if v, err := sqlstore.SchemaVersion(ctx, db); err != nil || v != len(ms) {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, len(ms))
	}
	// Migrate on top is a no-op, and so is a second run.
	for range 2 {
		if err := sqlstore.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	var rows int
	db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows)
	if rows != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", rows, len(ms))
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pocketkms.db")
	s, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err := sqlstore.Open(path); err == nil || !strings.Contains(err.Error(), "schema version 999") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open of a newer database = %v, want a schema version error", err)
	}
}

func TestCommitPlanIsDeterministic(t *testing.T) {
	reads := map[string]int64{"keys/b": 2, "keys/a": 1, "aliases/x": 0}
	a := sqlstore.CommitStmts(reads, nil)
	for range 20 {
		b := sqlstore.CommitStmts(reads, nil)
		for i := range a {
			if a[i].Args[0] != b[i].Args[0] {
				t.Fatal("plan order depends on map iteration")
			}
		}
	}
	if a[0].Args[0] != "aliases/x" || a[2].Args[0] != "keys/b" {
		t.Fatalf("guards not sorted by key: %v", a)
	}
}
