package wasmhost

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"sync"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// The asymmetric keys of the differential test: one RSA key made once per
// run by crypto/rsa, one P-256 key from a fixed scalar, both imported into
// both engines as PKCS#8.
const (
	rsaID = "key-rsaeeeeeeeeeeeeeeeeee"
	ecID  = "key-ecfffffffffffffffffff"
)

var diffRSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func asymImports() []*pb.ImportKeyRequest {
	rsaDER, err := x509.MarshalPKCS8PrivateKey(diffRSA())
	if err != nil {
		panic(err)
	}
	ec, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seq(32, 40))
	if err != nil {
		panic(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		panic(err)
	}
	return []*pb.ImportKeyRequest{
		{KeyId: rsaID, KeySpec: "RSA_2048", KeyUsage: "ENCRYPT/DECRYPT", Versions: []*pb.ImportedVersion{
			{KeyVersionId: rsaID + "-v1eeeeeeee", KeyMaterial: rsaDER, CreationDate: "2025-05-01T00:00:00Z"}}},
		{KeyId: ecID, KeySpec: "EC_P256", Versions: []*pb.ImportedVersion{
			{KeyVersionId: ecID + "-v1ffffffff", KeyMaterial: ecDER, CreationDate: "2025-05-02T00:00:00Z"}}},
	}
}

// asymSteps: deterministic answers compared whole, randomized ones without
// their random fields.
func asymSteps() []step {
	k := diffRSA()
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &k.PublicKey, []byte("opened in both"), nil)
	if err != nil {
		panic(err)
	}
	digest := sha256.Sum256([]byte("signed"))
	ec, _ := ecdsa.ParseRawPrivateKey(elliptic.P256(), seq(32, 40))
	ecSig, _ := ecdsa.SignASN1(rand.Reader, ec, digest[:])
	pair := []string{"Iv", "PrivateKeyPlaintext", "PrivateKeyCiphertextBlob", "PublicKey"}
	return []step{
		{name: "GetPublicKey/RSA", api: "GetPublicKey", req: &pb.GetPublicKeyRequest{KeyId: rsaID}},
		{name: "GetPublicKey/P-256", api: "GetPublicKey", req: &pb.GetPublicKeyRequest{KeyId: ecID}},
		{name: "Sign/ECDSA", api: "Sign", req: &pb.SignRequest{KeyId: ecID, Message: []byte("signed")}, ignore: []string{"Signature"}},
		{name: "Verify/ECDSA", api: "Verify", req: &pb.VerifyRequest{KeyId: ecID, Message: digest[:], MessageType: "DIGEST", Signature: ecSig}},
		{name: "Verify/garbage", api: "Verify", req: &pb.VerifyRequest{KeyId: ecID, Message: []byte("signed"), Signature: []byte("garbage")}},
		{name: "Encrypt/RSAES_OAEP_SHA_256", api: "Encrypt", req: &pb.EncryptRequest{KeyId: rsaID, Plaintext: []byte("x")}, ignore: []string{"CiphertextBlob"}},
		{name: "Decrypt/RSAES_OAEP_SHA_256", api: "Decrypt", req: &pb.DecryptRequest{KeyId: rsaID, CiphertextBlob: ct}},
		{name: "GenerateDataKeyPair", api: "GenerateDataKeyPair", req: &pb.GenerateDataKeyPairRequest{KeyId: aesID, KeyPairSpec: "EC_SM2"}, ignore: pair},
		{name: "GenerateDataKeyPairWithoutPlaintext", api: "GenerateDataKeyPairWithoutPlaintext", req: &pb.GenerateDataKeyPairWithoutPlaintextRequest{KeyId: aesID, KeyPairSpec: "EC_P256K", KeyFormat: "DER"}, ignore: pair},
		{name: "AdvanceGenerateDataKeyPair", api: "AdvanceGenerateDataKeyPair", req: &pb.AdvanceGenerateDataKeyPairRequest{KeyId: sm4ID, KeyPairSpec: "EC_P256"}, ignore: pair},
		{name: "AdvanceGenerateDataKeyPairWithoutPlaintext", api: "AdvanceGenerateDataKeyPairWithoutPlaintext", req: &pb.AdvanceGenerateDataKeyPairWithoutPlaintextRequest{KeyId: aesID, KeyPairSpec: "EC_P256", Aad: []byte("a")}, ignore: pair},
		{name: "error/Sign with an encryption key", api: "Sign", req: &pb.SignRequest{KeyId: rsaID, Message: []byte("m")}},
		{name: "error/DIGEST length", api: "Sign", req: &pb.SignRequest{KeyId: ecID, Message: []byte("m"), MessageType: "DIGEST"}},
		{name: "error/OAEP limit", api: "Encrypt", req: &pb.EncryptRequest{KeyId: rsaID, Plaintext: seq(191, 0)}},
		{name: "error/pair spec", api: "GenerateDataKeyPair", req: &pb.GenerateDataKeyPairRequest{KeyId: aesID, KeyPairSpec: "DSA"}},
	}
}
