package cpubench

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

type fixture struct {
	h    http.Handler
	eng  *kms.Engine
	priv *rsa.PrivateKey
	pub  *rsa.PublicKey
	body []byte
}

func setup(b *testing.B) *fixture {
	mem := store.NewMemory()
	sealed, err := store.Sealed(mem, bytes.Repeat([]byte{1}, 32))
	if err != nil {
		b.Fatal(err)
	}
	eng := kms.New(sealed, kms.NewConfig())
	if _, err := eng.Call("CreateKey", &pb.CreateKeyRequest{}); err != nil {
		b.Fatal(err)
	}
	keys, _ := mem.List("keys/")
	id := keys[0][len("keys/"):]
	if _, err := eng.Call("CreateAlias", &pb.AliasRequest{KeyId: id, AliasName: "alias/app"}); err != nil {
		b.Fatal(err)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	k, v, err := clientkeys.RecordFromCertificate("bench", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	if err != nil {
		b.Fatal(err)
	}
	if err := clientkeys.Register(sealed, k, v); err != nil {
		b.Fatal(err)
	}
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: bytes.Repeat([]byte{7}, 1024)})
	return &fixture{h: server.New(server.Native(eng), sealed, server.NewConfig()), eng: eng, priv: priv, pub: &priv.PublicKey, body: body}
}

func (f *fixture) request() *http.Request {
	h := http.Header{}
	h.Set("content-type", server.ContentType)
	h.Set("date", time.Now().UTC().Format(http.TimeFormat))
	h.Set(server.HeaderAPIName, "AdvanceEncrypt")
	h.Set(server.HeaderAPIVersion, server.APIVersion)
	h.Set(server.HeaderSignatureMethod, server.SignatureMethod)
	h.Set(server.HeaderAccessKeyID, "bench")
	h.Set(server.HeaderContentSHA256, server.BodySHA256(f.body))
	d := sha256.Sum256([]byte(server.StringToSign("POST", h)))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, f.priv, crypto.SHA256, d[:])
	h.Set("authorization", "Bearer "+base64.StdEncoding.EncodeToString(sig))
	r := httptest.NewRequest("POST", "/", bytes.NewReader(f.body))
	r.Header = h
	return r
}

// BenchmarkHandlerAdvanceEncrypt1KiB is the whole Go side of a request:
// signature checks, ClientKey lookup, unsealing, AdvanceEncrypt, response.
func BenchmarkHandlerAdvanceEncrypt1KiB(b *testing.B) {
	f := setup(b)
	reqs := make([]*http.Request, b.N)
	for i := range reqs {
		reqs[i] = f.request()
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, reqs[i])
		if rec.Code != 200 {
			b.Fatalf("%d %q", rec.Code, rec.Body.Bytes())
		}
	}
}

// BenchmarkRSAVerify is the signature check alone (RSA-2048 PKCS#1 v1.5).
func BenchmarkRSAVerify(b *testing.B) {
	f := setup(b)
	d := sha256.Sum256([]byte("string to sign"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, f.priv, crypto.SHA256, d[:])
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := rsa.VerifyPKCS1v15(f.pub, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngineAdvanceEncrypt1KiB is the engine call alone (unseal the
// key record, AES-256-GCM over 1 KiB, protobuf in and out).
func BenchmarkEngineAdvanceEncrypt1KiB(b *testing.B) {
	f := setup(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.eng.CallProto("AdvanceEncrypt", f.body); err != nil {
			b.Fatal(err)
		}
	}
}
