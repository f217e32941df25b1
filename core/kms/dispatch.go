package kms

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/blob"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// operation is one entry of the dispatch table: how to make its request
// message and how to run it.
type operation struct {
	newRequest func() pb.Message
	run        func(e *Engine, req pb.Message, in Meta, out *Meta) (pb.Message, error)
	data       bool // part of the dkms-gcs-0.2 instance API
}

// op is an operation that takes no Meta: a version header is refused rather
// than ignored, so that nobody believes it selected a version.
//
// op and opMeta are not inlined: inlined, every table entry got its own
// copy of their closures, a few KB of WebAssembly per operation.
//
//go:noinline
func op[Req pb.Message](data bool, newReq func() Req, run func(*Engine, Req) (pb.Message, error)) operation {
	return opMeta(data, newReq, func(e *Engine, r Req, in Meta, _ *Meta) (pb.Message, error) {
		if in.KeyVersionID != "" {
			return nil, kmserr.InvalidParameter("%s does not take the %s header", opName(r), HeaderKeyVersionID)
		}
		return run(e, r)
	})
}

//go:noinline
func opMeta[Req pb.Message](data bool, newReq func() Req, run func(*Engine, Req, Meta, *Meta) (pb.Message, error)) operation {
	return operation{
		newRequest: func() pb.Message { return newReq() },
		run: func(e *Engine, m pb.Message, in Meta, out *Meta) (pb.Message, error) {
			r, ok := m.(Req)
			if !ok {
				return nil, kmserr.Internal("called with a %T request, want %T", m, newReq())
			}
			return run(e, r, in, out)
		},
		data: data,
	}
}

// opName names an operation by its request type, for error messages.
func opName(m pb.Message) string {
	return strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", m), "*kmspb."), "Request")
}

var operations = map[string]operation{
	// dkms-gcs-0.2 data operations.
	"Encrypt":                opMeta(true, func() *pb.EncryptRequest { return &pb.EncryptRequest{} }, (*Engine).encrypt),
	"Decrypt":                opMeta(true, func() *pb.DecryptRequest { return &pb.DecryptRequest{} }, (*Engine).decrypt),
	"AdvanceEncrypt":         opMeta(true, func() *pb.AdvanceEncryptRequest { return &pb.AdvanceEncryptRequest{} }, (*Engine).advanceEncrypt),
	"AdvanceDecrypt":         opMeta(true, func() *pb.AdvanceDecryptRequest { return &pb.AdvanceDecryptRequest{} }, (*Engine).advanceDecrypt),
	"GenerateDataKey":        opMeta(true, func() *pb.GenerateDataKeyRequest { return &pb.GenerateDataKeyRequest{} }, (*Engine).generateDataKey),
	"AdvanceGenerateDataKey": opMeta(true, func() *pb.AdvanceGenerateDataKeyRequest { return &pb.AdvanceGenerateDataKeyRequest{} }, (*Engine).advanceGenerateDataKey),
	"GenerateRandom":         op(true, func() *pb.GenerateRandomRequest { return &pb.GenerateRandomRequest{} }, (*Engine).generateRandom),
	"Sign":                   opMeta(true, func() *pb.SignRequest { return &pb.SignRequest{} }, (*Engine).sign),
	"Verify":                 opMeta(true, func() *pb.VerifyRequest { return &pb.VerifyRequest{} }, (*Engine).verify),
	"GetPublicKey":           opMeta(true, func() *pb.GetPublicKeyRequest { return &pb.GetPublicKeyRequest{} }, (*Engine).getPublicKey),
	"GenerateDataKeyPair": opMeta(true, func() *pb.GenerateDataKeyPairRequest { return &pb.GenerateDataKeyPairRequest{} },
		(*Engine).generateDataKeyPair),
	"GenerateDataKeyPairWithoutPlaintext": opMeta(true, func() *pb.GenerateDataKeyPairWithoutPlaintextRequest {
		return &pb.GenerateDataKeyPairWithoutPlaintextRequest{}
	}, (*Engine).generateDataKeyPairWithoutPlaintext),
	"AdvanceGenerateDataKeyPair": opMeta(true, func() *pb.AdvanceGenerateDataKeyPairRequest { return &pb.AdvanceGenerateDataKeyPairRequest{} },
		(*Engine).advanceGenerateDataKeyPair),
	"AdvanceGenerateDataKeyPairWithoutPlaintext": opMeta(true, func() *pb.AdvanceGenerateDataKeyPairWithoutPlaintextRequest {
		return &pb.AdvanceGenerateDataKeyPairWithoutPlaintextRequest{}
	}, (*Engine).advanceGenerateDataKeyPairWithoutPlaintext),
	"GetSecretValue": op(true, func() *pb.GetSecretValueRequest { return &pb.GetSecretValueRequest{} }, (*Engine).getSecretValue),

	// Key management.
	"CreateKey":             op(false, func() *pb.CreateKeyRequest { return &pb.CreateKeyRequest{} }, (*Engine).createKey),
	"ImportKey":             op(false, func() *pb.ImportKeyRequest { return &pb.ImportKeyRequest{} }, (*Engine).importKey),
	"DescribeKey":           op(false, newKeyID, (*Engine).describeKey),
	"ListKeys":              op(false, func() *pb.ListKeysRequest { return &pb.ListKeysRequest{} }, (*Engine).listKeys),
	"CreateKeyVersion":      op(false, newKeyID, (*Engine).createKeyVersion),
	"ListKeyVersions":       op(false, newKeyID, (*Engine).listKeyVersions),
	"DescribeKeyVersion":    op(false, func() *pb.DescribeKeyVersionRequest { return &pb.DescribeKeyVersionRequest{} }, (*Engine).describeKeyVersion),
	"UpdateRotationPolicy":  op(false, func() *pb.UpdateRotationPolicyRequest { return &pb.UpdateRotationPolicyRequest{} }, (*Engine).updateRotationPolicy),
	"EnableKey":             op(false, newKeyID, (*Engine).enableKey),
	"DisableKey":            op(false, newKeyID, (*Engine).disableKey),
	"ScheduleKeyDeletion":   op(false, func() *pb.ScheduleKeyDeletionRequest { return &pb.ScheduleKeyDeletionRequest{} }, (*Engine).scheduleKeyDeletion),
	"CancelKeyDeletion":     op(false, newKeyID, (*Engine).cancelKeyDeletion),
	"CreateAlias":           op(false, newAlias, func(e *Engine, r *pb.AliasRequest) (pb.Message, error) { return e.createAlias(r, false) }),
	"UpdateAlias":           op(false, newAlias, func(e *Engine, r *pb.AliasRequest) (pb.Message, error) { return e.createAlias(r, true) }),
	"DeleteAlias":           op(false, newAlias, (*Engine).deleteAlias),
	"ListAliases":           op(false, newListAliases, func(e *Engine, r *pb.ListAliasesRequest) (pb.Message, error) { return e.listAliases(r, false) }),
	"ListAliasesByKeyId":    op(false, newListAliases, func(e *Engine, r *pb.ListAliasesRequest) (pb.Message, error) { return e.listAliases(r, true) }),
	"UpdateKeyDescription":  op(false, func() *pb.UpdateKeyDescriptionRequest { return &pb.UpdateKeyDescriptionRequest{} }, (*Engine).updateKeyDescription),
	"SetDeletionProtection": op(false, func() *pb.SetDeletionProtectionRequest { return &pb.SetDeletionProtectionRequest{} }, (*Engine).setDeletionProtection),
	"TagResource":           op(false, func() *pb.TagResourceRequest { return &pb.TagResourceRequest{} }, (*Engine).tagResource),
	"UntagResource":         op(false, func() *pb.UntagResourceRequest { return &pb.UntagResourceRequest{} }, (*Engine).untagResource),
	"InspectBlob":           op(false, func() *pb.InspectBlobRequest { return &pb.InspectBlobRequest{} }, (*Engine).inspectBlob),

	// Secrets, as the classic API names them (GetSecretValue is above).
	"CreateSecret":             op(false, func() *pb.CreateSecretRequest { return &pb.CreateSecretRequest{} }, (*Engine).createSecret),
	"ImportSecret":             op(false, func() *pb.ImportSecretRequest { return &pb.ImportSecretRequest{} }, (*Engine).importSecret),
	"PutSecretValue":           op(false, func() *pb.PutSecretValueRequest { return &pb.PutSecretValueRequest{} }, (*Engine).putSecretValue),
	"UpdateSecretVersionStage": op(false, func() *pb.UpdateSecretVersionStageRequest { return &pb.UpdateSecretVersionStageRequest{} }, (*Engine).updateSecretVersionStage),
	"RotateSecret":             op(false, func() *pb.RotateSecretRequest { return &pb.RotateSecretRequest{} }, (*Engine).rotateSecret),
	"DescribeSecret":           op(false, newSecretName, (*Engine).describeSecret),
	"ListSecrets":              op(false, func() *pb.ListSecretsRequest { return &pb.ListSecretsRequest{} }, (*Engine).listSecrets),
	"ListSecretVersionIds":     op(false, func() *pb.ListSecretVersionIdsRequest { return &pb.ListSecretVersionIdsRequest{} }, (*Engine).listSecretVersionIds),
	"DeleteSecret":             op(false, func() *pb.DeleteSecretRequest { return &pb.DeleteSecretRequest{} }, (*Engine).deleteSecret),
	"RestoreSecret":            op(false, newSecretName, (*Engine).restoreSecret),
}

// unbuilt are instance API operations the SDK has that pocketkms does not
// implement yet: they get a clear error, never a crash or a retry.
var unbuilt = map[string]bool{"GetHealthStatus": true}

func newKeyID() *pb.KeyIdRequest             { return &pb.KeyIdRequest{} }
func newAlias() *pb.AliasRequest             { return &pb.AliasRequest{} }
func newListAliases() *pb.ListAliasesRequest { return &pb.ListAliasesRequest{} }
func newSecretName() *pb.SecretNameRequest   { return &pb.SecretNameRequest{} }

// Operations lists every operation name the engine answers, sorted.
func Operations() []string {
	var out []string
	for n := range operations {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsDataOperation reports whether api is one of the dkms-gcs-0.2 data
// operations that the instance endpoint serves.
func IsDataOperation(api string) bool { return operations[api].data }

// lookup finds an operation or says why there is none.
func lookup(api string) (operation, error) {
	o, ok := operations[api]
	if ok {
		return o, nil
	}
	if unbuilt[api] {
		return o, kmserr.New(400, kmserr.CodeUnsupportedOperation, "The API %s is not supported by pocketkms yet.", api)
	}
	return o, kmserr.New(400, kmserr.CodeInvalidApiName, "The API name %q is not valid.", api)
}

// NewRequest returns an empty request message for api.
func NewRequest(api string) (pb.Message, error) {
	o, err := lookup(api)
	if err != nil {
		return nil, err
	}
	return o.newRequest(), nil
}

// NewResponse returns an empty response message for api (nil for an
// unknown api), for hosts that carry an operation over the wire and decode
// its answer: the wazero host, the parity runners. TestNewResponse checks it
// against what every operation really returns.
func NewResponse(api string) pb.Message {
	switch api {
	case "Encrypt":
		return &pb.EncryptResponse{}
	case "Decrypt":
		return &pb.DecryptResponse{}
	case "AdvanceEncrypt":
		return &pb.AdvanceEncryptResponse{}
	case "AdvanceDecrypt":
		return &pb.AdvanceDecryptResponse{}
	case "GenerateDataKey":
		return &pb.GenerateDataKeyResponse{}
	case "AdvanceGenerateDataKey":
		return &pb.AdvanceGenerateDataKeyResponse{}
	case "GenerateRandom":
		return &pb.GenerateRandomResponse{}
	case "Sign":
		return &pb.SignResponse{}
	case "Verify":
		return &pb.VerifyResponse{}
	case "GetPublicKey":
		return &pb.GetPublicKeyResponse{}
	case "GenerateDataKeyPair":
		return &pb.GenerateDataKeyPairResponse{}
	case "GenerateDataKeyPairWithoutPlaintext":
		return &pb.GenerateDataKeyPairWithoutPlaintextResponse{}
	case "AdvanceGenerateDataKeyPair":
		return &pb.AdvanceGenerateDataKeyPairResponse{}
	case "AdvanceGenerateDataKeyPairWithoutPlaintext":
		return &pb.AdvanceGenerateDataKeyPairWithoutPlaintextResponse{}
	case "CreateKey", "ImportKey", "DescribeKey", "CreateKeyVersion", "UpdateRotationPolicy",
		"EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
		"UpdateKeyDescription", "SetDeletionProtection", "TagResource", "UntagResource":
		return &pb.KeyResponse{}
	case "ListKeys":
		return &pb.ListKeysResponse{}
	case "ListKeyVersions":
		return &pb.ListKeyVersionsResponse{}
	case "DescribeKeyVersion":
		return &pb.KeyVersionResponse{}
	case "CreateAlias", "UpdateAlias":
		return &pb.AliasResponse{}
	case "DeleteAlias":
		return &pb.EmptyResponse{}
	case "ListAliases", "ListAliasesByKeyId":
		return &pb.ListAliasesResponse{}
	case "InspectBlob":
		return &pb.InspectBlobResponse{}
	case "GetSecretValue":
		return &pb.GetSecretValueResponse{}
	case "CreateSecret", "ImportSecret", "PutSecretValue", "UpdateSecretVersionStage", "RotateSecret",
		"DescribeSecret", "DeleteSecret", "RestoreSecret":
		return &pb.Secret{}
	case "ListSecrets":
		return &pb.ListSecretsResponse{}
	case "ListSecretVersionIds":
		return &pb.ListSecretVersionIdsResponse{}
	}
	return nil
}

// Call runs api with a request message and returns its response message,
// with RequestId set, or a *kmserr.Error.
func (e *Engine) Call(api string, req pb.Message) (pb.Message, error) {
	resp, _, err := e.CallMeta(api, req, Meta{})
	return resp, err
}

// CallMeta is Call with the metadata that travels beside the messages: in,
// what the request's headers ask; out, what the response's headers say.
func (e *Engine) CallMeta(api string, req pb.Message, in Meta) (pb.Message, Meta, error) {
	o, err := lookup(api)
	if err != nil {
		return nil, Meta{}, err
	}
	if req == nil {
		return nil, Meta{}, kmserr.Internal("%s called without a request", api)
	}
	return e.callOp(o, req, in)
}

// callOp is CallMeta once the operation is found.
func (e *Engine) callOp(o operation, req pb.Message, in Meta) (pb.Message, Meta, error) {
	var out Meta
	resp, err := o.run(e, req, in, &out)
	if err != nil {
		return nil, Meta{}, kmserr.As(err)
	}
	pb.SetRequestId(resp, e.RequestID())
	return resp, out, nil
}

// CallProto runs api on a binary protobuf request: the instance API's form.
func (e *Engine) CallProto(api string, body []byte) ([]byte, error) {
	out, _, err := e.CallProtoMeta(api, body, Meta{})
	return out, err
}

// CallProtoMeta is CallProto with metadata in and out (see CallMeta).
func (e *Engine) CallProtoMeta(api string, body []byte, in Meta) ([]byte, Meta, error) {
	return e.appendProto(nil, api, body, in, pb.Unmarshal)
}

// AppendProtoMeta is CallProtoMeta appending the response's encoding to dst,
// for a host that frames or buffers it: the WebAssembly module writes it
// straight into its reused result buffer. body is read only while the call
// runs, and the request's bytes fields are decoded as slices of it instead
// of copies (kmspb.UnmarshalAlias): the caller must not change body until
// the call returns, and nothing of it is kept after. On error dst is left
// as it was and nil is returned.
func (e *Engine) AppendProtoMeta(dst []byte, api string, body []byte, in Meta) ([]byte, Meta, error) {
	if dst == nil {
		dst = []byte{}
	}
	return e.appendProto(dst, api, body, in, pb.UnmarshalAlias)
}

// appendProto runs a protobuf request decoded by unmarshal and appends the
// response's encoding to dst, or returns it in a fresh buffer if dst is nil.
func (e *Engine) appendProto(dst []byte, api string, body []byte, in Meta, unmarshal func([]byte, pb.Message) error) ([]byte, Meta, error) {
	o, err := lookup(api) // once: hashing the name is not free inside WebAssembly
	if err != nil {
		return nil, Meta{}, err
	}
	req := o.newRequest()
	if err := unmarshal(body, req); err != nil {
		return nil, Meta{}, kmserr.InvalidParameter("the %s request body is not a valid protobuf message: %s", api, libraryError(err))
	}
	resp, meta, err := e.callOp(o, req, in)
	if err != nil {
		return nil, Meta{}, err
	}
	var out []byte
	if dst == nil {
		out, err = pb.Marshal(resp)
	} else {
		out, err = pb.MarshalAppend(dst, resp)
	}
	if err != nil {
		return nil, Meta{}, kmserr.Internal("encode response: %v", err)
	}
	keepBlob(resp)
	return out, meta, nil
}

// ErrorMessage turns any error into the protobuf Error body of spec §4.
func ErrorMessage(err error, requestID string) *pb.Error {
	ke := kmserr.As(err)
	return &pb.Error{StatusCode: int32(ke.Status), ErrorCode: ke.Code, ErrorMessage: ke.Message, RequestId: requestID}
}

// libraryError makes a protobuf library error deterministic: the library
// randomly puts a space or a no-break space after its "proto:" prefix (so
// that nobody depends on its text), which would make the same bad request
// answer differently in different builds, e.g. native and wasm.
func libraryError(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\u00a0", " ")
	msg = strings.TrimPrefix(msg, "proto: ")
	msg = strings.TrimPrefix(msg, "proto:")
	return strings.Join(strings.Fields(msg), " ")
}

func (e *Engine) inspectBlob(r *pb.InspectBlobRequest) (pb.Message, error) {
	b, err := blob.Parse(r.CiphertextBlob)
	if err != nil {
		return &pb.InspectBlobResponse{Valid: false, Problem: err.Error()}, nil
	}
	resp := &pb.InspectBlobResponse{Valid: true, Algorithm: b.Algorithm, PaddingMode: b.Padding,
		KeyVersionId: b.KeyVersionID, KeyId: ids.KeyIDOfVersion(b.KeyVersionID), Iv: b.IV}
	raw := r.CiphertextBlob
	for _, f := range b.Layout() {
		part := raw[f.Offset : f.Offset+f.Length]
		v := fmt.Sprintf("%x", part)
		switch f.Name {
		case "Magic":
			v = fmt.Sprintf("0x%02x '$'", part[0])
		case "VersionAndPadding":
			v = fmt.Sprintf("0x%02x: cipher version %d, padding %d (%s)", part[0], part[0]>>4, part[0]&0x0f, paddingLabel(b.Padding))
		case "Algorithm":
			v = fmt.Sprintf("0x%02x: %s", part[0], b.Algorithm)
		case "KeyVersionId":
			v = string(part)
		case "Ciphertext":
			resp.Ciphertext = part
		case "Tag":
			resp.Tag = part
		}
		resp.Fields = append(resp.Fields, &pb.BlobField{Name: f.Name, Offset: int32(f.Offset), Length: int32(f.Length), Value: v})
	}
	if b.Algorithm != "" && resp.Tag == nil {
		resp.Ciphertext = b.Ciphertext
	}
	resp.CipherVersion = int32(raw[1] >> 4)
	return resp, nil
}

func paddingLabel(p string) string {
	if p == "" {
		return "none, GCM"
	}
	return p
}
