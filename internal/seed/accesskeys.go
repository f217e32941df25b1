package seed

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/accesskeys"
)

// AccessKeyEntry is one AccessKeys entry: a pair the classic OpenAPI
// accepts (docs/classic-api.md). The store keeps the secret sealed.
type AccessKeyEntry struct {
	AccessKeyId     string
	AccessKeySecret string
}

// String never shows the secret.
func (e AccessKeyEntry) String() string { return fmt.Sprintf("AccessKey %s", e.AccessKeyId) }

// GoString is String, for %#v.
func (e AccessKeyEntry) GoString() string { return e.String() }

// accessKey reads one AccessKeys entry. Errors never quote the secret.
func (p *parser) accessKey(path string, raw []byte) (AccessKeyEntry, error) {
	var e AccessKeyEntry
	members, err := p.object(path, raw)
	if err != nil {
		return e, err
	}
	fields := map[string]*string{"AccessKeyId": &e.AccessKeyId, "AccessKeySecret": &e.AccessKeySecret}
	for _, m := range members {
		fp := join(path, m.name)
		dst, ok := fields[m.name]
		if !ok {
			return e, p.unknown(fp, m.name, "an AccessKeys entry", []string{"AccessKeyId", "AccessKeySecret"})
		}
		v := bytes.TrimSpace(m.value)
		if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, dst) != nil {
			return e, p.errf(fp, "must be a string, not %s", shape(v))
		}
	}
	if err := accesskeys.CheckID(e.AccessKeyId); err != nil {
		return e, p.errf(path+".AccessKeyId", "%v", err)
	}
	if err := accesskeys.CheckSecret(e.AccessKeySecret); err != nil {
		return e, p.errf(path+".AccessKeySecret", "%v", err)
	}
	return e, nil
}

// accessKey registers one entry, or checks that the same pair is there.
func (a *applier) accessKey(i int, e AccessKeyEntry) error {
	path := fmt.Sprintf("AccessKeys[%d]", i)
	key := store.AccessKeyPrefix + e.AccessKeyId
	old, _, err := a.o.Get(key)
	if err != nil {
		return a.errf(path, "store read failed: %v", err)
	}
	if old != nil {
		var prev accesskeys.Record
		if json.Unmarshal(old, &prev) == nil && subtle.ConstantTimeCompare([]byte(prev.AccessKeySecret), []byte(e.AccessKeySecret)) == 1 {
			a.s.AccessKeysExisting = append(a.s.AccessKeysExisting, e.AccessKeyId)
			return nil
		}
		return a.errf(path, "the AccessKey %s is already registered with another secret; revoke it first (pocketkms accesskey revoke %s)", e.AccessKeyId, e.AccessKeyId)
	}
	_, value, err := accesskeys.Encode(accesskeys.Record{AccessKeyId: e.AccessKeyId, AccessKeySecret: e.AccessKeySecret,
		CreationDate: time.Now().UTC().Truncate(time.Second), Source: "seed"})
	if err != nil {
		return a.errf(path, "%v", err)
	}
	if err := a.o.Commit(nil, []store.Write{{Key: key, Value: value}}); err != nil {
		return a.errf(path, "%v", err)
	}
	a.s.AccessKeysAdded = append(a.s.AccessKeysAdded, e.AccessKeyId)
	return nil
}
