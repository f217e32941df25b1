package admin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
)

// TestSecretCommands: each `pocketkms secret` command is its engine
// operation, values come from a flag or a file, and usage errors name the
// flag without running anything.
func TestSecretCommands(t *testing.T) {
	eng := newNative(kms.New(store.NewMemory(), kms.NewConfig()))
	file := filepath.Join(t.TempDir(), "value.txt")
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ok := func(args ...string) string {
		t.Helper()
		r := run(eng, args...)
		if r.code != 0 {
			t.Fatalf("pocketkms %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
		return r.stdout
	}
	out := ok("secret", "create", "app/db", "--value-file", file, "--version-id", "v1", "--description", "d")
	if field(t, out, "VersionId") != "v1" || field(t, out, "VersionStages.0") != "ACSCurrent" {
		t.Fatalf("create: %s", out)
	}
	if got := field(t, ok("secret", "get", "app/db"), "SecretData"); got != "from-a-file" {
		t.Fatalf("the file's trailing newline is not part of the value: %q", got)
	}
	ok("secret", "put", "app/db", "--value", "AAEC", "--binary", "--version-id", "v2", "--stages", "ACSCurrent,Blue")
	g := ok("secret", "get", "app/db", "--stage", "Blue")
	if field(t, g, "SecretData") != "AAEC" || field(t, g, "SecretDataType") != "binary" {
		t.Fatalf("get --stage Blue: %s", g)
	}
	if field(t, ok("secret", "get", "app/db", "--version-id", "v1"), "VersionStages.0") != "ACSPrevious" {
		t.Fatal("put did not demote v1 to ACSPrevious")
	}
	ok("secret", "stage", "app/db", "ACSCurrent", "--move-to", "v1")
	if field(t, ok("secret", "get", "app/db"), "VersionId") != "v1" {
		t.Fatal("stage --move-to did not move ACSCurrent")
	}
	if n := len(field(t, ok("secret", "versions", "app/db"), "VersionIds").([]any)); n != 2 {
		t.Fatalf("versions: %d", n)
	}
	ok("secret", "create", "app/rds", "--type", "Rds", "--value", `{"AccountName":"a","AccountPassword":"p"}`, "--rotation", "30d")
	r := ok("secret", "rotate", "app/rds", "--version-id", "r2")
	if field(t, r, "VersionId") != "r2" {
		t.Fatalf("rotate: %s", r)
	}
	if l := ok("secret", "list", "--prefix", "app/r"); field(t, l, "TotalCount") != float64(1) {
		t.Fatalf("list --prefix: %s", l)
	}
	if d := ok("secret", "delete", "app/db", "--recovery-days", "7"); field(t, d, "PlannedDeleteTime") == nil {
		t.Fatalf("delete: %s", d)
	}
	ok("secret", "restore", "app/db")
	if field(t, ok("secret", "describe", "app/db"), "Description") != "d" {
		t.Fatal("describe after restore")
	}
	ok("secret", "delete", "app/db", "--force")

	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"secret", "create", "x"}, "--value"},
		{[]string{"secret", "create", "x", "--value", "a", "--value-file", file}, "exactly one"},
		{[]string{"secret", "stage", "app/rds", "Blue"}, "--move-to"},
		{[]string{"secret", "delete", "app/rds", "--force", "--recovery-days", "7"}, "not both"},
		{[]string{"secret", "get", "app/none"}, "Forbidden.ResourceNotFound"},
	} {
		r := run(eng, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.says) {
			t.Errorf("pocketkms %s: exit %d, stderr %q, want it to mention %s", strings.Join(c.args, " "), r.code, r.stderr, c.says)
		}
	}
}
