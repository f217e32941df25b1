package admin

import (
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// commands is every subcommand, in the order the help lists them.
var commands []command

func init() {
	commands = []command{
		{name: "key create", flags: "[--spec S] [--usage U] [--description D] [--rotation 30d] [--alias alias/x ...]",
			summary: "CreateKey: a new key with material made by pocketkms (default Aliyun_AES_256); --alias binds aliases to it.",
			define:  keyCreate},
		{name: "key list", summary: "ListKeys: every key, oldest first.",
			define: noFlags(func(r *runner, _ []string) error { return r.callPrint("ListKeys", map[string]any{}) })},
		{name: "key describe", args: []string{"KEY"}, summary: "DescribeKey: the key's metadata.",
			define: keyOp("DescribeKey")},
		{name: "key versions", args: []string{"KEY"}, summary: "ListKeyVersions: the key's versions, oldest first; the last is primary.",
			define: keyOp("ListKeyVersions")},
		{name: "key rotate", args: []string{"KEY"}, summary: "CreateKeyVersion: a new primary version; old ciphertexts still open.",
			define: keyOp("CreateKeyVersion")},
		{name: "key enable", args: []string{"KEY"}, summary: "EnableKey.", define: keyOp("EnableKey")},
		{name: "key disable", args: []string{"KEY"}, summary: "DisableKey: refuse cryptographic use until enabled.", define: keyOp("DisableKey")},
		{name: "key schedule-deletion", args: []string{"KEY"}, flags: "--days N",
			summary: "ScheduleKeyDeletion: delete the key after N days (7 to 30); until then it can be cancelled.",
			define:  keyScheduleDeletion},
		{name: "key cancel-deletion", args: []string{"KEY"}, summary: "CancelKeyDeletion: back to Enabled.", define: keyOp("CancelKeyDeletion")},
		{name: "key import", flags: "--spec S [--id key-...] [--material-file F | --material-hex H ...] [--alias alias/x ...] [--usage U] [--description D] [--rotation 30d] [--state Disabled]",
			summary: "ImportKey: a key from your own material, one --material-file (raw bytes; for RSA, EC and SM2 specs a PKCS#8 private key, PEM or DER; - reads stdin) or --material-hex per version, oldest first; the last is primary. Without material one version is generated.",
			define:  keyImport},
		{name: "alias create", args: []string{"ALIAS", "KEY"}, summary: "CreateAlias: bind a new alias to a key id.",
			define: aliasBind("CreateAlias")},
		{name: "alias update", args: []string{"ALIAS", "KEY"}, summary: "UpdateAlias: point an existing alias at another key id.",
			define: aliasBind("UpdateAlias")},
		{name: "alias delete", args: []string{"ALIAS"}, summary: "DeleteAlias.",
			define: noFlags(func(r *runner, pos []string) error {
				return r.callPrint("DeleteAlias", map[string]any{"AliasName": pos[0]})
			})},
		{name: "alias list", flags: "[--key KEY]", summary: "ListAliases, or ListAliasesByKeyId with --key.",
			define: aliasList},
		{name: "rotation set", args: []string{"KEY"}, flags: "--interval 30d",
			summary: "UpdateRotationPolicy: rotate automatically every interval (7d to 730d; d, h, m or s).",
			define:  rotationSet},
		{name: "rotation off", args: []string{"KEY"}, summary: "UpdateRotationPolicy: stop automatic rotation.",
			define: noFlags(func(r *runner, pos []string) error {
				return r.callPrint("UpdateRotationPolicy", map[string]any{"KeyId": pos[0], "EnableAutomaticRotation": false})
			})},
	}
}

func noFlags(a action) func(*flag.FlagSet) action { return func(*flag.FlagSet) action { return a } }

// keyOp is a command that sends {"KeyId": KEY} to api.
func keyOp(api string) func(*flag.FlagSet) action {
	return noFlags(func(r *runner, pos []string) error {
		return r.callPrint(api, map[string]any{"KeyId": pos[0]})
	})
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// setIf adds a field only when the flag was given a value, so that the
// engine's defaults apply otherwise.
func setIf(req map[string]any, field, v string) {
	if v != "" {
		req[field] = v
	}
}

func keyCreate(fs *flag.FlagSet) action {
	spec := fs.String("spec", "", "KeySpec: Aliyun_AES_256 (default), Aliyun_AES_192, Aliyun_AES_128, Aliyun_SM4, RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P256K, EC_SM2")
	usage := fs.String("usage", "", "KeyUsage: ENCRYPT/DECRYPT (default for symmetric specs) or SIGN/VERIFY (default for asymmetric specs)")
	desc := fs.String("description", "", "Description")
	rotation := fs.String("rotation", "", "enable automatic rotation with this interval, e.g. 30d")
	var aliases list
	fs.Var(&aliases, "alias", "bind this alias to the new key (repeatable)")
	return func(r *runner, _ []string) error {
		// Check aliases first so that a typo does not leave a key behind.
		for _, a := range aliases {
			if err := ids.CheckAlias(a); err != nil {
				return kmserr.InvalidParameter("AliasName: %v", err)
			}
		}
		req := map[string]any{}
		setIf(req, "KeySpec", *spec)
		setIf(req, "KeyUsage", *usage)
		setIf(req, "Description", *desc)
		if *rotation != "" {
			req["EnableAutomaticRotation"] = true
			req["RotationInterval"] = *rotation
		}
		out, err := r.call("CreateKey", req)
		if err != nil {
			return err
		}
		if len(aliases) == 0 {
			return r.print(out)
		}
		var created struct{ KeyMetadata struct{ KeyId string } }
		if err := json.Unmarshal(out, &created); err != nil || created.KeyMetadata.KeyId == "" {
			return kmserr.Internal("CreateKey answered without a KeyId")
		}
		id := created.KeyMetadata.KeyId
		for _, a := range aliases {
			if _, err := r.call("CreateAlias", map[string]any{"AliasName": a, "KeyId": id}); err != nil {
				// The key exists now: say so, and print it for scripts.
				_ = r.print(out)
				ke := kmserr.As(err)
				return &kmserr.Error{Status: ke.Status, Code: ke.Code, Message: fmt.Sprintf("the key %s was created, but not the alias %s: %s", id, a, ke.Message)}
			}
		}
		return r.callPrint("DescribeKey", map[string]any{"KeyId": id})
	}
}

func keyScheduleDeletion(fs *flag.FlagSet) action {
	days := fs.Int("days", 0, "PendingWindowInDays: 7 to 30 (required)")
	return func(r *runner, pos []string) error {
		if *days == 0 {
			return usagef("--days N is required (7 to 30)")
		}
		return r.callPrint("ScheduleKeyDeletion", map[string]any{"KeyId": pos[0], "PendingWindowInDays": *days})
	}
}

// material is one version's material from the command line, in order.
type material struct {
	fromFile bool
	value    string // the path, or the hex text
}

// materials is a flag.Value shared by --material-file and --material-hex
// so that versions keep the order the flags were given in.
type materials struct {
	list     *[]material
	fromFile bool
}

func (m materials) String() string { return "" }
func (m materials) Set(v string) error {
	*m.list = append(*m.list, material{m.fromFile, v})
	return nil
}

func keyImport(fs *flag.FlagSet) action {
	spec := fs.String("spec", "", "KeySpec: Aliyun_AES_256, Aliyun_AES_192, Aliyun_AES_128, Aliyun_SM4, RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P256K or EC_SM2 (required)")
	id := fs.String("id", "", "KeyId to use, \"key-\" and 21 lower-case letters or digits (default: generated)")
	usage := fs.String("usage", "", "KeyUsage (default ENCRYPT/DECRYPT for symmetric specs, SIGN/VERIFY for asymmetric ones)")
	desc := fs.String("description", "", "Description")
	rotation := fs.String("rotation", "", "enable automatic rotation with this interval, e.g. 30d")
	state := fs.String("state", "", "KeyState: Enabled (default) or Disabled")
	var aliases list
	fs.Var(&aliases, "alias", "bind this alias to the key (repeatable)")
	var ms []material
	fs.Var(materials{&ms, true}, "material-file", "a file holding one version's key material (repeatable, oldest first): raw bytes, or for an asymmetric spec a PKCS#8 private key, PEM or DER; - reads it from stdin")
	fs.Var(materials{&ms, false}, "material-hex", "one version's key material in hex (repeatable, oldest first); visible to other local users in the process list, prefer --material-file")
	return func(r *runner, _ []string) error {
		if *spec == "" {
			return usagef("--spec is required: the material's length depends on it")
		}
		var versions []map[string]any
		var secrets [][]byte
		defer func() {
			for _, s := range secrets {
				clear(s)
			}
		}()
		for i, m := range ms {
			var raw []byte
			if m.fromFile && m.value == "-" {
				b, err := io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
				if err != nil {
					return fmt.Errorf("--material-file - (version %d): %v", i, err)
				}
				raw = b
			} else if m.fromFile {
				b, err := os.ReadFile(m.value)
				if err != nil {
					return fmt.Errorf("--material-file (version %d): %v", i, err)
				}
				raw = b
			} else {
				b, err := hex.DecodeString(strings.TrimSpace(m.value))
				if err != nil {
					return usagef("--material-hex (version %d) is not hex", i)
				}
				raw = b
			}
			secrets = append(secrets, raw)
			versions = append(versions, map[string]any{"KeyMaterial": raw}) // []byte marshals as base64
		}
		req := map[string]any{"KeySpec": *spec}
		setIf(req, "KeyId", *id)
		setIf(req, "KeyUsage", *usage)
		setIf(req, "Description", *desc)
		setIf(req, "RotationInterval", *rotation)
		setIf(req, "KeyState", *state)
		if len(aliases) > 0 {
			req["Aliases"] = []string(aliases)
		}
		if len(versions) > 0 {
			req["Versions"] = versions
		}
		return r.callPrint("ImportKey", req)
	}
}

func aliasBind(api string) func(*flag.FlagSet) action {
	return noFlags(func(r *runner, pos []string) error {
		return r.callPrint(api, map[string]any{"AliasName": pos[0], "KeyId": pos[1]})
	})
}

func aliasList(fs *flag.FlagSet) action {
	key := fs.String("key", "", "only the aliases of this key (id or alias)")
	return func(r *runner, _ []string) error {
		if *key == "" {
			return r.callPrint("ListAliases", map[string]any{})
		}
		return r.callPrint("ListAliasesByKeyId", map[string]any{"KeyId": *key})
	}
}

func rotationSet(fs *flag.FlagSet) action {
	interval := fs.String("interval", "", "RotationInterval, 7d to 730d, e.g. 30d (required)")
	return func(r *runner, pos []string) error {
		if *interval == "" {
			return usagef("--interval is required, e.g. --interval 30d")
		}
		return r.callPrint("UpdateRotationPolicy", map[string]any{"KeyId": pos[0], "EnableAutomaticRotation": true, "RotationInterval": *interval})
	}
}
