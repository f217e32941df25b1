//go:build !wasm

package main

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

// BenchmarkHandlerAdvanceEncrypt is one signed AdvanceEncrypt through the
// handler, the native engine and the sealed SQLite store of a real data
// directory, without TLS or sockets: the server's own cost per request.
func BenchmarkHandlerAdvanceEncrypt(b *testing.B) {
	for _, size := range []int{1024, 6144} {
		b.Run(byteSize(size), func(b *testing.B) { benchHandler(b, size) })
	}
}

func byteSize(n int) string { return map[int]string{1024: "1KiB", 6144: "6KiB"}[n] }

func benchHandler(b *testing.B, size int) {
	d, err := openData(filepath.Join(b.TempDir(), "data"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	id, file, key, value, err := clientkeys.Create(rand.Reader, "benchmark password", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	if err := clientkeys.Register(d.backend, key, value); err != nil {
		b.Fatal(err)
	}
	var f clientkeys.File
	json.Unmarshal(file, &f)
	p12, _ := base64.StdEncoding.DecodeString(f.PrivateKeyData)
	priv, _, err := pkcs12.Decode(p12, "benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	cache := store.Cached(d.backend, d.db.Version) // as serve reads
	defer cache.Drop()
	d.backend = cache
	core := kms.New(d.backend, kms.NewConfig())
	created, err := core.CallJSON("CreateKey", []byte(`{}`))
	if err != nil {
		b.Fatal(err)
	}
	var meta struct{ KeyMetadata struct{ KeyId string } }
	json.Unmarshal(created, &meta)
	keyID := meta.KeyMetadata.KeyId
	h := server.New(server.Native(core), d.backend, server.NewConfig())
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: keyID, Plaintext: make([]byte, size)})
	hdr := http.Header{}
	hdr.Set("content-type", server.ContentType)
	hdr.Set("date", time.Now().UTC().Format(http.TimeFormat))
	hdr.Set(server.HeaderAPIName, "AdvanceEncrypt")
	hdr.Set(server.HeaderAPIVersion, server.APIVersion)
	hdr.Set(server.HeaderSignatureMethod, server.SignatureMethod)
	hdr.Set(server.HeaderAccessKeyID, id)
	hdr.Set(server.HeaderContentSHA256, server.BodySHA256(body))
	digest := sha256.Sum256([]byte(server.StringToSign("POST", hdr)))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, priv.(*rsa.PrivateKey), crypto.SHA256, digest[:])
	hdr.Set("authorization", "Bearer "+base64.StdEncoding.EncodeToString(sig))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest("POST", "/", bytes.NewReader(body))
		req.Header = hdr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %q", w.Code, w.Body.Bytes())
		}
	}
}
