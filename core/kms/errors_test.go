package kms_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/require"
)

// TestErrorRows has one row for each error of spec §4 that the engine
// itself answers (the HTTP-level rows belong to the server's tests).
func TestErrorRows(t *testing.T) {
	f := newFixture(t)
	f.importKey(keyA, kms.SpecAES256, material(32, 1))
	sm := "key-sm4sm4sm4sm4sm4sm4sm4"
	f.importKey(sm, kms.SpecSM4, material(16, 2))
	blob := f.seal(keyA, "x").CiphertextBlob
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/taken", KeyId: keyA})
	rows := []struct {
		name, api string
		req       pb.Message
		status    int
		code      string
		says      string // a fragment the message must contain
	}{
		{"missing key id", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{Plaintext: []byte("x")}, 400, "MissingParameter", "KeyId"},
		{"unknown key", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "key-zzzzzzzzzzzzzzzzzzzzz", Plaintext: []byte("x")}, 404, "Forbidden.KeyNotFound", "key-zzzzzzzzzzzzzzzzzzzzz"},
		{"unknown alias", "Encrypt", &pb.EncryptRequest{KeyId: "alias/none", Plaintext: []byte("x")}, 404, "Forbidden.KeyNotFound", "alias/none"},
		{"unknown algorithm", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "AES_CTR"}, 400, "InvalidParameter", "AES_CTR"},
		{"algorithm not fitting aes key", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "SM4_GCM"}, 400, "InvalidParameter", "does not fit"},
		{"algorithm not fitting sm4 key", "Encrypt", &pb.EncryptRequest{KeyId: sm, Plaintext: []byte("x"), Algorithm: "AES_GCM"}, 400, "InvalidParameter", "does not fit"},
		{"gcm iv length", "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Iv: make([]byte, 16)}, 400, "InvalidParameter", "12-byte Iv"},
		{"cbc iv length", "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "AES_CBC", Iv: make([]byte, 12)}, 400, "InvalidParameter", "16-byte Iv"},
		{"ecb with iv", "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "AES_ECB", Iv: make([]byte, 16)}, 400, "InvalidParameter", "takes no Iv"},
		{"aad on cbc", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "AES_CBC", Aad: []byte("a")}, 400, "InvalidParameter", "Aad"},
		{"aad too long", "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Aad: make([]byte, 8193)}, 400, "InvalidParameter", "8192"},
		{"no padding not a block", "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "AES_CBC", PaddingMode: "NO_PADDING"}, 400, "InvalidParameter", "multiple of 16"},
		{"unknown padding", "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x"), Algorithm: "AES_ECB", PaddingMode: "ZERO_PADDING"}, 400, "InvalidParameter", "ZERO_PADDING"},
		{"padding on gcm", "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x"), PaddingMode: "PKCS7_PADDING"}, 400, "InvalidParameter", "PaddingMode"},
		{"blob does not open", "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob, Aad: []byte("wrong")}, 400, "InvalidParameter", "tampered"},
		{"not a blob", "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: []byte("garbage")}, 400, "InvalidParameter", "not a valid ciphertext blob"},
		{"blob of another key", "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob, KeyId: sm}, 400, "InvalidParameter", "made with key"},
		{"raw without iv", "Decrypt", &pb.DecryptRequest{KeyId: keyA, CiphertextBlob: make([]byte, 32)}, 400, "InvalidParameter", "Iv"},
		{"empty ciphertext", "Decrypt", &pb.DecryptRequest{KeyId: keyA}, 400, "MissingParameter", "CiphertextBlob"},
		{"data key too big", "GenerateDataKey", &pb.GenerateDataKeyRequest{KeyId: keyA, NumberOfBytes: 1025}, 400, "InvalidParameter", "NumberOfBytes"},
		{"data key with cbc", "GenerateDataKey", &pb.GenerateDataKeyRequest{KeyId: keyA, Algorithm: "AES_CBC"}, 400, "InvalidParameter", "GCM"},
		{"random too long", "GenerateRandom", &pb.GenerateRandomRequest{Length: 65}, 400, "InvalidParameter", "Length"},
		{"random zero", "GenerateRandom", &pb.GenerateRandomRequest{}, 400, "InvalidParameter", "Length"},
		{"bad key spec", "CreateKey", &pb.CreateKeyRequest{KeySpec: "AES_512"}, 400, "InvalidParameter", "AES_512"},
		{"rotation without interval", "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true}, 400, "MissingParameter", "RotationInterval"},
		{"rotation too short", "CreateKey", &pb.CreateKeyRequest{EnableAutomaticRotation: true, RotationInterval: "1d"}, 400, "InvalidParameter", "7d"},
		{"import wrong material size", "ImportKey", &pb.ImportKeyRequest{Versions: []*pb.ImportedVersion{{KeyMaterial: make([]byte, 31)}}}, 400, "InvalidParameter", "KeyMaterial"},
		{"import bad key id", "ImportKey", &pb.ImportKeyRequest{KeyId: "key-UPPER"}, 400, "InvalidParameter", "KeyId"},
		{"import existing key", "ImportKey", &pb.ImportKeyRequest{KeyId: keyA}, 409, "Forbidden.ResourceAlreadyExists", keyA},
		{"import foreign version id", "ImportKey", &pb.ImportKeyRequest{KeyId: "key-bbbbbbbbbbbbbbbbbbbbb", Versions: []*pb.ImportedVersion{{KeyVersionId: keyAv}}}, 400, "InvalidParameter", "KeyVersionId"},
		{"import duplicate alias", "ImportKey", &pb.ImportKeyRequest{Aliases: []string{"alias/twice", "alias/twice"}}, 400, "InvalidParameter", "listed twice"},
		{"import alias taken", "ImportKey", &pb.ImportKeyRequest{Aliases: []string{"alias/taken"}}, 409, "Forbidden.ResourceAlreadyExists", "alias/taken"},
		{"bad alias", "CreateAlias", &pb.AliasRequest{AliasName: "app", KeyId: keyA}, 400, "InvalidParameter", "alias/"},
		{"unknown version", "DescribeKeyVersion", &pb.DescribeKeyVersionRequest{KeyId: keyA, KeyVersionId: "nope"}, 404, "Forbidden.KeyVersionNotFound", "nope"},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			resp, err := f.e.Call(r.api, r.req)
			ke := require.KMSError(t, err, r.status, r.code)
			require.True(t, resp == nil, "no response with an error")
			require.True(t, strings.Contains(ke.Message, r.says), "message", ke.Message, "should mention", r.says)
		})
	}
}

func TestDispatchErrors(t *testing.T) {
	f := newFixture(t)
	_, err := f.e.CallProto("NoSuchApi", nil)
	require.KMSError(t, err, 400, "InvalidApiName")
	for _, api := range []string{"GetHealthStatus"} {
		_, err := f.e.CallProto(api, nil)
		require.KMSError(t, err, 400, "UnsupportedOperation", api)
	}
	_, err = f.e.CallProto("AdvanceEncrypt", []byte{0xff, 0xff})
	require.KMSError(t, err, 400, "InvalidParameter")
	_, err = f.e.CallJSON("AdvanceEncrypt", []byte(`{"KeyID":"x"}`))
	require.KMSError(t, err, 400, "InvalidParameter")
	_, err = f.e.Call("AdvanceEncrypt", &pb.EncryptRequest{})
	require.KMSError(t, err, 500, "InternalFailure")
}

// TestWireForms: the protobuf and JSON forms reach the same engine and
// carry a fresh lower-case UUID RequestId.
func TestWireForms(t *testing.T) {
	f := newFixture(t)
	f.importKey(keyA, kms.SpecAES256, material(32, 1))
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hello"), Iv: make([]byte, 12)})
	out, err := f.e.CallProto("AdvanceEncrypt", body)
	require.NoError(t, err)
	var resp pb.AdvanceEncryptResponse
	require.NoError(t, pb.Unmarshal(out, &resp))
	require.Equal(t, 36, len(resp.RequestId))

	j, err := f.e.CallJSON("AdvanceEncrypt", []byte(`{"KeyId":"`+keyA+`","Plaintext":"aGVsbG8=","Iv":"AAAAAAAAAAAAAAAA"}`))
	require.NoError(t, err)
	require.True(t, strings.Contains(string(j), `"KeyVersionId"`), string(j))
	require.True(t, strings.Contains(strings.ReplaceAll(string(j), " ", ""), `"CiphertextBlob":"`+b64(resp.CiphertextBlob)+`"`), "same blob in both forms")
	require.True(t, len(kms.Operations()) >= 25 && kms.IsDataOperation("AdvanceEncrypt") && !kms.IsDataOperation("CreateKey"))
}

// TestLibraryErrorsAreStable: malformed bodies give the same message in every
// build (the protobuf library randomises its own error text).
func TestLibraryErrorsAreStable(t *testing.T) {
	f := newFixture(t)
	_, err := f.e.CallProto("AdvanceEncrypt", []byte{0x0a, 0x05, 'x'})
	ke := require.KMSError(t, err, 400, "InvalidParameter")
	require.True(t, !strings.ContainsRune(ke.Message, '\u00a0') && !strings.Contains(ke.Message, "proto:"), ke.Message)
	_, err = f.e.CallJSON("AdvanceEncrypt", []byte(`{"Nope":1}`))
	ke = require.KMSError(t, err, 400, "InvalidParameter")
	require.True(t, !strings.ContainsRune(ke.Message, '\u00a0') && strings.Contains(ke.Message, "Nope"), ke.Message)
}

// TestNewResponse: every operation's declared response type is the one it
// really returns.
func TestNewResponse(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	ec := f.createKey("EC_P256")
	blob := f.seal(md.KeyId, "x")
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/d", KeyId: md.KeyId})
	call[*pb.AliasResponse](f, "CreateAlias", &pb.AliasRequest{AliasName: "alias/u", KeyId: md.KeyId})
	reqs := map[string]pb.Message{
		"Encrypt":                             &pb.EncryptRequest{KeyId: md.KeyId, Plaintext: []byte("x")},
		"AdvanceEncrypt":                      &pb.AdvanceEncryptRequest{KeyId: md.KeyId, Plaintext: []byte("x")},
		"AdvanceDecrypt":                      &pb.AdvanceDecryptRequest{CiphertextBlob: blob.CiphertextBlob},
		"GenerateDataKey":                     &pb.GenerateDataKeyRequest{KeyId: md.KeyId},
		"AdvanceGenerateDataKey":              &pb.AdvanceGenerateDataKeyRequest{KeyId: md.KeyId},
		"GenerateRandom":                      &pb.GenerateRandomRequest{Length: 8},
		"Sign":                                &pb.SignRequest{KeyId: ec.KeyId, Message: []byte("m")},
		"Verify":                              &pb.VerifyRequest{KeyId: ec.KeyId, Message: []byte("m")},
		"GetPublicKey":                        &pb.GetPublicKeyRequest{KeyId: ec.KeyId},
		"GenerateDataKeyPair":                 &pb.GenerateDataKeyPairRequest{KeyId: md.KeyId, KeyPairSpec: "EC_P256"},
		"GenerateDataKeyPairWithoutPlaintext": &pb.GenerateDataKeyPairWithoutPlaintextRequest{KeyId: md.KeyId, KeyPairSpec: "EC_P256"},
		"AdvanceGenerateDataKeyPair":          &pb.AdvanceGenerateDataKeyPairRequest{KeyId: md.KeyId, KeyPairSpec: "EC_P256"},
		"AdvanceGenerateDataKeyPairWithoutPlaintext": &pb.AdvanceGenerateDataKeyPairWithoutPlaintextRequest{KeyId: md.KeyId, KeyPairSpec: "EC_P256"},
		"CreateKey":                &pb.CreateKeyRequest{},
		"ImportKey":                &pb.ImportKeyRequest{},
		"DescribeKey":              &pb.KeyIdRequest{KeyId: md.KeyId},
		"ListKeys":                 &pb.ListKeysRequest{},
		"CreateKeyVersion":         &pb.KeyIdRequest{KeyId: md.KeyId},
		"ListKeyVersions":          &pb.KeyIdRequest{KeyId: md.KeyId},
		"DescribeKeyVersion":       &pb.DescribeKeyVersionRequest{KeyId: md.KeyId, KeyVersionId: md.InitialKeyVersionId},
		"UpdateRotationPolicy":     &pb.UpdateRotationPolicyRequest{KeyId: md.KeyId},
		"DisableKey":               &pb.KeyIdRequest{KeyId: md.KeyId},
		"EnableKey":                &pb.KeyIdRequest{KeyId: md.KeyId},
		"CreateAlias":              &pb.AliasRequest{AliasName: "alias/r", KeyId: md.KeyId},
		"UpdateAlias":              &pb.AliasRequest{AliasName: "alias/u", KeyId: md.KeyId},
		"ListAliases":              &pb.ListAliasesRequest{},
		"ListAliasesByKeyId":       &pb.ListAliasesRequest{KeyId: md.KeyId},
		"DeleteAlias":              &pb.AliasRequest{AliasName: "alias/d"},
		"InspectBlob":              &pb.InspectBlobRequest{CiphertextBlob: blob.CiphertextBlob},
		"ScheduleKeyDeletion":      &pb.ScheduleKeyDeletionRequest{KeyId: f.createKey("").KeyId, PendingWindowInDays: 7},
		"CancelKeyDeletion":        &pb.KeyIdRequest{KeyId: md.KeyId},
		"UpdateKeyDescription":     &pb.UpdateKeyDescriptionRequest{KeyId: md.KeyId, Description: "d"},
		"SetDeletionProtection":    &pb.SetDeletionProtectionRequest{KeyId: md.KeyId},
		"TagResource":              &pb.TagResourceRequest{KeyId: md.KeyId, Tags: []*pb.Tag{{TagKey: "k", TagValue: "v"}}},
		"UntagResource":            &pb.UntagResourceRequest{KeyId: md.KeyId, TagKeys: []string{"k"}},
		"CreateSecret":             &pb.CreateSecretRequest{SecretName: "new", SecretData: "x"},
		"ImportSecret":             &pb.ImportSecretRequest{SecretName: "imported", Versions: []*pb.ImportedSecretVersion{{VersionId: "v1", SecretData: "x"}}},
		"GetSecretValue":           &pb.GetSecretValueRequest{SecretName: "s"},
		"PutSecretValue":           &pb.PutSecretValueRequest{SecretName: "s", VersionId: "v2", SecretData: "y"},
		"UpdateSecretVersionStage": &pb.UpdateSecretVersionStageRequest{SecretName: "s", VersionStage: "ACSCurrent", MoveToVersion: "v1"},
		"RotateSecret":             &pb.RotateSecretRequest{SecretName: "rds"},
		"DescribeSecret":           &pb.SecretNameRequest{SecretName: "s"},
		"ListSecrets":              &pb.ListSecretsRequest{},
		"ListSecretVersionIds":     &pb.ListSecretVersionIdsRequest{SecretName: "s"},
		"DeleteSecret":             &pb.DeleteSecretRequest{SecretName: "doomed"},
		"RestoreSecret":            &pb.SecretNameRequest{SecretName: "deleted"},
	}
	for _, n := range []string{"s", "doomed", "deleted"} {
		call[*pb.Secret](f, "CreateSecret", &pb.CreateSecretRequest{SecretName: n, VersionId: "v1", SecretData: "x"})
	}
	call[*pb.Secret](f, "DeleteSecret", &pb.DeleteSecretRequest{SecretName: "deleted"})
	call[*pb.Secret](f, "CreateSecret", &pb.CreateSecretRequest{SecretName: "rds", SecretType: "Rds", SecretData: `{"AccountName":"a","AccountPassword":"p"}`})
	for _, api := range kms.Operations() {
		if api == "Decrypt" {
			continue // needs a raw ciphertext; below
		}
		req, ok := reqs[api]
		require.True(t, ok, "no request for", api)
		if api == "CancelKeyDeletion" {
			call[*pb.KeyResponse](f, "ScheduleKeyDeletion", &pb.ScheduleKeyDeletionRequest{KeyId: md.KeyId, PendingWindowInDays: 7})
		}
		resp, err := f.e.Call(api, req)
		require.NoError(t, err, api)
		require.Equal(t, fmt.Sprintf("%T", kms.NewResponse(api)), fmt.Sprintf("%T", resp), api)
	}
	enc := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: md.KeyId, Plaintext: []byte("x")})
	resp, err := f.e.Call("Decrypt", &pb.DecryptRequest{KeyId: md.KeyId, CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv})
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%T", kms.NewResponse("Decrypt")), fmt.Sprintf("%T", resp))
	require.True(t, kms.NewResponse("Nope") == nil)
}
