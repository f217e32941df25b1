package kmstest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

// DataPlane is what RunDataPlane leaves for a host's own tests: the key
// ids behind SeedKeys' aliases and blobs worth opening again later (the
// server opens them after a restart).
type DataPlane struct {
	tg                     *Target
	sdk                    *dkms.Client
	AppKey, SM4Key, RotKey string
	// Blobs are AdvanceDecrypt-able blobs by name: "alias/app" and the SM4
	// key id (Aad "a"), "datakey" (whose plaintext is "datakey-plain"),
	// "rotated-v1" (made before the rotation).
	Blobs map[string][]byte
}

// RunDataPlane runs every data operation through the official SDK, with
// aliases, rotation, data keys, every wire error with raw HTTP, and
// parallel clients, against tg, as subtests of t.
func RunDataPlane(t *testing.T, tg *Target) *DataPlane {
	d := &DataPlane{tg: tg, sdk: tg.SDK(t), Blobs: map[string][]byte{}}
	// Learn the generated key ids from the aliases.
	d.AppKey = KeyIDOf(t, d.sdk, "alias/app")
	d.SM4Key = KeyIDOf(t, d.sdk, "alias/sm4")
	d.RotKey = KeyIDOf(t, d.sdk, "alias/rotating")

	t.Run("Encrypt and Decrypt in every mode", d.encryptDecrypt)
	t.Run("AdvanceEncrypt and AdvanceDecrypt", d.advance)
	t.Run("Encrypt then AdvanceDecrypt with KeyId Iv Algorithm", d.encryptThenAdvanceDecrypt)
	t.Run("data keys", d.dataKeys)
	t.Run("GenerateRandom", d.generateRandom)
	t.Run("aliases", d.aliases)
	t.Run("rotation", d.rotation)
	t.Run("Sign and Verify", d.signVerify)
	t.Run("GetPublicKey", d.getPublicKey)
	t.Run("asymmetric Encrypt and Decrypt", d.asymEncryptDecrypt)
	t.Run("data key pairs", d.dataKeyPairs)
	t.Run("asymmetric errors", d.asymErrors)
	t.Run("engine errors through the SDK", d.engineErrors)
	t.Run("errors on the wire", d.wireErrors)
	t.Run("parallel requests", d.parallel)
	return d
}

// KeyIDOf is the key id alias names, as an Encrypt response reports it.
func KeyIDOf(t *testing.T, c *dkms.Client, alias string) string {
	t.Helper()
	r, err := c.Encrypt(&dkms.EncryptRequest{KeyId: tea.String(alias), Plaintext: []byte("x")})
	if err != nil {
		t.Fatalf("Encrypt with %s: %v", alias, err)
	}
	id := tea.StringValue(r.KeyId)
	if !strings.HasPrefix(id, "key-") || len(id) != 25 {
		t.Fatalf("%s resolves to %q: responses must name the real key id", alias, id)
	}
	return id
}

func (d *DataPlane) encryptDecrypt(t *testing.T) {
	plain := []byte("attack at dawn, sixteen bytes!!!") // 32 bytes
	for _, tc := range []struct {
		key, alg, padding string
		ivLen             int
		aad               []byte
	}{
		{"alias/app", "", "", 12, []byte("context")}, // default AES_GCM
		{"alias/app", "AES_GCM", "", 12, nil},
		{"alias/app", "AES_CBC", "PKCS7_PADDING", 16, nil},
		{"alias/app", "AES_CBC", "NO_PADDING", 16, nil},
		{"alias/app", "AES_ECB", "PKCS7_PADDING", 0, nil},
		{"alias/sm4", "", "", 12, []byte("aad")}, // default SM4_GCM
		{"alias/sm4", "SM4_CBC", "PKCS7_PADDING", 16, nil},
		{"alias/sm4", "SM4_ECB", "", 0, nil},
		{"alias/sm4", "SM4_ECB", "NO_PADDING", 0, nil},
	} {
		t.Run(fmt.Sprintf("%s %s %s", tc.key, tc.alg, tc.padding), func(t *testing.T) {
			req := &dkms.EncryptRequest{KeyId: tea.String(tc.key), Plaintext: plain, Aad: tc.aad}
			if tc.alg != "" {
				req.Algorithm = tea.String(tc.alg)
			}
			if tc.padding != "" {
				req.PaddingMode = tea.String(tc.padding)
			}
			enc, err := d.sdk.Encrypt(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(enc.Iv) != tc.ivLen || bytes.Contains(enc.CiphertextBlob, plain[:16]) || tea.StringValue(enc.Algorithm) == "" ||
				!strings.HasPrefix(tea.StringValue(enc.KeyId), "key-") {
				t.Fatalf("Iv %x Algorithm %q KeyId %q blob %x", enc.Iv, tea.StringValue(enc.Algorithm), tea.StringValue(enc.KeyId), enc.CiphertextBlob)
			}
			if tc.alg != "" && tea.StringValue(enc.Algorithm) != tc.alg {
				t.Fatalf("Algorithm %q, want %q", tea.StringValue(enc.Algorithm), tc.alg)
			}
			// Decrypt through the key id the response names, and through the alias.
			for _, key := range []*string{enc.KeyId, tea.String(tc.key)} {
				dec, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: key, CiphertextBlob: enc.CiphertextBlob,
					Algorithm: enc.Algorithm, Iv: enc.Iv, Aad: tc.aad, PaddingMode: enc.PaddingMode})
				if err != nil {
					t.Fatalf("Decrypt with %s: %v", tea.StringValue(key), err)
				}
				if !bytes.Equal(dec.Plaintext, plain) || tea.StringValue(dec.KeyId) != tea.StringValue(enc.KeyId) {
					t.Fatalf("Decrypt with %s: %q key %s", tea.StringValue(key), dec.Plaintext, tea.StringValue(dec.KeyId))
				}
			}
			if strings.HasSuffix(tea.StringValue(enc.Algorithm), "GCM") {
				start := time.Now()
				_, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: enc.KeyId, CiphertextBlob: enc.CiphertextBlob,
					Algorithm: enc.Algorithm, Iv: enc.Iv, Aad: []byte("other aad")})
				WantSDKError(t, start, err, 400, "InvalidParameter")
			}
		})
	}
}

func (d *DataPlane) advance(t *testing.T) {
	for _, key := range []string{"alias/app", d.SM4Key} {
		plain := []byte("advance " + key)
		enc, err := d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String(key), Plaintext: plain, Aad: []byte("a")})
		if err != nil {
			t.Fatal(err)
		}
		kv := tea.StringValue(enc.KeyVersionId)
		if !strings.HasPrefix(kv, tea.StringValue(enc.KeyId)+"-") || len(kv) != 36 {
			t.Fatalf("KeyVersionId %q of %s", kv, tea.StringValue(enc.KeyId))
		}
		d.Blobs[key] = enc.CiphertextBlob
		// The blob is self-describing: only it and the Aad are needed.
		dec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("a")})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec.Plaintext, plain) || tea.StringValue(dec.KeyVersionId) != kv || tea.StringValue(dec.KeyId) != tea.StringValue(enc.KeyId) {
			t.Fatalf("AdvanceDecrypt %q %s %s", dec.Plaintext, tea.StringValue(dec.KeyId), tea.StringValue(dec.KeyVersionId))
		}
		// A client that sends the Iv back anyway is tolerated.
		dec, err = d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("a"), Iv: enc.Iv})
		if err != nil || !bytes.Equal(dec.Plaintext, plain) {
			t.Fatalf("with a redundant Iv: %v", err)
		}
	}
	// Empty to 6 KiB, the product's recommended maximum, with and without
	// Aad; the wrong Aad is refused.
	for _, n := range []int{0, 1, 1024, 6 * 1024} {
		for _, aad := range [][]byte{nil, []byte("a")} {
			plain := bytes.Repeat([]byte{0x5a}, n)
			enc, err := d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String(d.AppKey), Plaintext: plain, Aad: aad})
			if err != nil {
				t.Fatal(err)
			}
			kv := tea.StringValue(enc.KeyVersionId)
			if !strings.HasPrefix(kv, tea.StringValue(enc.KeyId)+"-") || len(kv) != 36 {
				t.Fatalf("KeyVersionId %q", kv)
			}
			dec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: aad})
			if err != nil || !bytes.Equal(dec.Plaintext, plain) || tea.StringValue(dec.KeyVersionId) != kv {
				t.Fatalf("%d bytes, Aad %q: %v", n, aad, err)
			}
			start := time.Now()
			_, err = d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("b")})
			WantSDKError(t, start, err, 400, "InvalidParameter")
		}
	}
}

func (d *DataPlane) encryptThenAdvanceDecrypt(t *testing.T) {
	for _, tc := range []struct{ alg, padding string }{{"AES_GCM", ""}, {"AES_CBC", "PKCS7_PADDING"}} {
		enc, err := d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/app"), Plaintext: []byte("legacy"),
			Algorithm: tea.String(tc.alg), PaddingMode: strPtr(tc.padding)})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob,
			KeyId: tea.String("alias/app"), Iv: enc.Iv, Algorithm: enc.Algorithm, PaddingMode: enc.PaddingMode})
		if err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if string(dec.Plaintext) != "legacy" || tea.StringValue(dec.KeyId) != d.AppKey || tea.StringValue(dec.KeyVersionId) == "" {
			t.Fatalf("%s: %q %s %s", tc.alg, dec.Plaintext, tea.StringValue(dec.KeyId), tea.StringValue(dec.KeyVersionId))
		}
	}
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (d *DataPlane) dataKeys(t *testing.T) {
	gk, err := d.sdk.GenerateDataKey(&dkms.GenerateDataKeyRequest{KeyId: tea.String("alias/app"), NumberOfBytes: tea.Int32(24), Aad: []byte("dk")})
	if err != nil {
		t.Fatal(err)
	}
	if len(gk.Plaintext) != 24 || tea.StringValue(gk.Algorithm) != "AES_GCM" || len(gk.Iv) != 12 {
		t.Fatalf("GenerateDataKey: %d bytes, %s, iv %x", len(gk.Plaintext), tea.StringValue(gk.Algorithm), gk.Iv)
	}
	dec, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: gk.KeyId, CiphertextBlob: gk.CiphertextBlob, Iv: gk.Iv, Algorithm: gk.Algorithm, Aad: []byte("dk")})
	if err != nil || !bytes.Equal(dec.Plaintext, gk.Plaintext) {
		t.Fatalf("the data key does not decrypt: %v", err)
	}
	// Without Aad, decrypted through the alias.
	gk, err = d.sdk.GenerateDataKey(&dkms.GenerateDataKeyRequest{KeyId: tea.String("alias/app"), NumberOfBytes: tea.Int32(24)})
	if err != nil || len(gk.Plaintext) != 24 {
		t.Fatalf("GenerateDataKey without Aad: %v", err)
	}
	dec, err = d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/app"), CiphertextBlob: gk.CiphertextBlob, Iv: gk.Iv, Algorithm: gk.Algorithm})
	if err != nil || !bytes.Equal(dec.Plaintext, gk.Plaintext) {
		t.Fatalf("GenerateDataKey blob does not open through the alias: %v", err)
	}
	ak, err := d.sdk.AdvanceGenerateDataKey(&dkms.AdvanceGenerateDataKeyRequest{KeyId: tea.String(d.AppKey)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ak.Plaintext) != 32 || tea.StringValue(ak.KeyVersionId) == "" {
		t.Fatalf("AdvanceGenerateDataKey default: %d bytes, version %q", len(ak.Plaintext), tea.StringValue(ak.KeyVersionId))
	}
	adec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: ak.CiphertextBlob})
	if err != nil || !bytes.Equal(adec.Plaintext, ak.Plaintext) {
		t.Fatalf("the advance data key does not decrypt: %v", err)
	}
	d.Blobs["datakey"] = ak.CiphertextBlob
	d.Blobs["datakey-plain"] = ak.Plaintext
	sk, err := d.sdk.AdvanceGenerateDataKey(&dkms.AdvanceGenerateDataKeyRequest{KeyId: tea.String("alias/sm4")})
	if err != nil {
		t.Fatal(err)
	}
	sdec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: sk.CiphertextBlob})
	if err != nil || !bytes.Equal(sdec.Plaintext, sk.Plaintext) || len(sk.Plaintext) != 32 {
		t.Fatalf("AdvanceGenerateDataKey with SM4: %v", err)
	}
}

func (d *DataPlane) generateRandom(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range []int32{1, 16, 32, 32, 64} {
		r, err := d.sdk.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(n)})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Random) != int(n) || tea.StringValue(r.RequestId) == "" {
			t.Fatalf("%d random bytes: got %d", n, len(r.Random))
		}
		if n > 1 && seen[string(r.Random)] {
			t.Fatal("repeated random output")
		}
		seen[string(r.Random)] = true
	}
	start := time.Now()
	_, err := d.sdk.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(65)})
	WantSDKError(t, start, err, 400, "InvalidParameter")
}

func (d *DataPlane) aliases(t *testing.T) {
	// Encrypt through the alias, decrypt through the key id and back.
	enc, err := d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/sm4"), Plaintext: []byte("via alias")})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String(d.SM4Key), CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv, Algorithm: enc.Algorithm})
	if err != nil || string(dec.Plaintext) != "via alias" {
		t.Fatalf("%v", err)
	}
	// The wrong key does not open it.
	start := time.Now()
	_, err = d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/app"), CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv, Algorithm: tea.String("AES_GCM")})
	WantSDKError(t, start, err, 400, "InvalidParameter")
	start = time.Now()
	_, err = d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/nobody"), Plaintext: []byte("x")})
	WantSDKError(t, start, err, 404, "Forbidden.KeyNotFound")
}

func (d *DataPlane) rotation(t *testing.T) {
	enc1, err := d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/rotating"), Plaintext: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	old, err := d.sdk.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/rotating"), Plaintext: []byte("classic")})
	if err != nil {
		t.Fatal(err)
	}
	// Rotate by the host's own means while it serves.
	d.tg.Rotate(t, d.RotKey)
	enc2, err := d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/rotating"), Plaintext: []byte("after")})
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := tea.StringValue(enc1.KeyVersionId), tea.StringValue(enc2.KeyVersionId)
	if v1 == v2 || !strings.HasPrefix(v2, d.RotKey+"-") {
		t.Fatalf("KeyVersionId before %s after %s: the rotation was not seen at the next request", v1, v2)
	}
	for _, c := range []struct {
		blob    []byte
		plain   string
		version string
	}{{enc1.CiphertextBlob, "before", v1}, {enc2.CiphertextBlob, "after", v2}} {
		dec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: c.blob})
		if err != nil || string(dec.Plaintext) != c.plain || tea.StringValue(dec.KeyVersionId) != c.version {
			t.Fatalf("old and new blobs must open: %v %q %s", err, dec.Plaintext, tea.StringValue(dec.KeyVersionId))
		}
	}
	// Encrypt keeps using the initial version, so its ciphertexts still open.
	dec, err := d.sdk.Decrypt(&dkms.DecryptRequest{KeyId: tea.String(d.RotKey), CiphertextBlob: old.CiphertextBlob, Iv: old.Iv, Algorithm: old.Algorithm})
	if err != nil || string(dec.Plaintext) != "classic" {
		t.Fatalf("Decrypt after rotation: %v", err)
	}
	d.Blobs["rotated-v1"] = enc1.CiphertextBlob
}

func (d *DataPlane) engineErrors(t *testing.T) {
	start := time.Now()
	_, err := d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("key-doesnotexist000000000"), Plaintext: []byte("x")})
	WantSDKError(t, start, err, 404, "Forbidden.KeyNotFound")
	start = time.Now()
	_, err = d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/disabled"), Plaintext: []byte("x")})
	WantSDKError(t, start, err, 409, "Rejected.Disabled")
	start = time.Now()
	_, err = d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: []byte("not a blob at all")})
	WantSDKError(t, start, err, 400, "InvalidParameter")
	// Over 3 MB: an early 413 with a protobuf Error, which the SDK reports.
	start = time.Now()
	_, err = d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String(d.AppKey), Plaintext: make([]byte, 3<<20+1)})
	WantSDKError(t, start, err, 413, "RequestEntityTooLarge")
}

// parallel runs concurrent requests through one SDK client (on the
// Worker they share one isolate and interleave at every D1 await).
func (d *DataPlane) parallel(t *testing.T) {
	const workers, each = 16, 15
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				plain := []byte(fmt.Sprintf("worker %d message %d", w, i))
				enc, err := d.sdk.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: plain})
				if err != nil {
					errs <- err
					return
				}
				dec, err := d.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(dec.Plaintext, plain) {
					errs <- fmt.Errorf("worker %d: got %q", w, dec.Plaintext)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
