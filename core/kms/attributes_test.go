package kms_test

import (
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/require"
)

func (f *fixture) fails(api string, req pb.Message, status int, code string) *kmserr.Error {
	f.t.Helper()
	_, err := f.e.Call(api, req)
	require.True(f.t, err != nil, api, "succeeded, want", code)
	ke := kmserr.As(err)
	require.Equal(f.t, code, ke.Code, api, ke.Message)
	require.Equal(f.t, status, ke.Status, api)
	return ke
}

func TestUpdateKeyDescription(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	got := call[*pb.KeyResponse](f, "UpdateKeyDescription", &pb.UpdateKeyDescriptionRequest{KeyId: md.KeyId, Description: "new"}).KeyMetadata
	require.Equal(t, "new", got.Description)
	again := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, "new", again.Description)
	f.fails("UpdateKeyDescription", &pb.UpdateKeyDescriptionRequest{KeyId: md.KeyId, Description: strings.Repeat("x", 8193)}, 400, "InvalidParameter")
	f.fails("UpdateKeyDescription", &pb.UpdateKeyDescriptionRequest{KeyId: "key-nonexistent000000000"}, 404, "Forbidden.KeyNotFound")
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 7})
	f.fails("UpdateKeyDescription", &pb.UpdateKeyDescriptionRequest{KeyId: md.KeyId, Description: "x"}, 409, "Rejected.PendingDeletion")
}

func TestDeletionProtection(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	require.Equal(t, "Disabled", md.DeletionProtection)
	got := call[*pb.KeyResponse](f, "SetDeletionProtection", &pb.SetDeletionProtectionRequest{KeyId: md.KeyId, EnableDeletionProtection: true, DeletionProtectionDescription: "prod"}).KeyMetadata
	require.Equal(t, "Enabled", got.DeletionProtection)
	require.Equal(t, "prod", got.DeletionProtectionDescription)
	f.fails("ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 7}, 403, "Forbidden.DeletionProtection")
	state := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, "Enabled", state.KeyState)
	got = call[*pb.KeyResponse](f, "SetDeletionProtection", &pb.SetDeletionProtectionRequest{KeyId: md.KeyId, DeletionProtectionDescription: "ignored"}).KeyMetadata
	require.Equal(t, "Disabled", got.DeletionProtection)
	require.Equal(t, "", got.DeletionProtectionDescription)
	call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 7})
}

func tagsOf(md *pb.KeyMetadata) string {
	var parts []string
	for _, t := range md.Tags {
		parts = append(parts, t.TagKey+"="+t.TagValue)
	}
	return strings.Join(parts, ",")
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	md := call[*pb.KeyResponse](f, "CreateKey", &pb.CreateKeyRequest{Tags: []*pb.Tag{{TagKey: "team", TagValue: "a"}}}).KeyMetadata
	require.Equal(t, "team=a", tagsOf(md))
	md = call[*pb.KeyResponse](f, "TagResource", &pb.TagResourceRequest{KeyId: md.KeyId, Tags: []*pb.Tag{{TagKey: "env", TagValue: "dev"}, {TagKey: "team", TagValue: "b"}}}).KeyMetadata
	require.Equal(t, "env=dev,team=b", tagsOf(md))
	md = call[*pb.KeyResponse](f, "UntagResource", &pb.UntagResourceRequest{KeyId: md.KeyId, TagKeys: []string{"team", "absent"}}).KeyMetadata
	require.Equal(t, "env=dev", tagsOf(md))
	md = call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, "env=dev", tagsOf(md))

	f.fails("TagResource", &pb.TagResourceRequest{KeyId: md.KeyId, Tags: []*pb.Tag{{TagKey: "acs:x", TagValue: "v"}}}, 400, "InvalidParameter")
	f.fails("TagResource", &pb.TagResourceRequest{KeyId: md.KeyId, Tags: []*pb.Tag{{TagKey: "", TagValue: "v"}}}, 400, "InvalidParameter")
	f.fails("TagResource", &pb.TagResourceRequest{KeyId: md.KeyId}, 400, "MissingParameter")
	f.fails("UntagResource", &pb.UntagResourceRequest{KeyId: md.KeyId}, 400, "MissingParameter")
	var many []*pb.Tag
	for i := 0; i < 20; i++ {
		many = append(many, &pb.Tag{TagKey: strings.Repeat("k", i+1), TagValue: "v"})
	}
	f.fails("TagResource", &pb.TagResourceRequest{KeyId: md.KeyId, Tags: many}, 400, "Rejected.LimitExceeded")
	// A refused call writes nothing.
	md = call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: md.KeyId}).KeyMetadata
	require.Equal(t, "env=dev", tagsOf(md))
	f.fails("CreateKey", &pb.CreateKeyRequest{Tags: []*pb.Tag{{TagKey: "aliyun-x"}}}, 400, "InvalidParameter")
}
