package admin

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
)

const (
	kid  = "key-admintest000000000001"
	kid2 = "key-admintest000000000002"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(eng caller, args ...string) result {
	var out, errb bytes.Buffer
	code := Run(context.Background(), eng, args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// field digs a value out of a JSON response by a dotted path.
func field(t *testing.T, out, path string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			var i int
			if err := json.Unmarshal([]byte(p), &i); err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func seq(from, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(from + i)
	}
	return b
}

// TestCommands runs a script of commands against one engine: each step
// sees the state the previous ones left.
func TestCommands(t *testing.T) {
	eng := newNative(kms.New(store.NewMemory(), kms.NewConfig()))
	dir := t.TempDir()
	mat1, mat2 := seq(0, 32), seq(200, 32)
	matFile := filepath.Join(dir, "v2.bin")
	if err := os.WriteFile(matFile, mat2, 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := []string{hex.EncodeToString(mat1), base64.StdEncoding.EncodeToString(mat1), base64.StdEncoding.EncodeToString(mat2), hex.EncodeToString(mat2)}

	type want map[string]any // JSON path -> value ("*" any non-empty)
	steps := []struct {
		name   string
		args   []string
		code   int
		fields want
		stderr string // substring
	}{
		{"import two versions", []string{"key", "import", "--spec", "Aliyun_AES_256", "--id", kid, "--material-hex", hex.EncodeToString(mat1), "--material-file", matFile, "--alias", "alias/app", "--description", "imported"}, 0,
			want{"KeyMetadata.KeyId": kid, "KeyMetadata.VersionCount": 2.0, "KeyMetadata.Aliases.0": "alias/app", "KeyMetadata.Origin": "EXTERNAL", "KeyMetadata.Description": "imported", "RequestId": "*"}, ""},
		{"describe by alias", []string{"key", "describe", "alias/app"}, 0, want{"KeyMetadata.KeyId": kid, "KeyMetadata.KeyState": "Enabled"}, ""},
		{"versions", []string{"key", "versions", kid}, 0, want{"KeyVersions.0.Initial": true, "KeyVersions.1.Primary": true, "KeyVersions.2": nil}, ""},
		{"rotate", []string{"key", "rotate", "alias/app"}, 0, want{"KeyMetadata.VersionCount": 3.0}, ""},
		{"disable", []string{"key", "disable", kid}, 0, want{"KeyMetadata.KeyState": "Disabled"}, ""},
		{"rotate disabled", []string{"key", "rotate", kid}, 1, nil, "pocketkms: Rejected.Disabled: The key " + kid + " is Disabled"},
		{"enable", []string{"key", "enable", kid}, 0, want{"KeyMetadata.KeyState": "Enabled"}, ""},
		{"schedule deletion without days", []string{"key", "schedule-deletion", kid}, 2, nil, "pocketkms: key schedule-deletion: --days N is required"},
		{"schedule deletion too soon", []string{"key", "schedule-deletion", kid, "--days", "3"}, 1, nil, "pocketkms: InvalidParameter: PendingWindowInDays must be 7 to 30, got 3"},
		{"schedule deletion days not a number", []string{"key", "schedule-deletion", kid, "--days", "week"}, 2, nil, "invalid value \"week\" for flag -days"},
		{"schedule deletion", []string{"key", "schedule-deletion", "--days=7", kid}, 0, want{"KeyMetadata.KeyState": "PendingDeletion", "KeyMetadata.DeleteDate": "*"}, ""},
		{"cancel deletion", []string{"key", "cancel-deletion", kid}, 0, want{"KeyMetadata.KeyState": "Enabled", "KeyMetadata.DeleteDate": nil}, ""},
		{"cancel deletion again", []string{"key", "cancel-deletion", kid}, 1, nil, "pocketkms: Rejected.Enabled:"},
		{"create with everything", []string{"key", "create", "--spec", "Aliyun_SM4", "--description", "d", "--rotation", "30d", "--alias", "alias/sm4", "--alias", "alias/sm4-b"}, 0,
			want{"KeyMetadata.KeySpec": "Aliyun_SM4", "KeyMetadata.AutomaticRotation": "Enabled", "KeyMetadata.RotationInterval": "30d", "KeyMetadata.Aliases.1": "alias/sm4-b", "KeyMetadata.Origin": "Aliyun_KMS"}, ""},
		{"create with a bad alias creates nothing", []string{"key", "create", "--alias", "sm4"}, 1, nil, `pocketkms: InvalidParameter: AliasName: alias "sm4" must start with "alias/"`},
		{"create with a bad rotation", []string{"key", "create", "--rotation", "1d"}, 1, nil, "pocketkms: InvalidParameter: RotationInterval \"1d\" must be between 7d and 730d"},
		{"create with a bad spec", []string{"key", "create", "--spec", "AES"}, 1, nil, "pocketkms: InvalidParameter: KeySpec \"AES\" is not supported"},
		// Two keys: the failed creates left none behind. (ListKeys orders by
		// CreationDate, to the second, then KeyId: no order to assert here.)
		{"list", []string{"key", "list"}, 0, want{"Keys.0.KeyId": "*", "Keys.1.KeyId": "*", "Keys.2": nil}, ""},
		{"create with a taken alias", []string{"key", "create", "--alias", "alias/app"}, 1, want{"KeyMetadata.KeyId": "*"}, "was created, but not the alias alias/app: The alias alias/app already exists"},
		{"import a second key", []string{"key", "import", "--spec", "Aliyun_AES_128", "--id", kid2, "--state", "Disabled"}, 0, want{"KeyMetadata.KeyState": "Disabled", "KeyMetadata.VersionCount": 1.0}, ""},
		{"import wrong length", []string{"key", "import", "--spec", "Aliyun_AES_128", "--material-hex", hex.EncodeToString(mat1)}, 1, nil, "pocketkms: InvalidParameter: Versions[0].KeyMaterial is 32 bytes, Aliyun_AES_128 needs 16"},
		{"import existing id", []string{"key", "import", "--spec", "Aliyun_AES_256", "--id", kid}, 1, nil, "pocketkms: Forbidden.ResourceAlreadyExists: The key " + kid + " already exists."},
		{"import needs spec", []string{"key", "import", "--id", "key-admintest000000000003"}, 2, nil, "--spec is required"},
		{"import bad hex", []string{"key", "import", "--spec", "Aliyun_AES_128", "--material-hex", "zz"}, 2, nil, "--material-hex (version 0) is not hex"},
		{"import missing file", []string{"key", "import", "--spec", "Aliyun_AES_128", "--material-file", filepath.Join(dir, "absent")}, 1, nil, "pocketkms: key import: --material-file (version 0): open "},
		{"alias create", []string{"alias", "create", "alias/two", kid}, 0, want{"Alias.AliasName": "alias/two", "Alias.KeyId": kid}, ""},
		{"alias create to an alias", []string{"alias", "create", "alias/three", "alias/app"}, 1, nil, "must be a key id, not an alias"},
		{"alias update", []string{"alias", "update", "alias/two", kid2}, 0, want{"Alias.KeyId": kid2}, ""},
		{"alias list by key", []string{"alias", "list", "--key", kid2}, 0, want{"Aliases.0.AliasName": "alias/two", "Aliases.1": nil}, ""},
		{"alias list", []string{"alias", "list"}, 0, want{"Aliases.0.AliasName": "alias/app", "Aliases.3.AliasName": "alias/two", "Aliases.4": nil}, ""},
		{"alias delete", []string{"alias", "delete", "alias/two"}, 0, want{"RequestId": "*"}, ""},
		{"alias delete again", []string{"alias", "delete", "alias/two"}, 1, nil, "pocketkms: Forbidden.AliasNotFound: The alias alias/two is not found."},
		{"rotation set", []string{"rotation", "set", kid, "--interval", "30d"}, 0, want{"KeyMetadata.AutomaticRotation": "Enabled", "KeyMetadata.NextRotationDate": "*"}, ""},
		{"rotation set without interval", []string{"rotation", "set", kid}, 2, nil, "--interval is required"},
		{"rotation set too short", []string{"rotation", "set", kid, "--interval", "6d"}, 1, nil, "pocketkms: InvalidParameter: RotationInterval \"6d\" must be between 7d and 730d"},
		{"rotation off", []string{"rotation", "off", "alias/app"}, 0, want{"KeyMetadata.AutomaticRotation": "Disabled", "KeyMetadata.RotationInterval": nil}, ""},
		{"unknown key", []string{"key", "describe", "key-nosuchkey000000000000"}, 1, nil, "pocketkms: Forbidden.KeyNotFound: The specified Key key-nosuchkey000000000000 is not found."},
		{"missing argument", []string{"key", "describe"}, 2, nil, "pocketkms: key describe: missing KEY\nusage: pocketkms key describe KEY\n"},
		{"missing second argument", []string{"alias", "create", "alias/x"}, 2, nil, "missing KEY"},
		{"extra argument", []string{"key", "describe", kid, kid2}, 2, nil, `unexpected argument "` + kid2 + `"`},
		{"unknown flag", []string{"key", "list", "--all"}, 2, nil, "pocketkms: key list: flag provided but not defined: -all"},
		{"double dash", []string{"key", "describe", "--", "--days"}, 1, nil, "pocketkms: Forbidden.KeyNotFound: The specified Key --days is not found."},
		{"unknown subcommand", []string{"key", "frob"}, 2, nil, `pocketkms: key: unknown command "frob"; key has create, list, describe`},
		{"unknown command", []string{"keys"}, 2, nil, `pocketkms: unknown command "keys"; key management commands are key, alias, rotation`},
		{"group alone", []string{"alias"}, 2, nil, "pocketkms alias create ALIAS KEY"},
		{"nothing", nil, 2, nil, "pocketkms key create"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := run(eng, s.args...)
			if r.code != s.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, s.code, r.stdout, r.stderr)
			}
			if s.stderr != "" && !strings.Contains(r.stderr, s.stderr) {
				t.Errorf("stderr %q\nwant it to contain %q", r.stderr, s.stderr)
			}
			if s.code == 0 && r.stderr != "" {
				t.Errorf("stderr on success: %q", r.stderr)
			}
			if s.code != 0 && s.fields == nil && r.stdout != "" {
				t.Errorf("stdout on failure: %q", r.stdout)
			}
			for path, v := range s.fields {
				got := field(t, r.stdout, path)
				if v == "*" {
					if got == nil || got == "" {
						t.Errorf("%s = %v, want a value", path, got)
					}
				} else if got != v {
					t.Errorf("%s = %#v, want %#v", path, got, v)
				}
			}
			if s.fields != nil && !strings.HasPrefix(r.stdout, "{\n  \"") {
				t.Errorf("stdout is not indented JSON: %q", r.stdout)
			}
			for _, secret := range secrets {
				if strings.Contains(r.stdout, secret) || strings.Contains(r.stderr, secret) {
					t.Errorf("output shows key material")
				}
			}
		})
	}
}

// The output lists fields in the order the messages declare them, whatever
// the engine's whitespace, so that scripts and diffs see stable text.
func TestOutputIsStable(t *testing.T) {
	eng := newNative(kms.New(store.NewMemory(), kms.NewConfig()))
	r := run(eng, "key", "import", "--spec", "Aliyun_AES_256", "--id", kid, "--alias", "alias/a")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	order := []string{`"KeyId"`, `"KeySpec"`, `"KeyUsage"`, `"KeyState"`, `"CreationDate"`, `"InitialKeyVersionId"`, `"PrimaryKeyVersionId"`, `"AutomaticRotation"`, `"Origin"`, `"Aliases"`, `"VersionCount"`, `"RequestId"`}
	last := -1
	for _, k := range order {
		i := strings.Index(r.stdout, k)
		if i <= last {
			t.Fatalf("%s out of order in\n%s", k, r.stdout)
		}
		last = i
	}
	for i := 0; i < 5; i++ {
		a, b := run(eng, "key", "describe", kid), run(eng, "key", "describe", kid)
		strip := func(s string) string { return s[:strings.Index(s, `"RequestId"`)] }
		if strip(a.stdout) != strip(b.stdout) {
			t.Fatalf("two describes differ:\n%s\n%s", a.stdout, b.stdout)
		}
	}
}

func TestHelp(t *testing.T) {
	eng := newNative(kms.New(store.NewMemory(), kms.NewConfig()))
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"pocketkms key create", "pocketkms key import --spec S", "pocketkms alias list [--key KEY]", "pocketkms rotation off KEY"}},
		{[]string{"help"}, []string{"pocketkms key schedule-deletion KEY --days N"}},
		{[]string{"key", "--help"}, []string{"pocketkms key rotate KEY", "CreateKeyVersion"}},
		{[]string{"rotation", "-h"}, []string{"pocketkms rotation set KEY --interval 30d"}},
		{[]string{"key", "import", "--help"}, []string{"usage: pocketkms key import --spec S", "-material-file value", "-material-hex value", "-id string"}},
		{[]string{"key", "describe", "-h"}, []string{"usage: pocketkms key describe KEY", "DescribeKey"}},
		{[]string{"alias", "list", "--help"}, []string{"-key string", "ListAliasesByKeyId"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(eng, tt.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}
