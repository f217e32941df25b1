package wasmhost

import (
	"google.golang.org/protobuf/proto"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// newResponse returns an empty response message for api, for Call to decode
// the module's protobuf answer into. The core has no such table (its
// operations build their responses directly); TestResponseTypes checks this
// one against the native engine for every operation in kms.Operations().
func newResponse(api string) proto.Message {
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
	case "CreateKey", "ImportKey", "DescribeKey", "CreateKeyVersion", "UpdateRotationPolicy",
		"EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion":
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
	}
	return nil
}
