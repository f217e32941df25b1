package pocketkms_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms"
)

func TestTestServerServesHTTPSWithItsCA(t *testing.T) {
	srv := pocketkms.NewTestServer(t)
	if !strings.HasPrefix(srv.Endpoint, "127.0.0.1:") || srv.URL != "https://"+srv.Endpoint+"/" {
		t.Fatalf("Endpoint %q, URL %q", srv.Endpoint, srv.URL)
	}
	res, err := srv.HTTPClient().Get(srv.URL + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /healthz: %s", res.Status)
	}

	// The CA is the only anchor: Go's own verifier, given just srv.CA,
	// accepts the certificate for 127.0.0.1, and an empty pool does not.
	block, _ := pem.Decode([]byte(srv.CA))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CA is not a PEM certificate: %q", srv.CA)
	}
	conn, err := tls.Dial("tcp", srv.Endpoint, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(srv.CA))
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "127.0.0.1"}); err != nil {
		t.Fatalf("the server certificate does not chain to CA: %v", err)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), DNSName: "127.0.0.1"}); err == nil {
		t.Fatal("the server certificate verified without the CA")
	}
}

func TestTestServerClientKeyIsFresh(t *testing.T) {
	a, b := pocketkms.NewTestServer(t), pocketkms.NewTestServer(t)
	if a.ClientKeyID == b.ClientKeyID || a.Password == b.Password || a.Endpoint == b.Endpoint {
		t.Fatal("two servers share a ClientKey id, password or endpoint")
	}
	var file struct{ KeyId, PrivateKeyData string }
	if err := json.Unmarshal([]byte(a.ClientKeyContent), &file); err != nil {
		t.Fatalf("ClientKeyContent is not the product's JSON file: %v", err)
	}
	if file.KeyId != a.ClientKeyID || !strings.HasPrefix(file.KeyId, "KAAP.") || file.PrivateKeyData == "" {
		t.Fatalf("ClientKeyContent %+v, ClientKeyID %q", file, a.ClientKeyID)
	}
	if len(a.Password) < 8 {
		t.Fatalf("password %q is shorter than the product allows", a.Password)
	}
}

func TestTestServerSeedAndCall(t *testing.T) {
	srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().WithSeed("inline", []byte(`{
		"Keys": [{"KeyId": "key-apptest00000000000001", "KeySpec": "Aliyun_AES_256", "Aliases": ["alias/app"]}]
	}`)))
	out, err := srv.Call("DescribeKey", `{"KeyId":"alias/app"}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"KeyId":"key-apptest00000000000001"`) {
		t.Fatalf("DescribeKey alias/app: %s", out)
	}
	if _, err := srv.Call("DescribeKey", `{"KeyId":"alias/none"}`); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("DescribeKey of an unknown alias: %v", err)
	}
}

func TestTestServerSeedFileAndSDKClientKey(t *testing.T) {
	content, err := os.ReadFile("testdata/sdk-test-clientkey.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().
		WithSeedFile("internal/seed/testdata/good.json").
		WithClientKey(content, "1234"))
	if srv.ClientKeyID != "key_for_unit_test" || srv.Password != "1234" || srv.ClientKeyContent != string(content) {
		t.Fatalf("ClientKey %q / %q not the one given", srv.ClientKeyID, srv.Password)
	}
	if _, err := srv.Call("DescribeKey", `{"KeyId":"alias/sm4"}`); err != nil {
		t.Fatalf("the seed file's alias/sm4: %v", err)
	}
}

// fakeTB records Fatalf instead of stopping the test.
type fakeTB struct {
	fatal    string
	cleanups []func()
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }

func TestTestServerBadConfigFails(t *testing.T) {
	for name, cfg := range map[string]pocketkms.TestConfig{
		"seed":      pocketkms.NewTestConfig().WithSeed("bad.json", []byte(`{"Keys":[{"KeySpec":"Aliyun_AES_257"}]}`)),
		"seed file": pocketkms.NewTestConfig().WithSeedFile("no/such/seed.json"),
		"ClientKey": pocketkms.NewTestConfig().WithClientKey([]byte(`{"KeyId":"x","PrivateKeyData":"AAAA"}`), "pw"),
	} {
		tb := &fakeTB{}
		if srv := pocketkms.NewTestServerWithConfig(tb, cfg); srv != nil || tb.fatal == "" || len(tb.cleanups) != 0 {
			t.Errorf("%s: server %v, Fatalf %q, %d cleanups", name, srv, tb.fatal, len(tb.cleanups))
		}
		t.Logf("%s: %s", name, tb.fatal)
	}
	_, err := pocketkms.StartTestServer(pocketkms.NewTestConfig().WithSeed("bad.json", []byte(`{"Keys":[{"KeySpec":"Aliyun_AES_257"}]}`)))
	if err == nil || !strings.Contains(err.Error(), "bad.json") || !strings.Contains(err.Error(), "Keys[0].KeySpec") {
		t.Fatalf("a bad seed's error names neither file nor field: %v", err)
	}
}

func TestTestServerCleanupCloses(t *testing.T) {
	tb := &fakeTB{}
	srv := pocketkms.NewTestServerWithConfig(tb, pocketkms.NewTestConfig())
	if tb.fatal != "" || len(tb.cleanups) != 1 {
		t.Fatalf("Fatalf %q, %d cleanups", tb.fatal, len(tb.cleanups))
	}
	tb.cleanups[0]()
	srv.Close() // twice is harmless
	if c, err := net.DialTimeout("tcp", srv.Endpoint, time.Second); err == nil {
		c.Close()
		t.Fatal("the port still accepts connections after Cleanup")
	}
}

func TestTestServersInParallel(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	for i := range 8 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			srv := pocketkms.NewTestServer(t)
			out, err := srv.Call("CreateKey", `{"KeySpec":"Aliyun_AES_256"}`)
			if err != nil {
				t.Fatal(err)
			}
			list, err := srv.Call("ListKeys", `{}`)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(list, `"KeyId"`) != 1 {
				t.Fatalf("a fresh server lists other servers' keys: %s (made %s)", list, out)
			}
			res, err := srv.HTTPClient().Get(srv.URL + "healthz")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			if seen[srv.Endpoint] {
				t.Errorf("endpoint %s given twice", srv.Endpoint)
			}
			seen[srv.Endpoint] = true
		})
	}
}

func TestFakeClockMovesRotationDue(t *testing.T) {
	clock := pocketkms.NewFakeClock(time.Now())
	srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().WithClock(clock.Now))
	out, err := srv.Call("CreateKey", `{"KeySpec":"Aliyun_AES_256","EnableAutomaticRotation":true,"RotationInterval":"7d"}`)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ KeyMetadata struct{ KeyId string } }
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatal(err)
	}
	versions := func() int {
		out, err := srv.Call("ListKeyVersions", fmt.Sprintf(`{"KeyId":%q}`, created.KeyMetadata.KeyId))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(out, `"KeyVersionId"`)
	}
	encrypt := func() {
		if _, err := srv.Call("AdvanceEncrypt", fmt.Sprintf(`{"KeyId":%q,"Plaintext":"aGVsbG8="}`, created.KeyMetadata.KeyId)); err != nil {
			t.Fatal(err)
		}
	}
	encrypt()
	if n := versions(); n != 1 {
		t.Fatalf("%d versions before the interval", n)
	}
	clock.Advance(7*24*time.Hour + time.Second)
	encrypt()
	if n := versions(); n != 2 {
		t.Fatalf("%d versions after the interval, want 2", n)
	}
}

func TestFakeClockMovesDeletionDue(t *testing.T) {
	clock := pocketkms.NewFakeClock(time.Now())
	srv := pocketkms.NewTestServerWithConfig(t, pocketkms.NewTestConfig().
		WithSeed("seed", []byte(`{"Keys":[{"KeyId":"key-deletetest00000000001","Aliases":["alias/gone"]}]}`)).
		WithClock(clock.Now))
	if _, err := srv.Call("ScheduleKeyDeletion", `{"KeyId":"alias/gone","PendingWindowInDays":7}`); err != nil {
		t.Fatal(err)
	}
	clock.Advance(6 * 24 * time.Hour)
	if _, err := srv.Call("DescribeKey", `{"KeyId":"key-deletetest00000000001"}`); err != nil {
		t.Fatalf("the key is gone before its deletion date: %v", err)
	}
	clock.Advance(24*time.Hour + time.Second)
	if _, err := srv.Call("DescribeKey", `{"KeyId":"key-deletetest00000000001"}`); err == nil || !strings.Contains(err.Error(), "NotFound") {
		t.Fatalf("DescribeKey after the deletion date: %v", err)
	}
}

func BenchmarkNewTestServer(b *testing.B) {
	pocketkms.NewTestServer(b) // the process's ClientKey RSA key, made once
	b.ResetTimer()
	for b.Loop() {
		srv, err := pocketkms.StartTestServer(pocketkms.NewTestConfig())
		if err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/start")
}
