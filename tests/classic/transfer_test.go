package classic

import (
	"os"
	"testing"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
	alikms "github.com/aliyun/alibaba-cloud-sdk-go/services/kms"
	dkmsapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	transfer "github.com/aliyun/alibabacloud-dkms-transfer-go-sdk/sdk"
)

// TestTransferSDK: classic blobs are interchangeable between the classic
// API and Alibaba's transfer SDK v0.1.8, which makes classic calls over the
// instance API (the key version travels in x-kms-migrationkeyversionid).
// The key has two versions, so the header must select the right one.
func TestTransferSDK(t *testing.T) {
	defer catch(t)
	c := v3(t, func(*openapi.Config) {}, accessKeyID, accessKeySecret)
	id := tea.StringValue(must(c.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata.KeyId)
	v2 := tea.StringValue(must(c.CreateKeyVersion(&kms.CreateKeyVersionRequest{KeyId: tea.String(id)})).Body.KeyVersion.KeyVersionId)

	ca := must(os.ReadFile(srv.CA))
	cfg := &dkmsapi.Config{Protocol: tea.String("https"), Endpoint: tea.String(srv.Addr),
		ClientKeyFile: tea.String(ckFile), Password: tea.String(ckPassword), CaFilePath: tea.String(srv.CA)}
	tc := must(transfer.NewClientWithAccessKey("cn-hangzhou", "unused-ak", "unused-sk", cfg))
	tc.SetVerify(string(ca))

	ctx := map[string]interface{}{"app": "billing", "purpose": "demo"}
	const ctxJSON = `{"purpose":"demo","app":"billing"}`

	// classic → transfer: made under the primary version v2.
	enc := must(c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("from classic"), EncryptionContext: ctx})).Body
	if tea.StringValue(enc.KeyVersionId) != v2 {
		t.Fatalf("classic Encrypt used %s, want the primary %s", tea.StringValue(enc.KeyVersionId), v2)
	}
	dreq := alikms.CreateDecryptRequest()
	dreq.CiphertextBlob, dreq.EncryptionContext = tea.StringValue(enc.CiphertextBlob), ctxJSON
	dec := must(tc.Decrypt(dreq))
	if dec.Plaintext != "from classic" || dec.KeyId != id || dec.KeyVersionId != v2 {
		t.Fatalf("transfer Decrypt of a classic blob: %+v", dec)
	}

	// transfer → classic.
	ereq := alikms.CreateEncryptRequest()
	ereq.KeyId, ereq.Plaintext, ereq.EncryptionContext = id, "from transfer", ctxJSON
	tenc := must(tc.Encrypt(ereq))
	cdec := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: tea.String(tenc.CiphertextBlob), EncryptionContext: ctx})).Body
	if tea.StringValue(cdec.Plaintext) != "from transfer" || tea.StringValue(cdec.KeyVersionId) != tenc.KeyVersionId {
		t.Fatalf("classic Decrypt of a transfer blob: %v", cdec)
	}

	// A transfer data key opens over the classic API to the same base64 text.
	greq := alikms.CreateGenerateDataKeyRequest()
	greq.KeyId, greq.EncryptionContext = id, ctxJSON
	gdk := must(tc.GenerateDataKey(greq))
	gdec := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: tea.String(gdk.CiphertextBlob), EncryptionContext: ctx})).Body
	if tea.StringValue(gdec.Plaintext) != gdk.Plaintext {
		t.Fatal("a transfer data key blob opens to something else over the classic API")
	}
}
