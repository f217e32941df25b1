package testserver_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/tea"
	dedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dedicatedkmssdk "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms"
)

// The three lines that give a test an SDK client of its own KMS instance
// (docs/testing-your-app.md). An Example cannot take a *testing.T, so this
// one shows the lines inside a test function; TestSDKRoundTripAndRotation
// runs them.
func ExampleNewTestServer() {
	_ = func(t *testing.T) {
		srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().WithSeedFile("testdata/seed.json"))
		client, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{Protocol: tea.String("https"), Endpoint: tea.String(srv.Endpoint),
			ClientKeyContent: tea.String(srv.ClientKeyContent), Password: tea.String(srv.Password), Ca: tea.String(srv.CA)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("hello")})
		if err != nil {
			t.Fatal(err)
		}
	}
}
