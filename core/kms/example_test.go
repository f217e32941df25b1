package kms_test

import (
	"fmt"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// An engine over an in-memory store: create a key, seal with the primary
// version, rotate, and open the old blob, which names the version it needs.
func Example() {
	e := kms.New(store.NewMemory(), kms.NewConfig())

	created, _ := e.Call("CreateKey", &pb.CreateKeyRequest{KeySpec: "Aliyun_AES_256"})
	keyID := created.(*pb.KeyResponse).KeyMetadata.KeyId
	e.Call("CreateAlias", &pb.AliasRequest{AliasName: "alias/app", KeyId: keyID})

	sealed, _ := e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: []byte("hello"), Aad: []byte("ctx")})
	blob := sealed.(*pb.AdvanceEncryptResponse)

	e.Call("CreateKeyVersion", &pb.KeyIdRequest{KeyId: "alias/app"})

	opened, err := e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob.CiphertextBlob, Aad: []byte("ctx")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s, opened with the version it was sealed with: %v\n",
		opened.(*pb.AdvanceDecryptResponse).Plaintext, opened.(*pb.AdvanceDecryptResponse).KeyVersionId == blob.KeyVersionId)
	// Output: hello, opened with the version it was sealed with: true
}

// Errors carry the HTTP status and the product's ErrorCode, in every host.
func ExampleEngine_CallJSON() {
	e := kms.New(store.NewMemory(), kms.NewConfig())
	_, err := e.CallJSON("AdvanceEncrypt", []byte(`{"KeyId":"alias/missing","Plaintext":"aGk="}`))
	fmt.Println(err)
	// Output: 404 Forbidden.KeyNotFound: The specified Key alias/missing is not found.
}
