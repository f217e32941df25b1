package kms

import (
	"encoding/base64"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

func TestSmoke(t *testing.T) {
	e := New(store.NewMemory(), NewConfig())
	r, err := e.Call("CreateKey", &pb.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	id := r.(*pb.KeyResponse).KeyMetadata.KeyId
	if _, err := e.Call("CreateAlias", &pb.AliasRequest{AliasName: "alias/test", KeyId: id}); err != nil {
		t.Fatal(err)
	}
	er, err := e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/test", Plaintext: []byte("hello"), Aad: []byte("aad")})
	if err != nil {
		t.Fatal(err)
	}
	enc := er.(*pb.AdvanceEncryptResponse)
	t.Logf("%x", enc.CiphertextBlob)
	dr, err := e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("aad")})
	if err != nil {
		t.Fatal(err)
	}
	if string(dr.(*pb.AdvanceDecryptResponse).Plaintext) != "hello" {
		t.Fatal("mismatch")
	}
	j, err := e.CallJSON("DescribeKey", []byte(`{"KeyId":"alias/test"}`))
	t.Logf("%s %v", j, err)
	j, err = e.CallJSON("InspectBlob", []byte(`{"CiphertextBlob":"`+b64(enc.CiphertextBlob)+`"}`))
	t.Logf("%s %v", j, err)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
