package classic

import (
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
	alikms "github.com/aliyun/alibaba-cloud-sdk-go/services/kms"
)

// TestV3Secrets: the secret actions through the Go v3 client, as a
// user's code calls them (spec classic-openapi.md §3.1): one engine, so the
// values are those of `pocketkms secret` and the instance API.
func TestV3Secrets(t *testing.T) {
	defer catch(t)
	c := v3(t, func(*openapi.Config) {}, accessKeyID, accessKeySecret)
	created := must(c.CreateSecret(&kms.CreateSecretRequest{SecretName: tea.String("v3/db"), SecretData: tea.String("one"),
		VersionId: tea.String("v1"), Description: tea.String("from v3"), Tags: tea.String(`[{"TagKey":"env","TagValue":"test"}]`)})).Body
	if tea.StringValue(created.Arn) != "acs:kms:cn-hangzhou:1000000000000000:secret/v3/db" || tea.StringValue(created.VersionId) != "v1" {
		t.Fatalf("CreateSecret: %v", created)
	}
	_, err := c.CreateSecret(&kms.CreateSecretRequest{SecretName: tea.String("v3/db"), SecretData: tea.String("x"), VersionId: tea.String("v1")})
	wantErr(t, err, 409, "Rejected.ResourceExist")
	must(c.CreateSecret(&kms.CreateSecretRequest{SecretName: tea.String("v3/api"), SecretData: tea.String("x"), VersionId: tea.String("v1")}))

	put := must(c.PutSecretValue(&kms.PutSecretValueRequest{SecretName: tea.String("v3/db"), SecretData: tea.String("two"),
		VersionId: tea.String("v2"), VersionStages: tea.String(`["ACSCurrent"]`)})).Body
	if len(put.VersionStages.VersionStage) != 1 || tea.StringValue(put.VersionStages.VersionStage[0]) != "ACSCurrent" {
		t.Fatalf("PutSecretValue: %v", put)
	}
	got := must(c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("v3/db")})).Body
	if tea.StringValue(got.SecretData) != "two" || tea.StringValue(got.VersionId) != "v2" || tea.StringValue(got.SecretDataType) != "text" {
		t.Fatalf("GetSecretValue: %v", got)
	}
	prev := must(c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("v3/db"), VersionStage: tea.String("ACSPrevious")})).Body
	if tea.StringValue(prev.SecretData) != "one" {
		t.Fatalf("ACSPrevious: %v", prev)
	}
	_, err = c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("v3/none")})
	wantErr(t, err, 404, "Forbidden.ResourceNotFound")
	_, err = c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("v3/db"), VersionId: tea.String("v1"), VersionStage: tea.String("ACSCurrent")})
	wantErr(t, err, 400, "InvalidParameter")

	must(c.UpdateSecretVersionStage(&kms.UpdateSecretVersionStageRequest{SecretName: tea.String("v3/db"), VersionStage: tea.String("ACSCurrent"),
		MoveToVersion: tea.String("v1"), RemoveFromVersion: tea.String("v2")}))
	if got := must(c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("v3/db")})).Body; tea.StringValue(got.SecretData) != "one" {
		t.Fatalf("after UpdateSecretVersionStage: %v", got)
	}

	d := must(c.DescribeSecret(&kms.DescribeSecretRequest{SecretName: tea.String("v3/db"), FetchTags: tea.String("true")})).Body
	if tea.StringValue(d.Description) != "from v3" || len(d.Tags.Tag) != 1 || tea.StringValue(d.Tags.Tag[0].TagKey) != "env" {
		t.Fatalf("DescribeSecret: %v", d)
	}
	l := must(c.ListSecrets(&kms.ListSecretsRequest{Filters: tea.String(`[{"Key":"SecretName","Values":["v3/"]}]`), PageSize: tea.Int32(1)})).Body
	if tea.Int32Value(l.TotalCount) != 2 || len(l.SecretList.Secret) != 1 || tea.StringValue(l.SecretList.Secret[0].SecretName) != "v3/api" {
		t.Fatalf("ListSecrets: %v", l)
	}
	vs := must(c.ListSecretVersionIds(&kms.ListSecretVersionIdsRequest{SecretName: tea.String("v3/db"), IncludeDeprecated: tea.String("true")})).Body
	if tea.Int32Value(vs.TotalCount) != 2 || len(vs.VersionIds.VersionId) != 2 {
		t.Fatalf("ListSecretVersionIds: %v", vs)
	}

	must(c.TagResource(&kms.TagResourceRequest{SecretName: tea.String("v3/db"), Tags: tea.String(`[{"TagKey":"tier","TagValue":"gold"}]`)}))
	lt := must(c.ListTagResources(&kms.ListTagResourcesRequest{ResourceType: tea.String("secret"), RegionId: tea.String("cn-hangzhou"),
		ResourceId: []*string{tea.String("v3/db")}})).Body
	if len(lt.TagResources.TagResource) != 2 || tea.StringValue(lt.TagResources.TagResource[1].TagKey) != "tier" {
		t.Fatalf("ListTagResources of a secret: %v", lt)
	}
	must(c.UntagResource(&kms.UntagResourceRequest{SecretName: tea.String("v3/db"), TagKeys: tea.String(`["tier"]`)}))

	del := must(c.DeleteSecret(&kms.DeleteSecretRequest{SecretName: tea.String("v3/db"), RecoveryWindowInDays: tea.String("7")})).Body
	if tea.StringValue(del.PlannedDeleteTime) == "" {
		t.Fatalf("DeleteSecret: %v", del)
	}
	_, err = c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("v3/db")})
	wantErr(t, err, 409, "Rejected.ResourceInDeleteWindow")
	must(c.RestoreSecret(&kms.RestoreSecretRequest{SecretName: tea.String("v3/db")}))
	must(c.DeleteSecret(&kms.DeleteSecretRequest{SecretName: tea.String("v3/api"), ForceDeleteWithoutRecovery: tea.String("true")}))
	_, err = c.DescribeSecret(&kms.DescribeSecretRequest{SecretName: tea.String("v3/api")})
	wantErr(t, err, 404, "Forbidden.ResourceNotFound")
}

// TestAliSDKSecrets: the older alibaba-cloud-sdk-go over plain HTTP, as
// the aliyun CLI calls the secret actions.
func TestAliSDKSecrets(t *testing.T) {
	defer catch(t)
	c, err := alikms.NewClientWithAccessKey("cn-hangzhou", accessKeyID, accessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = plain.Addr
	cs := alikms.CreateCreateSecretRequest()
	cs.Scheme, cs.SecretName, cs.SecretData, cs.VersionId, cs.SecretDataType = "http", "alisdk/bin", "AAEC", "v1", "binary"
	must(c.CreateSecret(cs))
	g := alikms.CreateGetSecretValueRequest()
	g.Scheme, g.SecretName = "http", "alisdk/bin"
	got := must(c.GetSecretValue(g))
	if got.SecretData != "AAEC" || got.SecretDataType != "binary" || len(got.VersionStages.VersionStage) != 1 {
		t.Fatalf("GetSecretValue: %+v", got)
	}
	ls := alikms.CreateListSecretsRequest()
	ls.Scheme, ls.Filters = "http", `[{"Key":"SecretName","Values":["alisdk/"]}]`
	l := must(c.ListSecrets(ls))
	if l.TotalCount != 1 || len(l.SecretList.Secret) != 1 || l.SecretList.Secret[0].SecretName != "alisdk/bin" {
		t.Fatalf("ListSecrets: %+v", l)
	}
	g.SecretName = "alisdk/none"
	_, err = c.GetSecretValue(g)
	wantServerError(t, err, 404, "Forbidden.ResourceNotFound")
}
