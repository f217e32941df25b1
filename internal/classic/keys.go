package classic

import (
	"encoding/json"
	"strings"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// actions maps each classic action onto the engine (docs/classic-api.md).
var actions map[string]func(*opCtx) (obj, error)

func init() {
	actions = map[string]func(*opCtx) (obj, error){
		"CreateKey": createKey, "DescribeKey": describeKey, "ListKeys": listKeys,
		"UpdateKeyDescription": updateKeyDescription, "EnableKey": keyState("EnableKey"), "DisableKey": keyState("DisableKey"),
		"CancelKeyDeletion": keyState("CancelKeyDeletion"), "ScheduleKeyDeletion": scheduleKeyDeletion,
		"SetDeletionProtection": setDeletionProtection, "CreateKeyVersion": createKeyVersion,
		"ListKeyVersions": listKeyVersions, "DescribeKeyVersion": describeKeyVersion,
		"UpdateRotationPolicy": updateRotationPolicy,
		"CreateAlias":          alias("CreateAlias"), "UpdateAlias": alias("UpdateAlias"), "DeleteAlias": deleteAlias,
		"ListAliases": listAliases, "ListAliasesByKeyId": listAliasesByKeyID,
		"Encrypt": encrypt, "Decrypt": decrypt, "GenerateDataKey": generateDataKey(true),
		"GenerateDataKeyWithoutPlaintext": generateDataKey(false), "ReEncrypt": reEncrypt,
		"TagResource": tagResource, "UntagResource": untagResource, "ListResourceTags": listResourceTags,
		"TagResources": tagResources, "UntagResources": untagResources, "ListTagResources": listTagResources,
		"DescribeRegions":          describeRegions,
		"DescribeAccountKmsStatus": func(*opCtx) (obj, error) { return obj{"AccountStatus": "Enabled"}, nil },
	}
	for name, m := range mapped {
		actions[name] = m.run
	}
}

type tag struct{ TagKey, TagValue string }

// tagsParam reads a Tags JSON string: [{"TagKey":"k","TagValue":"v"}].
func (c *opCtx) tagsParam(required bool) ([]tag, error) {
	v := c.p["Tags"]
	if v == "" {
		if required {
			return nil, missing("Tags")
		}
		return nil, nil
	}
	var ts []tag
	if err := json.Unmarshal([]byte(v), &ts); err != nil {
		return nil, invalid("Tags")
	}
	return ts, nil
}

func createKey(c *opCtx) (obj, error) {
	p := c.p
	if o := p["Origin"]; o != "" && o != "Aliyun_KMS" {
		return nil, kmserr.New(400, "Unsupported.Origin", "This key origin is not valid for this api: pocketkms creates Aliyun_KMS keys.")
	}
	if l := p["ProtectionLevel"]; l != "" && l != "SOFTWARE" {
		return nil, kmserr.New(400, "Unsupported.ProtectionLevel", "This protection level is not valid for this region: pocketkms keys are SOFTWARE.")
	}
	rotate, err := p.Bool("EnableAutomaticRotation")
	if err != nil {
		return nil, err
	}
	tags, err := c.tagsParam(false)
	if err != nil {
		return nil, err
	}
	spec, usage := firstOf(p["KeySpec"], "Aliyun_AES_256"), p["KeyUsage"]
	if usage == "" && !strings.HasPrefix(spec, "Aliyun_") {
		usage = "SIGN/VERIFY" // every asymmetric spec signs (spec §3.2)
	}
	interval := p["RotationInterval"]
	if rotate && interval == "" {
		interval = "365d"
	}
	req := obj{"KeySpec": spec, "KeyUsage": usage, "Description": p["Description"], "EnableAutomaticRotation": rotate, "Tags": tags}
	if rotate {
		req["RotationInterval"] = interval
	}
	k, err := c.key("CreateKey", req)
	if err != nil {
		return nil, err
	}
	md := c.metadata(k, false)
	return obj{"KeyMetadata": md}, nil
}

func describeKey(c *opCtx) (obj, error) {
	k, err := c.describeParam()
	if err != nil {
		return nil, err
	}
	return obj{"KeyMetadata": c.metadata(k, true)}, nil
}

type listedKeys struct{ Keys []engineKey }

// keyFilters are ListKeys's filter keys (spec §3.2); each returns the
// value a key has for it.
var keyFilters = map[string]func(k *engineKey) string{
	"KeyState":        func(k *engineKey) string { return k.KeyState },
	"KeySpec":         func(k *engineKey) string { return k.KeySpec },
	"KeyUsage":        func(k *engineKey) string { return k.KeyUsage },
	"ProtectionLevel": func(*engineKey) string { return "SOFTWARE" },
	"CreatorType":     func(*engineKey) string { return "User" },
}

func listKeys(c *opCtx) (obj, error) {
	var filters []struct {
		Key    string
		Values []string
	}
	if v := c.p["Filters"]; v != "" {
		if err := json.Unmarshal([]byte(v), &filters); err != nil {
			return nil, invalid("Filters")
		}
	}
	for _, f := range filters {
		if keyFilters[f.Key] == nil || len(f.Values) == 0 {
			return nil, kmserr.InvalidParameter("The specified parameter \"Filters\" is not valid: filter by %s with at least one value.", strings.Join(sortedKeys(keyFilters), ", "))
		}
	}
	var all listedKeys
	if err := c.call("ListKeys", obj{}, &all); err != nil {
		return nil, err
	}
	var keys []obj
	for i := range all.Keys {
		k := &all.Keys[i]
		ok := true
		for _, f := range filters {
			match := false
			for _, v := range f.Values {
				match = match || keyFilters[f.Key](k) == v
			}
			ok = ok && match
		}
		if ok {
			keys = append(keys, obj{"KeyId": k.KeyId, "KeyArn": c.keyArn(k.KeyId)})
		}
	}
	lo, hi, out, err := c.page(len(keys))
	if err != nil {
		return nil, err
	}
	out["Keys"] = obj{"Key": nonNil(keys[lo:hi])}
	return out, nil
}

func nonNil(s []obj) []obj {
	if s == nil {
		return []obj{}
	}
	return s
}

func updateKeyDescription(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	if _, ok := c.p["Description"]; !ok {
		return nil, missing("Description")
	}
	_, err = c.key("UpdateKeyDescription", obj{"KeyId": id, "Description": c.p["Description"]})
	return obj{}, err
}

func keyState(api string) func(*opCtx) (obj, error) {
	return func(c *opCtx) (obj, error) {
		id, err := c.p.Required("KeyId")
		if err != nil {
			return nil, err
		}
		if _, err := c.key(api, obj{"KeyId": id}); err != nil {
			return nil, stateModified(err)
		}
		return obj{}, nil
	}
}

func scheduleKeyDeletion(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	if _, err := c.p.Required("PendingWindowInDays"); err != nil {
		return nil, err
	}
	days, err := c.p.Int("PendingWindowInDays", 0, 1, 366)
	if err != nil {
		return nil, err
	}
	if _, err := c.key("ScheduleKeyDeletion", obj{"KeyId": id, "PendingWindowInDays": days}); err != nil {
		return nil, stateModified(err)
	}
	return obj{}, nil
}

// setDeletionProtection takes ProtectedResourceArn (the API model) or KeyId
// (what Terraform sends; spec §8.4).
func setDeletionProtection(c *opCtx) (obj, error) {
	id := c.p["KeyId"]
	if arn := c.p["ProtectedResourceArn"]; arn != "" {
		_, after, ok := strings.Cut(arn, ":key/")
		if !ok || !strings.HasPrefix(arn, "acs:kms:") || after == "" {
			return nil, invalid("ProtectedResourceArn")
		}
		id = after
	}
	if id == "" {
		return nil, missing("ProtectedResourceArn")
	}
	if _, ok := c.p["EnableDeletionProtection"]; !ok {
		return nil, missing("EnableDeletionProtection")
	}
	on, err := c.p.Bool("EnableDeletionProtection")
	if err != nil {
		return nil, err
	}
	_, err = c.key("SetDeletionProtection", obj{"KeyId": id, "EnableDeletionProtection": on, "DeletionProtectionDescription": c.p["DeletionProtectionDescription"]})
	return obj{}, err
}

func versionObj(v engineVersion) obj {
	return obj{"KeyId": v.KeyId, "KeyVersionId": v.KeyVersionId, "CreationDate": v.CreationDate}
}

func (c *opCtx) describeVersion(keyID, versionID string) (obj, error) {
	var r struct{ KeyVersion engineVersion }
	if err := c.call("DescribeKeyVersion", obj{"KeyId": keyID, "KeyVersionId": versionID}, &r); err != nil {
		return nil, err
	}
	return obj{"KeyVersion": versionObj(r.KeyVersion)}, nil
}

func createKeyVersion(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	k, err := c.key("CreateKeyVersion", obj{"KeyId": id})
	if err != nil {
		return nil, err
	}
	return c.describeVersion(k.KeyId, k.PrimaryKeyVersionId)
}

func describeKeyVersion(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	vid, err := c.p.Required("KeyVersionId")
	if err != nil {
		return nil, err
	}
	return c.describeVersion(id, vid)
}

func listKeyVersions(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	var r struct{ KeyVersions []engineVersion }
	if err := c.call("ListKeyVersions", obj{"KeyId": id}, &r); err != nil {
		return nil, err
	}
	lo, hi, out, err := c.page(len(r.KeyVersions))
	if err != nil {
		return nil, err
	}
	var vs []obj
	for _, v := range r.KeyVersions[lo:hi] {
		vs = append(vs, versionObj(v))
	}
	out["KeyVersions"] = obj{"KeyVersion": nonNil(vs)}
	return out, nil
}

// updateRotationPolicy refuses keys that are not Enabled (spec §5.2), which
// the engine itself allows for Disabled keys.
func updateRotationPolicy(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	if _, err := c.p.Required("EnableAutomaticRotation"); err != nil {
		return nil, err
	}
	on, err := c.p.Bool("EnableAutomaticRotation")
	if err != nil {
		return nil, err
	}
	k, err := c.describe(id)
	if err != nil {
		return nil, err
	}
	if k.KeyState != "Enabled" {
		return nil, kmserr.New(409, "Rejected."+k.KeyState, "The request was rejected because the key state is %s.", k.KeyState)
	}
	req := obj{"KeyId": id, "EnableAutomaticRotation": on}
	if on {
		req["RotationInterval"] = firstOf(c.p["RotationInterval"], "365d")
	}
	_, err = c.key("UpdateRotationPolicy", req)
	return obj{}, err
}

func alias(api string) func(*opCtx) (obj, error) {
	return func(c *opCtx) (obj, error) {
		name, err := c.p.Required("AliasName")
		if err != nil {
			return nil, err
		}
		// The target must be a key id; an alias or ARN is resolved first.
		k, err := c.describeParam()
		if err != nil {
			return nil, err
		}
		if k.KeyState == "PendingDeletion" {
			code := "Rejected.StateModifiedFailed"
			if api == "UpdateAlias" {
				code = "Rejected.PendingDeletion"
			}
			return nil, kmserr.New(409, code, "The request was rejected because the key %s is PendingDeletion.", k.KeyId)
		}
		err = c.call(api, obj{"AliasName": name, "KeyId": k.KeyId}, nil)
		if ke := kmserr.As(err); err != nil && ke.Code == kmserr.CodeAlreadyExists {
			return nil, kmserr.New(400, "AliasAlreadyExists", "AliasName Already Exists.")
		}
		return obj{}, err
	}
}

func deleteAlias(c *opCtx) (obj, error) {
	name, err := c.p.Required("AliasName")
	if err != nil {
		return nil, err
	}
	return obj{}, c.call("DeleteAlias", obj{"AliasName": name}, nil)
}

func listAliases(c *opCtx) (obj, error) {
	api, req := "ListAliases", obj{}
	if _, byKey := c.p["KeyId"]; byKey {
		k, err := c.describeParam()
		if err != nil {
			return nil, err
		}
		api, req = "ListAliasesByKeyId", obj{"KeyId": k.KeyId}
	}
	var r struct {
		Aliases []struct{ AliasName, KeyId string }
	}
	if err := c.call(api, req, &r); err != nil {
		return nil, err
	}
	lo, hi, out, err := c.page(len(r.Aliases))
	if err != nil {
		return nil, err
	}
	var as []obj
	for _, a := range r.Aliases[lo:hi] {
		as = append(as, obj{"AliasName": a.AliasName, "KeyId": a.KeyId, "AliasArn": c.aliasArn(a.AliasName)})
	}
	out["Aliases"] = obj{"Alias": nonNil(as)}
	return out, nil
}

func listAliasesByKeyID(c *opCtx) (obj, error) {
	if _, err := c.p.Required("KeyId"); err != nil {
		return nil, err
	}
	return listAliases(c)
}

func describeRegions(c *opCtx) (obj, error) {
	return obj{"Regions": obj{"Region": []obj{{"RegionId": c.h.cfg.region}}}}, nil
}
