package worker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkmsapi "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"
)

// sdk is the official SDK pointed at the local Worker over plain HTTP (the
// deployed Worker is HTTPS with Cloudflare's certificate: Protocol "https").
func sdk(t *testing.T) *dkms.Client {
	t.Helper()
	c, err := dkms.NewClient(&dkmsapi.Config{
		Protocol:      tea.String("http"),
		Endpoint:      tea.String(w.addr),
		ClientKeyFile: tea.String(ckFile),
		Password:      tea.String(ckPassword),
		ReadTimeout:   tea.Int(60000), // milliseconds
	})
	if err != nil {
		t.Fatalf("SDK client: %v", err)
	}
	return c
}

// wantSDKError checks the status and code of a protobuf Error as the SDK
// reports it, and that the SDK did not retry (it retries bodies it cannot
// parse, with seconds of backoff).
func wantSDKError(t *testing.T, start time.Time, err error, status int, code string) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("want SDK error %d %s, got %T %v", status, code, err, err)
	}
	var data struct {
		HTTPCode  int    `json:"httpCode"`
		RequestID string `json:"requestId"`
	}
	if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &data); err != nil {
		t.Fatalf("SDK error without data (not a protobuf Error body?): %v", se)
	}
	if data.HTTPCode != status || tea.StringValue(se.Code) != code {
		t.Fatalf("got %d %s (%s), want %d %s", data.HTTPCode, tea.StringValue(se.Code), tea.StringValue(se.Message), status, code)
	}
	if len(data.RequestID) != 36 {
		t.Errorf("RequestId %q is not a UUID", data.RequestID)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the SDK took %v: it retried", d)
	}
}

func TestSDKEncryptDecryptEveryMode(t *testing.T) {
	c := sdk(t)
	plain := []byte("attack at dawn, sixteen bytes!!!") // 32 bytes
	for _, tc := range []struct {
		key, alg, padding string
		ivLen             int
		aad               []byte
	}{
		{"alias/app", "", "", 12, []byte("context")},
		{"alias/app", "AES_CBC", "PKCS7_PADDING", 16, nil},
		{"alias/app", "AES_CBC", "NO_PADDING", 16, nil},
		{"alias/app", "AES_ECB", "PKCS7_PADDING", 0, nil},
		{"alias/sm4", "", "", 12, []byte("aad")},
		{"alias/sm4", "SM4_CBC", "PKCS7_PADDING", 16, nil},
		{"alias/sm4", "SM4_ECB", "NO_PADDING", 0, nil},
	} {
		t.Run(tc.key+" "+tc.alg+" "+tc.padding, func(t *testing.T) {
			req := &dkms.EncryptRequest{KeyId: tea.String(tc.key), Plaintext: plain, Aad: tc.aad}
			if tc.alg != "" {
				req.Algorithm = tea.String(tc.alg)
			}
			if tc.padding != "" {
				req.PaddingMode = tea.String(tc.padding)
			}
			enc, err := c.Encrypt(req)
			if err != nil {
				t.Fatal(err)
			}
			if len(enc.Iv) != tc.ivLen || !strings.HasPrefix(tea.StringValue(enc.KeyId), "key-") {
				t.Fatalf("Iv %d bytes, KeyId %q", len(enc.Iv), tea.StringValue(enc.KeyId))
			}
			dec, err := c.Decrypt(&dkms.DecryptRequest{KeyId: tea.String(tc.key), CiphertextBlob: enc.CiphertextBlob,
				Iv: enc.Iv, Aad: tc.aad, Algorithm: enc.Algorithm, PaddingMode: enc.PaddingMode})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(dec.Plaintext, plain) {
				t.Fatalf("round trip: %q", dec.Plaintext)
			}
		})
	}
}

func TestSDKAdvance(t *testing.T) {
	c := sdk(t)
	for _, n := range []int{0, 1, 1024, 6 * 1024} {
		plain := bytes.Repeat([]byte{0x5a}, n)
		enc, err := c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: plain, Aad: []byte("a")})
		if err != nil {
			t.Fatal(err)
		}
		kv := tea.StringValue(enc.KeyVersionId)
		if !strings.HasPrefix(kv, tea.StringValue(enc.KeyId)+"-") || len(kv) != 36 {
			t.Fatalf("KeyVersionId %q", kv)
		}
		dec, err := c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("a")})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dec.Plaintext, plain) || tea.StringValue(dec.KeyVersionId) != kv {
			t.Fatalf("%d bytes: got %d bytes, version %s", n, len(dec.Plaintext), tea.StringValue(dec.KeyVersionId))
		}
		start := time.Now()
		_, err = c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob, Aad: []byte("b")})
		wantSDKError(t, start, err, 400, "InvalidParameter")
	}
}

func TestSDKDataKeysAndRandom(t *testing.T) {
	c := sdk(t)
	dk, err := c.GenerateDataKey(&dkms.GenerateDataKeyRequest{KeyId: tea.String("alias/app"), NumberOfBytes: tea.Int32(24)})
	if err != nil {
		t.Fatal(err)
	}
	if len(dk.Plaintext) != 24 {
		t.Fatalf("data key %d bytes", len(dk.Plaintext))
	}
	dec, err := c.Decrypt(&dkms.DecryptRequest{KeyId: tea.String("alias/app"), CiphertextBlob: dk.CiphertextBlob, Iv: dk.Iv, Algorithm: dk.Algorithm})
	if err != nil || !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		t.Fatalf("GenerateDataKey blob does not open: %v", err)
	}
	adk, err := c.AdvanceGenerateDataKey(&dkms.AdvanceGenerateDataKeyRequest{KeyId: tea.String("alias/sm4")})
	if err != nil {
		t.Fatal(err)
	}
	adec, err := c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: adk.CiphertextBlob})
	if err != nil || !bytes.Equal(adec.Plaintext, adk.Plaintext) || len(adk.Plaintext) != 32 {
		t.Fatalf("AdvanceGenerateDataKey: %v", err)
	}
	r1, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(32)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r1.Random) != 32 || bytes.Equal(r1.Random, r2.Random) {
		t.Fatalf("GenerateRandom: %x %x", r1.Random, r2.Random)
	}
}

func TestSDKErrors(t *testing.T) {
	c := sdk(t)
	start := time.Now()
	_, err := c.Encrypt(&dkms.EncryptRequest{KeyId: tea.String("alias/none"), Plaintext: []byte("x")})
	wantSDKError(t, start, err, 404, "Forbidden.KeyNotFound")
	start = time.Now()
	_, err = c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/disabled"), Plaintext: []byte("x")})
	wantSDKError(t, start, err, 409, "Rejected.Disabled")
	start = time.Now()
	_, err = c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(65)})
	wantSDKError(t, start, err, 400, "InvalidParameter")
	start = time.Now()
	_, err = c.Sign(&dkms.SignRequest{KeyId: tea.String("alias/app"), Message: []byte("m"), MessageType: tea.String("RAW")})
	wantSDKError(t, start, err, 400, "UnsupportedOperation")
}

// TestSDKParallel runs concurrent clients: in workerd they share one
// isolate and (by default) one Go runtime, interleaving at every D1 await.
func TestSDKParallel(t *testing.T) {
	c := sdk(t)
	const clients, each = 12, 8
	var wg sync.WaitGroup
	errs := make(chan error, clients*each)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < each; j++ {
				plain := []byte(fmt.Sprintf("client %d message %d", i, j))
				enc, err := c.AdvanceEncrypt(&dkms.AdvanceEncryptRequest{KeyId: tea.String("alias/app"), Plaintext: plain})
				if err != nil {
					errs <- err
					return
				}
				dec, err := c.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: enc.CiphertextBlob})
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(dec.Plaintext, plain) {
					errs <- fmt.Errorf("client %d: got %q", i, dec.Plaintext)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
