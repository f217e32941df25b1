package classic

import (
	"encoding/json"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// Tags of keys. Secrets' tags answer Rejected.UnsupportedOperation until the
// engine has secrets (see mapped.go).

func secretTagsUnsupported() error {
	return kmserr.New(400, codeUnsupportedOp, "Unsupported operation: tags of secrets and certificates need pocketkms's secret engine operations.")
}

func tagResource(c *opCtx) (obj, error) {
	if c.p["SecretName"] != "" || c.p["CertificateId"] != "" {
		return nil, secretTagsUnsupported()
	}
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	tags, err := c.tagsParam(true)
	if err != nil {
		return nil, err
	}
	_, err = c.key("TagResource", obj{"KeyId": id, "Tags": tags})
	return obj{}, err
}

func untagResource(c *opCtx) (obj, error) {
	if c.p["SecretName"] != "" || c.p["CertificateId"] != "" {
		return nil, secretTagsUnsupported()
	}
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	v, err := c.p.Required("TagKeys")
	if err != nil {
		return nil, err
	}
	var keys []string
	if err := json.Unmarshal([]byte(v), &keys); err != nil || len(keys) == 0 {
		return nil, invalid("TagKeys")
	}
	_, err = c.key("UntagResource", obj{"KeyId": id, "TagKeys": keys})
	return obj{}, err
}

func listResourceTags(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	k, err := c.describe(id)
	if err != nil {
		return nil, err
	}
	tags := []obj{}
	for _, t := range k.Tags {
		tags = append(tags, obj{"KeyId": k.KeyId, "TagKey": t.TagKey, "TagValue": t.TagValue})
	}
	return obj{"Tags": obj{"Tag": tags}}, nil
}

// resources reads ResourceType and ResourceId.N of the plural tag actions
// and resolves every key first, so that one unknown id changes nothing.
func (c *opCtx) resources(required bool) ([]*engineKey, error) {
	typ, err := c.p.Required("ResourceType")
	if err != nil {
		return nil, err
	}
	if typ == "secret" {
		return nil, secretTagsUnsupported()
	}
	if typ != "key" {
		return nil, invalid("ResourceType")
	}
	ids, err := c.p.List("ResourceId")
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 && required {
		return nil, missing("ResourceId.1")
	}
	if len(ids) > 50 {
		return nil, invalid("ResourceId")
	}
	var keys []*engineKey
	for _, id := range ids {
		k, err := c.describe(id)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func tagResources(c *opCtx) (obj, error) {
	keys, err := c.resources(true)
	if err != nil {
		return nil, err
	}
	pairs, err := c.p.Pairs("Tag")
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, missing("Tag.1.Key")
	}
	var tags []tag
	for _, p := range pairs {
		tags = append(tags, tag{p[0], p[1]})
	}
	for _, k := range keys {
		if _, err := c.key("TagResource", obj{"KeyId": k.KeyId, "Tags": tags}); err != nil {
			return nil, err
		}
	}
	return obj{}, nil
}

func untagResources(c *opCtx) (obj, error) {
	keys, err := c.resources(true)
	if err != nil {
		return nil, err
	}
	names, err := c.p.List("TagKey")
	if err != nil {
		return nil, err
	}
	all, err := c.p.Bool("All")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 && !all {
		return nil, missing("TagKey.1")
	}
	for _, k := range keys {
		drop := names
		if all {
			drop = nil
			for _, t := range k.Tags {
				drop = append(drop, t.TagKey)
			}
		}
		if len(drop) == 0 {
			continue
		}
		if _, err := c.key("UntagResource", obj{"KeyId": k.KeyId, "TagKeys": drop}); err != nil {
			return nil, err
		}
	}
	return obj{}, nil
}

// listTagResources lists the tags of the named keys, or of every key, with
// Tag.N filters (a key/value pair; an empty value matches any value). One
// page holds everything, so NextToken is always empty.
func listTagResources(c *opCtx) (obj, error) {
	keys, err := c.resources(false)
	if err != nil {
		return nil, err
	}
	if _, named := c.p["ResourceId.1"]; !named {
		var all listedKeys
		if err := c.call("ListKeys", obj{}, &all); err != nil {
			return nil, err
		}
		for i := range all.Keys {
			keys = append(keys, &all.Keys[i])
		}
	}
	filters, err := c.p.Pairs("Tag")
	if err != nil {
		return nil, err
	}
	out := []obj{}
	for _, k := range keys {
		for _, t := range k.Tags {
			match := len(filters) == 0
			for _, f := range filters {
				match = match || f[0] == t.TagKey && (f[1] == "" || f[1] == t.TagValue)
			}
			if match {
				out = append(out, obj{"ResourceId": k.KeyId, "ResourceType": "key", "TagKey": t.TagKey, "TagValue": t.TagValue})
			}
		}
	}
	return obj{"TagResources": obj{"TagResource": out}, "NextToken": ""}, nil
}
