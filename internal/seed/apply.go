package seed

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/asym"
	"github.com/pocketkms/pocketkms/internal/blob"
	"github.com/pocketkms/pocketkms/internal/ids"
	"github.com/pocketkms/pocketkms/internal/modes"
)

// ClientKeyRecordFunc turns a ClientKeys entry into the record that
// registers it: its store key (store.ClientKeyPrefix + id) and value. The host
// provides it (internal/clientkeys has the real one); the value must hold no
// private key. Apply compares a record already in the store with the new
// one ignoring a top-level "CreationDate", so the function may stamp the
// time of registration.
type ClientKeyRecordFunc func(e ClientKeyEntry) (key string, value []byte, err error)

// Summary says what Apply did.
type Summary struct {
	Imported            []string // ids of the keys imported
	Existing            []string // ids of keys already in the store and consistent with the file
	AliasesAdded        []string // aliases bound to keys that were already there
	ClientKeysAdded     []string // ClientKey ids registered
	ClientKeysExisting  []string // ClientKey ids already registered identically
	AccessKeysAdded     []string // AccessKey ids registered
	AccessKeysExisting  []string // AccessKey ids already registered with the same secret
	SecretsImported     []string // names of the secrets imported
	SecretsExisting     []string // names of secrets already holding every version of the file
	SecretVersionsAdded int      // versions added to secrets that were already there
	// Notes name differences that Apply leaves alone on purpose: settings
	// (KeyState, RotationInterval, Description) that may have been changed
	// at run time since the key was seeded.
	Notes []string
	// Committed reports whether the store was written at all.
	Committed bool
}

// String is a one-line account for a log, followed by the notes, if any.
func (s Summary) String() string {
	out := fmt.Sprintf("%d keys imported, %d already present, %d aliases added, %d ClientKeys registered, %d already registered",
		len(s.Imported), len(s.Existing), len(s.AliasesAdded), len(s.ClientKeysAdded), len(s.ClientKeysExisting))
	if len(s.AccessKeysAdded)+len(s.AccessKeysExisting) > 0 {
		out += fmt.Sprintf(", %d AccessKeys registered, %d already registered", len(s.AccessKeysAdded), len(s.AccessKeysExisting))
	}
	if len(s.SecretsImported)+len(s.SecretsExisting)+s.SecretVersionsAdded > 0 {
		out += fmt.Sprintf(", %d secrets imported, %d already present, %d secret versions added", len(s.SecretsImported), len(s.SecretsExisting), s.SecretVersionsAdded)
	}
	if !s.Committed {
		out += "; nothing to write"
	}
	for _, n := range s.Notes {
		out += "\n  note: " + n
	}
	return out
}

// maxApplyAttempts bounds the retries of an Apply whose final commit lost a
// race with another writer (a CLI command, a server request).
const maxApplyAttempts = 8

// Apply brings the store in line with f. Every write goes to a nested
// transaction (store.Nest) first and reaches backend in one Commit at the end, so an error anywhere
// in the file leaves backend unchanged. An entry that already exists (by
// KeyId, or by its first alias when it has no KeyId) is checked, not
// imported again: applying the same file twice commits nothing the second
// time. clientKeyRecord may be nil when f has no ClientKeys.
//
// backend is the host's store as the engine sees it: a disk-backed host
// passes its sealing wrapper, so imported material is sealed at rest.
func Apply(ctx context.Context, backend store.Backend, f *File, clientKeyRecord ClientKeyRecordFunc) (Summary, error) {
	// A File built in code has not been through Parse.
	p := &parser{file: f.Name}
	for i, k := range f.Keys {
		if k == nil {
			return Summary{}, p.errf(fmt.Sprintf("Keys[%d]", i), "is missing")
		}
		if err := p.checkKey(fmt.Sprintf("Keys[%d]", i), k); err != nil {
			return Summary{}, err
		}
	}
	for i, s := range f.Secrets {
		if s == nil {
			return Summary{}, p.errf(fmt.Sprintf("Secrets[%d]", i), "is missing")
		}
		if err := p.checkSecret(fmt.Sprintf("Secrets[%d]", i), s); err != nil {
			return Summary{}, err
		}
	}
	if err := p.duplicates(f); err != nil {
		return Summary{}, err
	}
	for attempt := 0; attempt < maxApplyAttempts; attempt++ {
		s, err := applyOnce(ctx, backend, f, clientKeyRecord)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return s, err
	}
	return Summary{}, &Error{File: f.Name, Msg: "the store kept changing under the apply; nothing was written, try again"}
}

type applier struct {
	ctx context.Context
	f   *File
	o   *store.Nested
	eng *kms.Engine
	s   Summary
}

func applyOnce(ctx context.Context, backend store.Backend, f *File, rec ClientKeyRecordFunc) (Summary, error) {
	o := store.Nest(backend)
	a := &applier{ctx: ctx, f: f, o: o, eng: kms.New(o, kms.NewConfig())}
	for i, e := range f.ClientKeys {
		if err := a.clientKey(i, e, rec); err != nil {
			return Summary{}, err
		}
	}
	for i, e := range f.AccessKeys {
		if err := a.accessKey(i, e); err != nil {
			return Summary{}, err
		}
	}
	for i, k := range f.Keys {
		if err := ctx.Err(); err != nil {
			return Summary{}, a.errf("", "%v; nothing was written", err)
		}
		if err := a.key(i, k); err != nil {
			return Summary{}, err
		}
	}
	for i, s := range f.Secrets { // after the keys: an EncryptionKeyId may name one
		if err := a.secret(i, s); err != nil {
			return Summary{}, err
		}
	}
	committed, err := o.Apply()
	if errors.Is(err, store.ErrConflict) {
		return Summary{}, err
	}
	if err != nil {
		return Summary{}, a.errf("", "store commit failed, nothing was written: %v", err)
	}
	a.s.Committed = committed
	return a.s, nil
}

func (a *applier) errf(field, format string, args ...any) *Error {
	return &Error{File: a.f.Name, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func (a *applier) call(api string, req pb.Message) (pb.Message, *kmserr.Error) {
	resp, err := a.eng.Call(api, req)
	if err != nil {
		return nil, kmserr.As(err)
	}
	return resp, nil
}

// describe finds a key by id or alias; nil when there is none.
func (a *applier) describe(name string) (*pb.KeyMetadata, *kmserr.Error) {
	resp, err := a.call("DescribeKey", &pb.KeyIdRequest{KeyId: name})
	if err != nil {
		if err.Code == kmserr.CodeKeyNotFound {
			return nil, nil
		}
		return nil, err
	}
	return resp.(*pb.KeyResponse).KeyMetadata, nil
}

func (a *applier) key(i int, k *pb.ImportKeyRequest) error {
	path := fmt.Sprintf("Keys[%d]", i)
	name, nameField := k.KeyId, path+".KeyId"
	if name == "" {
		name, nameField = k.Aliases[0], path+".Aliases[0]"
	}
	md, kerr := a.describe(name)
	if kerr != nil {
		return a.errf(nameField, "%s", kerr.Message)
	}
	target := k.KeyId
	if md != nil {
		target = md.KeyId
	}
	// An alias bound to another key is a contradiction either way.
	var free []string
	for j, alias := range k.Aliases {
		bound, kerr := a.describe(alias)
		if kerr != nil {
			return a.errf(fmt.Sprintf("%s.Aliases[%d]", path, j), "%s", kerr.Message)
		}
		switch {
		case bound == nil:
			free = append(free, alias)
		case target == "" || bound.KeyId != target:
			return a.errf(fmt.Sprintf("%s.Aliases[%d]", path, j), "%s already names %s in the store", alias, bound.KeyId)
		}
	}
	if md == nil {
		return a.importKey(path, k)
	}
	return a.existing(path, k, md, free)
}

func (a *applier) importKey(path string, k *pb.ImportKeyRequest) error {
	resp, kerr := a.call("ImportKey", pb.Clone(k))
	if kerr != nil {
		return a.errf(path, "%s: %s", kerr.Code, kerr.Message)
	}
	a.s.Imported = append(a.s.Imported, resp.(*pb.KeyResponse).KeyMetadata.KeyId)
	return nil
}

// existing checks an entry against the key already in the store. What
// identifies the key (spec, usage, listed versions and their material) must
// agree; aliases the store lacks are added; settings an operator may have
// changed since are left alone and noted.
func (a *applier) existing(path string, k *pb.ImportKeyRequest, md *pb.KeyMetadata, free []string) error {
	what := md.KeyId
	if k.KeyId == "" {
		what = fmt.Sprintf("%s (named by %s)", md.KeyId, k.Aliases[0])
	}
	spec := orDefault(k.KeySpec, kms.SpecAES256)
	usage := orDefault(k.KeyUsage, kms.UsageEncrypt)
	if asym.IsSpec(spec) {
		usage = orDefault(k.KeyUsage, kms.UsageSign)
	}
	if md.KeySpec != spec {
		return a.errf(path+".KeySpec", "is %s but the key %s in the store is %s", spec, what, md.KeySpec)
	}
	if md.KeyUsage != usage {
		return a.errf(path+".KeyUsage", "is %s but the key %s in the store is %s", usage, what, md.KeyUsage)
	}
	resp, kerr := a.call("ListKeyVersions", &pb.KeyIdRequest{KeyId: md.KeyId})
	if kerr != nil {
		return a.errf(path, "%s", kerr.Message)
	}
	have := map[string]bool{}
	for _, v := range resp.(*pb.ListKeyVersionsResponse).KeyVersions {
		have[v.KeyVersionId] = true
	}
	for j, v := range k.Versions {
		vp := fmt.Sprintf("%s.Versions[%d]", path, j)
		if v.KeyVersionId == "" {
			continue // a generated version: nothing to match it with
		}
		if !have[v.KeyVersionId] {
			return a.errf(vp+".KeyVersionId", "%s is not a version of the key %s in the store (it has %d); a seed does not add versions to an existing key", v.KeyVersionId, what, len(have))
		}
		if len(v.KeyMaterial) == 0 {
			continue
		}
		if md.KeyState != kms.StateEnabled {
			a.note("%s.KeyMaterial: not checked, the key %s is %s", vp, what, md.KeyState)
			continue
		}
		same, err := a.sameMaterial(spec, v.KeyVersionId, v.KeyMaterial)
		if err != nil {
			return a.errf(vp+".KeyMaterial", "cannot check it: %v", err)
		}
		if !same {
			return a.errf(vp+".KeyMaterial", "differs from the material of %s in the store", v.KeyVersionId)
		}
	}
	for _, alias := range free {
		if _, kerr := a.call("CreateAlias", &pb.AliasRequest{AliasName: alias, KeyId: md.KeyId}); kerr != nil {
			return a.errf(path+".Aliases", "%s: %s", alias, kerr.Message)
		}
		a.s.AliasesAdded = append(a.s.AliasesAdded, alias)
	}
	if st := orDefault(k.KeyState, kms.StateEnabled); st != md.KeyState {
		a.note("%s.KeyState: the file says %s, the key %s is %s; left as is", path, st, what, md.KeyState)
	}
	if k.RotationInterval != md.RotationInterval {
		a.note("%s.RotationInterval: the file says %q, the key %s has %q; left as is", path, k.RotationInterval, what, md.RotationInterval)
	}
	if k.Description != md.Description {
		a.note("%s.Description: differs from the key %s's; left as is", path, what)
	}
	a.s.Existing = append(a.s.Existing, md.KeyId)
	return nil
}

func (a *applier) note(format string, args ...any) {
	a.s.Notes = append(a.s.Notes, fmt.Sprintf(format, args...))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// probe is what sameMaterial encrypts; its content does not matter.
var probe = []byte("pocketkms seed: same material?")

// sameMaterial tells whether a stored version holds material, without the
// engine ever revealing it: seal a probe locally under material, in a blob
// naming the version, and ask the engine to open it. GCM authentication
// fails unless the engine's material is the same.
func (a *applier) sameMaterial(spec, versionID string, material []byte) (bool, error) {
	if asym.IsSpec(spec) {
		return a.samePublicKey(versionID, material)
	}
	alg := modes.AES_GCM
	if spec == kms.SpecSM4 {
		alg = modes.SM4_GCM
	}
	ms, _ := modes.Lookup(alg)
	iv := make([]byte, ms.IVSize())
	if _, err := rand.Read(iv); err != nil {
		return false, err
	}
	ct, err := ms.Seal(modes.Params{Key: material, IV: iv}, probe)
	if err != nil {
		return false, err
	}
	b, err := (&blob.Blob{Algorithm: alg, KeyVersionID: versionID, IV: iv, Ciphertext: ct}).Marshal()
	if err != nil {
		return false, err
	}
	resp, kerr := a.call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: b})
	if kerr != nil {
		if kerr.Code == kmserr.CodeInvalidParameter {
			return false, nil // authentication failed: other material
		}
		return false, kerr
	}
	pt := resp.(*pb.AdvanceDecryptResponse).Plaintext
	return subtle.ConstantTimeCompare(pt, probe) == 1, nil
}

// samePublicKey tells whether a stored asymmetric version holds the private
// key material, by the public key it answers with.
func (a *applier) samePublicKey(versionID string, material []byte) (bool, error) {
	key, err := asym.ParsePrivateKey(material)
	if err != nil {
		return false, err
	}
	resp, _, err := a.eng.CallMeta("GetPublicKey", &pb.GetPublicKeyRequest{KeyId: ids.KeyIDOfVersion(versionID)}, kms.Meta{KeyVersionID: versionID})
	if err != nil {
		return false, err
	}
	return resp.(*pb.GetPublicKeyResponse).PublicKey == string(asym.PEM(asym.PEMPublicKey, key.Public().SPKI())), nil
}

func (a *applier) clientKey(i int, e ClientKeyEntry, rec ClientKeyRecordFunc) error {
	path := fmt.Sprintf("ClientKeys[%d]", i)
	if rec == nil {
		return a.errf(path, "this host cannot register ClientKeys")
	}
	key, value, err := rec(e)
	if err != nil {
		return a.errf(path, "%v", err)
	}
	if !strings.HasPrefix(key, store.ClientKeyPrefix) || len(key) == len(store.ClientKeyPrefix) {
		return a.errf(path, "the ClientKey registry gave the record key %q, outside %s", key, store.ClientKeyPrefix)
	}
	old, _, err := a.o.Get(key)
	if err != nil {
		return a.errf(path, "store read failed: %v", err)
	}
	switch {
	case old == nil:
		if err := a.o.Commit(nil, []store.Write{{Key: key, Value: value}}); err != nil {
			return a.errf(path, "%v", err)
		}
		a.s.ClientKeysAdded = append(a.s.ClientKeysAdded, e.KeyId)
	case sameRecord(old, value):
		a.s.ClientKeysExisting = append(a.s.ClientKeysExisting, e.KeyId)
	default:
		return a.errf(path, "the ClientKey %s is already registered with another certificate; revoke it first (pocketkms clientkey revoke %s)", e.KeyId, e.KeyId)
	}
	return nil
}

// sameRecord compares two ClientKey records, ignoring when each was made.
func sameRecord(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ma, mb map[string]json.RawMessage
	if json.Unmarshal(a, &ma) != nil || json.Unmarshal(b, &mb) != nil {
		return false
	}
	delete(ma, "CreationDate")
	delete(mb, "CreationDate")
	if len(ma) != len(mb) {
		return false
	}
	for k, va := range ma {
		vb, ok := mb[k]
		if !ok || !jsonEqual(va, vb) {
			return false
		}
	}
	return true
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
