package classic

import (
	"bytes"
	"encoding/base64"
	"testing"

	kms "github.com/alibabacloud-go/kms-20160120/v3/client"
	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// TestCrossAPI: a key made over the classic API answers the KMS Instance
// SDK at once, and the classic ciphertext layout (spec §8.3:
// KeyVersionId ‖ IV ‖ ciphertext ‖ tag, Aad = SHA-256 of the sorted
// context) is the instance API's Encrypt output with its Iv and Aad, in
// both directions. The Aad is computed here, not by pocketkms.
func TestCrossAPI(t *testing.T) {
	defer catch(t)
	c := v3(t, signers["ACS3"], accessKeyID, accessKeySecret)
	md := must(c.CreateKey(&kms.CreateKeyRequest{})).Body.KeyMetadata
	id, version := tea.StringValue(md.KeyId), tea.StringValue(md.PrimaryKeyVersion)
	must(c.CreateAlias(&kms.CreateAliasRequest{AliasName: tea.String("alias/cross-api"), KeyId: md.KeyId}))
	sdk := (&kmstest.Target{Name: "classic", Protocol: "https", Endpoint: srv.Addr, CA: srv.CA, ClientKeyFile: ckFile, Password: ckPassword}).SDK(t)

	ctx := map[string]string{"tenant": "t1", "app": "billing"}
	ctxMap := map[string]interface{}{"tenant": "t1", "app": "billing"}

	// classic → instance
	enc := must(c.Encrypt(&kms.EncryptRequest{KeyId: tea.String(id), Plaintext: tea.String("from classic"), EncryptionContext: ctxMap})).Body
	raw := must(base64.StdEncoding.DecodeString(tea.StringValue(enc.CiphertextBlob)))
	if string(raw[:36]) != version {
		t.Fatalf("blob prefix %q, want the version %s", raw[:36], version)
	}
	dec := must(sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/cross-api"), CiphertextBlob: raw[48:], Iv: raw[36:48], Aad: aad(ctx)}))
	if string(dec.Plaintext) != "from classic" || tea.StringValue(dec.KeyId) != id {
		t.Fatalf("instance Decrypt of a classic blob: %q %s", dec.Plaintext, tea.StringValue(dec.KeyId))
	}

	// instance → classic
	ienc := must(sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String(id), Plaintext: []byte("from instance"), Aad: aad(ctx)}))
	blob := base64.StdEncoding.EncodeToString(bytes.Join([][]byte{[]byte(version), ienc.Iv, ienc.CiphertextBlob}, nil))
	cdec := must(c.Decrypt(&kms.DecryptRequest{CiphertextBlob: tea.String(blob), EncryptionContext: map[string]interface{}{"app": "billing", "tenant": "t1"}})).Body
	if tea.StringValue(cdec.Plaintext) != "from instance" || tea.StringValue(cdec.KeyId) != id || tea.StringValue(cdec.KeyVersionId) != version {
		t.Fatalf("classic Decrypt of an instance ciphertext: %v", cdec)
	}

	// A key disabled over the classic API is refused by the instance SDK.
	must(c.DisableKey(&kms.DisableKeyRequest{KeyId: tea.String(id)}))
	_, err := sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String(id), Plaintext: []byte("x")})
	if err == nil {
		t.Fatal("the instance SDK used a key disabled over the classic API")
	}
}
