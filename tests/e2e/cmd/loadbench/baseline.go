package main

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// The baseline is the work a signed AdvanceEncrypt cannot avoid, in a
// process of its own like the server: TLS with the server's own
// certificate, the content-sha256 check, the RSA signature check, the
// protobuf request decoded, one AES-GCM seal, the protobuf answer. Nothing
// else: no store, no key lookup, no request id, no blob.
func serveBaseline(certFile, keyFile, clientKeyFile, password string) error {
	ck, err := kmstest.LoadClientKey(clientKeyFile, password)
	if err != nil {
		return err
	}
	pub := &ck.Priv.PublicKey
	key := make([]byte, 32)
	rand.Read(key)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := baselineOnce(w, r, pub, aead); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
	}
	fmt.Printf("listening %s\n", ln.Addr())
	os.Stdout.Sync()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	select {
	case err := <-errc:
		return err
	case <-sig:
		return nil
	}
}

func baselineOnce(w http.ResponseWriter, r *http.Request, pub *rsa.PublicKey, aead cipher.AEAD) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return err
	}
	claimed, err := hex.DecodeString(r.Header.Get(server.HeaderContentSHA256))
	sum := sha256.Sum256(body)
	if err != nil || subtle.ConstantTimeCompare(claimed, sum[:]) != 1 {
		return fmt.Errorf("content-sha256")
	}
	_, tok, _ := strings.Cut(r.Header.Get("authorization"), " ")
	sig, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(server.StringToSign(r.Method, r.Header)))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return err
	}
	var req pb.AdvanceEncryptRequest
	if err := pb.Unmarshal(body, &req); err != nil {
		return err
	}
	iv := make([]byte, aead.NonceSize())
	rand.Read(iv)
	out, err := pb.Marshal(&pb.AdvanceEncryptResponse{
		KeyId:          req.KeyId,
		CiphertextBlob: aead.Seal(nil, iv, req.Plaintext, req.Aad),
		Iv:             iv,
	})
	if err != nil {
		return err
	}
	w.Header().Set("content-type", server.ContentType)
	_, err = w.Write(out)
	return err
}

// startProfile writes a CPU profile of the baseline until stop.
func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
