package classic

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
)

// mapped are the classic actions that are one engine operation each, given
// as data: the asymmetric ones (onto the instance API's GetPublicKey, Sign,
// Verify, Encrypt, Decrypt with asymmetric keys) and the secret ones (onto
// engine operations of the same name and field names). Until the engine
// answers an operation, its action answers 400 Rejected.UnsupportedOperation
// (opCtx.call). Switching one on, or renaming a field, is a table edit.
var mapped = map[string]mapping{
	"GetPublicKey": {api: "GetPublicKey", dry: true, version: true,
		in:  []field{{"KeyId", "KeyId", str, true}, {"KeyVersionId", "", str, true}},
		out: []field{{"KeyId", "KeyId", str, false}, {"KeyVersionId", "KeyVersionId", str, false}, {"PublicKey", "PublicKey", str, false}}},
	"AsymmetricSign": {api: "Sign", dry: true, version: true, fixed: obj{"MessageType": "DIGEST"},
		in: []field{{"KeyId", "KeyId", str, true}, {"KeyVersionId", "", str, true}, {"Algorithm", "Algorithm", str, true},
			{"Digest", "Message", str, true}},
		out: []field{{"KeyId", "KeyId", str, false}, {"KeyVersionId", "KeyVersionId", str, false}, {"Value", "Signature", str, false}}},
	"AsymmetricVerify": {api: "Verify", dry: true, version: true, fixed: obj{"MessageType": "DIGEST"},
		in: []field{{"KeyId", "KeyId", str, true}, {"KeyVersionId", "", str, true}, {"Algorithm", "Algorithm", str, true},
			{"Digest", "Message", str, true}, {"Value", "Signature", str, true}},
		out: []field{{"KeyId", "KeyId", str, false}, {"KeyVersionId", "KeyVersionId", str, false}, {"Value", "Value", boolean, false}}},
	"AsymmetricEncrypt": {api: "Encrypt", dry: true, version: true,
		in: []field{{"KeyId", "KeyId", str, true}, {"KeyVersionId", "", str, true}, {"Algorithm", "Algorithm", str, true},
			{"Plaintext", "Plaintext", str, true}},
		out: []field{{"KeyId", "KeyId", str, false}, {"KeyVersionId", "KeyVersionId", str, false}, {"CiphertextBlob", "CiphertextBlob", str, false}}},
	"AsymmetricDecrypt": {api: "Decrypt", dry: true, version: true,
		in: []field{{"KeyId", "KeyId", str, true}, {"KeyVersionId", "", str, true}, {"Algorithm", "Algorithm", str, true},
			{"CiphertextBlob", "CiphertextBlob", str, true}},
		out: []field{{"KeyId", "KeyId", str, false}, {"KeyVersionId", "KeyVersionId", str, false}, {"Plaintext", "Plaintext", str, false}}},

	"CreateSecret": secret("CreateSecret", "SecretName", "SecretData", "VersionId", "SecretDataType", "SecretType", "EncryptionKeyId",
		"Description", "ExtendedConfig", "+EnableAutomaticRotation", "RotationInterval", "[Tags"),
	"GetSecretValue":           secret("GetSecretValue", "SecretName", "VersionId", "VersionStage", "+FetchExtendedConfig"),
	"PutSecretValue":           secret("PutSecretValue", "SecretName", "SecretData", "VersionId", "SecretDataType", "[VersionStages"),
	"UpdateSecretVersionStage": secret("UpdateSecretVersionStage", "SecretName", "VersionStage", "MoveToVersion", "RemoveFromVersion"),
	"RotateSecret":             secret("RotateSecret", "SecretName", "VersionId"),
	"DescribeSecret":           secret("DescribeSecret", "SecretName", "+FetchTags"),
	"ListSecrets":              secret("ListSecrets", "+FetchTags", "[Filters", "#PageNumber", "#PageSize").with(secretFilters),
	"ListSecretVersionIds":     secret("ListSecretVersionIds", "SecretName", "+IncludeDeprecated", "#PageNumber", "#PageSize"),
	"DeleteSecret":             secret("DeleteSecret", "SecretName", "+ForceDeleteWithoutRecovery", "#RecoveryWindowInDays"),
	"RestoreSecret":            secret("RestoreSecret", "SecretName"),
}

// required parameters of the secret actions (spec §3.1).
var secretRequired = map[string]bool{"SecretName": true, "SecretData": true, "VersionId": true, "VersionStage": true}

type kind int

const (
	str     kind = iota
	boolean      // "true"/"false" → JSON bool
	integer      // decimal → JSON number
	list         // a JSON array string (or flattened .N) → JSON array
)

type field struct {
	classic, engine string
	kind            kind
	required        bool
}

type mapping struct {
	api     string
	in, out []field
	fixed   obj  // constant request fields
	dry     bool // takes DryRun
	// version: the action names a KeyVersionId, which goes to the engine
	// as the instance API's x-kms-migrationkeyversionid (kms.Meta).
	version bool
	// passThrough: the answer is the engine's, with the classic API's
	// list wrappers added (secrets use the classic names already).
	passThrough bool
	// translate, when set, turns the classic request into the engine's
	// where their fields differ.
	translate func(req obj) error
}

func (m mapping) with(t func(obj) error) mapping { m.translate = t; return m }

// secretFilters turns ListSecrets' Filters into the engine's name prefixes.
// The classic API matches SecretName filters by prefix, the values OR-ed;
// the other filter keys (Description, TagKey, TagValue) are refused rather
// than ignored, so that a list is never wider than the caller asked.
func secretFilters(req obj) error {
	raw, ok := req["Filters"]
	if !ok {
		return nil
	}
	delete(req, "Filters")
	b, _ := json.Marshal(raw)
	var filters []struct {
		Key    string
		Values []string
	}
	if err := json.Unmarshal(b, &filters); err != nil {
		return invalid("Filters")
	}
	var prefixes []string
	for _, f := range filters {
		if f.Key != "SecretName" || len(f.Values) == 0 {
			return kmserr.InvalidParameter("The specified parameter \"Filters\" is not valid: pocketkms filters secrets by SecretName (a prefix) with at least one value.")
		}
		prefixes = append(prefixes, f.Values...)
	}
	req["NamePrefixes"] = prefixes
	return nil
}

// listDefaults are what proto3's JSON leaves out of the list answers (zero
// counts, empty lists) and the classic API always has.
var listDefaults = map[string]obj{
	"ListSecrets":          {"SecretList": []any{}, "TotalCount": 0},
	"ListSecretVersionIds": {"VersionIds": []any{}, "TotalCount": 0},
}

// secret builds a secret action's mapping from its parameter names: "+" is
// a bool, "#" an int, "[" a JSON list (the engine takes the structure the
// classic API carries as JSON text); the rest are strings. The classic
// API's DKMSInstanceId and Policy have no meaning here and are not passed.
func secret(api string, names ...string) mapping {
	m := mapping{api: api, passThrough: true, dry: api == "GetSecretValue"}
	for _, n := range names {
		k := str
		switch n[0] {
		case '+':
			k, n = boolean, n[1:]
		case '#':
			k, n = integer, n[1:]
		case '[':
			k, n = list, n[1:]
		}
		req := secretRequired[n] && !(api == "GetSecretValue" && n != "SecretName") && !(api == "RotateSecret" && n == "VersionId") &&
			!(api == "UpdateSecretVersionStage" && n == "VersionId")
		m.in = append(m.in, field{n, n, k, req})
	}
	return m
}

func (m mapping) run(c *opCtx) (obj, error) {
	req := obj{}
	for k, v := range m.fixed {
		req[k] = v
	}
	for _, f := range m.in {
		v, ok := c.p[f.classic]
		if !ok || v == "" {
			if f.required {
				return nil, missing(f.classic)
			}
			if f.kind != list {
				continue
			}
		}
		if f.engine == "" {
			continue
		}
		switch f.kind {
		case str:
			req[f.engine] = v
		case boolean:
			b, err := c.p.Bool(f.classic)
			if err != nil {
				return nil, err
			}
			req[f.engine] = b
		case integer:
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, invalid(f.classic)
			}
			req[f.engine] = n
		case list:
			if v == "" {
				if _, flat := c.p[f.classic+".1"]; !flat {
					continue
				}
			}
			var l any
			if v != "" {
				if err := json.Unmarshal([]byte(v), &l); err != nil {
					return nil, invalid(f.classic)
				}
			} else {
				items, err := c.p.List(f.classic)
				if err != nil {
					return nil, err
				}
				l = items
			}
			req[f.engine] = l
		}
	}
	if m.translate != nil {
		if err := m.translate(req); err != nil {
			return nil, err
		}
	}
	if m.dry {
		if _, err := c.dry(); err != nil {
			return nil, err
		}
	}
	if m.version {
		// The asymmetric actions refuse symmetric keys themselves: the
		// instance API's Encrypt and Decrypt take both kinds.
		k, err := c.describe(c.p["KeyId"])
		if err != nil {
			return nil, err
		}
		if strings.HasPrefix(k.KeySpec, "Aliyun_") {
			return nil, kmserr.New(400, codeUnsupportedOp, "Unsupported operation: the key %s is %s, not an asymmetric key.", k.KeyId, k.KeySpec)
		}
	}
	if m.version && c.dryRun {
		k, err := c.usableKey(c.p["KeyId"])
		if err != nil {
			return nil, err
		}
		var vs struct{ KeyVersions []engineVersion }
		if err := c.call("ListKeyVersions", obj{"KeyId": k.KeyId}, &vs); err != nil {
			return nil, err
		}
		for _, v := range vs.KeyVersions {
			if v.KeyVersionId == c.p["KeyVersionId"] {
				return obj{}, nil
			}
		}
		return nil, kmserr.New(404, "Forbidden.KeyVersionNotFound", "The specified Key version is not found.")
	}
	if c.dryRun { // secrets: the secret must exist
		return obj{}, c.call("DescribeSecret", obj{"SecretName": c.p["SecretName"]}, nil)
	}
	var resp map[string]any
	used := ""
	if m.version {
		meta, err := c.callMeta(m.api, req, &resp, kms.Meta{KeyVersionID: c.p["KeyVersionId"]})
		if err != nil {
			return nil, classicVersionError(err)
		}
		used = meta.KeyVersionID
	} else if err := c.call(m.api, req, &resp); err != nil {
		return nil, err
	}
	delete(resp, "RequestId")
	for k, v := range listDefaults[m.api] {
		if _, ok := resp[k]; !ok {
			resp[k] = v
		}
	}
	if m.passThrough {
		if name, ok := resp["SecretName"].(string); ok && (m.api == "CreateSecret" || m.api == "DescribeSecret") {
			resp["Arn"] = fmt.Sprintf("acs:kms:%s:%s:secret/%s", c.h.cfg.region, c.h.cfg.account, name)
		}
		return wrapLists(resp), nil
	}
	out := obj{}
	for _, f := range m.out {
		v, ok := resp[f.engine]
		switch {
		case ok:
			out[f.classic] = v
		case f.kind == boolean:
			out[f.classic] = false // proto3 leaves a false bool out
		case f.classic == "KeyVersionId":
			out[f.classic] = firstOf(used, c.p["KeyVersionId"])
		}
	}
	return out, nil
}

// listWrappers are the classic API's list shapes: a list field X is an
// object {Y: [...]} (spec §3.1).
var listWrappers = map[string]string{"VersionStages": "VersionStage", "SecretList": "Secret", "VersionIds": "VersionId", "Tags": "Tag"}

func wrapLists(m map[string]any) obj {
	for k, v := range m {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					wrapLists(em)
				}
			}
			if inner, ok := listWrappers[k]; ok {
				m[k] = obj{inner: x}
			}
		case map[string]any:
			wrapLists(x)
		}
	}
	return m
}

// classicVersionError renames the engine's answer to a version header that
// names no version of the key (404 Forbidden.KeyNotFound, "The key version
// …") as the classic API names a missing version (spec classic-openapi.md
// §5.1).
func classicVersionError(err error) error {
	if ke := kmserr.As(err); ke.Code == kmserr.CodeKeyNotFound && strings.HasPrefix(ke.Message, "The key version ") {
		return kmserr.New(404, "Forbidden.KeyVersionNotFound", "The specified Key version is not found.")
	}
	return err
}
