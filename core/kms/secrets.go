package kms

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/blob"
)

// Secrets (docs/secrets.md, spec asymmetric-and-secrets.md §6, §10.6): one
// JSON record per secret under "secrets/<SecretName>" holding its metadata
// and every version's value. Hosts that persist to disk seal the whole
// record (store.Prefixes marks it sealed); a secret with an EncryptionKeyId also keeps
// each value as a ciphertext blob under that key, so disabling the key
// makes the value unreadable.
const secretPrefix = store.SecretPrefix

// Secret types and the built-in stages.
const (
	TypeGeneric   = "Generic"
	StageCurrent  = "ACSCurrent"
	StagePrevious = "ACSPrevious"
)

// Limits the product documents, and the version limit spec §10.6 fixes.
const (
	maxSecretName    = 192
	maxSecretData    = 30720
	maxSecretVersion = 64
	maxSecretDesc    = 8192
	maxVersions      = 100
)

// Error codes of the secret operations (classic API docs, spec §10.2).
const (
	codeResourceNotFound = "Forbidden.ResourceNotFound"
	codeResourceExist    = "Rejected.ResourceExist"
	codeInDeleteWindow   = "Rejected.ResourceInDeleteWindow"
	codeLimitExceeded    = "Rejected.LimitExceeded"
)

type secretRecord struct {
	SecretName        string
	SecretType        string
	Description       string `json:",omitempty"`
	EncryptionKeyId   string `json:",omitempty"` // the real key id
	ExtendedConfig    string `json:",omitempty"`
	CreateTime        time.Time
	UpdateTime        time.Time
	RotationSeconds   int64           `json:",omitempty"`
	RotationSince     *time.Time      `json:",omitempty"`
	LastRotationDate  *time.Time      `json:",omitempty"`
	PlannedDeleteTime *time.Time      `json:",omitempty"`
	Tags              []keyTag        `json:",omitempty"`
	Versions          []secretVersion // oldest first
}

type secretVersion struct {
	VersionId  string
	CreateTime time.Time
	DataType   string
	Data       string   `json:",omitempty"` // the value, when no EncryptionKeyId
	Blob       []byte   `json:",omitempty"` // the value sealed under EncryptionKeyId
	Stages     []string `json:",omitempty"`
}

func (s *secretRecord) managed() bool { return s.SecretType != TypeGeneric }

func (s *secretRecord) gone(now time.Time) bool {
	return s.PlannedDeleteTime != nil && !now.Before(*s.PlannedDeleteTime)
}

func (s *secretRecord) version(id string) int {
	for i := range s.Versions {
		if s.Versions[i].VersionId == id {
			return i
		}
	}
	return -1
}

func (s *secretRecord) nextRotation() time.Time {
	if s.RotationSeconds == 0 {
		return time.Time{}
	}
	last := s.CreateTime
	for _, t := range []*time.Time{s.LastRotationDate, s.RotationSince} {
		if t != nil && t.After(last) {
			last = *t
		}
	}
	return last.Add(time.Duration(s.RotationSeconds) * time.Second)
}

func secretNotFound(name string) error {
	return kmserr.New(404, codeResourceNotFound, "The resource not exists: the secret %s is not found.", name)
}

// checkSecretName applies the product's naming rules.
func checkSecretName(name, typ string) error {
	if name == "" {
		return kmserr.New(400, kmserr.CodeMissingParameter, "SecretName is required")
	}
	if len(name) > maxSecretName {
		return kmserr.InvalidParameter("SecretName is %d characters, at most %d are allowed", len(name), maxSecretName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_/+=.@-", r)) {
			return kmserr.InvalidParameter("SecretName %q may only hold letters, digits and _/+=.@-", name)
		}
	}
	switch {
	case typ == "ECS" && !strings.HasPrefix(name, "acs/ecs/"):
		return kmserr.InvalidParameter("SecretName %q of an ECS secret must start with acs/ecs/", name)
	case typ != "ECS" && strings.HasPrefix(name, "acs/"):
		return kmserr.InvalidParameter("SecretName %q must not start with acs/: the prefix is reserved for ECS secrets", name)
	}
	return nil
}

// checkLabel checks a VersionId or a stage label.
func checkLabel(field, v string) error {
	if v == "" || len(v) > maxSecretVersion {
		return kmserr.InvalidParameter("%s must be 1 to %d characters", field, maxSecretVersion)
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-", r)) {
			return kmserr.InvalidParameter("%s %q may only hold letters, digits and _.-", field, v)
		}
	}
	return nil
}

// checkValue checks a SecretData and its SecretDataType for a secret of
// type typ, returning the data type.
func checkValue(data, dataType, typ string) (string, error) {
	if data == "" {
		return "", kmserr.New(400, kmserr.CodeMissingParameter, "SecretData is required")
	}
	if len(data) > maxSecretData {
		return "", kmserr.InvalidParameter("SecretData is %d bytes, at most %d are allowed", len(data), maxSecretData)
	}
	if !utf8.ValidString(data) {
		return "", kmserr.InvalidParameter("SecretData must be UTF-8 text: give binary values as base64 with SecretDataType binary")
	}
	switch dataType {
	case "":
		dataType = "text"
	case "text", "binary":
	default:
		return "", kmserr.InvalidParameter("SecretDataType %q is not valid: use text or binary", dataType)
	}
	if typ != TypeGeneric {
		if dataType != "text" {
			return "", kmserr.InvalidParameter("SecretDataType of a %s secret must be text", typ)
		}
		if err := checkManagedData(typ, data); err != nil {
			return "", err
		}
	}
	return dataType, nil
}

func (c *call) loadSecret(name string) (*secretRecord, error) {
	raw, err := c.tx.Get(secretPrefix + name)
	if err != nil {
		return nil, kmserr.Internal("store read failed: %v", err)
	}
	if raw == nil {
		return nil, nil
	}
	var s secretRecord
	if err := json.Unmarshal(raw, &s); err != nil || len(s.Versions) == 0 {
		return nil, kmserr.Internal("secret record is corrupt")
	}
	if s.gone(c.now) {
		return nil, nil
	}
	return &s, nil
}

func (c *call) saveSecret(s *secretRecord) error {
	raw, err := json.Marshal(s)
	if err != nil {
		return kmserr.Internal("encode secret record: %v", err)
	}
	c.tx.Put(secretPrefix+s.SecretName, raw)
	return nil
}

// secret loads a secret that must exist; live also refuses one in its
// recovery window.
func (c *call) secret(name string, live bool) (*secretRecord, error) {
	if name == "" {
		return nil, kmserr.New(400, kmserr.CodeMissingParameter, "SecretName is required")
	}
	s, err := c.loadSecret(name)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return nil, secretNotFound(name)
	}
	if live && s.PlannedDeleteTime != nil {
		return nil, kmserr.New(409, codeInDeleteWindow, "The secret %s is planned to be deleted; restore it first.", name)
	}
	return s, nil
}

// secretAAD binds a sealed value to its secret and version, so that a blob
// copied into another version does not open.
func secretAAD(name, versionID string) []byte {
	return []byte("pocketkms secret\x00" + name + "\x00" + versionID)
}

// putValue stores data in v: sealed under the secret's key when it has one.
func (c *call) putValue(s *secretRecord, v *secretVersion, data string) error {
	if s.EncryptionKeyId == "" {
		v.Data = data
		return nil
	}
	k, err := c.cryptoKey(s.EncryptionKeyId)
	if err != nil {
		return err
	}
	sl, err := c.seal(k, k.primary(), "", "", nil, secretAAD(s.SecretName, v.VersionId), []byte(data))
	if err != nil {
		return err
	}
	v.Blob, err = (&blob.Blob{Algorithm: sl.spec.Name, Padding: sl.padding, KeyVersionID: k.primary().KeyVersionId, IV: sl.iv, Ciphertext: sl.ciphertext}).Marshal()
	if err != nil {
		return kmserr.Internal("%v", err)
	}
	return nil
}

// value reads v's data back. A disabled or deleted EncryptionKeyId key
// makes it fail with that key's error (spec §10.6).
func (c *call) value(s *secretRecord, v *secretVersion) (string, error) {
	if v.Blob == nil {
		return v.Data, nil
	}
	b, err := blob.Parse(v.Blob)
	if err != nil {
		return "", kmserr.Internal("secret value blob is corrupt")
	}
	k, err := c.cryptoKey(s.EncryptionKeyId)
	if err != nil {
		return "", err
	}
	kv := k.version(b.KeyVersionID)
	if kv == nil {
		return "", kmserr.New(404, "Forbidden.KeyVersionNotFound", "The key version %s that encrypts the secret %s is not found.", b.KeyVersionID, s.SecretName)
	}
	_, _, pt, err := c.open(k, kv, b.Algorithm, b.Padding, b.IV, secretAAD(s.SecretName, v.VersionId), b.Ciphertext)
	if err != nil {
		return "", kmserr.Internal("the value of secret %s version %s does not decrypt", s.SecretName, v.VersionId)
	}
	return string(pt), nil
}

// housekeeping runs in every secret operation that writes: it removes
// secrets past their recovery window and rotates managed secrets whose
// automatic rotation has fallen due. Reads never change the store. It peeks
// at records outside the transaction, so that operations on different
// secrets do not conflict, and reads through it only the records it changes.
func (c *call) housekeeping() error {
	names, err := c.tx.List(secretPrefix)
	if err != nil {
		return kmserr.Internal("store list failed: %v", err)
	}
	for _, n := range names {
		raw, _, err := c.e.b.Get(n)
		if err != nil || raw == nil {
			continue
		}
		var s secretRecord
		if json.Unmarshal(raw, &s) != nil || !s.due(c.now) {
			continue
		}
		raw, err = c.tx.Get(n)
		if err != nil || raw == nil || json.Unmarshal(raw, &s) != nil {
			continue
		}
		if s.gone(c.now) {
			c.tx.Delete(n)
			continue
		}
		if s.due(c.now) {
			if err := c.rotate(&s, ""); err != nil {
				// A secret that cannot rotate now (its key disabled) is
				// left as it is: one secret must not stop writes to others.
				continue
			}
			if err := c.saveSecret(&s); err != nil {
				return err
			}
		}
	}
	return nil
}

// due reports whether housekeeping has something to do with s.
func (s *secretRecord) due(now time.Time) bool {
	if s.gone(now) {
		return true
	}
	return s.managed() && s.PlannedDeleteTime == nil && s.RotationSeconds != 0 && !now.Before(s.nextRotation())
}
