package kmstest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkmsapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

// Target is one running pocketkms host as an application sees it: where
// the SDK connects and with which ClientKey. RunDataPlane runs the same
// checks against every Target, so the server (per engine) and the Worker
// answer one suite, in the manner of Go's TestAllImplementations.
//
// The host must hold SeedKeys (seeded by its own means) and have
// ClientKeyFile's key registered.
type Target struct {
	Name          string // for messages: "native", "wasm", "worker"
	Protocol      string // the SDK's Config.Protocol: "https" or "http"
	Endpoint      string // host:port
	CA            string // CA certificate file the SDK trusts (Config.CaFilePath); "" over http
	ClientKeyFile string
	Password      string // the ClientKey file's password

	// Rotate gives keyID a new primary version that the next request
	// sees, by the host's own means (the server: `pocketkms key rotate` on
	// its data directory; the Worker has no management API, so its suite
	// edits the sealed D1 record). Old versions must stay usable.
	Rotate func(t *testing.T, keyID string)

	// PutSecret adds an ACSCurrent version to a secret, DeleteSecret plans
	// a secret's deletion in 7 days, and DisableKey disables a key, by the
	// host's own means (RunSecrets).
	PutSecret    func(t *testing.T, name, versionID, value string)
	DeleteSecret func(t *testing.T, name string)
	DisableKey   func(t *testing.T, key string)
}

// SeedKeys are the keys every Target must hold, as seed file Keys
// entries (docs/seed.md): the ids are generated, the suite finds them
// through the aliases.
var SeedKeys = []map[string]any{
	{"KeySpec": "Aliyun_AES_256", "Aliases": []string{"alias/app"}},
	{"KeySpec": "Aliyun_SM4", "Aliases": []string{"alias/sm4"}},
	{"KeySpec": "Aliyun_AES_128", "Aliases": []string{"alias/rotating"}}, // only RunDataPlane's rotation check rotates it
	{"KeySpec": "Aliyun_AES_128", "Aliases": []string{"alias/disabled"}, "KeyState": "Disabled"},
	{"KeySpec": "RSA_2048", "Aliases": []string{"alias/rsa-sign"}}, // SIGN/VERIFY, the default
	{"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT/DECRYPT", "Aliases": []string{"alias/rsa-enc"}},
	{"KeySpec": "EC_P256", "Aliases": []string{"alias/ec-sign"}},
	{"KeySpec": "EC_P256K", "Aliases": []string{"alias/k1-sign"}},
	{"KeySpec": "EC_SM2", "Aliases": []string{"alias/sm2-sign"}},
	{"KeySpec": "EC_SM2", "KeyUsage": "ENCRYPT/DECRYPT", "Aliases": []string{"alias/sm2-enc"}},
}

// SDK is the official SDK configured for the Target as the READMEs tell
// users to (a new port each start: the SDK caches one transport per
// endpoint).
func (tg *Target) SDK(t *testing.T) *dkms.Client {
	t.Helper()
	cfg := &dkmsapi.Config{
		Protocol:      tea.String(tg.Protocol),
		Endpoint:      tea.String(tg.Endpoint),
		ClientKeyFile: tea.String(tg.ClientKeyFile),
		Password:      tea.String(tg.Password),
		ReadTimeout:   tea.Int(60000), // milliseconds
	}
	if tg.CA != "" {
		cfg.CaFilePath = tea.String(tg.CA)
	}
	c, err := dkms.NewClient(cfg)
	if err != nil {
		t.Fatalf("SDK client for %s: %v", tg.Name, err)
	}
	return c
}

// Raw is a hand-signing client for the Target with its ClientKey.
func (tg *Target) Raw(t testing.TB) *Raw {
	t.Helper()
	key, err := LoadClientKey(tg.ClientKeyFile, tg.Password)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRawURL(tg.Protocol+"://"+tg.Endpoint+"/", tg.CA, key)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// SDKError is what the SDK reports for a protobuf Error body.
type SDKError struct {
	Code     string
	HTTPCode int
	Message  string
}

// AsSDKError decodes err as the SDK's error for a protobuf Error body and
// checks its RequestId is a lower-case UUID.
func AsSDKError(t *testing.T, err error) SDKError {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("want an SDK error, got %T %v", err, err)
	}
	out := SDKError{Code: tea.StringValue(se.Code), Message: tea.StringValue(se.Message)}
	var data struct {
		HTTPCode  int    `json:"httpCode"`
		RequestID string `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &data); err != nil {
		t.Fatalf("SDK error without data (not a protobuf Error body?): %v", se)
	}
	if len(data.RequestID) != 36 || data.RequestID != strings.ToLower(data.RequestID) {
		t.Errorf("RequestId %q is not a lower-case UUID", data.RequestID)
	}
	out.HTTPCode = data.HTTPCode
	return out
}

// WantSDKError checks the code and status and that the SDK did not retry:
// it retries only non-protobuf bodies and the 429/500/503 codes, with
// seconds of backoff.
func WantSDKError(t *testing.T, start time.Time, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want %d %s, got success", status, code)
	}
	se := AsSDKError(t, err)
	if se.HTTPCode != status || se.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", se.HTTPCode, se.Code, se.Message, status, code)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the SDK took %v: it retried, so the error body was not understood", d)
	}
}
