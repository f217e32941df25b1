package kmstest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	alikms "github.com/aliyun/alibaba-cloud-sdk-go/services/kms"
	dkmsapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
	transfer "github.com/aliyun/alibabacloud-dkms-transfer-go-sdk/sdk"
	smc "github.com/aliyun/aliyun-secretsmanager-client-go/sdk"
	smcservice "github.com/aliyun/aliyun-secretsmanager-client-go/sdk/service"
)

// SeedSecrets are the secrets every Target must hold besides SeedKeys, as
// seed file Secrets entries (docs/seed.md). The binary value is the
// caller's base64 text, returned as given (spec §10.6).
var SeedSecrets = []map[string]any{
	{"SecretName": "e2e/db", "EncryptionKeyId": "alias/app", "Description": "seeded",
		"Versions": []map[string]any{
			{"VersionId": "v1", "SecretData": "old-password", "VersionStages": []string{"ACSPrevious"}},
			{"VersionId": "v2", "SecretData": "s3cret-password", "VersionStages": []string{"ACSCurrent"}},
		}},
	{"SecretName": "e2e/cached", "Versions": []map[string]any{{"VersionId": "v1", "SecretData": "first"}}},
	{"SecretName": "e2e/locked", "EncryptionKeyId": "alias/lockable", "Versions": []map[string]any{{"VersionId": "v1", "SecretData": "behind a key"}}},
	{"SecretName": "e2e/cert", "Versions": []map[string]any{{"VersionId": "v1", "SecretData": BinarySecret, "SecretDataType": "binary"}}},
	{"SecretName": "e2e/rds", "SecretType": "Rds", "RotationInterval": "7d",
		"ExtendedConfig": map[string]any{"SecretSubType": "SingleUser", "DBInstanceId": "rm-e2e"},
		"Versions":       []map[string]any{{"VersionId": "r1", "SecretData": `{"AccountName":"app","AccountPassword":"pw-1"}`}}},
}

// SeedSecretKeys are keys SeedSecrets need besides SeedKeys.
var SeedSecretKeys = []map[string]any{
	{"KeySpec": "Aliyun_AES_256", "Aliases": []string{"alias/lockable"}}, // RunSecrets disables it
}

// BinarySecret is e2e/cert's value: base64 of bytes that are not UTF-8.
var BinarySecret = base64.StdEncoding.EncodeToString([]byte{0xff, 0x00, 0xfe, 0x80, 0x01})

// RunSecrets checks the secrets of a Target through Alibaba's own clients:
// the instance SDK's GetSecretValue, the Secrets Manager client configured
// only through cache_client_dkms_config_info, and the transfer SDK.
func RunSecrets(t *testing.T, tg Target) {
	t.Run("instance SDK GetSecretValue", func(t *testing.T) { instanceSecrets(t, tg) })
	t.Run("transfer SDK", func(t *testing.T) { transferSDK(t, tg) })
	t.Run("Secrets Manager client", func(t *testing.T) { secretsManager(t, tg) })
	t.Run("disabled EncryptionKeyId", func(t *testing.T) {
		if tg.DisableKey == nil {
			t.Fatal("the Target has no DisableKey")
		}
		tg.DisableKey(t, "alias/lockable")
		_, err := tg.SDK(t).GetSecretValue(&dkms.GetSecretValueRequest{SecretName: tea.String("e2e/locked")})
		WantSDKError(t, time.Now(), err, 409, "Rejected.Disabled")
	})
	t.Run("deleted secret", func(t *testing.T) {
		if tg.DeleteSecret == nil {
			t.Fatal("the Target has no DeleteSecret")
		}
		tg.DeleteSecret(t, "e2e/cert")
		_, err := tg.SDK(t).GetSecretValue(&dkms.GetSecretValueRequest{SecretName: tea.String("e2e/cert")})
		WantSDKError(t, time.Now(), err, 409, "Rejected.ResourceInDeleteWindow")
	})
}

func getSecret(t *testing.T, c *dkms.Client, req *dkms.GetSecretValueRequest) *dkms.GetSecretValueResponse {
	t.Helper()
	resp, err := c.GetSecretValue(req)
	if err != nil {
		t.Fatalf("GetSecretValue %s: %v", tea.StringValue(req.SecretName), err)
	}
	return resp
}

// instanceSecrets: the SDK's own GetSecretValue example flow, the formats
// of spec §6 and the error rows of §10.2.
func instanceSecrets(t *testing.T, tg Target) {
	c := tg.SDK(t)
	cur := getSecret(t, c, &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/db")})
	if tea.StringValue(cur.SecretData) != "s3cret-password" || tea.StringValue(cur.VersionId) != "v2" ||
		tea.StringValue(cur.SecretType) != "Generic" || tea.StringValue(cur.SecretDataType) != "text" {
		t.Fatalf("ACSCurrent of e2e/db: %v", cur)
	}
	if len(cur.VersionStages) != 1 || tea.StringValue(cur.VersionStages[0]) != "ACSCurrent" {
		t.Fatalf("VersionStages %v", tea.StringSliceValue(cur.VersionStages))
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", tea.StringValue(cur.CreateTime)); err != nil {
		t.Fatalf("CreateTime %q is not 2020-02-21T15:39:26Z-shaped", tea.StringValue(cur.CreateTime))
	}
	if tea.StringValue(cur.RequestId) == "" {
		t.Fatal("no RequestId")
	}
	prev := getSecret(t, c, &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/db"), VersionStage: tea.String("ACSPrevious")})
	byID := getSecret(t, c, &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/db"), VersionId: tea.String("v1")})
	if tea.StringValue(prev.SecretData) != "old-password" || tea.StringValue(byID.SecretData) != "old-password" {
		t.Fatalf("ACSPrevious %q, v1 %q", tea.StringValue(prev.SecretData), tea.StringValue(byID.SecretData))
	}
	bin := getSecret(t, c, &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/cert")})
	if tea.StringValue(bin.SecretDataType) != "binary" || tea.StringValue(bin.SecretData) != BinarySecret {
		t.Fatalf("binary secret: %v", bin)
	}
	rds := getSecret(t, c, &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/rds"), FetchExtendedConfig: tea.Bool(true)})
	var ext map[string]any
	if err := json.Unmarshal([]byte(tea.StringValue(rds.ExtendedConfig)), &ext); err != nil || ext["DBInstanceId"] != "rm-e2e" {
		t.Fatalf("ExtendedConfig %q", tea.StringValue(rds.ExtendedConfig))
	}
	if tea.StringValue(rds.AutomaticRotation) != "Enabled" || tea.StringValue(rds.RotationInterval) != "604800s" || tea.StringValue(rds.NextRotationDate) == "" {
		t.Fatalf("rotation fields of a managed secret: %v", rds)
	}
	if got := getSecret(t, c, &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/rds")}); tea.StringValue(got.ExtendedConfig) != "" {
		t.Fatal("ExtendedConfig without FetchExtendedConfig")
	}

	rows := []struct {
		name   string
		req    *dkms.GetSecretValueRequest
		status int
		code   string
	}{
		{"unknown secret", &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/nope")}, 404, "Forbidden.ResourceNotFound"},
		{"unknown version", &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/db"), VersionId: tea.String("v9")}, 400, "InvalidParameter"},
		{"unknown stage", &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/db"), VersionStage: tea.String("MyLabel")}, 400, "InvalidParameter"},
		{"version without that stage", &dkms.GetSecretValueRequest{SecretName: tea.String("e2e/db"), VersionId: tea.String("v1"), VersionStage: tea.String("ACSCurrent")}, 400, "InvalidParameter"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			start := time.Now()
			_, err := c.GetSecretValue(r.req)
			WantSDKError(t, start, err, r.status, r.code)
		})
	}
}

// transferSDK: Alibaba's transfer SDK v0.1.8 makes classic calls over the
// instance API. It binds an EncryptionContext by sending SHA-256 of its
// canonical form as Aad, and decrypts with the key version in the
// x-kms-migrationkeyversionid header and no KeyId.
func transferSDK(t *testing.T, tg Target) {
	cfg := &dkmsapi.Config{Protocol: tea.String(tg.Protocol), Endpoint: tea.String(tg.Endpoint),
		ClientKeyFile: tea.String(tg.ClientKeyFile), Password: tea.String(tg.Password)}
	if tg.CA != "" {
		cfg.CaFilePath = tea.String(tg.CA)
	}
	tc, err := transfer.NewClientWithAccessKey("cn-hangzhou", "unused-ak", "unused-sk", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tg.CA != "" {
		ca, err := os.ReadFile(tg.CA)
		if err != nil {
			t.Fatal(err)
		}
		tc.SetVerify(string(ca))
	}
	const ctx = `{"purpose":"e2e","app":"billing"}`

	enc := alikms.CreateEncryptRequest()
	enc.KeyId, enc.Plaintext, enc.EncryptionContext = "alias/app", "attack at dawn", ctx
	er, err := tc.Encrypt(enc)
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if er.KeyVersionId == "" || !strings.HasPrefix(er.KeyVersionId, er.KeyId+"-") {
		t.Fatalf("Encrypt answered KeyId %q KeyVersionId %q", er.KeyId, er.KeyVersionId)
	}
	dec := alikms.CreateDecryptRequest()
	dec.CiphertextBlob, dec.EncryptionContext = er.CiphertextBlob, ctx
	dr, err := tc.Decrypt(dec)
	if err != nil || dr.Plaintext != "attack at dawn" || dr.KeyVersionId != er.KeyVersionId {
		t.Fatalf("Decrypt: %+v %v", dr, err)
	}
	// The context is bound: another one does not open the blob.
	dec.EncryptionContext = `{"purpose":"other"}`
	if _, err := tc.Decrypt(dec); err == nil {
		t.Fatal("Decrypt with another EncryptionContext succeeded")
	}

	// The blob is the classic one: KeyVersionId ‖ IV ‖ ciphertext ‖ tag,
	// sealed with Aad = SHA-256 of the sorted context (the server opened
	// it above; here its length).
	raw, err := base64.StdEncoding.DecodeString(er.CiphertextBlob)
	if err != nil || len(raw) != len(er.KeyVersionId)+12+len("attack at dawn")+16 {
		t.Fatalf("classic blob of %d bytes", len(raw))
	}

	gdk := alikms.CreateGenerateDataKeyRequest()
	gdk.KeyId, gdk.EncryptionContext = "alias/app", ctx
	gr, err := tc.GenerateDataKey(gdk)
	if err != nil {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	dec = alikms.CreateDecryptRequest()
	dec.CiphertextBlob, dec.EncryptionContext = gr.CiphertextBlob, ctx
	if dr, err := tc.Decrypt(dec); err != nil || dr.Plaintext != gr.Plaintext {
		t.Fatalf("Decrypt of a data key: %v", err)
	}
	gwp := alikms.CreateGenerateDataKeyWithoutPlaintextRequest()
	gwp.KeyId, gwp.EncryptionContext, gwp.NumberOfBytes = "alias/sm4", ctx, "16"
	wr, err := tc.GenerateDataKeyWithoutPlaintext(gwp)
	if err != nil {
		t.Fatalf("GenerateDataKeyWithoutPlaintext: %v", err)
	}
	dec = alikms.CreateDecryptRequest()
	dec.CiphertextBlob, dec.EncryptionContext = wr.CiphertextBlob, ctx
	if dr, err := tc.Decrypt(dec); err != nil {
		t.Fatalf("Decrypt of an SM4 data key: %v", err)
	} else if key, err := base64.StdEncoding.DecodeString(dr.Plaintext); err != nil || len(key) != 16 {
		t.Fatalf("the data key is %d bytes, want 16", len(key))
	}

	transferAsymmetric(t, tc)

	gsv := alikms.CreateGetSecretValueRequest()
	gsv.SecretName = "e2e/db"
	sr, err := tc.GetSecretValue(gsv)
	if err != nil || sr.SecretData != "s3cret-password" || sr.VersionId != "v2" || len(sr.VersionStages.VersionStage) != 1 {
		t.Fatalf("GetSecretValue: %+v %v", sr, err)
	}
}

// secretsManager: the Secrets Manager client v1.1.5 configured as its
// README_environment.md says for a dedicated KMS instance, with the
// ClientKey's password in a file.
func secretsManager(t *testing.T, tg Target) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(tg.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := map[string]any{"regionId": "cn-hangzhou", "endpoint": tg.Endpoint, "passwordFromFilePath": pw,
		"clientKeyFile": tg.ClientKeyFile, "ignoreSslCerts": false}
	if tg.CA != "" {
		conf["caFilePath"] = tg.CA
	}
	if tg.Protocol == "http" {
		// The README's fields assume TLS; the SDK config the entry
		// embeds also takes its protocol.
		conf["protocol"] = "http"
	}
	js, _ := json.Marshal([]any{conf})
	t.Setenv("cache_client_dkms_config_info", string(js))

	client, err := smc.NewSecretCacheClientBuilder(smcservice.NewDefaultSecretManagerClientBuilder().Build()).
		WithSecretTTL("e2e/cached", 300).Build()
	if err != nil {
		t.Fatalf("Secrets Manager client: %v", err)
	}
	defer client.Close()

	v, err := client.GetStringValue("e2e/db")
	if err != nil || v != "s3cret-password" {
		t.Fatalf("GetStringValue: %q %v", v, err)
	}
	info, err := client.GetSecretInfo("e2e/rds")
	if err != nil || info.SecretType != "Rds" || !strings.Contains(info.ExtendedConfig, "rm-e2e") {
		t.Fatalf("GetSecretInfo of a managed secret: %+v %v", info, err)
	}
	b, err := client.GetBinaryValue("e2e/cert")
	if err != nil || string(b) != BinarySecret {
		t.Fatalf("GetBinaryValue: %q %v", b, err)
	}
	if _, err := client.GetStringValue("e2e/cert"); err == nil {
		t.Fatal("GetStringValue of a binary secret succeeded")
	}

	first, err := client.GetStringValue("e2e/cached")
	if err != nil || first != "first" {
		t.Fatalf("GetStringValue e2e/cached: %q %v", first, err)
	}
	if tg.PutSecret == nil {
		t.Fatal("the Target has no PutSecret")
	}
	tg.PutSecret(t, "e2e/cached", "v2", "second")
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := client.GetStringValue("e2e/cached")
		if err == nil && got == "second" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cache never saw the new version: %q %v", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// transferAsymmetric: the transfer SDK's asymmetric calls, which send a
// DIGEST and carry KeyVersionId in x-kms-migrationkeyversionid both ways;
// signatures and ciphertexts are checked with Go's own crypto.
func transferAsymmetric(t *testing.T, tc *transfer.KmsTransferClient) {
	for _, c := range []struct{ alias, alg string }{
		{"alias/rsa-sign", "RSA_PSS_SHA_256"}, {"alias/rsa-sign", "RSA_PKCS1_SHA_256"}, {"alias/ec-sign", "ECDSA_SHA_256"},
	} {
		t.Run("AsymmetricSign "+c.alg, func(t *testing.T) {
			msg := []byte("signed through the transfer SDK")
			digest := sha256.Sum256(msg)
			sreq := alikms.CreateAsymmetricSignRequest()
			sreq.KeyId, sreq.Algorithm, sreq.Digest = c.alias, c.alg, base64.StdEncoding.EncodeToString(digest[:])
			sig, err := tc.AsymmetricSign(sreq)
			if err != nil || sig.KeyVersionId == "" || !strings.HasPrefix(sig.KeyVersionId, sig.KeyId+"-") {
				t.Fatalf("AsymmetricSign: %+v %v", sig, err)
			}
			preq := alikms.CreateGetPublicKeyRequest()
			preq.KeyId, preq.KeyVersionId = c.alias, sig.KeyVersionId
			pk, err := tc.GetPublicKey(preq)
			if err != nil || pk.KeyVersionId != sig.KeyVersionId {
				t.Fatalf("GetPublicKey: %+v %v", pk, err)
			}
			pub, err := PublicKey([]byte(pk.PublicKey))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := base64.StdEncoding.DecodeString(sig.Value)
			if err := VerifySignature(pub, c.alg, msg, raw); err != nil {
				t.Fatalf("Go's verifier: %v", err)
			}
			vreq := alikms.CreateAsymmetricVerifyRequest()
			vreq.KeyId, vreq.KeyVersionId, vreq.Algorithm, vreq.Digest, vreq.Value = c.alias, sig.KeyVersionId, c.alg, sreq.Digest, sig.Value
			if v, err := tc.AsymmetricVerify(vreq); err != nil || !v.Value {
				t.Fatalf("AsymmetricVerify: %+v %v", v, err)
			}
			other := sha256.Sum256([]byte("another message"))
			vreq.Digest = base64.StdEncoding.EncodeToString(other[:])
			if v, err := tc.AsymmetricVerify(vreq); err != nil || v.Value {
				t.Fatalf("AsymmetricVerify of another digest: %+v %v", v, err)
			}
		})
	}
	t.Run("AsymmetricEncrypt and AsymmetricDecrypt", func(t *testing.T) {
		ereq := alikms.CreateAsymmetricEncryptRequest()
		ereq.KeyId, ereq.Algorithm, ereq.Plaintext = "alias/rsa-enc", "RSAES_OAEP_SHA_256", base64.StdEncoding.EncodeToString([]byte("sealed for RSA"))
		enc, err := tc.AsymmetricEncrypt(ereq)
		if err != nil || enc.KeyVersionId == "" {
			t.Fatalf("AsymmetricEncrypt: %+v %v", enc, err)
		}
		dreq := alikms.CreateAsymmetricDecryptRequest()
		dreq.KeyId, dreq.KeyVersionId, dreq.Algorithm, dreq.CiphertextBlob = "alias/rsa-enc", enc.KeyVersionId, "RSAES_OAEP_SHA_256", enc.CiphertextBlob
		if dec, err := tc.AsymmetricDecrypt(dreq); err != nil || dec.Plaintext != ereq.Plaintext {
			t.Fatalf("AsymmetricDecrypt: %+v %v", dec, err)
		}
		// A ciphertext made by Go's RSA-OAEP opens too.
		preq := alikms.CreateGetPublicKeyRequest()
		preq.KeyId, preq.KeyVersionId = "alias/rsa-enc", enc.KeyVersionId
		pk, err := tc.GetPublicKey(preq)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := PublicKey([]byte(pk.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		ct, err := EncryptFor(pub, "RSAES_OAEP_SHA_256", []byte("from Go"))
		if err != nil {
			t.Fatal(err)
		}
		dreq.CiphertextBlob = base64.StdEncoding.EncodeToString(ct)
		if dec, err := tc.AsymmetricDecrypt(dreq); err != nil || dec.Plaintext != base64.StdEncoding.EncodeToString([]byte("from Go")) {
			t.Fatalf("AsymmetricDecrypt of Go's ciphertext: %+v %v", dec, err)
		}
	})
}
