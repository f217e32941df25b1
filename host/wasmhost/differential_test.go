package wasmhost

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// The differential tests run the same requests through the native engine
// and the module under wazero, each over its own store seeded with the same
// imported keys, and require the same answers: same message type, same
// fields (byte-identical ciphertexts where the IV is fixed), same errors.

const (
	aesID  = "key-aes256aaaaaaaaaaaaaaa"
	aesV1  = aesID + "-v1aaaaaaaa"
	aesV2  = aesID + "-v2aaaaaaaa"
	a128ID = "key-aes128bbbbbbbbbbbbbbb"
	sm4ID  = "key-sm4cccccccccccccccccc"
	offID  = "key-disabledddddddddddddd"
)

func seq(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// imports are the keys both engines start from.
func imports() []*pb.ImportKeyRequest {
	return append([]*pb.ImportKeyRequest{
		{KeyId: aesID, KeySpec: "Aliyun_AES_256", Aliases: []string{"alias/aes"}, Versions: []*pb.ImportedVersion{
			{KeyVersionId: aesV1, KeyMaterial: seq(32, 1), CreationDate: "2025-01-01T00:00:00Z"},
			{KeyVersionId: aesV2, KeyMaterial: seq(32, 101), CreationDate: "2025-06-01T00:00:00Z"}}},
		{KeyId: a128ID, KeySpec: "Aliyun_AES_128", Versions: []*pb.ImportedVersion{
			{KeyVersionId: a128ID + "-v1bbbbbbbb", KeyMaterial: seq(16, 50), CreationDate: "2025-02-01T00:00:00Z"}}},
		{KeyId: sm4ID, KeySpec: "Aliyun_SM4", Aliases: []string{"alias/sm4"}, Versions: []*pb.ImportedVersion{
			{KeyVersionId: sm4ID + "-v1cccccccc", KeyMaterial: seq(16, 200), CreationDate: "2025-03-01T00:00:00Z"}}},
		{KeyId: offID, KeySpec: "Aliyun_AES_256", KeyState: "Disabled", Versions: []*pb.ImportedVersion{
			{KeyVersionId: offID + "-v1dddddddd", KeyMaterial: seq(32, 7), CreationDate: "2025-04-01T00:00:00Z"}}},
	}, asymImports()...)
}

// caller is what both engines offer the tests.
type caller func(api string, req pb.Message) (pb.Message, error)

func nativeCaller(e *kms.Engine) caller { return e.Call }

func wasmCaller(e *Module) caller {
	return func(api string, req pb.Message) (pb.Message, error) {
		return e.Call(context.Background(), api, req)
	}
}

func seed(t *testing.T, c caller) {
	t.Helper()
	for _, r := range imports() {
		if _, err := c("ImportKey", r); err != nil {
			t.Fatalf("ImportKey %s: %v", r.KeyId, err)
		}
	}
}

type step struct {
	name   string
	api    string
	req    pb.Message
	ignore []string // fields that depend on the clock or on randomness
	mut    bool     // changes the store: not replayed in JSON
}

// blobs made natively with fixed IVs, for the decrypt steps.
func fixedBlob(t *testing.T) (adv, raw []byte) {
	t.Helper()
	n := newNative(store.NewMemory())
	seed(t, nativeCaller(n))
	r, err := n.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("differential"), Iv: seq(12, 9), Aad: []byte("ctx")})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := n.Call("Encrypt", &pb.EncryptRequest{KeyId: a128ID, Plaintext: []byte("raw"), Iv: seq(12, 3)})
	if err != nil {
		t.Fatal(err)
	}
	return r.(*pb.AdvanceEncryptResponse).CiphertextBlob, r2.(*pb.EncryptResponse).CiphertextBlob
}

func steps(adv, raw []byte) []step {
	tampered := append([]byte(nil), adv...)
	if len(tampered) > 0 {
		tampered[len(tampered)-1] ^= 1
	}
	keyDates := []string{"CreationDate", "LastRotationDate", "NextRotationDate", "DeleteDate"}
	secretDates := []string{"CreateTime", "UpdateTime", "PlannedDeleteTime", "LastRotationDate", "NextRotationDate"}
	return append(asymSteps(), []step{
		// Data operations with fixed IVs: byte-identical ciphertexts.
		{name: "AdvanceEncrypt/AES_GCM", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("differential"), Iv: seq(12, 9), Aad: []byte("ctx")}},
		{name: "AdvanceEncrypt/AES_CBC", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: "alias/aes", Algorithm: "AES_CBC", Plaintext: seq(33, 0), Iv: seq(16, 1)}},
		{name: "AdvanceEncrypt/AES_ECB", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: aesID, Algorithm: "AES_ECB", Plaintext: seq(16, 0), PaddingMode: "NoPadding"}},
		{name: "AdvanceEncrypt/SM4_GCM", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: "alias/sm4", Plaintext: seq(100, 5), Iv: seq(12, 77), Aad: []byte("a")}},
		{name: "AdvanceEncrypt/SM4_CBC", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: sm4ID, Algorithm: "SM4_CBC", Plaintext: seq(5, 5), Iv: seq(16, 33)}},
		{name: "AdvanceEncrypt/6KiB", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: seq(6<<10, 0), Iv: seq(12, 0)}},
		{name: "Encrypt/AES_GCM", api: "Encrypt", req: &pb.EncryptRequest{KeyId: a128ID, Plaintext: []byte("raw"), Iv: seq(12, 3)}},
		{name: "AdvanceDecrypt", api: "AdvanceDecrypt", req: &pb.AdvanceDecryptRequest{CiphertextBlob: adv, Aad: []byte("ctx")}},
		{name: "Decrypt", api: "Decrypt", req: &pb.DecryptRequest{KeyId: a128ID, CiphertextBlob: raw, Iv: seq(12, 3)}},
		{name: "InspectBlob", api: "InspectBlob", req: &pb.InspectBlobRequest{CiphertextBlob: adv}},
		{name: "InspectBlob/garbage", api: "InspectBlob", req: &pb.InspectBlobRequest{CiphertextBlob: []byte("nope")}},
		{name: "GenerateDataKey", api: "GenerateDataKey", req: &pb.GenerateDataKeyRequest{KeyId: aesID, NumberOfBytes: 16}, ignore: []string{"Iv", "Plaintext", "CiphertextBlob"}},
		{name: "AdvanceGenerateDataKey", api: "AdvanceGenerateDataKey", req: &pb.AdvanceGenerateDataKeyRequest{KeyId: sm4ID}, ignore: []string{"Iv", "Plaintext", "CiphertextBlob"}},
		{name: "GenerateRandom", api: "GenerateRandom", req: &pb.GenerateRandomRequest{Length: 17}, ignore: []string{"Random"}},

		// Reads of the management API.
		{name: "DescribeKey", api: "DescribeKey", req: &pb.KeyIdRequest{KeyId: "alias/aes"}},
		{name: "ListKeys", api: "ListKeys", req: &pb.ListKeysRequest{}},
		{name: "ListKeyVersions", api: "ListKeyVersions", req: &pb.KeyIdRequest{KeyId: aesID}},
		{name: "DescribeKeyVersion", api: "DescribeKeyVersion", req: &pb.DescribeKeyVersionRequest{KeyId: aesID, KeyVersionId: aesV1}},
		{name: "ListAliases", api: "ListAliases", req: &pb.ListAliasesRequest{}, ignore: []string{"CreationDate"}},
		{name: "ListAliasesByKeyId", api: "ListAliasesByKeyId", req: &pb.ListAliasesRequest{KeyId: sm4ID}, ignore: []string{"CreationDate"}},

		// Errors: same status, code and message.
		{name: "error/unknown key", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: "key-nonexistentxxxxxxxxxx", Plaintext: []byte("x")}},
		{name: "error/unknown alias", api: "Encrypt", req: &pb.EncryptRequest{KeyId: "alias/none", Plaintext: []byte("x")}},
		{name: "error/disabled", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: offID, Plaintext: []byte("x")}},
		{name: "error/bad IV length", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: aesID, Plaintext: []byte("x"), Iv: seq(5, 0)}},
		{name: "error/bad algorithm", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: aesID, Algorithm: "DES", Plaintext: []byte("x")}},
		{name: "error/SM4 on AES key", api: "AdvanceEncrypt", req: &pb.AdvanceEncryptRequest{KeyId: aesID, Algorithm: "SM4_GCM", Plaintext: []byte("x")}},
		{name: "error/tampered blob", api: "AdvanceDecrypt", req: &pb.AdvanceDecryptRequest{CiphertextBlob: tampered, Aad: []byte("ctx")}},
		{name: "error/wrong aad", api: "AdvanceDecrypt", req: &pb.AdvanceDecryptRequest{CiphertextBlob: adv}},
		{name: "error/garbage blob", api: "AdvanceDecrypt", req: &pb.AdvanceDecryptRequest{CiphertextBlob: []byte("garbage")}},
		{name: "error/empty blob", api: "Decrypt", req: &pb.DecryptRequest{KeyId: aesID}},
		{name: "error/random length", api: "GenerateRandom", req: &pb.GenerateRandomRequest{Length: 65}},
		{name: "error/missing KeyId", api: "DescribeKey", req: &pb.KeyIdRequest{}},
		{name: "error/unknown version", api: "DescribeKeyVersion", req: &pb.DescribeKeyVersionRequest{KeyId: aesID, KeyVersionId: aesID + "-zzzzzzzzzz"}},
		{name: "error/duplicate alias", api: "CreateAlias", req: &pb.AliasRequest{AliasName: "alias/aes", KeyId: sm4ID}},
		{name: "error/key exists", api: "ImportKey", req: &pb.ImportKeyRequest{KeyId: aesID}},
		{name: "error/bad material", api: "ImportKey", req: &pb.ImportKeyRequest{KeyId: "key-badmaterialeeeeeeeeee", Versions: []*pb.ImportedVersion{{KeyMaterial: seq(31, 0)}}}},
		{name: "error/bad KeySpec", api: "CreateKey", req: &pb.CreateKeyRequest{KeySpec: "AES_512"}},

		// Mutations, in an order whose outcome does not depend on the clock.
		{name: "CreateAlias", api: "CreateAlias", req: &pb.AliasRequest{AliasName: "alias/new", KeyId: a128ID}, ignore: []string{"CreationDate"}, mut: true},
		{name: "UpdateAlias", api: "UpdateAlias", req: &pb.AliasRequest{AliasName: "alias/new", KeyId: aesID}, ignore: []string{"CreationDate"}, mut: true},
		{name: "DeleteAlias", api: "DeleteAlias", req: &pb.AliasRequest{AliasName: "alias/new"}, mut: true},
		{name: "DisableKey", api: "DisableKey", req: &pb.KeyIdRequest{KeyId: a128ID}, mut: true},
		{name: "error/disabled after DisableKey", api: "Encrypt", req: &pb.EncryptRequest{KeyId: a128ID, Plaintext: []byte("x")}},
		{name: "EnableKey", api: "EnableKey", req: &pb.KeyIdRequest{KeyId: a128ID}, mut: true},
		{name: "UpdateRotationPolicy", api: "UpdateRotationPolicy", req: &pb.UpdateRotationPolicyRequest{KeyId: sm4ID, EnableAutomaticRotation: true, RotationInterval: "2592000s"}, ignore: keyDates, mut: true},
		{name: "error/rotation interval", api: "UpdateRotationPolicy", req: &pb.UpdateRotationPolicyRequest{KeyId: sm4ID, EnableAutomaticRotation: true, RotationInterval: "1s"}},
		{name: "ScheduleKeyDeletion", api: "ScheduleKeyDeletion", req: &pb.ScheduleKeyDeletionRequest{KeyId: a128ID, PendingWindowInDays: 7}, ignore: keyDates, mut: true},
		{name: "error/pending deletion", api: "Encrypt", req: &pb.EncryptRequest{KeyId: a128ID, Plaintext: []byte("x")}},
		{name: "CancelKeyDeletion", api: "CancelKeyDeletion", req: &pb.KeyIdRequest{KeyId: a128ID}, mut: true},
		{name: "UpdateKeyDescription", api: "UpdateKeyDescription", req: &pb.UpdateKeyDescriptionRequest{KeyId: a128ID, Description: "described in both"}, ignore: keyDates, mut: true},
		{name: "TagResource", api: "TagResource", req: &pb.TagResourceRequest{KeyId: a128ID, Tags: []*pb.Tag{{TagKey: "b", TagValue: "2"}, {TagKey: "a", TagValue: "1"}}}, ignore: keyDates, mut: true},
		{name: "error/reserved tag", api: "TagResource", req: &pb.TagResourceRequest{KeyId: a128ID, Tags: []*pb.Tag{{TagKey: "acs:x"}}}},
		{name: "UntagResource", api: "UntagResource", req: &pb.UntagResourceRequest{KeyId: a128ID, TagKeys: []string{"b"}}, ignore: keyDates, mut: true},
		{name: "SetDeletionProtection", api: "SetDeletionProtection", req: &pb.SetDeletionProtectionRequest{KeyId: a128ID, EnableDeletionProtection: true, DeletionProtectionDescription: "kept"}, ignore: keyDates, mut: true},
		{name: "error/deletion protection", api: "ScheduleKeyDeletion", req: &pb.ScheduleKeyDeletionRequest{KeyId: a128ID, PendingWindowInDays: 7}},
		{name: "SetDeletionProtection/off", api: "SetDeletionProtection", req: &pb.SetDeletionProtectionRequest{KeyId: a128ID}, ignore: keyDates, mut: true},
		{name: "CreateKeyVersion", api: "CreateKeyVersion", req: &pb.KeyIdRequest{KeyId: sm4ID}, ignore: append([]string{"PrimaryKeyVersionId"}, keyDates...), mut: true},
		{name: "CreateKey", api: "CreateKey", req: &pb.CreateKeyRequest{KeySpec: "Aliyun_SM4", Description: "made in both"}, ignore: append([]string{"KeyId", "InitialKeyVersionId", "PrimaryKeyVersionId"}, keyDates...), mut: true},
		{name: "ImportKey", api: "ImportKey", req: &pb.ImportKeyRequest{KeyId: "key-importedfffffffffffff", KeySpec: "Aliyun_AES_192", Versions: []*pb.ImportedVersion{{KeyVersionId: "key-importedfffffffffffff-v1ffffffff", KeyMaterial: seq(24, 0), CreationDate: "2024-12-31T23:59:59Z"}}}, mut: true},
		{name: "ListKeys/after", api: "ListKeys", req: &pb.ListKeysRequest{}, ignore: append([]string{"KeyId", "InitialKeyVersionId", "PrimaryKeyVersionId"}, keyDates...)},

		// Secrets, under a key and without, generic and managed.
		{name: "CreateSecret", api: "CreateSecret", req: &pb.CreateSecretRequest{SecretName: "diff/db", VersionId: "v1", SecretData: "one", EncryptionKeyId: "alias/aes",
			Tags: []*pb.Tag{{TagKey: "env", TagValue: "test"}}}, ignore: secretDates, mut: true},
		{name: "ImportSecret", api: "ImportSecret", req: &pb.ImportSecretRequest{SecretName: "diff/rds", SecretType: "Rds", ExtendedConfig: `{"DBInstanceId":"rm-1"}`,
			Versions: []*pb.ImportedSecretVersion{{VersionId: "r1", SecretData: `{"AccountName":"a","AccountPassword":"p"}`}}}, ignore: secretDates, mut: true},
		{name: "PutSecretValue", api: "PutSecretValue", req: &pb.PutSecretValueRequest{SecretName: "diff/db", VersionId: "v2", SecretData: "two"}, mut: true},
		{name: "GetSecretValue", api: "GetSecretValue", req: &pb.GetSecretValueRequest{SecretName: "diff/db"}, ignore: secretDates},
		{name: "GetSecretValue/ACSPrevious", api: "GetSecretValue", req: &pb.GetSecretValueRequest{SecretName: "diff/db", VersionStage: "ACSPrevious"}, ignore: secretDates},
		{name: "GetSecretValue/managed", api: "GetSecretValue", req: &pb.GetSecretValueRequest{SecretName: "diff/rds", FetchExtendedConfig: true}, ignore: secretDates},
		{name: "error/unknown secret", api: "GetSecretValue", req: &pb.GetSecretValueRequest{SecretName: "diff/none"}},
		{name: "error/version without stage", api: "GetSecretValue", req: &pb.GetSecretValueRequest{SecretName: "diff/db", VersionId: "v1", VersionStage: "ACSCurrent"}},
		{name: "UpdateSecretVersionStage", api: "UpdateSecretVersionStage", req: &pb.UpdateSecretVersionStageRequest{SecretName: "diff/db", VersionStage: "Blue", MoveToVersion: "v1"}, mut: true},
		{name: "RotateSecret", api: "RotateSecret", req: &pb.RotateSecretRequest{SecretName: "diff/rds", VersionId: "r2"}, mut: true},
		{name: "error/rotate generic", api: "RotateSecret", req: &pb.RotateSecretRequest{SecretName: "diff/db"}},
		{name: "DescribeSecret", api: "DescribeSecret", req: &pb.SecretNameRequest{SecretName: "diff/db", FetchTags: true}, ignore: secretDates},
		{name: "ListSecrets", api: "ListSecrets", req: &pb.ListSecretsRequest{NamePrefixes: []string{"diff/"}}, ignore: secretDates},
		{name: "ListSecretVersionIds", api: "ListSecretVersionIds", req: &pb.ListSecretVersionIdsRequest{SecretName: "diff/db", IncludeDeprecated: true}, ignore: secretDates},
		{name: "DeleteSecret", api: "DeleteSecret", req: &pb.DeleteSecretRequest{SecretName: "diff/db", RecoveryWindowInDays: 7}, ignore: secretDates, mut: true},
		{name: "error/secret in delete window", api: "GetSecretValue", req: &pb.GetSecretValueRequest{SecretName: "diff/db"}},
		{name: "RestoreSecret", api: "RestoreSecret", req: &pb.SecretNameRequest{SecretName: "diff/db"}, mut: true},

		// Calls the engine refuses before looking at the request.
		{name: "error/unsupported", api: "GetHealthStatus", req: &pb.EmptyResponse{}},
		{name: "error/invalid api", api: "Nope", req: &pb.EmptyResponse{}},
	}...)
}

// normalize clears RequestId and the step's ignored fields, at any depth.
func normalize(m pb.Message, ignore []string) pb.Message {
	m = pb.Clone(m)
	clear := map[string]bool{"RequestId": true}
	for _, f := range ignore {
		clear[f] = true
	}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) { // v is a *kmspb message
		v = v.Elem()
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			switch {
			case clear[v.Type().Field(i).Name]:
				f.SetZero()
			case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Pointer:
				for j := 0; j < f.Len(); j++ {
					walk(f.Index(j))
				}
			case f.Kind() == reflect.Pointer && !f.IsNil():
				walk(f)
			}
		}
	}
	walk(reflect.ValueOf(m))
	return m
}

func sameError(t *testing.T, native, wasm error) {
	t.Helper()
	n, w := kmserr.As(native), kmserr.As(wasm)
	if n == nil || w == nil {
		t.Fatalf("native error %v, wasm error %v", native, wasm)
	}
	// The protobuf library puts a space or a no-break space after "proto:"
	// depending on a hash of the binary, to stop callers from matching its
	// messages; the native and wasm binaries may differ in that one rune.
	nc, wc := *n, *w
	nc.Message = strings.ReplaceAll(nc.Message, "\u00a0", " ")
	wc.Message = strings.ReplaceAll(wc.Message, "\u00a0", " ")
	if nc != wc {
		t.Errorf("errors differ:\nnative %v\nwasm   %v", n, w)
	}
}

func TestDifferential(t *testing.T) {
	adv, raw := fixedBlob(t)
	nat := newNative(store.NewMemory())
	wsm := newWasm(t, store.NewMemory(), 2)
	seed(t, nativeCaller(nat))
	seed(t, wasmCaller(wsm))
	ctx := context.Background()
	for _, s := range steps(adv, raw) {
		t.Run(s.name, func(t *testing.T) {
			nr, nerr := nat.Call(s.api, s.req)
			wr, werr := wsm.Call(ctx, s.api, s.req)
			if nerr != nil || werr != nil {
				sameError(t, nerr, werr)
				return
			}
			if reflect.TypeOf(nr) != reflect.TypeOf(wr) {
				t.Fatalf("native answered %T, wasm %T", nr, wr)
			}
			if id := reflect.ValueOf(wr).Elem().FieldByName("RequestId"); id.IsValid() && id.String() == "" {
				t.Error("wasm response has no RequestId")
			}
			if !pb.Equal(normalize(nr, s.ignore), normalize(wr, s.ignore)) {
				t.Errorf("responses differ:\nnative %v\nwasm   %v", nr, wr)
			}
			if s.mut {
				return
			}
			// The same request as JSON must give the same JSON answer.
			body, err := pb.MarshalJSON(s.req)
			if err != nil {
				t.Fatal(err)
			}
			nj, nerr := nat.CallJSON(s.api, body)
			wj, werr := wsm.CallJSON(ctx, s.api, body)
			if nerr != nil || werr != nil {
				t.Fatalf("JSON: native %v, wasm %v", nerr, werr)
			}
			if a, b := jsonWithout(t, nj, s.ignore), jsonWithout(t, wj, s.ignore); !bytes.Equal(a, b) {
				t.Errorf("JSON differs:\nnative %s\nwasm   %s", a, b)
			}
		})
	}
}

// jsonWithout re-encodes a JSON object without RequestId and the ignored
// fields at any depth, in canonical key order.
func jsonWithout(t *testing.T, b []byte, ignore []string) []byte {
	t.Helper()
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "RequestId")
			for _, f := range ignore {
				delete(v, f)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(m)
	out, _ := json.Marshal(m)
	return out
}

// Bodies that are not valid requests: both engines refuse them the same way.
func TestDifferentialBadBodies(t *testing.T) {
	nat := newNative(store.NewMemory())
	wsm := newWasm(t, store.NewMemory(), 1)
	ctx := context.Background()
	for _, c := range []struct {
		name, api string
		body      []byte
		json      bool
	}{
		{"proto/truncated", "AdvanceEncrypt", []byte{0x0a, 0x05, 'k'}, false},
		{"proto/bad wire type", "Encrypt", []byte{0x0f}, false},
		{"proto/unknown api", "Frobnicate", nil, false},
		{"json/not json", "DescribeKey", []byte("{"), true},
		{"json/wrong type", "GenerateRandom", []byte(`{"Length":"many"}`), true},
		{"json/unknown field", "DescribeKey", []byte(`{"KeyID":"x"}`), true},
		{"json/bad base64", "AdvanceDecrypt", []byte(`{"CiphertextBlob":"%%%"}`), true},
		{"json/empty body", "DescribeKey", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var nerr, werr error
			if c.json {
				_, nerr = nat.CallJSON(c.api, c.body)
				_, werr = wsm.CallJSON(ctx, c.api, c.body)
			} else {
				_, nerr = nat.CallProto(c.api, c.body)
				_, werr = wsm.CallProto(ctx, c.api, c.body)
			}
			sameError(t, nerr, werr)
		})
	}
}

// Every operation the core lists has a response type in kms.NewResponse, and it
// is the type the native engine answers with (checked in TestDifferential
// for each step; here for completeness of the table).
func TestResponseTypes(t *testing.T) {
	covered := map[string]bool{}
	for _, s := range steps(nil, nil) {
		covered[s.api] = true
	}
	for _, api := range kms.Operations() {
		if kms.NewResponse(api) == nil {
			t.Errorf("kms.NewResponse(%q) is nil", api)
		}
		if !covered[api] {
			t.Errorf("operation %s has no step in the differential test", api)
		}
	}
}
