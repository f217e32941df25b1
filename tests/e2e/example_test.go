package e2e

// The README's "use it from your app" snippet, kept here so that it always
// compiles against the SDK v0.5.1 (an example without Output is compiled,
// not run). TestInstance runs the same configuration against the binary.

import (
	"fmt"
	"log"

	"github.com/alibabacloud-go/tea/tea"
	dedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dedicatedkmssdk "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

func Example_useFromYourApp() {
	client, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{
		Protocol:      tea.String("https"),
		Endpoint:      tea.String("127.0.0.1:9443"),               // what `pocketkms serve` prints
		ClientKeyFile: tea.String("clientKey.json"),               // from `pocketkms clientkey create`
		Password:      tea.String("the password in password.txt"), // the ClientKey's password
		CaFilePath:    tea.String("pocketkms-data/tls/ca.pem"),    // the local CA serve made
	})
	if err != nil {
		log.Fatal(err)
	}
	enc, err := client.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{
		KeyId:     tea.String("alias/app"),
		Plaintext: []byte("hello"),
	})
	if err != nil {
		log.Fatal(err)
	}
	dec, err := client.AdvanceDecrypt(&dedicatedkmssdk.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(dec.Plaintext), tea.StringValue(enc.KeyVersionId))
}
