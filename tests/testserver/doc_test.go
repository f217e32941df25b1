package testserver_test

// docs/testing-your-app.md shows this file from its import block on
// (TestDocShowsThisFile keeps the two the same): a complete test of an
// application's use of the KMS Instance SDK, with a rotation.

import (
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dedicatedkmssdk "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms"
)

const seed = `{"Keys": [{"KeySpec": "Aliyun_AES_256", "Aliases": ["alias/app"], "RotationInterval": "30d"}]}`

func TestAppSurvivesRotation(t *testing.T) {
	t.Parallel() // each test server has its own store, port and ClientKey
	clock := pocketkms.NewFakeClock(time.Now())
	srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().
		WithSeed("seed", []byte(seed)).
		WithClock(clock.Now))

	client, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{
		Protocol:         tea.String("https"),
		Endpoint:         tea.String(srv.Endpoint),
		ClientKeyContent: tea.String(srv.ClientKeyContent),
		Password:         tea.String(srv.Password),
		Ca:               tea.String(srv.CA),
	})
	if err != nil {
		t.Fatal(err)
	}

	old, err := client.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{
		KeyId: tea.String("alias/app"), Plaintext: []byte("stored last month"),
	})
	if err != nil {
		t.Fatal(err)
	}

	clock.Advance(31 * 24 * time.Hour) // past the key's RotationInterval

	fresh, err := client.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{
		KeyId: tea.String("alias/app"), Plaintext: []byte("stored today"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if tea.StringValue(fresh.KeyVersionId) == tea.StringValue(old.KeyVersionId) {
		t.Fatal("the key did not rotate")
	}
	dec, err := client.AdvanceDecrypt(&dedicatedkmssdk.AdvanceDecryptRequest{CiphertextBlob: old.CiphertextBlob})
	if err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "stored last month" {
		t.Fatalf("old ciphertext after rotation: %q", dec.Plaintext)
	}
}
