package classic

import (
	"encoding/base64"
	"errors"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	alikms "github.com/aliyun/alibaba-cloud-sdk-go/services/kms"
)

// TestAliSDK drives the older github.com/aliyun/alibaba-cloud-sdk-go (the
// SDK the aliyun CLI is built on: HMAC-SHA1 with Format=JSON, RegionId and
// an empty SignatureType) over plain HTTP, as `aliyun kms ... --insecure
// --endpoint` does: the client's Domain and each request's Scheme.
func TestAliSDK(t *testing.T) {
	defer catch(t)
	c, err := alikms.NewClientWithAccessKey("cn-hangzhou", accessKeyID, accessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	c.Domain = plain.Addr

	ck := alikms.CreateCreateKeyRequest()
	ck.Scheme = "http"
	ck.Description = "from alibaba-cloud-sdk-go"
	created := must(c.CreateKey(ck))
	id := created.KeyMetadata.KeyId
	if created.KeyMetadata.KeyState != "Enabled" || created.KeyMetadata.Description != "from alibaba-cloud-sdk-go" {
		t.Fatalf("CreateKey: %+v", created.KeyMetadata)
	}
	ca := alikms.CreateCreateAliasRequest()
	ca.Scheme, ca.AliasName, ca.KeyId = "http", "alias/alisdk", id
	must(c.CreateAlias(ca))

	enc := alikms.CreateEncryptRequest()
	enc.Scheme, enc.KeyId, enc.Plaintext, enc.EncryptionContext = "http", "alias/alisdk", "YWxpc2Rr", `{"k":"v","a":"b"}`
	encd := must(c.Encrypt(enc))
	dec := alikms.CreateDecryptRequest()
	dec.Scheme, dec.CiphertextBlob, dec.EncryptionContext = "http", encd.CiphertextBlob, `{"a":"b","k":"v"}`
	decd := must(c.Decrypt(dec))
	if decd.Plaintext != "YWxpc2Rr" || decd.KeyId != id {
		t.Fatalf("Decrypt: %+v", decd)
	}
	dec.EncryptionContext = `{"a":"b"}`
	_, err = c.Decrypt(dec)
	wantServerError(t, err, 400, "InvalidParameter")

	gdk := alikms.CreateGenerateDataKeyRequest()
	gdk.Scheme, gdk.KeyId = "http", id
	dk := must(c.GenerateDataKey(gdk))
	if k, _ := base64.StdEncoding.DecodeString(dk.Plaintext); len(k) != 32 {
		t.Fatalf("data key of %d bytes", len(k))
	}

	lk := alikms.CreateListKeysRequest()
	lk.Scheme = "http"
	lk.PageSize = "1"
	keys := must(c.ListKeys(lk))
	if len(keys.Keys.Key) != 1 || keys.TotalCount < 1 || keys.PageSize != 1 {
		t.Fatalf("ListKeys: %+v", keys)
	}

	dis := alikms.CreateDisableKeyRequest()
	dis.Scheme, dis.KeyId = "http", id
	must(c.DisableKey(dis))
	enc.Plaintext = "eA=="
	_, err = c.Encrypt(enc)
	wantServerError(t, err, 409, "Rejected.Disabled")

	dk2 := alikms.CreateDescribeKeyRequest()
	dk2.Scheme, dk2.KeyId = "http", "key-doesnotexist000000000"
	_, err = c.DescribeKey(dk2)
	wantServerError(t, err, 404, "Forbidden.KeyNotFound")

	bad, _ := alikms.NewClientWithAccessKey("cn-hangzhou", accessKeyID, "not-the-secret-000000")
	bad.Domain = plain.Addr
	dr := alikms.CreateDescribeRegionsRequest()
	dr.Scheme = "http"
	_, err = bad.DescribeRegions(dr)
	wantServerError(t, err, 400, "SignatureDoesNotMatch")
}

func wantServerError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) || se.HttpStatus() != status || se.ErrorCode() != code {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
}
