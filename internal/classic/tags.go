package classic

import (
	"encoding/json"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// Tags of keys and secrets: the engine's TagResource and UntagResource
// name a key by KeyId or a secret by SecretName. Certificates have none.

func certificateTagsUnsupported() error {
	return kmserr.New(400, codeUnsupportedOp, "Unsupported operation: pocketkms has no certificates.")
}

// target is the engine request field that names the resource of a
// singular tag action: KeyId or SecretName.
func (c *opCtx) target() (obj, error) {
	if c.p["CertificateId"] != "" {
		return nil, certificateTagsUnsupported()
	}
	if name := c.p["SecretName"]; name != "" {
		return obj{"SecretName": name}, nil
	}
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	return obj{"KeyId": id}, nil
}

func tagResource(c *opCtx) (obj, error) {
	req, err := c.target()
	if err != nil {
		return nil, err
	}
	tags, err := c.tagsParam(true)
	if err != nil {
		return nil, err
	}
	req["Tags"] = tags
	return obj{}, c.call("TagResource", req, nil)
}

func untagResource(c *opCtx) (obj, error) {
	req, err := c.target()
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
	req["TagKeys"] = keys
	return obj{}, c.call("UntagResource", req, nil)
}

func listResourceTags(c *opCtx) (obj, error) {
	k, err := c.describeParam()
	if err != nil {
		return nil, err
	}
	tags := []obj{}
	for _, t := range k.Tags {
		tags = append(tags, obj{"KeyId": k.KeyId, "TagKey": t.TagKey, "TagValue": t.TagValue})
	}
	return obj{"Tags": obj{"Tag": tags}}, nil
}

// resource is a key or a secret with its tags, for the plural tag actions.
type resource struct {
	id, typ string
	tags    []struct{ TagKey, TagValue string }
}

// field is the engine request field that names r.
func (r *resource) field() string {
	if r.typ == "secret" {
		return "SecretName"
	}
	return "KeyId"
}

// resources reads ResourceType and ResourceId.N of the plural tag actions
// and resolves every resource first, so that one unknown id changes nothing.
// With no ResourceId and all set, it lists every resource of the type.
func (c *opCtx) resources(required, all bool) ([]*resource, error) {
	typ, err := c.p.Required("ResourceType")
	if err != nil {
		return nil, err
	}
	if typ != "key" && typ != "secret" {
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
	if len(ids) == 0 && all {
		return c.allResources(typ)
	}
	var out []*resource
	for _, id := range ids {
		r, err := c.resource(typ, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (c *opCtx) resource(typ, id string) (*resource, error) {
	if typ == "key" {
		k, err := c.describe(id)
		if err != nil {
			return nil, err
		}
		return &resource{id: k.KeyId, typ: typ, tags: k.Tags}, nil
	}
	var s struct {
		SecretName string
		Tags       []struct{ TagKey, TagValue string }
	}
	if err := c.call("DescribeSecret", obj{"SecretName": id, "FetchTags": true}, &s); err != nil {
		return nil, err
	}
	return &resource{id: s.SecretName, typ: typ, tags: s.Tags}, nil
}

func (c *opCtx) allResources(typ string) ([]*resource, error) {
	var out []*resource
	if typ == "key" {
		var all listedKeys
		if err := c.call("ListKeys", obj{}, &all); err != nil {
			return nil, err
		}
		for _, k := range all.Keys {
			out = append(out, &resource{id: k.KeyId, typ: typ, tags: k.Tags})
		}
		return out, nil
	}
	for page := 1; ; page++ {
		var l struct {
			SecretList []struct {
				SecretName string
				Tags       []struct{ TagKey, TagValue string }
			}
			TotalCount int
		}
		if err := c.call("ListSecrets", obj{"FetchTags": true, "PageNumber": page, "PageSize": 100}, &l); err != nil {
			return nil, err
		}
		for _, s := range l.SecretList {
			out = append(out, &resource{id: s.SecretName, typ: typ, tags: s.Tags})
		}
		if len(l.SecretList) == 0 || len(out) >= l.TotalCount {
			return out, nil
		}
	}
}

func tagResources(c *opCtx) (obj, error) {
	rs, err := c.resources(true, false)
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
	for _, r := range rs {
		if err := c.call("TagResource", obj{r.field(): r.id, "Tags": tags}, nil); err != nil {
			return nil, err
		}
	}
	return obj{}, nil
}

func untagResources(c *opCtx) (obj, error) {
	rs, err := c.resources(true, false)
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
	for _, r := range rs {
		drop := names
		if all {
			drop = nil
			for _, t := range r.tags {
				drop = append(drop, t.TagKey)
			}
		}
		if len(drop) == 0 {
			continue
		}
		if err := c.call("UntagResource", obj{r.field(): r.id, "TagKeys": drop}, nil); err != nil {
			return nil, err
		}
	}
	return obj{}, nil
}

// listTagResources lists the tags of the named keys or secrets, or of
// every one, with Tag.N filters (a key/value pair; an empty value matches
// any value). One page holds everything, so NextToken is always empty.
func listTagResources(c *opCtx) (obj, error) {
	rs, err := c.resources(false, true)
	if err != nil {
		return nil, err
	}
	filters, err := c.p.Pairs("Tag")
	if err != nil {
		return nil, err
	}
	out := []obj{}
	for _, r := range rs {
		for _, t := range r.tags {
			match := len(filters) == 0
			for _, f := range filters {
				match = match || f[0] == t.TagKey && (f[1] == "" || f[1] == t.TagValue)
			}
			if match {
				out = append(out, obj{"ResourceId": r.id, "ResourceType": r.typ, "TagKey": t.TagKey, "TagValue": t.TagValue})
			}
		}
	}
	return obj{"TagResources": obj{"TagResource": out}, "NextToken": ""}, nil
}
