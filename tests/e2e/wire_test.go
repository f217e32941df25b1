package e2e

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alibabacloud-go/tea/tea"
	dkms "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/sdk"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

func (e *env) raw(t *testing.T) *kmstest.Raw {
	t.Helper()
	return target(e.srv, e.clientKey, password).Raw(t)
}

// transportErrors: faults below the instance API (cleartext to the TLS
// port, bytes net/http refuses, TLS itself) answered by the server.
func (e *env) transportErrors(t *testing.T) {
	ok, _ := pb.Marshal(&pb.GenerateRandomRequest{Length: 8})
	t.Run("plain HTTP to the TLS port", func(t *testing.T) {
		resp, err := http.Post("http://"+e.srv.Addr+"/", server.ContentType, bytes.NewReader(ok))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		kmstest.WantProtoError(t, resp.StatusCode, resp.Header, body, 400, "InvalidParam")
	})
	t.Run("requests net/http refuses by itself", func(t *testing.T) {
		for _, tc := range []struct {
			name, request string
			status        int
			code          string
		}{
			{"malformed", "this is not http\r\n\r\n", 400, "InvalidParam"},
			{"headers too large", "POST / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + strings.Repeat("a", 300<<10) + "\r\n\r\n", 431, "RequestHeaderFieldsTooLarge"},
			{"unknown transfer coding", "POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "NotImplemented"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				st, hdr, body := rawExchange(t, e.srv, tc.request)
				kmstest.WantProtoError(t, st, hdr, body, tc.status, tc.code)
			})
		}
	})
	t.Run("no client certificate is requested", func(t *testing.T) {
		ca, _ := os.ReadFile(e.srv.CA)
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		asked := false
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", e.srv.Addr, &tls.Config{RootCAs: pool, ServerName: "localhost",
			GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				asked = true
				return &tls.Certificate{}, nil
			}})
		if err != nil {
			t.Fatalf("TLS with the generated CA for localhost: %v", err)
		}
		conn.Close()
		if asked {
			t.Fatal("the server asked for a client certificate")
		}
	})
}

// rawExchange writes bytes on a fresh TLS connection and reads one answer.
func rawExchange(t *testing.T, s *kmstest.Server, request string) (int, http.Header, []byte) {
	t.Helper()
	ca, _ := os.ReadFile(s.CA)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", s.Addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go conn.Write([]byte(request)) // may block on a large request the server stops reading
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func (e *env) playground(t *testing.T) {
	r := e.raw(t)
	get := func(path string) (int, http.Header, []byte) {
		req, _ := http.NewRequest("GET", r.URL[:len(r.URL)-1]+path, nil)
		st, hdr, body, err := r.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return st, hdr, body
	}
	st, hdr, body := get("/")
	if st != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") || !bytes.Contains(bytes.ToLower(body), []byte("<html")) {
		t.Fatalf("GET /: %d %q %.80q", st, hdr.Get("Content-Type"), body)
	}
	// Every local file the page references is served, with a type a browser
	// accepts for it.
	refs := regexp.MustCompile(`(?:src|href)="([^"#:]+)"`).FindAllSubmatch(body, -1)
	if len(refs) == 0 {
		t.Fatal("index.html references no local files")
	}
	for _, m := range refs {
		p := "/" + strings.TrimPrefix(string(m[1]), "./")
		st, hdr, _ := get(p)
		if st != 200 || strings.HasPrefix(hdr.Get("Content-Type"), "application/x-protobuf") {
			t.Errorf("GET %s (referenced by index.html): %d %s", p, st, hdr.Get("Content-Type"))
		}
	}
	st, _, body = get("/healthz")
	var h map[string]string
	if st != 200 || json.Unmarshal(body, &h) != nil || h["status"] != "ok" || h["engine"] != e.engine {
		t.Fatalf("GET /healthz: %d %s", st, body)
	}
	if kmstest.WasmModule() != "" {
		st, hdr, body = get("/build/pocketkms.wasm")
		if st != 200 || hdr.Get("Content-Type") != "application/wasm" || !bytes.HasPrefix(body, []byte("\x00asm")) {
			t.Fatalf("GET /build/pocketkms.wasm: %d %q", st, hdr.Get("Content-Type"))
		}
	}
}

// drainOnSIGTERM stops the server while a request is in flight (its body
// only half sent): the request must still be answered, then the server exits.
func (e *env) drainOnSIGTERM(t *testing.T) {
	r := e.raw(t)
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: bytes.Repeat([]byte("mid-request payload "), 100)})
	req := r.Request("AdvanceEncrypt", body, nil, nil)
	pr, pw := io.Pipe()
	req.Body, req.ContentLength = pr, int64(len(body))
	type answer struct {
		status int
		out    []byte
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		st, _, out, err := r.Do(req)
		done <- answer{st, out, err}
	}()
	pw.Write(body[:len(body)/2])
	time.Sleep(300 * time.Millisecond) // the server is now reading the body
	e.srv.Terminate()
	time.Sleep(500 * time.Millisecond)
	select {
	case a := <-done:
		t.Fatalf("the request in flight was cut off at SIGTERM: %d %v", a.status, a.err)
	default:
	}
	pw.Write(body[len(body)/2:])
	pw.Close()
	a := <-done
	var resp pb.AdvanceEncryptResponse
	if a.err != nil || a.status != 200 || pb.Unmarshal(a.out, &resp) != nil || len(resp.CiphertextBlob) == 0 {
		t.Fatalf("request in flight at SIGTERM: %d %v %q", a.status, a.err, a.out)
	}
	if err := e.srv.Wait(30 * time.Second); err != nil {
		t.Fatalf("after draining: %v\n%s", err, e.srv.Log())
	}
	if !strings.Contains(e.srv.Log(), "stopped") {
		t.Fatalf("no clean stop in the log:\n%s", e.srv.Log())
	}
	// The blob made during the drain is durable: it opens after the restart.
	e.blobs["drained"] = resp.CiphertextBlob
}

func (e *env) restart(t *testing.T) {
	e.drainOnSIGTERM(t)
	// Nothing secret reached the log: no plaintext, no data key.
	for _, secret := range []string{"attack at dawn", "mid-request payload", "from the SDK test key",
		base64.StdEncoding.EncodeToString(e.blobs["datakey-plain"]), fmt.Sprintf("%x", e.blobs["datakey-plain"]), "PRIVATE KEY"} {
		if strings.Contains(e.srv.Log(), secret) {
			t.Errorf("the server log contains %q", secret)
		}
	}
	for _, f := range []string{"root.key", "tls/ca.pem"} {
		if _, err := os.Stat(e.data + "/" + f); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := os.Stat(e.data + "/root.key"); st.Mode().Perm() != 0o600 {
		t.Fatalf("root key mode %v", st.Mode())
	}
	e.start(t) // no seed this time: everything comes from the data directory
	for name, blob := range e.blobs {
		if name == "datakey-plain" {
			continue
		}
		d, err := e.sdk.AdvanceDecrypt(&dkms.AdvanceDecryptRequest{CiphertextBlob: blob, Aad: aadFor(name)})
		if err != nil {
			t.Fatalf("%s after restart: %v", name, err)
		}
		if name == "datakey" && !bytes.Equal(d.Plaintext, e.blobs["datakey-plain"]) {
			t.Fatal("data key changed across restart")
		}
	}
	if got := kmstest.KeyIDOf(t, e.sdk, "alias/app"); got != e.appKey {
		t.Fatalf("alias/app now names %s, was %s", got, e.appKey)
	}
	// The imported SDK test key is still registered.
	c := sdkClient(t, e.srv, kmstest.RepoRoot()+"/testdata/sdk-test-clientkey.json", "1234")
	if _, err := c.GenerateRandom(&dkms.GenerateRandomRequest{Length: tea.Int32(8)}); err != nil {
		t.Fatal(err)
	}
	// The CLI's change of state on a stopped server is kept too: the
	// revoked ClientKey stays revoked.
	var list struct {
		ClientKeys []struct{ ClientKeyId string }
	}
	cliJSON(t, &list, "clientkey", "list", "--data", e.data)
	if len(list.ClientKeys) != 2 {
		t.Fatalf("after restart: %+v", list)
	}
}

func aadFor(name string) []byte {
	if strings.HasPrefix(name, "alias/") || strings.HasPrefix(name, "key-") {
		return []byte("a")
	}
	return nil
}
