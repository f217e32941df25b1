package worker

import (
	"encoding/base64"
	"errors"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

// The AccessKey the seed registers for the classic API.
const (
	classicAK     = "LTAIworkersuite000001"
	classicSecret = "worker-classic-secret-0123456789"
)

// TestClassicAPI: the Worker answers the classic KMS OpenAPI (it shares
// host/server's handler) for the Go v3 client with its default signer,
// over plain HTTP, and a key made that way answers the instance SDK.
func TestClassicAPI(t *testing.T) {
	c, err := kms.NewClient(&openapi.Config{AccessKeyId: tea.String(classicAK), AccessKeySecret: tea.String(classicSecret),
		Endpoint: tea.String(w.addr), Protocol: tea.String("http"), RegionId: tea.String("cn-hangzhou")})
	if err != nil {
		t.Fatal(err)
	}
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	created, err := c.CreateKey(&kms.CreateKeyRequest{Description: tea.String("made in workerd")})
	fail("CreateKey", err)
	id := tea.StringValue(created.Body.KeyMetadata.KeyId)
	_, err = c.CreateAlias(&kms.CreateAliasRequest{AliasName: tea.String("alias/worker-classic"), KeyId: tea.String(id)})
	fail("CreateAlias", err)
	ctx := map[string]interface{}{"tenant": "t1"}
	enc, err := c.Encrypt(&kms.EncryptRequest{KeyId: tea.String("alias/worker-classic"), Plaintext: tea.String("d29ya2Vy"), EncryptionContext: ctx})
	fail("Encrypt", err)
	dec, err := c.Decrypt(&kms.DecryptRequest{CiphertextBlob: enc.Body.CiphertextBlob, EncryptionContext: ctx})
	fail("Decrypt", err)
	if tea.StringValue(dec.Body.Plaintext) != "d29ya2Vy" || tea.StringValue(dec.Body.KeyId) != id {
		t.Fatalf("Decrypt: %v", dec.Body)
	}
	dk, err := c.GenerateDataKey(&kms.GenerateDataKeyRequest{KeyId: tea.String(id)})
	fail("GenerateDataKey", err)
	if k, _ := base64.StdEncoding.DecodeString(tea.StringValue(dk.Body.Plaintext)); len(k) != 32 {
		t.Fatalf("data key of %d bytes", len(k))
	}
	md, err := c.DescribeKey(&kms.DescribeKeyRequest{KeyId: tea.String(id)})
	fail("DescribeKey", err)
	if tea.StringValue(md.Body.KeyMetadata.Description) != "made in workerd" {
		t.Fatalf("DescribeKey: %v", md.Body.KeyMetadata)
	}
	keys, err := c.ListKeys(&kms.ListKeysRequest{PageSize: tea.Int32(1)})
	fail("ListKeys", err)
	if len(keys.Body.Keys.Key) != 1 || tea.Int32Value(keys.Body.TotalCount) < 2 {
		t.Fatalf("ListKeys: %v", keys.Body)
	}

	// The instance SDK uses the key at once.
	sdk := target(w).SDK(t)
	if _, err := sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/worker-classic"), Plaintext: []byte("x")}); err != nil {
		t.Fatalf("instance Encrypt with a classic key: %v", err)
	}

	_, err = c.DisableKey(&kms.DisableKeyRequest{KeyId: tea.String(id)})
	fail("DisableKey", err)
	_, err = c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("eA==")})
	var se *tea.SDKError
	if !errors.As(err, &se) || tea.IntValue(se.StatusCode) != 409 || tea.StringValue(se.Code) != "Rejected.Disabled" {
		t.Fatalf("Encrypt with a disabled key: %v", err)
	}
	bad, _ := kms.NewClient(&openapi.Config{AccessKeyId: tea.String(classicAK), AccessKeySecret: tea.String("wrong-secret-000000000"),
		Endpoint: tea.String(w.addr), Protocol: tea.String("http"), RegionId: tea.String("cn-hangzhou")})
	_, err = bad.DescribeRegions()
	if !errors.As(err, &se) || tea.StringValue(se.Code) != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
}
