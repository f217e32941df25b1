package kms

import (
	"slices"
	"sort"
	"strings"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// Key attributes that the classic OpenAPI manages: description, deletion
// protection and tags. Each refuses a key pending deletion (spec §5.2 of the
// classic API), except that deletion protection may be lifted to let an
// operator cancel or proceed.

// Tag limits, as the product documents them.
const (
	maxKeyTags     = 20
	maxTagKeyLen   = 128
	maxTagValueLen = 128
)

type keyTag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

// checkTag refuses keys the product reserves ("acs:", "aliyun") and sizes
// beyond its limits.
func checkTag(t *pb.Tag) error {
	if t == nil || t.TagKey == "" || len(t.TagKey) > maxTagKeyLen {
		return kmserr.InvalidParameter("TagKey must be 1 to %d characters", maxTagKeyLen)
	}
	if l := strings.ToLower(t.TagKey); strings.HasPrefix(l, "acs:") || strings.HasPrefix(l, "aliyun") {
		return kmserr.InvalidParameter("TagKey %q is reserved: it must not start with acs: or aliyun", t.TagKey)
	}
	if len(t.TagValue) > maxTagValueLen {
		return kmserr.InvalidParameter("TagValue of %q is over %d characters", t.TagKey, maxTagValueLen)
	}
	return nil
}

// setTags adds or overwrites tags, keeping them sorted by key.
func setTags(k *keyRecord, tags []*pb.Tag) error {
	for _, t := range tags {
		if err := checkTag(t); err != nil {
			return err
		}
		found := false
		for i := range k.Tags {
			if k.Tags[i].TagKey == t.TagKey {
				k.Tags[i].TagValue, found = t.TagValue, true
			}
		}
		if !found {
			k.Tags = append(k.Tags, keyTag{TagKey: t.TagKey, TagValue: t.TagValue})
		}
	}
	if len(k.Tags) > maxKeyTags {
		return kmserr.New(400, "Rejected.LimitExceeded", "A key has at most %d tags; %s would have %d.", maxKeyTags, k.KeyId, len(k.Tags))
	}
	sort.Slice(k.Tags, func(i, j int) bool { return k.Tags[i].TagKey < k.Tags[j].TagKey })
	return nil
}

func notPendingDeletion(k *keyRecord) error {
	if k.KeyState == StatePendingDeletion {
		return usable(k)
	}
	return nil
}

func (e *Engine) updateKeyDescription(r *pb.UpdateKeyDescriptionRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if len(r.Description) > 8192 {
			return false, kmserr.InvalidParameter("Description is %d characters, at most 8192 are allowed", len(r.Description))
		}
		if err := notPendingDeletion(k); err != nil {
			return false, err
		}
		k.Description = r.Description
		return true, nil
	})
}

func (e *Engine) setDeletionProtection(r *pb.SetDeletionProtectionRequest) (pb.Message, error) {
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if len(r.DeletionProtectionDescription) > 8192 {
			return false, kmserr.InvalidParameter("DeletionProtectionDescription is over 8192 characters")
		}
		k.DeletionProtection = r.EnableDeletionProtection
		k.DeletionProtectionDescription = ""
		if r.EnableDeletionProtection {
			k.DeletionProtectionDescription = r.DeletionProtectionDescription
		}
		return true, nil
	})
}

func (e *Engine) tagResource(r *pb.TagResourceRequest) (pb.Message, error) {
	if len(r.Tags) == 0 {
		return nil, kmserr.New(400, kmserr.CodeMissingParameter, "Tags is required")
	}
	if r.SecretName != "" {
		return e.tagSecret(r.SecretName, r.KeyId, func(k *keyRecord) error { return setTags(k, r.Tags) })
	}
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if err := notPendingDeletion(k); err != nil {
			return false, err
		}
		return true, setTags(k, r.Tags)
	})
}

// dropTags removes the tags with these keys.
func dropTags(k *keyRecord, keys []string) {
	k.Tags = slices.DeleteFunc(k.Tags, func(t keyTag) bool { return slices.Contains(keys, t.TagKey) })
}

func (e *Engine) untagResource(r *pb.UntagResourceRequest) (pb.Message, error) {
	if len(r.TagKeys) == 0 {
		return nil, kmserr.New(400, kmserr.CodeMissingParameter, "TagKeys is required")
	}
	if r.SecretName != "" {
		return e.tagSecret(r.SecretName, r.KeyId, func(k *keyRecord) error { dropTags(k, r.TagKeys); return nil })
	}
	return e.withKey(r.KeyId, func(c *call, k *keyRecord) (bool, error) {
		if err := notPendingDeletion(k); err != nil {
			return false, err
		}
		dropTags(k, r.TagKeys)
		return true, nil
	})
}

// attributes fills the metadata fields of this file.
func attributes(md *pb.KeyMetadata, k *keyRecord) {
	md.DeletionProtection = "Disabled"
	if k.DeletionProtection {
		md.DeletionProtection = "Enabled"
		md.DeletionProtectionDescription = k.DeletionProtectionDescription
	}
	for _, t := range k.Tags {
		md.Tags = append(md.Tags, &pb.Tag{TagKey: t.TagKey, TagValue: t.TagValue})
	}
}
