package classic

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
)

// signers are the v3 client's three ways to sign, each set the way a user
// would: the default (ACS3-HMAC-SHA256), SignatureAlgorithm "v2" (HMAC-SHA1)
// and SignatureVersion "v4" (ACS4-HMAC-SHA256).
var signers = map[string]func(*openapi.Config){
	"ACS3":    func(*openapi.Config) {},
	"v2-SHA1": func(c *openapi.Config) { c.SignatureAlgorithm = tea.String("v2") },
	"v4":      func(c *openapi.Config) { c.SignatureVersion = tea.String("v4") },
}

// v3 is the client over HTTPS with the server's CA, as docs/classic-api.md
// tells users to configure it.
func v3(t *testing.T, signer func(*openapi.Config), id, secret string) *kms.Client {
	t.Helper()
	ca, err := os.ReadFile(srv.CA)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &openapi.Config{
		AccessKeyId:     tea.String(id),
		AccessKeySecret: tea.String(secret),
		Endpoint:        tea.String(srv.Addr),
		RegionId:        tea.String("cn-hangzhou"),
		Ca:              tea.String(string(ca)),
	}
	signer(cfg)
	c, err := kms.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantErr checks an SDK error's HTTP status and Code.
func wantErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
	if tea.IntValue(se.StatusCode) != status || tea.StringValue(se.Code) != code {
		t.Fatalf("want %d %s, got %d %s: %s", status, code, tea.IntValue(se.StatusCode), tea.StringValue(se.Code), tea.StringValue(se.Message))
	}
}

// must returns v or, on an error, fails the test through catch (Go cannot
// pass a call's two results on with t in front of them).
func must[T any](v T, err error) T {
	if err != nil {
		panic(failure{err, string(debug.Stack())})
	}
	return v
}

type failure struct {
	err   error
	stack string
}

// catch turns must's panic into a test failure naming the call's line.
func catch(t *testing.T) {
	if p := recover(); p != nil {
		f, ok := p.(failure)
		if !ok {
			panic(p)
		}
		var lines []string // the first is must's own, the second its caller
		for _, l := range strings.Split(f.stack, "\n") {
			if strings.Contains(l, "_test.go:") {
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		line := ""
		if len(lines) > 1 {
			line = lines[1]
		}
		t.Fatalf("%v\n  at %s", f.err, line)
	}
}

// aad is the classic Aad of an EncryptionContext, computed here from spec
// §8.3 rather than taken from pocketkms.
func aad(ctx map[string]string) []byte {
	var keys []string
	for k := range ctx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+ctx[k])
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "&")))
	return sum[:]
}

func TestV3(t *testing.T) {
	for name, signer := range signers {
		t.Run(name, func(t *testing.T) { runV3(t, name, v3(t, signer, accessKeyID, accessKeySecret)) })
	}
}

func runV3(t *testing.T, name string, c *kms.Client) {
	defer catch(t)
	tag := strings.ToLower(strings.ReplaceAll(name, "-", ""))
	// Lifecycle: a key with a rotation policy and tags.
	created := must(c.CreateKey(&kms.CreateKeyRequest{Description: tea.String("classic " + name),
		EnableAutomaticRotation: tea.Bool(true), RotationInterval: tea.String("30d"),
		Tags: tea.String(`[{"TagKey":"suite","TagValue":"classic"}]`)})).Body.KeyMetadata
	id := tea.StringValue(created.KeyId)
	if tea.StringValue(created.KeyState) != "Enabled" || tea.StringValue(created.KeySpec) != "Aliyun_AES_256" ||
		tea.StringValue(created.AutomaticRotation) != "Enabled" || tea.StringValue(created.RotationInterval) != "2592000s" ||
		tea.StringValue(created.Arn) != "acs:kms:cn-hangzhou:1000000000000000:key/"+id || tea.StringValue(created.PrimaryKeyVersion) == "" {
		t.Fatalf("CreateKey: %v", created)
	}
	md := must(c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String(id)})).Body.KeyMetadata
	if tea.StringValue(md.Description) != "classic "+name || tea.StringValue(md.DeletionProtection) != "Disabled" || tea.StringValue(md.NextRotationDate) == "" {
		t.Fatalf("DescribeKey: %v", md)
	}
	must(c.UpdateKeyDescription(&kms.UpdateKeyDescriptionRequest{KeyId: tea.String(id), Description: tea.String("renamed")}))
	must(c.UpdateRotationPolicy(&kms.UpdateRotationPolicyRequest{KeyId: tea.String(id), EnableAutomaticRotation: tea.Bool(false)}))
	md = must(c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String(id)})).Body.KeyMetadata
	if tea.StringValue(md.Description) != "renamed" || tea.StringValue(md.AutomaticRotation) != "Disabled" || md.RotationInterval != nil {
		t.Fatalf("after updates: %v", md)
	}

	// Aliases.
	alias := "alias/classic-" + tag
	must(c.CreateAlias(&kms.CreateAliasRequest{AliasName: tea.String(alias), KeyId: tea.String(id)}))
	_, err := c.CreateAlias(&kms.CreateAliasRequest{AliasName: tea.String(alias), KeyId: tea.String(id)})
	wantErr(t, err, 400, "AliasAlreadyExists")
	byKey := must(c.ListAliasesByKeyId(&kms.ListAliasesByKeyIdRequest{KeyId: tea.String(id)})).Body
	if tea.Int32Value(byKey.TotalCount) != 1 || tea.StringValue(byKey.Aliases.Alias[0].AliasName) != alias ||
		!strings.HasSuffix(tea.StringValue(byKey.Aliases.Alias[0].AliasArn), ":"+alias) {
		t.Fatalf("ListAliasesByKeyId: %v", byKey)
	}

	// Encrypt and Decrypt with an EncryptionContext, through the alias.
	ctx := map[string]interface{}{"purpose": "demo", "a b": "x*y~z"}
	enc := must(c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(alias), Plaintext: tea.String("SGVsbG8gd29ybGQ="), EncryptionContext: ctx})).Body
	if tea.StringValue(enc.KeyId) != id || tea.StringValue(enc.KeyVersionId) != tea.StringValue(created.PrimaryKeyVersion) {
		t.Fatalf("Encrypt: %v", enc)
	}
	raw := must(base64.StdEncoding.DecodeString(tea.StringValue(enc.CiphertextBlob)))
	if string(raw[:36]) != tea.StringValue(enc.KeyVersionId) || len(raw) != 36+12+len("SGVsbG8gd29ybGQ=")+16 {
		t.Fatalf("the blob is not KeyVersionId||IV||ciphertext||tag: %d bytes", len(raw))
	}
	dec := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]interface{}{"a b": "x*y~z", "purpose": "demo"}})).Body
	if tea.StringValue(dec.Plaintext) != "SGVsbG8gd29ybGQ=" || tea.StringValue(dec.KeyId) != id || tea.StringValue(dec.KeyVersionId) != tea.StringValue(enc.KeyVersionId) {
		t.Fatalf("Decrypt: %v", dec)
	}
	_, err = c.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]interface{}{"purpose": "other"}})
	wantErr(t, err, 400, "InvalidParameter")
	_, err = c.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	wantErr(t, err, 400, "InvalidParameter")
	tampered := bytes.Clone(raw)
	tampered[len(tampered)-1] ^= 1
	_, err = c.Decrypt(&kms.DecryptRequest{CiphertextBlob: tea.String(base64.StdEncoding.EncodeToString(tampered)), EncryptionContext: ctx})
	wantErr(t, err, 400, "InvalidParameter")
	_, err = c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("x"), EncryptionContext: map[string]interface{}{"n": 1}})
	wantErr(t, err, 400, "InvalidParameter")
	_, err = c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("x"), DryRun: tea.String("true")})
	wantErr(t, err, 400, "DryRunOperationError")

	// Data keys: Plaintext is base64 of NumberOfBytes bytes, and the blob
	// opens to that same text.
	dk := must(c.GenerateDataKey(&kms.GenerateDataKeyRequest{KeyId: tea.String(id), NumberOfBytes: tea.Int32(16), EncryptionContext: ctx})).Body
	if k := must(base64.StdEncoding.DecodeString(tea.StringValue(dk.Plaintext))); len(k) != 16 {
		t.Fatalf("data key of %d bytes", len(k))
	}
	dkOpen := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ctx})).Body
	if tea.StringValue(dkOpen.Plaintext) != tea.StringValue(dk.Plaintext) {
		t.Fatal("the data key blob does not open to the data key")
	}
	wp := must(c.GenerateDataKeyWithoutPlaintext(&kms.GenerateDataKeyWithoutPlaintextRequest{KeyId: tea.String(id), KeySpec: tea.String("AES_128")})).Body
	if k := must(base64.StdEncoding.DecodeString(tea.StringValue(must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: wp.CiphertextBlob})).Body.Plaintext))); len(k) != 16 {
		t.Fatalf("AES_128 data key of %d bytes", len(k))
	}

	// Versions: a new version becomes primary; old blobs still open.
	v2 := must(c.CreateKeyVersion(&kms.CreateKeyVersionRequest{KeyId: tea.String(id)})).Body.KeyVersion
	if tea.StringValue(v2.KeyId) != id || tea.StringValue(v2.CreationDate) == "" {
		t.Fatalf("CreateKeyVersion: %v", v2)
	}
	versions := must(c.ListKeyVersions(&kms.ListKeyVersionsRequest{KeyId: tea.String(id), PageSize: tea.Int32(1), PageNumber: tea.Int32(2)})).Body
	if tea.Int32Value(versions.TotalCount) != 2 || len(versions.KeyVersions.KeyVersion) != 1 || tea.StringValue(versions.KeyVersions.KeyVersion[0].KeyVersionId) != tea.StringValue(v2.KeyVersionId) {
		t.Fatalf("ListKeyVersions: %v", versions)
	}
	dv := must(c.DescribeKeyVersion(&kms.DescribeKeyVersionRequest{KeyId: tea.String(id), KeyVersionId: v2.KeyVersionId})).Body.KeyVersion
	if tea.StringValue(dv.CreationDate) != tea.StringValue(v2.CreationDate) {
		t.Fatalf("DescribeKeyVersion: %v", dv)
	}
	_, err = c.DescribeKeyVersion(&kms.DescribeKeyVersionRequest{KeyId: tea.String(id), KeyVersionId: tea.String(id + "-v000000009")})
	wantErr(t, err, 404, "Forbidden.KeyVersionNotFound")
	enc2 := must(c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("second")})).Body
	if tea.StringValue(enc2.KeyVersionId) != tea.StringValue(v2.KeyVersionId) {
		t.Fatal("Encrypt does not use the new primary version")
	}
	if got := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx})).Body; tea.StringValue(got.KeyVersionId) != tea.StringValue(created.PrimaryKeyVersion) {
		t.Fatal("an old version's blob no longer opens")
	}

	// ReEncrypt onto a second key and UpdateAlias to it.
	other := tea.StringValue(must(c.CreateKey(&kms.CreateKeyRequest{KeySpec: tea.String("Aliyun_SM4")})).Body.KeyMetadata.KeyId)
	re := must(c.ReEncrypt(&kms.ReEncryptRequest{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ctx,
		DestinationKeyId: tea.String(other), DestinationEncryptionContext: map[string]interface{}{"to": "sm4"}})).Body
	back := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]interface{}{"to": "sm4"}})).Body
	if tea.StringValue(re.KeyId) != other || tea.StringValue(back.Plaintext) != "SGVsbG8gd29ybGQ=" {
		t.Fatalf("ReEncrypt: %v %v", re, back)
	}
	must(c.UpdateAlias(&kms.UpdateAliasRequest{AliasName: tea.String(alias), KeyId: tea.String(other)}))
	if got := must(c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(alias), Plaintext: tea.String("x")})).Body; tea.StringValue(got.KeyId) != other {
		t.Fatal("UpdateAlias did not move the alias")
	}
	must(c.DeleteAlias(&kms.DeleteAliasRequest{AliasName: tea.String(alias)}))
	_, err = c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(alias), Plaintext: tea.String("x")})
	wantErr(t, err, 404, "Forbidden.KeyNotFound")
	_, err = c.DeleteAlias(&kms.DeleteAliasRequest{AliasName: tea.String(alias)})
	wantErr(t, err, 404, "Forbidden.AliasNotFound")

	runTags(t, c, id, other)
	runStates(t, c, id)
	runPaging(t, c)

	_, err = c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String("key-doesnotexist000000000")})
	wantErr(t, err, 404, "Forbidden.KeyNotFound")
	_, err = c.ScheduleKeyDeletion(&kms.ScheduleKeyDeletionRequest{KeyId: tea.String(id)})
	wantErr(t, err, 400, "MissingParameter")
	regions := must(c.DescribeRegions()).Body.Regions.Region
	if len(regions) != 1 || tea.StringValue(regions[0].RegionId) != "cn-hangzhou" {
		t.Fatalf("DescribeRegions: %v", regions)
	}
	_, err = c.GetSecretValue(&kms.GetSecretValueRequest{SecretName: tea.String("s")})
	wantErr(t, err, 404, "Forbidden.ResourceNotFound")
}

func tagString(tags []*kms.ListResourceTagsResponseBodyTagsTag) string {
	var out []string
	for _, t := range tags {
		out = append(out, tea.StringValue(t.TagKey)+"="+tea.StringValue(t.TagValue))
	}
	return strings.Join(out, ",")
}

func runTags(t *testing.T, c *kms.Client, id, other string) {
	defer catch(t)
	must(c.TagResource(&kms.TagResourceRequest{KeyId: tea.String(id), Tags: tea.String(`[{"TagKey":"env","TagValue":"dev"}]`)}))
	got := must(c.ListResourceTags(&kms.ListResourceTagsRequest{KeyId: tea.String(id)})).Body.Tags.Tag
	if s := tagString(got); s != "env=dev,suite=classic" || tea.StringValue(got[0].KeyId) != id {
		t.Fatalf("ListResourceTags: %s", s)
	}
	must(c.UntagResource(&kms.UntagResourceRequest{KeyId: tea.String(id), TagKeys: tea.String(`["suite"]`)}))
	if s := tagString(must(c.ListResourceTags(&kms.ListResourceTagsRequest{KeyId: tea.String(id)})).Body.Tags.Tag); s != "env=dev" {
		t.Fatalf("after UntagResource: %s", s)
	}
	_, err := c.TagResource(&kms.TagResourceRequest{KeyId: tea.String(id), Tags: tea.String(`[{"TagKey":"acs:x","TagValue":"v"}]`)})
	wantErr(t, err, 400, "InvalidParameter")

	must(c.TagResources(&kms.TagResourcesRequest{RegionId: tea.String("cn-hangzhou"), ResourceType: tea.String("key"),
		ResourceId: []*string{tea.String(id), tea.String(other)},
		Tag:        []*kms.TagResourcesRequestTag{{Key: tea.String("project"), Value: tea.String("p1")}}}))
	list := must(c.ListTagResources(&kms.ListTagResourcesRequest{RegionId: tea.String("cn-hangzhou"), ResourceType: tea.String("key"),
		ResourceId: []*string{tea.String(id), tea.String(other)}})).Body.TagResources.TagResource
	var seen []string
	for _, r := range list {
		seen = append(seen, tea.StringValue(r.ResourceId)[:8]+":"+tea.StringValue(r.TagKey)+"="+tea.StringValue(r.TagValue))
	}
	if len(list) != 3 {
		t.Fatalf("ListTagResources: %v", seen)
	}
	must(c.UntagResources(&kms.UntagResourcesRequest{RegionId: tea.String("cn-hangzhou"), ResourceType: tea.String("key"),
		ResourceId: []*string{tea.String(other)}, TagKey: []*string{tea.String("project")}}))
	list = must(c.ListTagResources(&kms.ListTagResourcesRequest{RegionId: tea.String("cn-hangzhou"), ResourceType: tea.String("key"),
		ResourceId: []*string{tea.String(other)}})).Body.TagResources.TagResource
	if len(list) != 0 {
		t.Fatalf("after UntagResources: %d tags", len(list))
	}
	_, err = c.TagResources(&kms.TagResourcesRequest{RegionId: tea.String("cn-hangzhou"), ResourceType: tea.String("key"),
		ResourceId: []*string{tea.String(other), tea.String("key-doesnotexist000000000")},
		Tag:        []*kms.TagResourcesRequestTag{{Key: tea.String("x"), Value: tea.String("y")}}})
	wantErr(t, err, 404, "Forbidden.KeyNotFound")
	if n := len(must(c.ListResourceTags(&kms.ListResourceTagsRequest{KeyId: tea.String(other)})).Body.Tags.Tag); n != 0 {
		t.Fatal("a refused TagResources tagged a key")
	}
}

// runStates walks the key state table (spec §5.2) for one key.
func runStates(t *testing.T, c *kms.Client, id string) {
	defer catch(t)
	must(c.DisableKey(&kms.DisableKeyRequest{KeyId: tea.String(id)}))
	_, err := c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("x")})
	wantErr(t, err, 409, "Rejected.Disabled")
	_, err = c.GenerateDataKey(&kms.GenerateDataKeyRequest{KeyId: tea.String(id)})
	wantErr(t, err, 409, "Rejected.Disabled")
	_, err = c.CreateKeyVersion(&kms.CreateKeyVersionRequest{KeyId: tea.String(id)})
	wantErr(t, err, 409, "Rejected.Disabled")
	must(c.EnableKey(&kms.EnableKeyRequest{KeyId: tea.String(id)}))
	_, err = c.CancelKeyDeletion(&kms.CancelKeyDeletionRequest{KeyId: tea.String(id)})
	wantErr(t, err, 409, "Rejected.StateModifiedFailed")

	arn := fmt.Sprintf("acs:kms:cn-hangzhou:1000000000000000:key/%s", id)
	must(c.SetDeletionProtection(&kms.SetDeletionProtectionRequest{ProtectedResourceArn: tea.String(arn),
		EnableDeletionProtection: tea.Bool(true), DeletionProtectionDescription: tea.String("keep")}))
	md := must(c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String(id)})).Body.KeyMetadata
	if tea.StringValue(md.DeletionProtection) != "Enabled" || tea.StringValue(md.DeletionProtectionDescription) != "keep" {
		t.Fatalf("deletion protection: %v", md)
	}
	_, err = c.ScheduleKeyDeletion(&kms.ScheduleKeyDeletionRequest{KeyId: tea.String(id), PendingWindowInDays: tea.Int32(7)})
	wantErr(t, err, 403, "Forbidden.DeletionProtection")
	must(c.SetDeletionProtection(&kms.SetDeletionProtectionRequest{ProtectedResourceArn: tea.String(arn), EnableDeletionProtection: tea.Bool(false)}))
	must(c.ScheduleKeyDeletion(&kms.ScheduleKeyDeletionRequest{KeyId: tea.String(id), PendingWindowInDays: tea.Int32(7)}))
	md = must(c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String(id)})).Body.KeyMetadata
	if tea.StringValue(md.KeyState) != "PendingDeletion" || tea.StringValue(md.DeleteDate) == "" {
		t.Fatalf("after ScheduleKeyDeletion: %v", md)
	}
	_, err = c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("x")})
	wantErr(t, err, 409, "Rejected.PendingDeletion")
	_, err = c.EnableKey(&kms.EnableKeyRequest{KeyId: tea.String(id)})
	wantErr(t, err, 409, "Rejected.StateModifiedFailed")
	_, err = c.UpdateKeyDescription(&kms.UpdateKeyDescriptionRequest{KeyId: tea.String(id), Description: tea.String("x")})
	wantErr(t, err, 409, "Rejected.PendingDeletion")
	_, err = c.CreateAlias(&kms.CreateAliasRequest{KeyId: tea.String(id), AliasName: tea.String("alias/pending-" + id[4:12])})
	wantErr(t, err, 409, "Rejected.StateModifiedFailed")
	must(c.CancelKeyDeletion(&kms.CancelKeyDeletionRequest{KeyId: tea.String(id)}))
	if st := tea.StringValue(must(c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String(id)})).Body.KeyMetadata.KeyState); st != "Enabled" {
		t.Fatalf("after CancelKeyDeletion: %s", st)
	}
}

func runPaging(t *testing.T, c *kms.Client) {
	defer catch(t)
	all := must(c.ListKeys(&kms.ListKeysRequest{PageSize: tea.Int32(100)})).Body
	total := int(tea.Int32Value(all.TotalCount))
	if total < 2 || len(all.Keys.Key) != total {
		t.Fatalf("ListKeys: %d of %d", len(all.Keys.Key), total)
	}
	seen := map[string]bool{}
	for p := 1; p <= total; p++ {
		page := must(c.ListKeys(&kms.ListKeysRequest{PageSize: tea.Int32(1), PageNumber: tea.Int32(int32(p))})).Body
		if len(page.Keys.Key) != 1 || tea.Int32Value(page.PageNumber) != int32(p) || int(tea.Int32Value(page.TotalCount)) != total {
			t.Fatalf("page %d: %v", p, page)
		}
		seen[tea.StringValue(page.Keys.Key[0].KeyId)] = true
	}
	if len(seen) != total {
		t.Fatalf("paging saw %d distinct keys of %d", len(seen), total)
	}
	if n := len(must(c.ListKeys(&kms.ListKeysRequest{PageSize: tea.Int32(10), PageNumber: tea.Int32(int32(total + 1))})).Body.Keys.Key); n != 0 {
		t.Fatalf("a page past the end has %d keys", n)
	}
	disabled := tea.StringValue(must(c.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata.KeyId)
	must(c.DisableKey(&kms.DisableKeyRequest{KeyId: tea.String(disabled)}))
	filtered := must(c.ListKeys(&kms.ListKeysRequest{PageSize: tea.Int32(100), Filters: tea.String(`[{"Key":"KeyState","Values":["Disabled"]}]`)})).Body
	found := false
	for _, k := range filtered.Keys.Key {
		st := tea.StringValue(must(c.DescribeKey(&kms.DescribeKeyRequest{KeyId: k.KeyId})).Body.KeyMetadata.KeyState)
		if st != "Disabled" {
			t.Fatalf("the KeyState filter let a %s key through", st)
		}
		found = found || tea.StringValue(k.KeyId) == disabled
	}
	if !found {
		t.Fatal("the KeyState filter missed a Disabled key")
	}
	_, err := c.ListKeys(&kms.ListKeysRequest{PageSize: tea.Int32(101)})
	wantErr(t, err, 400, "InvalidParameter")
	_, err = c.ListKeys(&kms.ListKeysRequest{Filters: tea.String(`[{"Key":"Colour","Values":["red"]}]`)})
	wantErr(t, err, 400, "InvalidParameter")
}

// TestV3Authentication: a wrong secret and an unknown AccessKeyId, with each signer.
func TestV3Authentication(t *testing.T) {
	for name, signer := range signers {
		t.Run(name, func(t *testing.T) {
			_, err := v3(t, signer, accessKeyID, accessKeySecret+"x").DescribeRegions()
			wantErr(t, err, 400, "SignatureDoesNotMatch")
			_, err = v3(t, signer, "LTAIunknown0000000000", accessKeySecret).DescribeRegions()
			wantErr(t, err, 404, "InvalidAccessKeyId.NotFound")
		})
	}
}
