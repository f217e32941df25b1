package classic

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/accesskeys"
)

const (
	testAK     = "LTAItestaccesskey0001"
	testSecret = "testsecret0123456789abcdef"
)

type fixture struct {
	t     *testing.T
	h     *Handler
	now   time.Time
	nonce int
}

func newFixture(t *testing.T) *fixture {
	mem := store.NewMemory()
	if err := accesskeys.Register(mem, accesskeys.Record{AccessKeyId: testAK, AccessKeySecret: testSecret, Source: "created"}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, now: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	eng := newNative(kms.New(mem, kms.NewConfig().WithClock(func() time.Time { return f.now })))
	f.h = New(eng, mem, NewConfig().WithClock(func() time.Time { return f.now }))
	return f
}

// v1 sends a v1-signed request (the signer the worked examples prove) and
// returns the status and the decoded JSON body.
func (f *fixture) v1(action string, params map[string]string, tweak func(q url.Values)) (int, map[string]any) {
	f.t.Helper()
	f.nonce++
	q := url.Values{"Action": {action}, "Version": {APIVersion}, "Format": {"json"}, "AccessKeyId": {testAK},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "Timestamp": {f.now.Format(timeLayout)},
		"SignatureNonce": {strings.Repeat("n", 8) + string(rune('a'+f.nonce%26)) + time.Duration(f.nonce).String()}}
	for k, v := range params {
		q.Set(k, v)
	}
	if tweak != nil {
		tweak(q)
	}
	p := Params{}
	for k, v := range q {
		p[k] = v[0]
	}
	a := &Auth{Scheme: SchemeV1}
	if q.Get("Signature") == "" {
		q.Set("Signature", a.Sign(testSecret, v1StringToSign("POST", p)))
	}
	return f.send(httptest.NewRequest("POST", "/?"+q.Encode(), nil))
}

func (f *fixture) send(r *http.Request) (int, map[string]any) {
	f.t.Helper()
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	if ct := w.Header().Get("Content-Type"); ct != "application/json;charset=utf-8" {
		f.t.Fatalf("content type %q", ct)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		f.t.Fatalf("body is not a JSON object: %q", w.Body.String())
	}
	if body["RequestId"] == "" || body["RequestId"] == nil {
		f.t.Fatalf("no RequestId: %v", body)
	}
	return w.Code, body
}

func (f *fixture) ok(action string, params map[string]string) map[string]any {
	f.t.Helper()
	code, body := f.v1(action, params, nil)
	if code != 200 {
		f.t.Fatalf("%s: %d %v", action, code, body)
	}
	if _, has := body["Code"]; has {
		f.t.Fatalf("%s: a success body with Code: %v", action, body)
	}
	return body
}

func (f *fixture) fails(action string, params map[string]string, status int, code string) map[string]any {
	f.t.Helper()
	got, body := f.v1(action, params, nil)
	if got != status || body["Code"] != code {
		f.t.Fatalf("%s: %d %v, want %d %s", action, got, body, status, code)
	}
	return body
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	f.ok("DescribeRegions", nil)

	code, body := f.v1("DescribeRegions", nil, func(q url.Values) { q.Set("AccessKeyId", "LTAInobody") })
	if code != 404 || body["Code"] != "InvalidAccessKeyId.NotFound" {
		t.Fatalf("unknown AccessKeyId: %d %v", code, body)
	}
	code, body = f.v1("DescribeRegions", nil, func(q url.Values) { q.Set("Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=") })
	if code != 400 || body["Code"] != "SignatureDoesNotMatch" || !strings.Contains(body["Message"].(string), "server string to sign is:POST&%2F&") {
		t.Fatalf("bad signature: %d %v", code, body)
	}
	code, body = f.v1("DescribeRegions", nil, func(q url.Values) { q.Set("Timestamp", f.now.Add(-16*time.Minute).Format(timeLayout)) })
	if code != 400 || body["Code"] != "InvalidTimeStamp.Expired" {
		t.Fatalf("expired: %d %v", code, body)
	}
	code, _ = f.v1("DescribeRegions", nil, func(q url.Values) { q.Set("Timestamp", f.now.Add(14*time.Minute).Format(timeLayout)) })
	if code != 200 {
		t.Fatalf("14 minutes ahead refused: %d", code)
	}
	fixed := func(q url.Values) { q.Set("SignatureNonce", "the-same-nonce") }
	if code, body = f.v1("DescribeRegions", nil, fixed); code != 200 {
		t.Fatalf("first use of a nonce: %d %v", code, body)
	}
	code, body = f.v1("DescribeRegions", nil, fixed)
	if code != 400 || body["Code"] != "SignatureNonceUsed" {
		t.Fatalf("replayed nonce: %d %v", code, body)
	}
	f.now = f.now.Add(31 * time.Minute) // remembered for twice the skew
	if code, body = f.v1("DescribeRegions", nil, fixed); code != 200 {
		t.Fatalf("nonce after its window: %d %v", code, body)
	}
	code, body = f.v1("DescribeRegions", nil, func(q url.Values) { q.Set("Version", "2016-01-21") })
	if code != 400 || body["Code"] != "InvalidVersion" {
		t.Fatalf("version: %d %v", code, body)
	}
	f.fails("NoSuchAction", nil, 404, "InvalidAction.NotFound")

	// No signature at all, and a method the API does not take: still JSON.
	if code, body = f.send(httptest.NewRequest("POST", "/?Action=DescribeRegions&Version=2016-01-20", nil)); code != 400 || body["Code"] != "IncompleteSignature" {
		t.Fatalf("unsigned: %d %v", code, body)
	}
	if code, body = f.send(httptest.NewRequest("PUT", "/?Action=DescribeRegions", nil)); code != 403 {
		t.Fatalf("PUT: %d %v", code, body)
	}
	// A revoked AccessKey is refused at the next request.
	if err := accesskeys.Revoke(f.h.backend, testAK); err != nil {
		t.Fatal(err)
	}
	f.fails("DescribeRegions", nil, 404, "InvalidAccessKeyId.NotFound")
}

func TestKeyLifecycleAndErrors(t *testing.T) {
	f := newFixture(t)
	md := f.ok("CreateKey", map[string]string{"Description": "d", "Tags": `[{"TagKey":"team","TagValue":"a"}]`})["KeyMetadata"].(map[string]any)
	id := md["KeyId"].(string)
	if md["KeyState"] != "Enabled" || md["KeySpec"] != "Aliyun_AES_256" || md["ProtectionLevel"] != "SOFTWARE" || !strings.HasSuffix(md["Arn"].(string), ":key/"+id) {
		t.Fatalf("metadata %v", md)
	}
	f.ok("CreateAlias", map[string]string{"AliasName": "alias/app", "KeyId": id})
	f.fails("CreateAlias", map[string]string{"AliasName": "alias/app", "KeyId": id}, 400, "AliasAlreadyExists")
	enc := f.ok("Encrypt", map[string]string{"KeyId": "alias/app", "Plaintext": "hello", "EncryptionContext": `{"b":"2","a":"1"}`})
	dec := f.ok("Decrypt", map[string]string{"CiphertextBlob": enc["CiphertextBlob"].(string), "EncryptionContext.a": "1", "EncryptionContext.b": "2"})
	if dec["Plaintext"] != "hello" || dec["KeyId"] != id || dec["KeyVersionId"] != enc["KeyVersionId"] {
		t.Fatalf("decrypt %v", dec)
	}
	f.fails("Decrypt", map[string]string{"CiphertextBlob": enc["CiphertextBlob"].(string)}, 400, "InvalidParameter")
	f.fails("Decrypt", map[string]string{"CiphertextBlob": "bm90IGEgYmxvYg=="}, 400, "InvalidParameter")
	f.fails("Encrypt", map[string]string{"KeyId": id}, 400, "MissingParameter")
	f.fails("Encrypt", map[string]string{"KeyId": "alias/none", "Plaintext": "x"}, 404, "Forbidden.KeyNotFound")
	f.fails("Encrypt", map[string]string{"KeyId": id, "Plaintext": "x", "EncryptionContext": `{"n":1}`}, 400, "InvalidParameter")
	f.fails("Encrypt", map[string]string{"KeyId": id, "Plaintext": "x", "DryRun": "true"}, 400, "DryRunOperationError")

	f.ok("DisableKey", map[string]string{"KeyId": id})
	f.fails("Encrypt", map[string]string{"KeyId": id, "Plaintext": "x"}, 409, "Rejected.Disabled")
	f.fails("Encrypt", map[string]string{"KeyId": id, "Plaintext": "x", "DryRun": "true"}, 409, "Rejected.Disabled")
	f.fails("UpdateRotationPolicy", map[string]string{"KeyId": id, "EnableAutomaticRotation": "true"}, 409, "Rejected.Disabled")
	f.ok("EnableKey", map[string]string{"KeyId": id})
	f.fails("CancelKeyDeletion", map[string]string{"KeyId": id}, 409, "Rejected.StateModifiedFailed")

	f.ok("SetDeletionProtection", map[string]string{"ProtectedResourceArn": md["Arn"].(string), "EnableDeletionProtection": "true"})
	f.fails("ScheduleKeyDeletion", map[string]string{"KeyId": id, "PendingWindowInDays": "7"}, 403, "Forbidden.DeletionProtection")
	f.ok("SetDeletionProtection", map[string]string{"KeyId": id, "EnableDeletionProtection": "false"})
	f.ok("ScheduleKeyDeletion", map[string]string{"KeyId": id, "PendingWindowInDays": "7"})
	f.fails("EnableKey", map[string]string{"KeyId": id}, 409, "Rejected.StateModifiedFailed")
	f.fails("Encrypt", map[string]string{"KeyId": id, "Plaintext": "x"}, 409, "Rejected.PendingDeletion")
	f.ok("CancelKeyDeletion", map[string]string{"KeyId": id})
	if st := f.ok("DescribeKey", map[string]string{"KeyId": id})["KeyMetadata"].(map[string]any)["KeyState"]; st != "Enabled" {
		t.Fatalf("after CancelKeyDeletion: %v", st)
	}
	f.fails("GetSecretValue", map[string]string{"SecretName": "s"}, 404, "Forbidden.ResourceNotFound")
}

// TestMappedActions: the asymmetric actions reach the engine through the
// table and answer for real, checked with Go's crypto.
func TestMappedActions(t *testing.T) {
	f := newFixture(t)
	rsaKey := f.ok("CreateKey", map[string]string{"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT/DECRYPT"})["KeyMetadata"].(map[string]any)
	signer := f.ok("CreateKey", map[string]string{"KeySpec": "EC_P256", "KeyUsage": "SIGN/VERIFY"})["KeyMetadata"].(map[string]any)
	aes := f.ok("CreateKey", nil)["KeyMetadata"].(map[string]any)
	rsaID, rsaVersion := rsaKey["KeyId"].(string), rsaKey["PrimaryKeyVersion"].(string)
	ecID, ecVersion := signer["KeyId"].(string), signer["PrimaryKeyVersion"].(string)

	pk := f.ok("GetPublicKey", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion})
	if pk["KeyId"] != rsaID || pk["KeyVersionId"] != rsaVersion {
		t.Fatalf("GetPublicKey: %v", pk)
	}
	block, _ := pem.Decode([]byte(pk["PublicKey"].(string)))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	// AsymmetricEncrypt, then decrypt a ciphertext crypto/rsa made.
	enc := f.ok("AsymmetricEncrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion, "Algorithm": "RSAES_OAEP_SHA_256", "Plaintext": "aGVsbG8="})
	if enc["KeyVersionId"] != rsaVersion || len(enc["CiphertextBlob"].(string)) != 344 {
		t.Fatalf("AsymmetricEncrypt: %v", enc)
	}
	dec := f.ok("AsymmetricDecrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion, "Algorithm": "RSAES_OAEP_SHA_256", "CiphertextBlob": enc["CiphertextBlob"].(string)})
	if dec["Plaintext"] != "aGVsbG8=" {
		t.Fatalf("AsymmetricDecrypt: %v", dec)
	}
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub.(*rsa.PublicKey), []byte("from crypto/rsa"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctB64 := base64.StdEncoding.EncodeToString(ct)
	dec = f.ok("AsymmetricDecrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion, "Algorithm": "RSAES_OAEP_SHA_256", "CiphertextBlob": ctB64})
	if dec["Plaintext"] != base64.StdEncoding.EncodeToString([]byte("from crypto/rsa")) {
		t.Fatalf("AsymmetricDecrypt of crypto/rsa's ciphertext: %v", dec)
	}
	// ReEncrypt of an asymmetric ciphertext into a symmetric key.
	re := f.ok("ReEncrypt", map[string]string{"CiphertextBlob": ctB64, "SourceKeyId": rsaID, "SourceKeyVersionId": rsaVersion,
		"SourceEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "DestinationKeyId": aes["KeyId"].(string)})
	if re["KeyId"] != aes["KeyId"] {
		t.Fatalf("ReEncrypt: %v", re)
	}
	if got := f.ok("Decrypt", map[string]string{"CiphertextBlob": re["CiphertextBlob"].(string)}); got["Plaintext"] != "from crypto/rsa" {
		t.Fatalf("Decrypt after ReEncrypt: %v", got)
	}
	f.fails("ReEncrypt", map[string]string{"CiphertextBlob": ctB64, "SourceKeyVersionId": rsaVersion, "SourceEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
		"DestinationKeyId": aes["KeyId"].(string)}, 400, "MissingParameter")

	// AsymmetricSign (a digest, as the classic API takes it), checked by crypto/ecdsa, then AsymmetricVerify.
	digest := sha256.Sum256([]byte("classic"))
	d64 := base64.StdEncoding.EncodeToString(digest[:])
	sig := f.ok("AsymmetricSign", map[string]string{"KeyId": ecID, "KeyVersionId": ecVersion, "Algorithm": "ECDSA_SHA_256", "Digest": d64})
	raw, err := base64.StdEncoding.DecodeString(sig["Value"].(string))
	if err != nil {
		t.Fatal(err)
	}
	block, _ = pem.Decode([]byte(f.ok("GetPublicKey", map[string]string{"KeyId": ecID, "KeyVersionId": ecVersion})["PublicKey"].(string)))
	ecPub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil || !ecdsa.VerifyASN1(ecPub.(*ecdsa.PublicKey), digest[:], raw) {
		t.Fatalf("crypto/ecdsa does not verify AsymmetricSign's signature: %v", err)
	}
	if v := f.ok("AsymmetricVerify", map[string]string{"KeyId": ecID, "KeyVersionId": ecVersion, "Algorithm": "ECDSA_SHA_256", "Digest": d64, "Value": sig["Value"].(string)}); v["Value"] != true {
		t.Fatalf("AsymmetricVerify: %v", v)
	}
	if v := f.ok("AsymmetricVerify", map[string]string{"KeyId": ecID, "KeyVersionId": ecVersion, "Algorithm": "ECDSA_SHA_256", "Digest": d64, "Value": "AAAA"}); v["Value"] != false {
		t.Fatalf("AsymmetricVerify of a wrong signature: %v", v)
	}

	f.fails("AsymmetricSign", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion, "Algorithm": "RSA_PSS_SHA_256", "Digest": d64}, 400, "UnsupportedOperation")
	f.fails("AsymmetricEncrypt", map[string]string{"KeyId": aes["KeyId"].(string), "KeyVersionId": aes["PrimaryKeyVersion"].(string), "Algorithm": "RSAES_OAEP_SHA_256", "Plaintext": "AAAA"}, 400, "Rejected.UnsupportedOperation")
	f.fails("AsymmetricEncrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion}, 400, "MissingParameter")
	f.fails("AsymmetricEncrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaVersion, "Algorithm": "RSAES_OAEP_SHA_256", "Plaintext": "AAAA", "DryRun": "true"}, 400, "DryRunOperationError")
	f.fails("AsymmetricEncrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaID + "-v000000009", "Algorithm": "RSAES_OAEP_SHA_256", "Plaintext": "AAAA", "DryRun": "true"}, 404, "Forbidden.KeyVersionNotFound")
	f.fails("AsymmetricEncrypt", map[string]string{"KeyId": rsaID, "KeyVersionId": rsaID + "-v000000009", "Algorithm": "RSAES_OAEP_SHA_256", "Plaintext": "AAAA"}, 404, "Forbidden.KeyVersionNotFound")
}

// TestSecretActions: the secret actions answer from the engine in the
// classic API's shapes (spec classic-openapi.md §3.1): list wrappers, Arn,
// paging with totals, Filters by name prefix, and the error rows.
func TestSecretActions(t *testing.T) {
	f := newFixture(t)
	c := f.ok("CreateSecret", map[string]string{"SecretName": "prod/db", "SecretData": "one", "VersionId": "v1",
		"Description": "d", "Tags": `[{"TagKey":"env","TagValue":"prod"}]`})
	if c["Arn"] != "acs:kms:cn-hangzhou:1000000000000000:secret/prod/db" || c["VersionId"] != "v1" || c["SecretType"] != "Generic" {
		t.Fatalf("CreateSecret: %v", c)
	}
	f.fails("CreateSecret", map[string]string{"SecretName": "prod/db", "SecretData": "x", "VersionId": "v1"}, 409, "Rejected.ResourceExist")
	f.fails("CreateSecret", map[string]string{"SecretName": "prod/x", "VersionId": "v1"}, 400, "MissingParameter")
	f.ok("CreateSecret", map[string]string{"SecretName": "prod/api", "SecretData": "x", "VersionId": "v1"})
	f.ok("CreateSecret", map[string]string{"SecretName": "dev/db", "SecretData": "x", "VersionId": "v1"})

	p := f.ok("PutSecretValue", map[string]string{"SecretName": "prod/db", "SecretData": "two", "VersionId": "v2", "VersionStages": `["ACSCurrent","Blue"]`})
	if stages := p["VersionStages"].(map[string]any)["VersionStage"].([]any); len(stages) != 2 {
		t.Fatalf("PutSecretValue: %v", p)
	}
	g := f.ok("GetSecretValue", map[string]string{"SecretName": "prod/db"})
	if g["SecretData"] != "two" || g["VersionId"] != "v2" || g["SecretDataType"] != "text" {
		t.Fatalf("GetSecretValue: %v", g)
	}
	if st := g["VersionStages"].(map[string]any)["VersionStage"].([]any); len(st) != 2 || st[0] != "ACSCurrent" {
		t.Fatalf("VersionStages: %v", g["VersionStages"])
	}
	if g := f.ok("GetSecretValue", map[string]string{"SecretName": "prod/db", "VersionStage": "ACSPrevious"}); g["SecretData"] != "one" {
		t.Fatalf("ACSPrevious: %v", g)
	}
	f.fails("GetSecretValue", map[string]string{"SecretName": "prod/db", "VersionId": "v9"}, 400, "InvalidParameter")
	f.fails("GetSecretValue", map[string]string{"SecretName": "prod/db", "DryRun": "true"}, 400, "DryRunOperationError")
	f.ok("UpdateSecretVersionStage", map[string]string{"SecretName": "prod/db", "VersionStage": "ACSCurrent", "MoveToVersion": "v1"})
	if g := f.ok("GetSecretValue", map[string]string{"SecretName": "prod/db"}); g["SecretData"] != "one" {
		t.Fatalf("after moving ACSCurrent: %v", g)
	}

	d := f.ok("DescribeSecret", map[string]string{"SecretName": "prod/db", "FetchTags": "true"})
	if d["Description"] != "d" || d["Arn"] == nil {
		t.Fatalf("DescribeSecret: %v", d)
	}
	if tags := d["Tags"].(map[string]any)["Tag"].([]any); len(tags) != 1 {
		t.Fatalf("Tags: %v", d["Tags"])
	}

	l := f.ok("ListSecrets", map[string]string{"Filters": `[{"Key":"SecretName","Values":["prod/"]}]`, "PageSize": "1"})
	if l["TotalCount"] != float64(2) || l["PageSize"] != float64(1) || l["PageNumber"] != float64(1) {
		t.Fatalf("ListSecrets: %v", l)
	}
	if list := l["SecretList"].(map[string]any)["Secret"].([]any); len(list) != 1 || list[0].(map[string]any)["SecretName"] != "prod/api" {
		t.Fatalf("SecretList: %v", l["SecretList"])
	}
	if l := f.ok("ListSecrets", map[string]string{"Filters": `[{"Key":"SecretName","Values":["none/"]}]`}); l["TotalCount"] != float64(0) ||
		len(l["SecretList"].(map[string]any)["Secret"].([]any)) != 0 {
		t.Fatalf("an empty ListSecrets: %v", l)
	}
	f.fails("ListSecrets", map[string]string{"Filters": `[{"Key":"TagKey","Values":["env"]}]`}, 400, "InvalidParameter")
	v := f.ok("ListSecretVersionIds", map[string]string{"SecretName": "prod/db"})
	if v["TotalCount"] != float64(2) || len(v["VersionIds"].(map[string]any)["VersionId"].([]any)) != 2 {
		t.Fatalf("ListSecretVersionIds: %v", v)
	}

	f.fails("RotateSecret", map[string]string{"SecretName": "prod/db", "VersionId": "v3"}, 400, "UnsupportedOperation")
	del := f.ok("DeleteSecret", map[string]string{"SecretName": "prod/db", "RecoveryWindowInDays": "7"})
	if del["PlannedDeleteTime"] != "2026-12-09T12:00:00Z" {
		t.Fatalf("DeleteSecret: %v", del)
	}
	f.fails("GetSecretValue", map[string]string{"SecretName": "prod/db"}, 409, "Rejected.ResourceInDeleteWindow")
	f.ok("RestoreSecret", map[string]string{"SecretName": "prod/db"})
	f.ok("DeleteSecret", map[string]string{"SecretName": "dev/db", "ForceDeleteWithoutRecovery": "true"})
	f.fails("DescribeSecret", map[string]string{"SecretName": "dev/db"}, 404, "Forbidden.ResourceNotFound")

	// Tags of secrets, singular and plural.
	f.ok("TagResource", map[string]string{"SecretName": "prod/api", "Tags": `[{"TagKey":"team","TagValue":"a"}]`})
	f.ok("TagResources", map[string]string{"ResourceType": "secret", "ResourceId.1": "prod/api", "ResourceId.2": "prod/db", "Tag.1.Key": "tier", "Tag.1.Value": "1"})
	lt := f.ok("ListTagResources", map[string]string{"ResourceType": "secret", "Tag.1.Key": "tier"})["TagResources"].(map[string]any)["TagResource"].([]any)
	if len(lt) != 2 || lt[0].(map[string]any)["ResourceType"] != "secret" {
		t.Fatalf("ListTagResources of secrets: %v", lt)
	}
	f.ok("UntagResource", map[string]string{"SecretName": "prod/api", "TagKeys": `["team"]`})
	f.ok("UntagResources", map[string]string{"ResourceType": "secret", "ResourceId.1": "prod/db", "All": "true"})
	all := f.ok("ListTagResources", map[string]string{"ResourceType": "secret"})["TagResources"].(map[string]any)["TagResource"].([]any)
	if len(all) != 1 || all[0].(map[string]any)["ResourceId"] != "prod/api" || all[0].(map[string]any)["TagKey"] != "tier" {
		t.Fatalf("after untagging: %v", all)
	}
	f.fails("TagResource", map[string]string{"SecretName": "nope", "Tags": `[{"TagKey":"k","TagValue":"v"}]`}, 404, "Forbidden.ResourceNotFound")
	f.fails("TagResource", map[string]string{"CertificateId": "c", "Tags": `[{"TagKey":"k","TagValue":"v"}]`}, 400, "Rejected.UnsupportedOperation")
}

// TestLogsHoldNoSecrets: a failed request's log line names the action, the
// AccessKeyId and the code, never parameters, the string to sign or a secret.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newFixture(t)
	var lines []string
	f.h.cfg.logf = func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	f.v1("Encrypt", map[string]string{"KeyId": "alias/x", "Plaintext": "top-secret-plaintext"}, func(q url.Values) { q.Set("Signature", "AAAA") })
	f.fails("Encrypt", map[string]string{"KeyId": "alias/x", "Plaintext": "top-secret-plaintext"}, 404, "Forbidden.KeyNotFound")
	if len(lines) != 2 || !strings.Contains(lines[0], "SignatureDoesNotMatch") || !strings.Contains(lines[0], testAK) {
		t.Fatalf("log lines: %q", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, "top-secret") || strings.Contains(l, testSecret) || strings.Contains(l, "string to sign") {
			t.Fatalf("a log line leaks: %q", l)
		}
	}
}
