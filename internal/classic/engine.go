package classic

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/core/kmspb"
)

// opCtx is one classic call: its parameters and the way to the engine.
type opCtx struct {
	ctx    context.Context
	h      *Handler
	p      Params
	host   string
	dryRun bool
}

// call runs an engine operation in its JSON form (core/kms/json.go): req is
// marshalled to the request, the answer unmarshalled into resp (may be nil).
// An operation the engine does not answer yet becomes the classic API's
// Rejected.UnsupportedOperation, never a crash.
func (c *opCtx) call(api string, req any, resp any) error {
	in, err := json.Marshal(req)
	if err != nil {
		return kmserr.Internal("encode %s request: %v", api, err)
	}
	out, err := c.h.eng.CallJSON(c.ctx, api, in)
	if err != nil {
		return unbuilt(api, err)
	}
	if resp != nil {
		if err := json.Unmarshal(out, resp); err != nil {
			return kmserr.Internal("decode %s response: %v", api, err)
		}
	}
	return nil
}

// unbuilt turns the engine's "no such operation" into the classic answer.
func unbuilt(api string, err error) error {
	ke := kmserr.As(err)
	if ke.Code == kmserr.CodeInvalidApiName || ke.Code == kmserr.CodeUnsupportedApi && strings.Contains(ke.Message, "not supported by pocketkms") {
		return kmserr.New(400, codeUnsupportedOp, "Unsupported operation: pocketkms's engine does not answer %s yet.", api)
	}
	return ke
}

// callMeta is call with the key version the instance API carries in its
// x-kms-migrationkeyversionid header (kms.Meta): the engine takes it only
// beside a protobuf request, so the JSON form is converted through the
// engine's own message types. It returns the version the engine used.
func (c *opCtx) callMeta(api string, req any, resp any, in kms.Meta) (kms.Meta, error) {
	js, err := json.Marshal(req)
	if err != nil {
		return kms.Meta{}, kmserr.Internal("encode %s request: %v", api, err)
	}
	msg, err := kms.NewRequest(api)
	if err != nil {
		return kms.Meta{}, unbuilt(api, err)
	}
	if err := kmspb.UnmarshalJSON(js, msg); err != nil {
		return kms.Meta{}, kmserr.InvalidParameter("The %s request is not valid: %v", api, err)
	}
	body, err := kmspb.Marshal(msg)
	if err != nil {
		return kms.Meta{}, kmserr.Internal("encode %s request: %v", api, err)
	}
	out, meta, err := c.h.eng.CallProtoMeta(c.ctx, api, body, in)
	if err != nil {
		return kms.Meta{}, unbuilt(api, err)
	}
	answer := kms.NewResponse(api)
	if answer == nil {
		return kms.Meta{}, kmserr.Internal("no response type for %s", api)
	}
	if err := kmspb.Unmarshal(out, answer); err != nil {
		return kms.Meta{}, kmserr.Internal("decode %s response: %v", api, err)
	}
	if resp != nil {
		rj, err := kmspb.MarshalJSON(answer)
		if err != nil || json.Unmarshal(rj, resp) != nil {
			return kms.Meta{}, kmserr.Internal("decode %s response", api)
		}
	}
	return meta, nil
}

// engineKey is the engine's KeyMetadata in its JSON form.
type engineKey struct {
	KeyId, KeySpec, KeyUsage, KeyState, Description, CreationDate, DeleteDate     string
	InitialKeyVersionId, PrimaryKeyVersionId, AutomaticRotation, RotationInterval string
	LastRotationDate, NextRotationDate, Origin                                    string
	DeletionProtection, DeletionProtectionDescription                             string
	Aliases                                                                       []string
	Tags                                                                          []struct{ TagKey, TagValue string }
}

type keyResponse struct{ KeyMetadata engineKey }

type engineVersion struct{ KeyId, KeyVersionId, CreationDate string }

// key runs an engine operation that answers a KeyResponse.
func (c *opCtx) key(api string, req any) (*engineKey, error) {
	var r keyResponse
	if err := c.call(api, req, &r); err != nil {
		return nil, err
	}
	return &r.KeyMetadata, nil
}

func (c *opCtx) describe(keyID string) (*engineKey, error) {
	return c.key("DescribeKey", obj{"KeyId": keyID})
}

// describeParam describes the key the required KeyId parameter names (an
// id, alias or ARN).
func (c *opCtx) describeParam() (*engineKey, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	return c.describe(id)
}

func (c *opCtx) keyArn(id string) string {
	return fmt.Sprintf("acs:kms:%s:%s:key/%s", c.h.cfg.region, c.h.cfg.account, id)
}

func (c *opCtx) aliasArn(name string) string {
	return fmt.Sprintf("acs:kms:%s:%s:%s", c.h.cfg.region, c.h.cfg.account, name)
}

// metadata is the classic KeyMetadata (spec §3.1) of an engine key.
func (c *opCtx) metadata(k *engineKey, withProtection bool) obj {
	md := obj{
		"Arn": c.keyArn(k.KeyId), "AutomaticRotation": k.AutomaticRotation, "CreationDate": k.CreationDate,
		"Creator": c.h.cfg.account, "DKMSInstanceId": "", "Description": k.Description, "KeyId": k.KeyId,
		"KeySpec": k.KeySpec, "KeyState": k.KeyState, "KeyUsage": k.KeyUsage, "Origin": firstOf(k.Origin, "Aliyun_KMS"),
		"PrimaryKeyVersion": k.PrimaryKeyVersionId, "ProtectionLevel": "SOFTWARE",
		"LastRotationDate": firstOf(k.LastRotationDate, k.CreationDate),
	}
	if k.DeleteDate != "" {
		md["DeleteDate"] = k.DeleteDate
	}
	if k.NextRotationDate != "" {
		md["NextRotationDate"] = k.NextRotationDate
	}
	if k.AutomaticRotation != "Disabled" && k.RotationInterval != "" {
		if d, err := kms.ParseRotationInterval(k.RotationInterval); err == nil {
			md["RotationInterval"] = fmt.Sprintf("%ds", int64(d.Seconds()))
		}
	}
	if withProtection {
		md["DeletionProtection"] = firstOf(k.DeletionProtection, "Disabled")
		if k.DeletionProtectionDescription != "" {
			md["DeletionProtectionDescription"] = k.DeletionProtectionDescription
		}
	}
	return md
}

// stateModified turns the engine's state refusals into the classic API's
// Rejected.StateModifiedFailed, for the operations whose state table row
// says so (spec §5.2).
func stateModified(err error) error {
	if ke := kmserr.As(err); ke.Status == 409 {
		return kmserr.New(409, "Rejected.StateModifiedFailed", "Keystate modified failed: %s", ke.Message)
	}
	return err
}

// page cuts a list for PageNumber/PageSize (spec §8.6) and echoes them.
func (c *opCtx) page(n int) (lo, hi int, out obj, err error) {
	num, err := c.p.Int("PageNumber", 1, 1, 1<<30)
	if err != nil {
		return 0, 0, nil, err
	}
	size, err := c.p.Int("PageSize", 10, 1, 100)
	if err != nil {
		return 0, 0, nil, err
	}
	lo = min((num-1)*size, n)
	hi = min(lo+size, n)
	return lo, hi, obj{"PageNumber": num, "PageSize": size, "TotalCount": n}, nil
}
