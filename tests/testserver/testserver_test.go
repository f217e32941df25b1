// Package testserver_test holds the root package's in-process test server to
// what an application sees: only pocketkms.NewTestServer and the official
// Go SDK v0.5.1, as a user's test would use them.
package testserver_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dedicatedkmsopenapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dedicatedkmssdk "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	"github.com/pocketkms/pocketkms"
)

// material is version 1 of alias/app in testdata/seed.json.
const material = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func sdkClient(t *testing.T, srv *pocketkms.TestServer) *dedicatedkmssdk.Client {
	t.Helper()
	client, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{Protocol: tea.String("https"), Endpoint: tea.String(srv.Endpoint),
		ClientKeyContent: tea.String(srv.ClientKeyContent), Password: tea.String(srv.Password), Ca: tea.String(srv.CA)})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

func TestSDKRoundTripAndRotation(t *testing.T) {
	t.Parallel()
	clock := pocketkms.NewFakeClock(time.Now())
	srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().WithSeedFile("testdata/seed.json").WithClock(clock.Now))
	client := sdkClient(t, srv)

	enc1, err := client.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("first"), Aad: []byte("ctx")})
	if err != nil {
		t.Fatal(err)
	}
	if v := tea.StringValue(enc1.KeyVersionId); v != "key-apptest00000000000001-v000000001" {
		t.Fatalf("KeyVersionId %q, want the seeded version", v)
	}
	dec, err := client.AdvanceDecrypt(&dedicatedkmssdk.AdvanceDecryptRequest{CiphertextBlob: enc1.CiphertextBlob, Aad: []byte("ctx")})
	if err != nil {
		t.Fatal(err)
	}
	if string(dec.Plaintext) != "first" {
		t.Fatalf("AdvanceDecrypt: %q", dec.Plaintext)
	}

	// The seeded material is what encrypts: Go's own AES-GCM opens an
	// Encrypt answer with it.
	enc, err := client.Encrypt(&dedicatedkmssdk.EncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("checked"), Algorithm: tea.String("AES_GCM"), Aad: []byte("aad")})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := hex.DecodeString(material)
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, enc.Iv, enc.CiphertextBlob, []byte("aad"))
	if err != nil || string(plain) != "checked" {
		t.Fatalf("crypto/aes does not open Encrypt's answer with the seeded material: %q %v", plain, err)
	}

	// Thirty days later (the seed's RotationInterval) the key has a new
	// primary version; the old ciphertext still opens.
	clock.Advance(30*24*time.Hour + time.Minute)
	enc2, err := client.AdvanceEncrypt(&dedicatedkmssdk.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("second")})
	if err != nil {
		t.Fatal(err)
	}
	if v2 := tea.StringValue(enc2.KeyVersionId); v2 == tea.StringValue(enc1.KeyVersionId) || v2 == "" {
		t.Fatalf("no rotation: KeyVersionId %q after 30 days", v2)
	}
	for _, c := range []struct {
		blob, aad []byte
		want      string
	}{{enc1.CiphertextBlob, []byte("ctx"), "first"}, {enc2.CiphertextBlob, nil, "second"}} {
		dec, err := client.AdvanceDecrypt(&dedicatedkmssdk.AdvanceDecryptRequest{CiphertextBlob: c.blob, Aad: c.aad})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec.Plaintext, []byte(c.want)) {
			t.Fatalf("AdvanceDecrypt after rotation: %q, want %q", dec.Plaintext, c.want)
		}
	}
}

func TestSDKRejectsAnotherServersClientKey(t *testing.T) {
	t.Parallel()
	a, b := pocketkms.NewTestServer(t), pocketkms.NewTestServer(t)
	if _, err := a.Call("CreateKey", `{"KeySpec":"Aliyun_AES_256"}`); err != nil {
		t.Fatal(err)
	}
	// b's ClientKey, a's endpoint and CA: a does not know that ClientKey.
	client, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{Protocol: tea.String("https"), Endpoint: tea.String(a.Endpoint),
		ClientKeyContent: tea.String(b.ClientKeyContent), Password: tea.String(b.Password), Ca: tea.String(a.CA)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.GenerateRandom(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(16)})
	if err == nil {
		t.Fatal("a server accepted another server's ClientKey")
	}
	// The CA is the process's (the SDK caches its TLS settings per
	// host:port): b's CA vouches for a, and a client of a works.
	if a.CA != b.CA {
		t.Fatal("two test servers in one process have different CAs")
	}
	client, err = dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{Protocol: tea.String("https"), Endpoint: tea.String(a.Endpoint),
		ClientKeyContent: tea.String(a.ClientKeyContent), Password: tea.String(a.Password), Ca: tea.String(b.CA)})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := client.GenerateRandom(&dedicatedkmssdk.GenerateRandomRequest{Length: tea.Int32(16)}); err != nil || len(r.Random) != 16 {
		t.Fatalf("GenerateRandom with a's own ClientKey: %v", err)
	}
}
