//go:build !js && !wasip1

package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/seed"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

// The plan d1seed uploads is checked here on SQLite, which runs the same
// SQL as D1: wrangler d1 execute --file runs the file as one batch, as
// execFile does in one transaction.

var testRoot = []byte("0123456789abcdef0123456789abcdef")

const testSeed = `{"Keys": [{"KeyId": "key-planplanplan000000001", "KeySpec": "Aliyun_AES_256", "Aliases": ["alias/app"],
  "Versions": [{"KeyMaterial": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}]}]}`

func openDB(t testing.TB) (*sql.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "d1.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := sqlstore.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return db, path
}

// takeSnapshot reads the records table the way wrangler's --json output does.
func takeSnapshot(t *testing.T, db *sql.DB) *snapshot {
	t.Helper()
	rows, err := db.Query(`SELECT key, value, rev FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	s := &snapshot{records: map[string]record{}}
	for rows.Next() {
		var k string
		var v []byte
		var rev int64
		if err := rows.Scan(&k, &v, &rev); err != nil {
			t.Fatal(err)
		}
		s.records[k] = record{value: v, rev: rev}
	}
	return s
}

func plan(t *testing.T, snap *snapshot) string {
	t.Helper()
	f, err := seed.Parse("test.json", []byte(testSeed))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := store.Sealed(snap, testRoot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Apply(context.Background(), sealed, f, nil); err != nil {
		t.Fatal(err)
	}
	if snap.plan == nil {
		return ""
	}
	text, err := renderSQL(snap.plan)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// execFile runs a rendered plan in one transaction, statement by statement.
func execFile(db *sql.DB, text string) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, st := range strings.Split(text, ";\n") {
		if st = strings.TrimSpace(st); st == "" || strings.HasPrefix(st, "--") && !strings.Contains(st, "\n") {
			continue
		}
		if _, err := tx.Exec(st); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func TestPlanAppliesAndOpens(t *testing.T) {
	db, path := openDB(t)
	text := plan(t, takeSnapshot(t, db))
	if text == "" || strings.Contains(text, "AAECAwQF") || strings.Contains(text, "000102030405") {
		t.Fatalf("plan is empty or holds the plaintext material:\n%s", text)
	}
	if err := execFile(db, text); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := sqlstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sealed, _ := store.Sealed(st, testRoot)
	resp, err := kms.New(sealed, kms.NewConfig()).Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: []byte("x")})
	if err != nil {
		t.Fatalf("the seeded key does not work from the store: %v", err)
	}
	if got := resp.(*pb.AdvanceEncryptResponse).KeyId; got != "key-planplanplan000000001" {
		t.Fatalf("alias/app is %s", got)
	}
	// Seeding again plans nothing.
	db2, _ := sql.Open("sqlite", path)
	defer db2.Close()
	if again := plan(t, takeSnapshot(t, db2)); again != "" {
		t.Fatalf("second seed planned writes:\n%s", again)
	}
}

func TestPlanRefusedWhenDatabaseChanged(t *testing.T) {
	db, _ := openDB(t)
	text := plan(t, takeSnapshot(t, db))
	// Someone creates alias/app after the snapshot: the guard on its rev 0 fails.
	if err := execFile(db, mustRender(t, sqlstore.CommitStmts(nil, []store.Write{{Key: "aliases/alias/app", Value: []byte(`{}`)}}))); err != nil {
		t.Fatal(err)
	}
	err := execFile(db, text)
	if !sqlstore.IsConflict(err) {
		t.Fatalf("stale plan: got %v, want the pocketkms_conflict abort", err)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM records WHERE key LIKE 'keys/%'`).Scan(&n)
	if n != 0 {
		t.Fatalf("a refused plan wrote %d key records", n)
	}
}

func mustRender(t *testing.T, p []sqlstore.Stmt) string {
	t.Helper()
	s, err := renderSQL(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLiteralRefusesBadKeys(t *testing.T) {
	if _, err := literal("a\x00b"); err == nil {
		t.Fatal("NUL in a record key was accepted")
	}
	if got, _ := literal("it's"); got != "CAST(X'69742773' AS TEXT)" {
		t.Fatalf("literal = %s", got)
	}
}

// FuzzRenderRoundTrip: whatever record key and value the seed produces,
// the rendered SQL stores exactly that record and nothing else; no input
// can end a literal early or add a statement.
func FuzzRenderRoundTrip(f *testing.F) {
	f.Add("keys/key-abc", []byte(`{"a":1}`))
	f.Add("aliases/alias/it's", []byte("'); DROP TABLE records; --"))
	f.Add("clientkeys/x\"y", []byte{0, 0xff, '\'', ';', '\n'})
	f.Add("", []byte{})
	db, _ := openDB(f)
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		text, err := renderSQL(sqlstore.CommitStmts(nil, []store.Write{{Key: key, Value: value}}))
		if err != nil {
			if _, lerr := literal(key); lerr == nil {
				t.Fatalf("render failed for an acceptable key: %v", err)
			}
			return // NUL or invalid UTF-8 in a key: refused, as it must be
		}
		if _, err := db.Exec(`DELETE FROM records`); err != nil {
			t.Fatal(err)
		}
		if err := execFile(db, text); err != nil {
			t.Fatalf("rendered plan does not run: %v\n%s", err, text)
		}
		var n int
		var got []byte
		if err := db.QueryRow(`SELECT COUNT(*) FROM records`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d records after one put (%v)", n, err)
		}
		if err := db.QueryRow(sqlstore.GetSQL, key).Scan(&got, new(int64)); err != nil {
			t.Fatalf("the record is not found under its key %q: %v", key, err)
		}
		if !bytes.Equal(got, value) {
			t.Fatalf("stored %x, want %x", got, value)
		}
	})
}

func TestRenderRefusesOversizeStatement(t *testing.T) {
	_, err := renderSQL(sqlstore.CommitStmts(nil, []store.Write{{Key: "keys/big", Value: make([]byte, maxStatement/2)}}))
	if err == nil || !strings.Contains(err.Error(), "keys/big") {
		t.Fatalf("a record over D1's statement limit: %v", err)
	}
	if _, err := renderSQL(sqlstore.CommitStmts(nil, []store.Write{{Key: "keys/ok", Value: make([]byte, maxStatement/2-200)}})); err != nil {
		t.Fatalf("a record under the limit: %v", err)
	}
}
