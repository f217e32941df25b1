package kms

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// Managed secret types: the product rotates their credentials itself, so
// their SecretData is JSON of a fixed shape (spec §6) whose secret fields a
// rotation regenerates. pocketkms has no database or RAM user to change, so
// a rotation only makes the new value; the fields it keeps are the caller's.
var managedFields = map[string]struct{ required, generated []string }{
	"Rds":            {[]string{"AccountName", "AccountPassword"}, []string{"AccountPassword"}},
	"Redis":          {[]string{"AccountName", "AccountPassword"}, []string{"AccountPassword"}},
	"PolarDB":        {[]string{"AccountName", "AccountPassword"}, []string{"AccountPassword"}},
	"RAMCredentials": {[]string{"AccessKeyId", "AccessKeySecret"}, []string{"AccessKeyId", "AccessKeySecret", "GenerateTimestamp"}},
	"ECS":            {[]string{"UserName", "Password"}, []string{"Password"}},
}

func checkSecretType(t string) (string, error) {
	if t == "" {
		return TypeGeneric, nil
	}
	if _, ok := managedFields[t]; ok || t == TypeGeneric {
		return t, nil
	}
	return "", kmserr.InvalidParameter("SecretType %q is not valid: use Generic, Rds, Redis, PolarDB, RAMCredentials or ECS", t)
}

// checkManagedData checks that data is a JSON object with the type's
// string fields.
func checkManagedData(typ, data string) error {
	var m map[string]any
	if err := json.Unmarshal([]byte(data), &m); err != nil || m == nil {
		return kmserr.InvalidParameter("SecretData of a %s secret must be a JSON object", typ)
	}
	for _, f := range managedFields[typ].required {
		if s, ok := m[f].(string); !ok || s == "" {
			return kmserr.InvalidParameter("SecretData of a %s secret must have the string field %s", typ, f)
		}
	}
	return nil
}

// checkExtendedConfig accepts a JSON object, as text.
func checkExtendedConfig(s string) error {
	if s == "" {
		return nil
	}
	var m map[string]any
	if len(s) > maxSecretData || json.Unmarshal([]byte(s), &m) != nil || m == nil {
		return kmserr.InvalidParameter("ExtendedConfig must be a JSON object")
	}
	return nil
}

// Secret rotation intervals: 6 hours to 8760 hours (spec §6).
const (
	minSecretRotation = 6 * time.Hour
	maxSecretRotation = 8760 * time.Hour
)

// ParseSecretRotationInterval reads `<int><d|h|m|s>` and checks the 6h to
// 8760h range the product allows for secrets.
func ParseSecretRotationInterval(s string) (time.Duration, error) {
	return parseInterval(s, minSecretRotation, maxSecretRotation, "6h", "8760h")
}

// parseInterval reads `<int><d|h|m|s>` within [lo, hi].
func parseInterval(s string, lo, hi time.Duration, loText, hiText string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, kmserr.InvalidParameter("RotationInterval %q must be <number><d|h|m|s>, e.g. 30d", s)
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}[s[len(s)-1]]
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if unit == 0 || err != nil || n <= 0 {
		return 0, kmserr.InvalidParameter("RotationInterval %q must be <number><d|h|m|s>, e.g. 30d", s)
	}
	if n > int64(hi/unit) || time.Duration(n)*unit < lo {
		return 0, kmserr.InvalidParameter("RotationInterval %q must be between %s and %s", s, loText, hiText)
	}
	return time.Duration(n) * unit, nil
}

// setSecretRotation applies a rotation policy to s.
func (c *call) setSecretRotation(s *secretRecord, enable bool, interval string) error {
	if !enable {
		if interval != "" {
			return kmserr.InvalidParameter("RotationInterval is given but EnableAutomaticRotation is false")
		}
		s.RotationSeconds, s.RotationSince = 0, nil
		return nil
	}
	if interval == "" {
		return kmserr.New(400, kmserr.CodeMissingParameter, "RotationInterval is required when EnableAutomaticRotation is true")
	}
	d, err := ParseSecretRotationInterval(interval)
	if err != nil {
		return err
	}
	now := c.now
	s.RotationSeconds, s.RotationSince = int64(d/time.Second), &now
	return nil
}

const (
	alnum         = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	passwordChars = alnum + "!#$%^&*()-_=+"
)

// randomText draws n characters from set, uniformly (rejection sampling).
func (c *call) randomText(set string, n int) (string, error) {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(set)
	for len(out) < n {
		b, err := c.random(n)
		if err != nil {
			return "", err
		}
		for _, x := range b {
			if int(x) < limit && len(out) < n {
				out = append(out, set[int(x)%len(set)])
			}
		}
	}
	return string(out), nil
}

// secretVersionID is a request's VersionId, checked, or a fresh one when the
// request gives none.
func (c *call) secretVersionID(given string) (string, error) {
	if given != "" {
		return given, checkLabel("VersionId", given)
	}
	return c.newSecretVersionID()
}

func (c *call) newSecretVersionID() (string, error) {
	b, err := c.random(16)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// rotatedData makes a managed secret's next value: its current JSON with
// fresh credentials.
func (c *call) rotatedData(s *secretRecord, current string) (string, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(current), &m); err != nil || m == nil {
		return "", kmserr.Internal("the current value of secret %s is not a JSON object", s.SecretName)
	}
	for _, f := range managedFields[s.SecretType].generated {
		var v string
		var err error
		switch f {
		case "AccessKeyId":
			v, err = c.randomText(alnum, 20)
			v = "LTAI" + v
		case "AccessKeySecret":
			v, err = c.randomText(alnum, 30)
		case "GenerateTimestamp":
			v = formatTime(c.now)
		default:
			v, err = c.randomText(passwordChars, 32)
		}
		if err != nil {
			return "", err
		}
		m[f] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		return "", kmserr.Internal("encode rotated value: %v", err)
	}
	return string(out), nil
}

// rotate gives a managed secret a new ACSCurrent version with fresh
// credentials (versionID, or a generated id).
func (c *call) rotate(s *secretRecord, versionID string) error {
	cur := stageOwner(s.Versions, StageCurrent)
	if cur < 0 {
		return kmserr.InvalidParameter("the secret %s has no ACSCurrent version to rotate from", s.SecretName)
	}
	old, err := c.value(s, &s.Versions[cur])
	if err != nil {
		return err
	}
	data, err := c.rotatedData(s, old)
	if err != nil {
		return err
	}
	if versionID == "" {
		if versionID, err = c.newSecretVersionID(); err != nil {
			return err
		}
	}
	v := secretVersion{VersionId: versionID, CreateTime: c.now, DataType: "text"}
	if err := c.putValue(s, &v, data); err != nil {
		return err
	}
	if err := addSecretVersion(s, v, []string{StageCurrent}); err != nil {
		return err
	}
	now := c.now
	s.LastRotationDate, s.UpdateTime = &now, now
	return nil
}
