package kms

import (
	"sort"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/asym"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// Key specs and usages.
const (
	SpecAES256 = "Aliyun_AES_256"
	SpecAES192 = "Aliyun_AES_192"
	SpecAES128 = "Aliyun_AES_128"
	SpecSM4    = "Aliyun_SM4"

	UsageEncrypt = "ENCRYPT/DECRYPT"
	UsageSign    = "SIGN/VERIFY"
)

func symmetricKeySize(spec string) (int, bool) {
	switch spec {
	case SpecAES256:
		return 32, true
	case SpecAES192:
		return 24, true
	case SpecAES128, SpecSM4:
		return 16, true
	}
	return 0, false
}

func checkSpecUsage(spec, usage string) (string, string, error) {
	if spec == "" {
		spec = SpecAES256
	}
	if _, ok := symmetricKeySize(spec); ok {
		if usage == "" {
			usage = UsageEncrypt
		}
		if usage != UsageEncrypt {
			return "", "", kmserr.InvalidParameter("KeyUsage %q is not valid for %s: symmetric keys are %s", usage, spec, UsageEncrypt)
		}
		return spec, usage, nil
	}
	if !asym.IsSpec(spec) {
		return "", "", kmserr.InvalidParameter("KeySpec %q is not supported: use Aliyun_AES_256, Aliyun_AES_192, Aliyun_AES_128, Aliyun_SM4, RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P256K or EC_SM2", spec)
	}
	if usage == "" {
		usage = UsageSign // every asymmetric spec signs (spec §1)
	}
	if usage != UsageEncrypt && usage != UsageSign {
		return "", "", kmserr.InvalidParameter("KeyUsage %q is not valid: use %s or %s", usage, UsageEncrypt, UsageSign)
	}
	if strings.HasPrefix(spec, "EC_P256") && usage == UsageEncrypt {
		return "", "", kmserr.InvalidParameter("KeySpec %s only supports KeyUsage %s", spec, UsageSign)
	}
	return spec, usage, nil
}

// newMaterial makes the material of a new version of k: random bytes for
// a symmetric key, a PKCS#8 private key for an asymmetric one.
func (c *call) newMaterial(k *keyRecord) ([]byte, error) {
	if size, ok := symmetricKeySize(k.KeySpec); ok {
		return c.random(size)
	}
	key, err := asym.Generate(k.KeySpec, c.e.rand)
	if err != nil {
		return nil, kmserr.Internal("%v", err)
	}
	return key.PKCS8(), nil
}

// importedMaterial checks caller-supplied material for k: the exact size of
// a symmetric key, or a PKCS#8 private key (DER or PEM) of k's spec, kept
// as DER.
func importedMaterial(k *keyRecord, i int, m []byte) ([]byte, error) {
	if size, ok := symmetricKeySize(k.KeySpec); ok {
		if len(m) != size {
			return nil, kmserr.InvalidParameter("Versions[%d].KeyMaterial is %d bytes, %s needs %d", i, len(m), k.KeySpec, size)
		}
		return m, nil
	}
	key, err := asym.ParsePrivateKey(m)
	if err != nil {
		return nil, kmserr.InvalidParameter("Versions[%d].KeyMaterial: %v", i, err)
	}
	if key.Spec() != k.KeySpec {
		return nil, kmserr.InvalidParameter("Versions[%d].KeyMaterial is a private key of spec %s, not %s", i, key.Spec(), k.KeySpec)
	}
	return key.PKCS8(), nil
}

func (c *call) newKeyID() (string, error) {
	for {
		id, err := ids.NewKeyID(c.e.rand)
		if err != nil {
			return "", kmserr.Internal("%v", err)
		}
		k, err := c.tx.Get(keyPrefix + id)
		if err != nil {
			return "", kmserr.Internal("store read failed: %v", err)
		}
		if k == nil {
			return id, nil
		}
	}
}

func (c *call) setRotation(k *keyRecord, enable bool, interval string) error {
	if !enable {
		if interval != "" {
			return kmserr.InvalidParameter("RotationInterval is given but EnableAutomaticRotation is false")
		}
		k.RotationInterval, k.RotationSeconds = "", 0
		return nil
	}
	if !k.symmetric() {
		return kmserr.New(400, kmserr.CodeUnsupportedOperation, "The key %s is %s: only symmetric keys can be rotated.", k.KeyId, k.KeySpec)
	}
	if interval == "" {
		return kmserr.New(400, kmserr.CodeMissingParameter, "RotationInterval is required when EnableAutomaticRotation is true")
	}
	d, err := ParseRotationInterval(interval)
	if err != nil {
		return err
	}
	k.RotationInterval, k.RotationSeconds = interval, int64(d/time.Second)
	return nil
}

func (e *Engine) createKey(r *pb.CreateKeyRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		spec, usage, err := checkSpecUsage(r.KeySpec, r.KeyUsage)
		if err != nil {
			return nil, err
		}
		if len(r.Description) > 8192 {
			return nil, kmserr.InvalidParameter("Description is %d characters, at most 8192 are allowed", len(r.Description))
		}
		if err := c.purge(); err != nil {
			return nil, err
		}
		id, err := c.newKeyID()
		if err != nil {
			return nil, err
		}
		k := &keyRecord{KeyId: id, KeySpec: spec, KeyUsage: usage, Description: r.Description,
			Origin: "Aliyun_KMS", KeyState: StateEnabled, CreationDate: c.now}
		if err := c.setRotation(k, r.EnableAutomaticRotation, r.RotationInterval); err != nil {
			return nil, err
		}
		if err := setTags(k, r.Tags); err != nil {
			return nil, err
		}
		m, err := c.newMaterial(k)
		if err != nil {
			return nil, err
		}
		vid, _ := c.newVersionID(k)
		k.Versions = []versionRecord{{KeyVersionId: vid, CreationDate: c.now, Material: m}}
		if err := c.saveKey(k); err != nil {
			return nil, err
		}
		return c.keyResponse(k)
	})
}

func (e *Engine) importKey(r *pb.ImportKeyRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		spec, usage, err := checkSpecUsage(r.KeySpec, r.KeyUsage)
		if err != nil {
			return nil, err
		}
		if err := c.purge(); err != nil {
			return nil, err
		}
		id := r.KeyId
		if id == "" {
			if id, err = c.newKeyID(); err != nil {
				return nil, err
			}
		} else if !ids.ValidKeyID(id) {
			return nil, kmserr.InvalidParameter("KeyId %q must be \"key-\" followed by 21 lower-case letters or digits", id)
		} else if raw, err := c.tx.Get(keyPrefix + id); err != nil {
			return nil, kmserr.Internal("store read failed: %v", err)
		} else if raw != nil {
			return nil, kmserr.New(409, kmserr.CodeAlreadyExists, "The key %s already exists.", id)
		}
		state := r.KeyState
		switch state {
		case "":
			state = StateEnabled
		case StateEnabled, StateDisabled:
		default:
			return nil, kmserr.InvalidParameter("KeyState %q cannot be imported: use Enabled or Disabled", state)
		}
		k := &keyRecord{KeyId: id, KeySpec: spec, KeyUsage: usage, Description: r.Description,
			Origin: "EXTERNAL", KeyState: state, CreationDate: c.now}
		if err := c.setRotation(k, r.RotationInterval != "", r.RotationInterval); err != nil {
			return nil, err
		}
		versions := r.Versions
		if len(versions) == 0 {
			versions = []*pb.ImportedVersion{{}}
		}
		for i, v := range versions {
			vr := versionRecord{KeyVersionId: v.KeyVersionId, Material: v.KeyMaterial, CreationDate: c.now}
			if vr.KeyVersionId == "" {
				if vr.KeyVersionId, err = c.newVersionID(k); err != nil {
					return nil, err
				}
			} else if !ids.ValidVersionID(vr.KeyVersionId) || ids.KeyIDOfVersion(vr.KeyVersionId) != id {
				return nil, kmserr.InvalidParameter("Versions[%d].KeyVersionId %q must be the key id %s, '-' and 10 letters or digits", i, vr.KeyVersionId, id)
			} else if k.version(vr.KeyVersionId) != nil {
				return nil, kmserr.InvalidParameter("Versions[%d].KeyVersionId %q is listed twice", i, vr.KeyVersionId)
			}
			if len(vr.Material) == 0 {
				vr.Material, err = c.newMaterial(k)
			} else {
				vr.Material, err = importedMaterial(k, i, vr.Material)
			}
			if err != nil {
				return nil, err
			}
			if v.CreationDate != "" {
				t, err := time.Parse(time.RFC3339, v.CreationDate)
				if err != nil {
					return nil, kmserr.InvalidParameter("Versions[%d].CreationDate %q is not RFC 3339", i, v.CreationDate)
				}
				vr.CreationDate = t.UTC()
			}
			k.Versions = append(k.Versions, vr)
		}
		k.CreationDate = k.Versions[0].CreationDate
		if len(k.Versions) > 1 {
			last := k.primary().CreationDate
			k.LastRotationDate = &last
		}
		if err := c.saveKey(k); err != nil {
			return nil, err
		}
		for i, name := range r.Aliases {
			for _, earlier := range r.Aliases[:i] {
				if name == earlier {
					return nil, kmserr.InvalidParameter("Aliases[%d] %q is listed twice", i, name)
				}
			}
			if err := c.bindAlias(name, k.KeyId, false); err != nil {
				return nil, err
			}
		}
		return c.keyResponse(k)
	})
}

// withKey runs fn on a resolved key and saves it when fn changed it.
func (e *Engine) withKey(name string, fn func(c *call, k *keyRecord) (bool, error)) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, err := c.resolve(name)
		if err != nil {
			return nil, err
		}
		changed, err := fn(c, k)
		if err != nil {
			return nil, err
		}
		if changed {
			if err := c.saveKey(k); err != nil {
				return nil, err
			}
		}
		return c.keyResponse(k)
	})
}

func (e *Engine) describeKey(r *pb.KeyIdRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(*call, *keyRecord) (bool, error) { return false, nil })
}

func (e *Engine) createKeyVersion(r *pb.KeyIdRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if err := usable(k); err != nil {
			return false, err
		}
		return false, c.addVersion(k)
	})
}

func (e *Engine) updateRotationPolicy(r *pb.UpdateRotationPolicyRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if k.KeyState == StatePendingDeletion {
			return false, usable(k)
		}
		if err := c.setRotation(k, r.EnableAutomaticRotation, r.RotationInterval); err != nil {
			return false, err
		}
		if r.EnableAutomaticRotation {
			now := c.now
			k.RotationSince = &now
		} else {
			k.RotationSince = nil
		}
		return true, nil
	})
}

func (e *Engine) enableKey(r *pb.KeyIdRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if k.KeyState == StatePendingDeletion {
			return false, usable(k)
		}
		k.KeyState = StateEnabled
		return true, nil
	})
}

func (e *Engine) disableKey(r *pb.KeyIdRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if k.KeyState == StatePendingDeletion {
			return false, usable(k)
		}
		k.KeyState = StateDisabled
		return true, nil
	})
}

func (e *Engine) scheduleKeyDeletion(r *pb.ScheduleKeyDeletionRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		days := r.PendingWindowInDays
		if days < 7 || days > 30 {
			return false, kmserr.InvalidParameter("PendingWindowInDays must be 7 to 30, got %d", days)
		}
		if k.KeyState == StatePendingDeletion {
			return false, usable(k)
		}
		if k.DeletionProtection {
			return false, kmserr.New(403, "Forbidden.DeletionProtection", "The key %s is protected from deletion; turn deletion protection off first.", k.KeyId)
		}
		d := c.now.Add(time.Duration(days) * 24 * time.Hour)
		k.KeyState, k.DeleteDate = StatePendingDeletion, &d
		c.tx.Put(deletionName(d, k.KeyId), []byte(k.KeyId))
		return true, nil
	})
}

func (e *Engine) cancelKeyDeletion(r *pb.KeyIdRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if k.KeyState != StatePendingDeletion {
			return false, kmserr.New(409, "Rejected.Enabled", "The key %s is %s, not PendingDeletion.", k.KeyId, k.KeyState)
		}
		if k.DeleteDate != nil {
			c.tx.Delete(deletionName(*k.DeleteDate, k.KeyId))
		}
		k.KeyState, k.DeleteDate = StateEnabled, nil
		return true, nil
	})
}

func (e *Engine) listKeys(*pb.ListKeysRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		names, err := c.tx.List(keyPrefix)
		if err != nil {
			return nil, kmserr.Internal("store list failed: %v", err)
		}
		resp := &pb.ListKeysResponse{}
		for _, n := range names {
			k, err := c.resolve(strings.TrimPrefix(n, keyPrefix))
			if kerr, ok := err.(*kmserr.Error); ok && kerr.Code == kmserr.CodeKeyNotFound {
				continue
			}
			if err != nil {
				return nil, err
			}
			md, err := c.metadata(k)
			if err != nil {
				return nil, err
			}
			resp.Keys = append(resp.Keys, md)
		}
		sort.Slice(resp.Keys, func(i, j int) bool {
			a, b := resp.Keys[i], resp.Keys[j]
			if a.CreationDate != b.CreationDate {
				return a.CreationDate < b.CreationDate
			}
			return a.KeyId < b.KeyId
		})
		return resp, nil
	})
}

func (e *Engine) listKeyVersions(r *pb.KeyIdRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, err := c.resolve(r.KeyId)
		if err != nil {
			return nil, err
		}
		resp := &pb.ListKeyVersionsResponse{}
		for i := range k.Versions {
			resp.KeyVersions = append(resp.KeyVersions, versionMessage(k, &k.Versions[i]))
		}
		return resp, nil
	})
}

func (e *Engine) describeKeyVersion(r *pb.DescribeKeyVersionRequest) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, err := c.resolve(r.KeyId)
		if err != nil {
			return nil, err
		}
		v := k.version(r.KeyVersionId)
		if v == nil {
			return nil, kmserr.New(404, "Forbidden.KeyVersionNotFound", "The key version %s of key %s is not found.", r.KeyVersionId, k.KeyId)
		}
		return &pb.KeyVersionResponse{KeyVersion: versionMessage(k, v)}, nil
	})
}

func versionMessage(k *keyRecord, v *versionRecord) *pb.KeyVersion {
	return &pb.KeyVersion{KeyId: k.KeyId, KeyVersionId: v.KeyVersionId, CreationDate: formatTime(v.CreationDate),
		Initial: v == k.initial(), Primary: v == k.primary()}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (c *call) metadata(k *keyRecord) (*pb.KeyMetadata, error) {
	md := &pb.KeyMetadata{KeyId: k.KeyId, KeySpec: k.KeySpec, KeyUsage: k.KeyUsage, KeyState: k.KeyState,
		Description: k.Description, CreationDate: formatTime(k.CreationDate), Origin: k.Origin,
		InitialKeyVersionId: k.initial().KeyVersionId, PrimaryKeyVersionId: k.primary().KeyVersionId,
		RotationInterval: k.RotationInterval, VersionCount: int32(len(k.Versions)), AutomaticRotation: "Disabled"}
	if k.DeleteDate != nil {
		md.DeleteDate = formatTime(*k.DeleteDate)
	}
	if k.LastRotationDate != nil {
		md.LastRotationDate = formatTime(*k.LastRotationDate)
	}
	if k.RotationSeconds != 0 {
		md.AutomaticRotation = "Enabled"
		if k.KeyState != StateEnabled {
			md.AutomaticRotation = "Suspended"
		} else {
			md.NextRotationDate = formatTime(k.nextRotation())
		}
	}
	attributes(md, k)
	as, err := c.aliasesOf(k.KeyId)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		md.Aliases = append(md.Aliases, a.AliasName)
	}
	return md, nil
}

func (c *call) keyResponse(k *keyRecord) (pb.Message, error) {
	md, err := c.metadata(k)
	if err != nil {
		return nil, err
	}
	return &pb.KeyResponse{KeyMetadata: md}, nil
}
