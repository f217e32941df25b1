package seed

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// Asymmetric keys seed with material (base64 DER, or PEM text) or without;
// the public keys that answer are the ones openssl derived from the files'
// private keys (testdata/asymmetric-*.pub.pem), and a second apply
// recognises the material.
func TestApplyAsymmetric(t *testing.T) {
	f, err := Load("testdata/asymmetric.json")
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	for i := 0; i < 2; i++ {
		s, err := Apply(context.Background(), m, f, fakeRecord)
		if err != nil {
			t.Fatalf("apply %d: %v", i, err)
		}
		if i == 1 && (len(s.Imported) != 0 || len(s.Existing) != 4) {
			t.Fatalf("second apply: %+v", s)
		}
	}
	e := kms.New(m, kms.NewConfig())
	for alias, file := range map[string]string{"alias/rsa-seeded": "asymmetric-rsa.pub.pem", "alias/ec-seeded": "asymmetric-ec.pub.pem"} {
		want, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Call("GetPublicKey", &pb.GetPublicKeyRequest{KeyId: alias})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.(*pb.GetPublicKeyResponse).PublicKey; got != string(want) {
			t.Errorf("%s answers\n%s, openssl derived\n%s", alias, got, want)
		}
	}
	for alias, usage := range map[string]string{"alias/rsa-seeded": kms.UsageEncrypt, "alias/ec-seeded": kms.UsageSign, "alias/sm2-generated": kms.UsageSign, "alias/k1-generated": kms.UsageSign} {
		r, err := e.Call("DescribeKey", &pb.KeyIdRequest{KeyId: alias})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.(*pb.KeyResponse).KeyMetadata.KeyUsage; got != usage {
			t.Errorf("%s is %s, want %s", alias, got, usage)
		}
	}
	// Other material under the same version id: refused on the next apply.
	other := mustLoad(t, `{"Keys": [{"KeyId": "key-seedasym0000000000001", "KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT/DECRYPT",
		"Versions": [{"KeyVersionId": "key-seedasym0000000000001-v000000001", "KeyMaterial": `+quotedFile(t, "asymmetric-other-rsa.pem")+`}]}]}`)
	if _, err := Apply(context.Background(), m, other, fakeRecord); err == nil {
		t.Fatal("other material for a seeded asymmetric version was accepted")
	}
}

// quotedFile is a test data file as a JSON string.
func quotedFile(t *testing.T, name string) string {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := json.Marshal(string(b))
	return string(q)
}
