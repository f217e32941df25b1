package kms_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/require"
)

func (f *fixture) createSecret(req *pb.CreateSecretRequest) *pb.Secret {
	f.t.Helper()
	return call[*pb.Secret](f, "CreateSecret", req)
}

func (f *fixture) get(name, version, stage string) *pb.GetSecretValueResponse {
	f.t.Helper()
	return call[*pb.GetSecretValueResponse](f, "GetSecretValue", &pb.GetSecretValueRequest{SecretName: name, VersionId: version, VersionStage: stage})
}

// TestSecretLifecycle: create, put, move stages, read by stage and version,
// list, delete and restore, as spec §6 and §10.6 describe them.
func TestSecretLifecycle(t *testing.T) {
	f := newFixture(t)
	created := f.createSecret(&pb.CreateSecretRequest{SecretName: "prod/db", VersionId: "v1", SecretData: "one", Description: "d",
		Tags: []*pb.Tag{{TagKey: "team", TagValue: "a"}}})
	require.Equal(t, "v1", created.VersionId)
	require.Equal(t, "Generic", created.SecretType)
	require.Equal(t, "Disabled", created.AutomaticRotation)

	got := f.get("prod/db", "", "")
	require.Equal(t, "one", got.SecretData)
	require.Equal(t, "text", got.SecretDataType)
	require.Equal(t, []string{"ACSCurrent"}, got.VersionStages)
	require.Equal(t, "2026-11-29T12:00:00Z", got.CreateTime)
	require.Equal(t, "", got.AutomaticRotation, "Generic secrets have no AutomaticRotation on GetSecretValue")

	f.clock.Add(time.Hour)
	put := call[*pb.Secret](f, "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "prod/db", VersionId: "v2", SecretData: "two"})
	require.Equal(t, []string{"ACSCurrent"}, put.VersionStages)
	require.Equal(t, "two", f.get("prod/db", "", "").SecretData)
	prev := f.get("prod/db", "", "ACSPrevious")
	require.Equal(t, "one", prev.SecretData)
	require.Equal(t, "v1", prev.VersionId)
	require.Equal(t, "2026-11-29T13:00:00Z", f.get("prod/db", "v2", "").CreateTime, "CreateTime is the version's")

	// Idempotent put; a different value under the same id is refused.
	call[*pb.Secret](f, "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "prod/db", VersionId: "v2", SecretData: "two"})
	_, err := f.e.Call("PutSecretValue", &pb.PutSecretValueRequest{SecretName: "prod/db", VersionId: "v2", SecretData: "other"})
	require.KMSError(t, err, 409, "Rejected.ResourceExist")

	// The generic rotation recipe: a pending label, then move ACSCurrent.
	call[*pb.Secret](f, "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "prod/db", VersionId: "v3", SecretData: "three", VersionStages: []string{"MyPendingLabel"}})
	require.Equal(t, "two", f.get("prod/db", "", "").SecretData)
	require.Equal(t, "three", f.get("prod/db", "", "MyPendingLabel").SecretData)
	call[*pb.Secret](f, "UpdateSecretVersionStage", &pb.UpdateSecretVersionStageRequest{SecretName: "prod/db", VersionStage: "ACSCurrent", MoveToVersion: "v3", RemoveFromVersion: "v2"})
	require.Equal(t, "three", f.get("prod/db", "", "").SecretData)
	require.Equal(t, "v2", f.get("prod/db", "", "ACSPrevious").VersionId)
	call[*pb.Secret](f, "UpdateSecretVersionStage", &pb.UpdateSecretVersionStageRequest{SecretName: "prod/db", VersionStage: "MyPendingLabel", RemoveFromVersion: "v3"})

	ids := call[*pb.ListSecretVersionIdsResponse](f, "ListSecretVersionIds", &pb.ListSecretVersionIdsRequest{SecretName: "prod/db"})
	require.Equal(t, int32(2), ids.TotalCount, "v1 lost its stages")
	all := call[*pb.ListSecretVersionIdsResponse](f, "ListSecretVersionIds", &pb.ListSecretVersionIdsRequest{SecretName: "prod/db", IncludeDeprecated: true})
	require.Equal(t, int32(3), all.TotalCount)
	require.Equal(t, "v1", all.VersionIds[0].VersionId)
	require.Equal(t, "one", f.get("prod/db", "v1", "").SecretData, "a version without stages is still readable by id")

	d := call[*pb.Secret](f, "DescribeSecret", &pb.SecretNameRequest{SecretName: "prod/db", FetchTags: true})
	require.Equal(t, "d", d.Description)
	require.Equal(t, 1, len(d.Tags))
	require.Equal(t, "2026-11-29T13:00:00Z", d.UpdateTime)

	f.createSecret(&pb.CreateSecretRequest{SecretName: "prod/api", SecretData: "x"})
	f.createSecret(&pb.CreateSecretRequest{SecretName: "dev/db", SecretData: "x"})
	l := call[*pb.ListSecretsResponse](f, "ListSecrets", &pb.ListSecretsRequest{NamePrefixes: []string{"prod/"}})
	require.Equal(t, int32(2), l.TotalCount)
	require.Equal(t, "prod/api", l.SecretList[0].SecretName)
	p2 := call[*pb.ListSecretsResponse](f, "ListSecrets", &pb.ListSecretsRequest{PageNumber: 2, PageSize: 2})
	require.Equal(t, 1, len(p2.SecretList))
	require.Equal(t, "prod/db", p2.SecretList[0].SecretName)
	require.Equal(t, int32(3), p2.TotalCount)

	del := call[*pb.Secret](f, "DeleteSecret", &pb.DeleteSecretRequest{SecretName: "prod/db", RecoveryWindowInDays: 7})
	require.Equal(t, "2026-12-06T13:00:00Z", del.PlannedDeleteTime)
	_, err = f.e.Call("GetSecretValue", &pb.GetSecretValueRequest{SecretName: "prod/db"})
	require.KMSError(t, err, 409, "Rejected.ResourceInDeleteWindow")
	_, err = f.e.Call("CreateSecret", &pb.CreateSecretRequest{SecretName: "prod/db", SecretData: "x"})
	require.KMSError(t, err, 409, "Rejected.ResourceInDeleteWindow")
	call[*pb.Secret](f, "RestoreSecret", &pb.SecretNameRequest{SecretName: "prod/db"})
	require.Equal(t, "three", f.get("prod/db", "", "").SecretData)

	call[*pb.Secret](f, "DeleteSecret", &pb.DeleteSecretRequest{SecretName: "prod/db"})
	f.clock.Add(31 * 24 * time.Hour)
	_, err = f.e.Call("DescribeSecret", &pb.SecretNameRequest{SecretName: "prod/db"})
	require.KMSError(t, err, 404, "Forbidden.ResourceNotFound")
	raw, _, _ := f.mem.Get("secrets/prod/db")
	require.True(t, raw != nil, "a read does not purge")
	call[*pb.Secret](f, "DeleteSecret", &pb.DeleteSecretRequest{SecretName: "dev/db", ForceDeleteWithoutRecovery: true})
	for _, n := range []string{"secrets/prod/db", "secrets/dev/db"} {
		raw, _, _ := f.mem.Get(n)
		require.True(t, raw == nil, n, "purged by the next write")
	}
}

// TestSecretErrors: the error rows of spec §10.2 and §10.6, over the engine.
func TestSecretErrors(t *testing.T) {
	f := newFixture(t)
	key := f.createKey("")
	f.createSecret(&pb.CreateSecretRequest{SecretName: "s", VersionId: "v1", SecretData: "x"})
	call[*pb.Secret](f, "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "s", VersionId: "v2", SecretData: "y", VersionStages: []string{"Blue"}})
	f.createSecret(&pb.CreateSecretRequest{SecretName: "rds", SecretType: "Rds", SecretData: `{"AccountName":"a","AccountPassword":"p"}`})
	f.createSecret(&pb.CreateSecretRequest{SecretName: "locked", SecretData: "x", EncryptionKeyId: key.KeyId})
	call[*pb.KeyResponse](f, "DisableKey", &pb.KeyIdRequest{KeyId: key.KeyId})
	long := strings.Repeat("a", 193)
	rows := []struct {
		name   string
		api    string
		req    pb.Message
		status int
		code   string
		says   string
	}{
		{"unknown secret", "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "nope"}, 404, "Forbidden.ResourceNotFound", "nope"},
		{"no name", "GetSecretValue", &pb.GetSecretValueRequest{}, 400, "MissingParameter", "SecretName"},
		{"unknown version", "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "s", VersionId: "v9"}, 400, "InvalidParameter", "v9"},
		{"unknown stage", "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "s", VersionStage: "Red"}, 400, "InvalidParameter", "Red"},
		{"version lacks stage", "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "s", VersionId: "v2", VersionStage: "ACSCurrent"}, 400, "InvalidParameter", "ACSCurrent"},
		{"managed custom stage", "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "rds", VersionStage: "Blue"}, 400, "InvalidParameter", "Rds"},
		{"disabled encryption key", "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "locked"}, 409, "Rejected.Disabled", key.KeyId},
		{"exists", "CreateSecret", &pb.CreateSecretRequest{SecretName: "s", SecretData: "x"}, 409, "Rejected.ResourceExist", "s"},
		{"bad name", "CreateSecret", &pb.CreateSecretRequest{SecretName: "a b", SecretData: "x"}, 400, "InvalidParameter", "SecretName"},
		{"long name", "CreateSecret", &pb.CreateSecretRequest{SecretName: long, SecretData: "x"}, 400, "InvalidParameter", "192"},
		{"acs prefix", "CreateSecret", &pb.CreateSecretRequest{SecretName: "acs/x", SecretData: "x"}, 400, "InvalidParameter", "acs/"},
		{"ecs name", "CreateSecret", &pb.CreateSecretRequest{SecretName: "x", SecretType: "ECS", SecretData: `{"UserName":"u","Password":"p"}`}, 400, "InvalidParameter", "acs/ecs/"},
		{"no data", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n"}, 400, "MissingParameter", "SecretData"},
		{"big data", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: strings.Repeat("x", 30721)}, 400, "InvalidParameter", "30720"},
		{"bad type", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", SecretType: "Mysql"}, 400, "InvalidParameter", "SecretType"},
		{"bad data type", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", SecretDataType: "blob"}, 400, "InvalidParameter", "SecretDataType"},
		{"managed binary", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretType: "Rds", SecretData: `{"AccountName":"a","AccountPassword":"p"}`, SecretDataType: "binary"}, 400, "InvalidParameter", "text"},
		{"managed shape", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretType: "Rds", SecretData: `{"AccountName":"a"}`}, 400, "InvalidParameter", "AccountPassword"},
		{"extended config", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", ExtendedConfig: "[1]"}, 400, "InvalidParameter", "ExtendedConfig"},
		{"interval short", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", EnableAutomaticRotation: true, RotationInterval: "5h"}, 400, "InvalidParameter", "6h"},
		{"interval missing", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", EnableAutomaticRotation: true}, 400, "MissingParameter", "RotationInterval"},
		{"unknown key", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", EncryptionKeyId: "alias/none"}, 404, "Forbidden.KeyNotFound", "alias/none"},
		{"disabled key", "CreateSecret", &pb.CreateSecretRequest{SecretName: "n", SecretData: "x", EncryptionKeyId: key.KeyId}, 409, "Rejected.Disabled", key.KeyId},
		{"put without data", "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "s", VersionId: "v5"}, 400, "MissingParameter", "SecretData"},
		{"put twice a stage", "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "s", VersionId: "v5", SecretData: "x", VersionStages: []string{"A", "A"}}, 400, "InvalidParameter", "twice"},
		{"put managed", "PutSecretValue", &pb.PutSecretValueRequest{SecretName: "rds", VersionId: "v5", SecretData: "x"}, 400, "UnsupportedOperation", "RotateSecret"},
		{"stage without target", "UpdateSecretVersionStage", &pb.UpdateSecretVersionStageRequest{SecretName: "s", VersionStage: "Blue"}, 400, "MissingParameter", "MoveToVersion"},
		{"remove current", "UpdateSecretVersionStage", &pb.UpdateSecretVersionStageRequest{SecretName: "s", VersionStage: "ACSCurrent", RemoveFromVersion: "v1"}, 400, "InvalidParameter", "MoveToVersion"},
		{"remove from wrong version", "UpdateSecretVersionStage", &pb.UpdateSecretVersionStageRequest{SecretName: "s", VersionStage: "Blue", RemoveFromVersion: "v1"}, 400, "InvalidParameter", "v1"},
		{"move to unknown", "UpdateSecretVersionStage", &pb.UpdateSecretVersionStageRequest{SecretName: "s", VersionStage: "Blue", MoveToVersion: "v9"}, 400, "InvalidParameter", "v9"},
		{"rotate generic", "RotateSecret", &pb.RotateSecretRequest{SecretName: "s"}, 400, "UnsupportedOperation", "PutSecretValue"},
		{"window short", "DeleteSecret", &pb.DeleteSecretRequest{SecretName: "s", RecoveryWindowInDays: 6}, 400, "InvalidParameter", "7 to 30"},
		{"window and force", "DeleteSecret", &pb.DeleteSecretRequest{SecretName: "s", RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true}, 400, "InvalidParameter", "not both"},
		{"restore live", "RestoreSecret", &pb.SecretNameRequest{SecretName: "s"}, 400, "InvalidParameter", "not planned"},
		{"page size", "ListSecrets", &pb.ListSecretsRequest{PageSize: 101}, 400, "InvalidParameter", "PageSize"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			before := dump(f.mem)
			resp, err := f.e.Call(r.api, r.req)
			ke := require.KMSError(t, err, r.status, r.code)
			require.True(t, resp == nil, "no response with an error")
			require.True(t, strings.Contains(ke.Message, r.says), "message", ke.Message, "should mention", r.says)
			require.True(t, before == dump(f.mem), "no partial write")
		})
	}
	// The header selects key versions, not secret versions.
	_, _, err := f.e.CallMeta("GetSecretValue", &pb.GetSecretValueRequest{SecretName: "s"}, kms.Meta{KeyVersionID: "x"})
	require.KMSError(t, err, 400, "InvalidParameter")
}

// dump is every record of m, for checking that nothing was written.
func dump(m *store.Memory) string {
	var b strings.Builder
	names, _ := m.List("")
	for _, n := range names {
		v, _, _ := m.Get(n)
		b.WriteString(n + "=" + string(v) + "\n")
	}
	return b.String()
}

// TestSecretValuesSealed: in a sealed store no secret value is readable, and
// a value under an EncryptionKeyId is not readable even inside the record.
func TestSecretValuesSealed(t *testing.T) {
	mem := store.NewMemory()
	root := bytes.Repeat([]byte{7}, 32)
	sealed, err := store.Sealed(mem, root)
	require.NoError(t, err)
	e := kms.New(sealed, kms.NewConfig())
	_, err = e.Call("CreateSecret", &pb.CreateSecretRequest{SecretName: "plain", SecretData: "hunter2-plain"})
	require.NoError(t, err)
	k, err := e.Call("CreateKey", &pb.CreateKeyRequest{})
	require.NoError(t, err)
	keyID := k.(*pb.KeyResponse).KeyMetadata.KeyId
	_, err = e.Call("CreateSecret", &pb.CreateSecretRequest{SecretName: "wrapped", SecretData: "hunter2-wrapped", EncryptionKeyId: keyID})
	require.NoError(t, err)
	all := dump(mem)
	require.True(t, !strings.Contains(all, "hunter2"), "a value reached the backend in plaintext")
	require.True(t, !strings.Contains(all, "ACSCurrent"), "secret records are sealed whole")

	inner, _, err := sealed.Get("secrets/wrapped")
	require.NoError(t, err)
	require.True(t, !strings.Contains(string(inner), "hunter2"), "a value under a key is encrypted inside the record")
	got, err := e.Call("GetSecretValue", &pb.GetSecretValueRequest{SecretName: "wrapped"})
	require.NoError(t, err)
	require.Equal(t, "hunter2-wrapped", got.(*pb.GetSecretValueResponse).SecretData)

	// Inside the record the value is a ciphertext blob.
	var rec struct{ Versions []struct{ Blob []byte } }
	require.NoError(t, json.Unmarshal(inner, &rec))
	require.True(t, len(rec.Versions) == 1 && len(rec.Versions[0].Blob) > 0)
}

// TestManagedRotation: RotateSecret makes a new ACSCurrent in the same JSON
// shape with a new password; automatic rotation falls due and is applied by
// the next write, never by a read.
func TestManagedRotation(t *testing.T) {
	f := newFixture(t)
	f.createSecret(&pb.CreateSecretRequest{SecretName: "db", SecretType: "Rds", VersionId: "v1",
		SecretData: `{"AccountName":"app","AccountPassword":"old","DBInstanceId":"rm-1"}`, ExtendedConfig: `{"SecretSubType":"SingleUser"}`,
		EnableAutomaticRotation: true, RotationInterval: "7d"})
	g := call[*pb.GetSecretValueResponse](f, "GetSecretValue", &pb.GetSecretValueRequest{SecretName: "db", FetchExtendedConfig: true})
	require.Equal(t, "Enabled", g.AutomaticRotation)
	require.Equal(t, "604800s", g.RotationInterval)
	require.Equal(t, "2026-12-06T12:00:00Z", g.NextRotationDate)
	require.Equal(t, `{"SecretSubType":"SingleUser"}`, g.ExtendedConfig)
	require.Equal(t, "", f.get("db", "", "").ExtendedConfig, "only when asked")

	r := call[*pb.Secret](f, "RotateSecret", &pb.RotateSecretRequest{SecretName: "db", VersionId: "r1"})
	require.Equal(t, "r1", r.VersionId)
	cur := f.get("db", "v1", "") // VersionId is ignored for managed types
	require.Equal(t, "r1", cur.VersionId)
	var m map[string]string
	require.NoError(t, json.Unmarshal([]byte(cur.SecretData), &m))
	require.Equal(t, "app", m["AccountName"])
	require.Equal(t, "rm-1", m["DBInstanceId"])
	require.Equal(t, 32, len(m["AccountPassword"]))
	require.True(t, m["AccountPassword"] != "old")
	require.Equal(t, "v1", f.get("db", "", "ACSPrevious").VersionId)
	again := call[*pb.Secret](f, "RotateSecret", &pb.RotateSecretRequest{SecretName: "db", VersionId: "r1"})
	require.Equal(t, "r1", again.VersionId, "an existing id is a no-op")

	f.createSecret(&pb.CreateSecretRequest{SecretName: "ram", SecretType: "RAMCredentials",
		SecretData: `{"AccessKeyId":"LTAIold","AccessKeySecret":"s","GenerateTimestamp":"2020-01-01T00:00:00Z"}`})
	call[*pb.Secret](f, "RotateSecret", &pb.RotateSecretRequest{SecretName: "ram"})
	require.NoError(t, json.Unmarshal([]byte(f.get("ram", "", "").SecretData), &m))
	require.True(t, strings.HasPrefix(m["AccessKeyId"], "LTAI") && len(m["AccessKeyId"]) == 24, m["AccessKeyId"])
	require.Equal(t, "2026-11-29T12:00:00Z", m["GenerateTimestamp"])

	f.clock.Add(8 * 24 * time.Hour)
	require.Equal(t, "r1", f.get("db", "", "").VersionId, "a read does not rotate")
	f.createSecret(&pb.CreateSecretRequest{SecretName: "other", SecretData: "x"})
	after := f.get("db", "", "")
	require.True(t, after.VersionId != "r1", "the write rotated the due secret")
	require.Equal(t, "r1", f.get("db", "", "ACSPrevious").VersionId)
	require.Equal(t, "2026-12-07T12:00:00Z", after.LastRotationDate)
	require.Equal(t, "2026-12-14T12:00:00Z", after.NextRotationDate)
}

// FuzzParseSecretRotationInterval: never a panic; whatever is accepted is
// within the product's 6h to 8760h.
func FuzzParseSecretRotationInterval(f *testing.F) {
	for _, s := range []string{"6h", "8760h", "365d", "604800s", "360m", "5h", "x", "", "99999999999999999999d", "-7d", "+7d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := kms.ParseSecretRotationInterval(s)
		if err != nil {
			return
		}
		if d < 6*time.Hour || d > 8760*time.Hour {
			t.Fatalf("%q accepted as %v", s, d)
		}
	})
}

// FuzzSecretRequests: whatever CreateSecret and PutSecretValue are given
// (names, types, managed JSON shapes, ExtendedConfig, stages, intervals),
// the engine answers without a panic and with a client error, never a 500;
// what it accepts it returns unchanged, and the stage rules hold after it.
func FuzzSecretRequests(f *testing.F) {
	f.Add("app/db", "Generic", "s3cret", "text", "", "", "ACSCurrent")
	f.Add("r", "Rds", `{"AccountName":"a","AccountPassword":"p"}`, "", `{"DBInstanceId":"rm"}`, "7d", "")
	f.Add("acs/ecs/x", "ECS", `{"UserName":"u","Password":"p"}`, "text", "{}", "6h", "Blue,ACSPrevious")
	f.Add("k", "RAMCredentials", `{"AccessKeyId":1}`, "binary", "[1]", "5h", "A,A")
	f.Fuzz(func(t *testing.T, name, typ, data, dataType, ext, interval, stages string) {
		e := kms.New(store.NewMemory(), kms.NewConfig())
		_, err := e.Call("CreateSecret", &pb.CreateSecretRequest{SecretName: name, SecretType: typ, SecretData: data, SecretDataType: dataType,
			ExtendedConfig: ext, EnableAutomaticRotation: interval != "", RotationInterval: interval, VersionId: "v1"})
		if err != nil {
			if ke := kmserr.As(err); ke.Status >= 500 {
				t.Fatalf("CreateSecret: %v", err)
			}
			return
		}
		got, err := e.Call("GetSecretValue", &pb.GetSecretValueRequest{SecretName: name})
		if err != nil || got.(*pb.GetSecretValueResponse).SecretData != data {
			t.Fatalf("GetSecretValue after CreateSecret: %v", err)
		}
		var st []string
		if stages != "" {
			st = strings.Split(stages, ",")
		}
		_, err = e.Call("PutSecretValue", &pb.PutSecretValueRequest{SecretName: name, VersionId: "v2", SecretData: data + "2", VersionStages: st})
		if err != nil {
			if ke := kmserr.As(err); ke.Status >= 500 {
				t.Fatalf("PutSecretValue: %v", err)
			}
			return
		}
		l, err := e.Call("ListSecretVersionIds", &pb.ListSecretVersionIdsRequest{SecretName: name, IncludeDeprecated: true})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, v := range l.(*pb.ListSecretVersionIdsResponse).VersionIds {
			for _, s := range v.VersionStages {
				if seen[s] {
					t.Fatalf("the stage %s is on two versions", s)
				}
				seen[s] = true
			}
		}
		if !seen["ACSCurrent"] {
			t.Fatal("no version has ACSCurrent")
		}
	})
}

// TestSecretTags: TagResource and UntagResource name a secret by
// SecretName, with the rules of key tags.
func TestSecretTags(t *testing.T) {
	f := newFixture(t)
	f.createSecret(&pb.CreateSecretRequest{SecretName: "s", SecretData: "x", Tags: []*pb.Tag{{TagKey: "a", TagValue: "1"}}})
	call[*pb.KeyResponse](f, "TagResource", &pb.TagResourceRequest{SecretName: "s", Tags: []*pb.Tag{{TagKey: "b", TagValue: "2"}, {TagKey: "a", TagValue: "3"}}})
	d := call[*pb.Secret](f, "DescribeSecret", &pb.SecretNameRequest{SecretName: "s", FetchTags: true})
	require.Equal(t, 2, len(d.Tags))
	require.Equal(t, "3", d.Tags[0].TagValue)
	call[*pb.KeyResponse](f, "UntagResource", &pb.UntagResourceRequest{SecretName: "s", TagKeys: []string{"a", "absent"}})
	d = call[*pb.Secret](f, "DescribeSecret", &pb.SecretNameRequest{SecretName: "s", FetchTags: true})
	require.Equal(t, 1, len(d.Tags))
	require.Equal(t, "b", d.Tags[0].TagKey)
	_, err := f.e.Call("TagResource", &pb.TagResourceRequest{SecretName: "s", Tags: []*pb.Tag{{TagKey: "acs:x"}}})
	require.KMSError(t, err, 400, "InvalidParameter")
	_, err = f.e.Call("TagResource", &pb.TagResourceRequest{SecretName: "none", Tags: []*pb.Tag{{TagKey: "k"}}})
	require.KMSError(t, err, 404, "Forbidden.ResourceNotFound")
	_, err = f.e.Call("UntagResource", &pb.UntagResourceRequest{SecretName: "s", KeyId: keyA, TagKeys: []string{"b"}})
	require.KMSError(t, err, 400, "InvalidParameter")
}
