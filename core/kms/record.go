package kms

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/asym"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// Storage layout (core/store/layout.go, docs/storage.md): one JSON record
// per key under "keys/<KeyId>" holding its metadata and every version's
// material, one record per alias under "aliases/<AliasName>", and one index
// entry per key pending deletion under "deletions/<date>/<KeyId>".
const (
	keyPrefix      = store.KeyPrefix
	aliasPrefix    = store.AliasPrefix
	deletionPrefix = store.DeletionPrefix
)

// deletionName is the index entry of a key due for deletion at d: the date
// as Unix seconds, rounded up and zero-padded to 19 digits, so names sort by
// date for any date after 1970 (nanoseconds overflow in 2262).
func deletionName(d time.Time, keyID string) string {
	secs := d.Unix()
	if d.Nanosecond() > 0 {
		secs++
	}
	return fmt.Sprintf("%s%019d/%s", deletionPrefix, secs, keyID)
}

// parseDeletionName undoes deletionName.
func parseDeletionName(name string) (time.Time, string, bool) {
	rest, ok := strings.CutPrefix(name, deletionPrefix)
	if !ok || len(rest) < 21 || rest[19] != '/' {
		return time.Time{}, "", false
	}
	secs, err := strconv.ParseInt(rest[:19], 10, 64)
	if err != nil {
		return time.Time{}, "", false
	}
	return time.Unix(secs, 0), rest[20:], true
}

// Key states.
const (
	StateEnabled         = "Enabled"
	StateDisabled        = "Disabled"
	StatePendingDeletion = "PendingDeletion"
)

// keyRecord is what is stored for a key. Material is reachable only through
// the record's versions inside this package. The JSON names are the stored
// format (docs/storage.md): renaming a Go field must not change them, and
// a change of meaning takes a new keySchema.
type keyRecord struct {
	Schema           int             `json:"Schema"` // keySchema; 0 in records written before it existed
	KeyId            string          `json:"KeyId"`
	KeySpec          string          `json:"KeySpec"`
	KeyUsage         string          `json:"KeyUsage"`
	Description      string          `json:"Description,omitempty"`
	Origin           string          `json:"Origin,omitempty"`
	KeyState         string          `json:"KeyState"`
	CreationDate     time.Time       `json:"CreationDate"`
	DeleteDate       *time.Time      `json:"DeleteDate,omitempty"`
	RotationInterval string          `json:"RotationInterval,omitempty"` // as given; "" when off
	RotationSeconds  int64           `json:"RotationSeconds,omitempty"`
	LastRotationDate *time.Time      `json:"LastRotationDate,omitempty"`
	RotationSince    *time.Time      `json:"RotationSince,omitempty"` // when the current policy was turned on
	Versions         []versionRecord `json:"Versions"`                // oldest first; last is primary
	PrivateKey       []byte          `json:"PrivateKey,omitempty"`    // schema < 2 asymmetric material, see upgrade

	DeletionProtection            bool     `json:"DeletionProtection,omitempty"`
	DeletionProtectionDescription string   `json:"DeletionProtectionDescription,omitempty"`
	Tags                          []keyTag `json:"Tags,omitempty"` // sorted by TagKey

	// pending: the primary version is a projected automatic rotation
	// (projectRotation), not yet stored and without material.
	pending bool
}

// keySchema is the newest key record format this engine reads. Records of
// schema 0 (before the field) have the same fields and meaning as schema 1.
// Schema 2 is written for asymmetric keys only: their material is in their
// versions, as PKCS#8, instead of in PrivateKey (upgrade reads the older
// form), which an engine that knows only schema 1 must not misread.
// Symmetric keys are still written as schema 1.
const keySchema = 2

// schema is the format k is written in.
func (k *keyRecord) schema() int {
	if k.symmetric() {
		return 1
	}
	return 2
}

type versionRecord struct {
	KeyVersionId string    `json:"KeyVersionId"`
	CreationDate time.Time `json:"CreationDate"`
	Material     []byte    `json:"Material,omitempty"`
}

type aliasRecord struct {
	AliasName    string    `json:"AliasName"`
	KeyId        string    `json:"KeyId"`
	CreationDate time.Time `json:"CreationDate"`
}

func (k *keyRecord) initial() *versionRecord { return &k.Versions[0] }
func (k *keyRecord) primary() *versionRecord { return &k.Versions[len(k.Versions)-1] }

func (k *keyRecord) version(id string) *versionRecord {
	for i := range k.Versions {
		if k.Versions[i].KeyVersionId == id {
			return &k.Versions[i]
		}
	}
	return nil
}

func (k *keyRecord) symmetric() bool { return strings.HasPrefix(k.KeySpec, "Aliyun_") }

// gone reports whether a key scheduled for deletion has passed its date: from
// then on it is treated as absent and purged at the next write.
func (k *keyRecord) gone(now time.Time) bool {
	return k.KeyState == StatePendingDeletion && k.DeleteDate != nil && !now.Before(*k.DeleteDate)
}

// loadKey reads a key record by real key id; nil when absent or gone.
func (c *call) loadKey(id string) (*keyRecord, error) {
	raw, err := c.tx.Get(keyPrefix + id)
	if err != nil {
		return nil, kmserr.Internal("store read failed: %v", err)
	}
	if raw == nil {
		return nil, nil
	}
	k, err := c.e.memo.decode(id, raw)
	if err != nil {
		return nil, err
	}
	if k.gone(c.now) {
		return nil, nil
	}
	return k, nil
}

// decodeKey reads a stored key record of any schema this engine knows.
func decodeKey(id string, raw []byte) (*keyRecord, error) {
	var k keyRecord
	if err := json.Unmarshal(raw, &k); err != nil || len(k.Versions) == 0 {
		return nil, kmserr.Internal("key record %s is corrupt", id)
	}
	if k.Schema < 0 || k.Schema > keySchema {
		return nil, kmserr.Internal("key record %s has schema %d; this pocketkms reads up to %d: it was written by a newer version", id, k.Schema, keySchema)
	}
	if err := k.upgrade(); err != nil {
		return nil, err
	}
	return &k, nil
}

// upgrade moves the material of an asymmetric key written before Sign and
// Verify existed, one PrivateKey per key in a private encoding, to its
// initial version as PKCS#8, like every version made since. The record is
// rewritten the next time the key is saved.
func (k *keyRecord) upgrade() error {
	if len(k.PrivateKey) == 0 {
		return nil
	}
	key, err := asym.FromLegacy(k.KeySpec, k.PrivateKey)
	if err != nil || len(k.initial().Material) != 0 {
		return kmserr.Internal("key record %s is corrupt", k.KeyId)
	}
	k.initial().Material, k.PrivateKey = key.PKCS8(), nil
	return nil
}

func (c *call) saveKey(k *keyRecord) error {
	if err := c.materialize(k); err != nil {
		return err
	}
	k.Schema = k.schema()
	raw, err := json.Marshal(k)
	if err != nil {
		return kmserr.Internal("encode key record: %v", err)
	}
	c.tx.Put(keyPrefix+k.KeyId, raw)
	return nil
}

func (c *call) loadAlias(name string) (*aliasRecord, error) {
	raw, err := c.tx.Get(aliasPrefix + name)
	if err != nil {
		return nil, kmserr.Internal("store read failed: %v", err)
	}
	if raw == nil {
		return nil, nil
	}
	a, err := c.e.memo.alias(name, raw)
	if err != nil {
		return nil, kmserr.Internal("alias record %s is corrupt", name)
	}
	return a, nil
}

func (c *call) saveAlias(a *aliasRecord) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return kmserr.Internal("encode alias record: %v", err)
	}
	c.tx.Put(aliasPrefix+a.AliasName, raw)
	return nil
}

// resolve finds the key named by a key id or an alias. A due automatic
// rotation is projected, not stored: reads report it and write nothing;
// operations that encrypt or change the key store it (commitRotation,
// saveKey). Unknown names are 404 Forbidden.KeyNotFound.
func (c *call) resolve(name string) (*keyRecord, error) {
	if name == "" {
		return nil, kmserr.New(400, kmserr.CodeMissingParameter, "KeyId is required")
	}
	id := name
	if ids.IsAlias(name) {
		a, err := c.loadAlias(name)
		if err != nil {
			return nil, err
		}
		if a == nil {
			return nil, kmserr.KeyNotFound(name)
		}
		id = a.KeyId
	}
	k, err := c.loadKey(id)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, kmserr.KeyNotFound(name)
	}
	k.projectRotation(c.now)
	return k, nil
}

// usable checks that a key's state allows cryptographic use.
func usable(k *keyRecord) error {
	switch k.KeyState {
	case StateDisabled:
		return kmserr.New(409, kmserr.CodeDisabled, "The key %s is Disabled and cannot be used.", k.KeyId)
	case StatePendingDeletion:
		return kmserr.New(409, kmserr.CodePendingDeletion, "The key %s is PendingDeletion and cannot be used.", k.KeyId)
	}
	return nil
}

// aliasesOf lists the alias names bound to a key.
func (c *call) aliasesOf(keyID string) ([]*aliasRecord, error) {
	names, err := c.tx.List(aliasPrefix)
	if err != nil {
		return nil, kmserr.Internal("store list failed: %v", err)
	}
	var out []*aliasRecord
	for _, n := range names {
		a, err := c.loadAlias(strings.TrimPrefix(n, aliasPrefix))
		if err != nil {
			return nil, err
		}
		if a != nil && (keyID == "" || a.KeyId == keyID) {
			out = append(out, a)
		}
	}
	return out, nil
}

// purge deletes keys past their deletion date and their aliases. It runs in
// operations that write anyway, so material does not outlive its key long.
func (c *call) purge() error {
	names, err := c.tx.List(deletionPrefix)
	if err != nil {
		return kmserr.Internal("store list failed: %v", err)
	}
	// Names hold whole seconds rounded up: an entry may be due within the
	// current second, so the scan goes up to its end and asks the record.
	horizon := c.now.Truncate(time.Second).Add(time.Second)
	for _, n := range names {
		due, keyID, ok := parseDeletionName(n)
		if !ok {
			continue // not the engine's: leave it
		}
		if due.After(horizon) {
			break // sorted by date: the rest are not due either
		}
		// A record that cannot be read here is skipped, not fatal: purging is
		// housekeeping, and one damaged record must not stop key creation.
		// Operations that use that key still report it.
		raw, err := c.tx.Get(keyPrefix + keyID)
		if err != nil {
			continue
		}
		var k *keyRecord
		if raw != nil {
			if k, err = decodeKey(keyID, raw); err != nil {
				continue
			}
		}
		if raw == nil || k.KeyState != StatePendingDeletion || k.DeleteDate == nil || deletionName(*k.DeleteDate, k.KeyId) != n {
			c.tx.Delete(n) // a stale entry: the key is gone or no longer due then
			continue
		}
		if !k.gone(c.now) {
			continue // due later in this second
		}
		c.tx.Delete(n)
		c.tx.Delete(keyPrefix + keyID)
		as, err := c.aliasesOf(k.KeyId)
		if err != nil {
			return err
		}
		for _, a := range as {
			c.tx.Delete(aliasPrefix + a.AliasName)
		}
	}
	return nil
}
