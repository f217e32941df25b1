package admin

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// The secret commands (docs/secrets.md). Values come from --value or, so
// that they stay out of shell history and the process list, from a file or
// stdin (--value-file -).
func init() {
	commands = append(commands,
		command{name: "secret create", args: []string{"NAME"}, flags: "(--value S | --value-file F) [--binary] [--type T] [--version-id V] [--encryption-key KEY] [--rotation 30d] [--description D]",
			summary: "CreateSecret: a secret whose first version gets ACSCurrent.", define: secretCreate},
		command{name: "secret put", args: []string{"NAME"}, flags: "(--value S | --value-file F) [--binary] [--version-id V] [--stages ACSCurrent,...]",
			summary: "PutSecretValue: a new version, by default ACSCurrent (the old one becomes ACSPrevious).", define: secretPut},
		command{name: "secret get", args: []string{"NAME"}, flags: "[--stage S | --version-id V]",
			summary: "GetSecretValue: the ACSCurrent value, or that of a stage or version.", define: secretGet},
		command{name: "secret list", flags: "[--prefix P]", summary: "ListSecrets: every secret (or those whose name starts with P), by name.",
			define: secretList},
		command{name: "secret describe", args: []string{"NAME"}, summary: "DescribeSecret: the secret's metadata and tags.",
			define: noFlags(func(r *runner, pos []string) error {
				return r.callPrint("DescribeSecret", map[string]any{"SecretName": pos[0], "FetchTags": true})
			})},
		command{name: "secret versions", args: []string{"NAME"}, summary: "ListSecretVersionIds: every version with its stages, oldest first.",
			define: noFlags(func(r *runner, pos []string) error {
				return r.callPrint("ListSecretVersionIds", map[string]any{"SecretName": pos[0], "IncludeDeprecated": true, "PageSize": 100})
			})},
		command{name: "secret stage", args: []string{"NAME", "STAGE"}, flags: "[--move-to V] [--remove-from V]",
			summary: "UpdateSecretVersionStage: move a stage to a version, or remove it from one.", define: secretStage},
		command{name: "secret rotate", args: []string{"NAME"}, flags: "[--version-id V]",
			summary: "RotateSecret: a managed secret's next version with fresh credentials.", define: secretRotate},
		command{name: "secret delete", args: []string{"NAME"}, flags: "[--recovery-days N | --force]",
			summary: "DeleteSecret: delete after a recovery window (7 to 30 days, default 30), or now with --force.", define: secretDelete},
		command{name: "secret restore", args: []string{"NAME"}, summary: "RestoreSecret: cancel a deletion within its recovery window.",
			define: noFlags(func(r *runner, pos []string) error {
				return r.callPrint("RestoreSecret", map[string]any{"SecretName": pos[0]})
			})},
	)
}

// valueFlags are the flags that give a secret value.
type valueFlags struct {
	value, file *string
	binary      *bool
}

func defineValue(fs *flag.FlagSet) valueFlags {
	return valueFlags{
		value:  fs.String("value", "", "the value; visible in shell history and the process list, prefer --value-file"),
		file:   fs.String("value-file", "", "read the value from this file, or from stdin with -"),
		binary: fs.Bool("binary", false, "SecretDataType binary: the value is your base64 text, returned as given"),
	}
}

// read returns the value and its SecretDataType.
func (v valueFlags) read() (string, string, error) {
	if (*v.value == "") == (*v.file == "") {
		return "", "", usagef("give the value with exactly one of --value or --value-file")
	}
	data := *v.value
	if *v.file != "" {
		var raw []byte
		var err error
		if *v.file == "-" {
			raw, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
		} else {
			raw, err = os.ReadFile(*v.file)
		}
		if err != nil {
			return "", "", fmt.Errorf("--value-file: %v", err)
		}
		// A file written by an editor or echo ends with a newline that is
		// not part of the secret.
		data = strings.TrimSuffix(strings.TrimSuffix(string(raw), "\n"), "\r")
	}
	if *v.binary {
		return data, "binary", nil
	}
	return data, "text", nil
}

func secretCreate(fs *flag.FlagSet) action {
	val := defineValue(fs)
	typ := fs.String("type", "", "SecretType: Generic (default), Rds, Redis, PolarDB, RAMCredentials or ECS")
	vid := fs.String("version-id", "", "VersionId of the first version (default: generated)")
	key := fs.String("encryption-key", "", "EncryptionKeyId: a symmetric key (id or alias) that encrypts the values")
	rotation := fs.String("rotation", "", "enable automatic rotation with this interval, 6h to 8760h, e.g. 30d")
	desc := fs.String("description", "", "Description")
	return func(r *runner, pos []string) error {
		data, dataType, err := val.read()
		if err != nil {
			return err
		}
		req := map[string]any{"SecretName": pos[0], "SecretData": data, "SecretDataType": dataType}
		setIf(req, "SecretType", *typ)
		setIf(req, "VersionId", *vid)
		setIf(req, "EncryptionKeyId", *key)
		setIf(req, "Description", *desc)
		if *rotation != "" {
			req["EnableAutomaticRotation"] = true
			req["RotationInterval"] = *rotation
		}
		return r.callPrint("CreateSecret", req)
	}
}

func secretPut(fs *flag.FlagSet) action {
	val := defineValue(fs)
	vid := fs.String("version-id", "", "VersionId of the new version (default: generated)")
	stages := fs.String("stages", "", "comma-separated VersionStages (default ACSCurrent)")
	return func(r *runner, pos []string) error {
		data, dataType, err := val.read()
		if err != nil {
			return err
		}
		req := map[string]any{"SecretName": pos[0], "SecretData": data, "SecretDataType": dataType}
		setIf(req, "VersionId", *vid)
		if *stages != "" {
			req["VersionStages"] = strings.Split(*stages, ",")
		}
		return r.callPrint("PutSecretValue", req)
	}
}

func secretGet(fs *flag.FlagSet) action {
	stage := fs.String("stage", "", "VersionStage (default ACSCurrent)")
	vid := fs.String("version-id", "", "VersionId")
	return func(r *runner, pos []string) error {
		req := map[string]any{"SecretName": pos[0], "FetchExtendedConfig": true}
		setIf(req, "VersionStage", *stage)
		setIf(req, "VersionId", *vid)
		return r.callPrint("GetSecretValue", req)
	}
}

func secretList(fs *flag.FlagSet) action {
	prefix := fs.String("prefix", "", "only the secrets whose name starts with this")
	return func(r *runner, _ []string) error {
		req := map[string]any{"FetchTags": true, "PageSize": 100}
		if *prefix != "" {
			req["NamePrefixes"] = []string{*prefix}
		}
		return r.callPrint("ListSecrets", req)
	}
}

func secretStage(fs *flag.FlagSet) action {
	to := fs.String("move-to", "", "MoveToVersion: the version that gets the stage")
	from := fs.String("remove-from", "", "RemoveFromVersion: the version that loses it")
	return func(r *runner, pos []string) error {
		if *to == "" && *from == "" {
			return usagef("give --move-to V, --remove-from V, or both")
		}
		req := map[string]any{"SecretName": pos[0], "VersionStage": pos[1]}
		setIf(req, "MoveToVersion", *to)
		setIf(req, "RemoveFromVersion", *from)
		return r.callPrint("UpdateSecretVersionStage", req)
	}
}

func secretRotate(fs *flag.FlagSet) action {
	vid := fs.String("version-id", "", "VersionId of the new version (default: generated)")
	return func(r *runner, pos []string) error {
		req := map[string]any{"SecretName": pos[0]}
		setIf(req, "VersionId", *vid)
		return r.callPrint("RotateSecret", req)
	}
}

func secretDelete(fs *flag.FlagSet) action {
	days := fs.Int("recovery-days", 0, "RecoveryWindowInDays: 7 to 30 (default 30)")
	force := fs.Bool("force", false, "ForceDeleteWithoutRecovery: delete now, with no way back")
	return func(r *runner, pos []string) error {
		if *force && *days != 0 {
			return usagef("give --recovery-days or --force, not both")
		}
		req := map[string]any{"SecretName": pos[0]}
		if *force {
			req["ForceDeleteWithoutRecovery"] = true
		}
		if *days != 0 {
			req["RecoveryWindowInDays"] = *days
		}
		return r.callPrint("DeleteSecret", req)
	}
}
