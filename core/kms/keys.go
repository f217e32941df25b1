package kms

import (
	"crypto/ecdh"
	"crypto/rsa"
	"encoding/binary"
	"sort"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/pocketkms/pocketkms/core/ids"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
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

var asymmetricSpecs = map[string]bool{"RSA_2048": true, "RSA_3072": true, "RSA_4096": true, "EC_P256": true, "EC_SM2": true}

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
	if usage == "" {
		usage = UsageEncrypt
	}
	if _, ok := symmetricKeySize(spec); ok {
		if usage != UsageEncrypt {
			return "", "", kmserr.InvalidParameter("KeyUsage %q is not valid for %s: symmetric keys are %s", usage, spec, UsageEncrypt)
		}
		return spec, usage, nil
	}
	if !asymmetricSpecs[spec] {
		return "", "", kmserr.InvalidParameter("KeySpec %q is not supported: use Aliyun_AES_256, Aliyun_AES_192, Aliyun_AES_128, Aliyun_SM4, RSA_2048, RSA_3072, RSA_4096, EC_P256 or EC_SM2", spec)
	}
	if usage != UsageEncrypt && usage != UsageSign {
		return "", "", kmserr.InvalidParameter("KeyUsage %q is not valid: use %s or %s", usage, UsageEncrypt, UsageSign)
	}
	if strings.HasPrefix(spec, "EC_P256") && usage == UsageEncrypt {
		return "", "", kmserr.InvalidParameter("KeySpec %s only supports KeyUsage %s", spec, UsageSign)
	}
	return spec, usage, nil
}

// generatePrivateKey makes asymmetric material. Sign, Verify and
// GetPublicKey are not built yet, but the key is real so that they can be.
// The encoding (docs/storage.md) avoids crypto/x509, which would add
// megabytes to the WebAssembly module: RSA keys are their two primes
// (big-endian, 4-byte length prefixed, public exponent 65537), EC keys their
// private scalar.
func (c *call) generatePrivateKey(spec string) ([]byte, error) {
	switch spec {
	case "RSA_2048", "RSA_3072", "RSA_4096":
		bits := map[string]int{"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}[spec]
		k, err := rsa.GenerateKey(c.e.rand, bits)
		if err != nil {
			return nil, kmserr.Internal("generate %s: %v", spec, err)
		}
		var out []byte
		for _, p := range k.Primes {
			b := p.Bytes()
			out = binary.BigEndian.AppendUint32(out, uint32(len(b)))
			out = append(out, b...)
		}
		return out, nil
	case "EC_P256":
		k, err := ecdh.P256().GenerateKey(c.e.rand)
		if err != nil {
			return nil, kmserr.Internal("generate %s: %v", spec, err)
		}
		return k.Bytes(), nil
	case "EC_SM2":
		k, err := sm2.GenerateKey(c.e.rand)
		if err != nil {
			return nil, kmserr.Internal("generate %s: %v", spec, err)
		}
		return k.D.FillBytes(make([]byte, 32)), nil
	}
	return nil, kmserr.Internal("no generator for %s", spec)
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
		if size, ok := symmetricKeySize(spec); ok {
			m, err := c.random(size)
			if err != nil {
				return nil, err
			}
			vid, _ := c.newVersionID(k)
			k.Versions = []versionRecord{{KeyVersionId: vid, CreationDate: c.now, Material: m}}
		} else {
			if k.PrivateKey, err = c.generatePrivateKey(spec); err != nil {
				return nil, err
			}
			vid, _ := c.newVersionID(k)
			k.Versions = []versionRecord{{KeyVersionId: vid, CreationDate: c.now}}
		}
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
		size, ok := symmetricKeySize(spec)
		if !ok {
			return nil, kmserr.New(400, kmserr.CodeUnsupportedOperation, "ImportKey supports symmetric key specs only, not %s", spec)
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
				if vr.Material, err = c.random(size); err != nil {
					return nil, err
				}
			} else if len(vr.Material) != size {
				return nil, kmserr.InvalidParameter("Versions[%d].KeyMaterial is %d bytes, %s needs %d", i, len(vr.Material), spec, size)
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
