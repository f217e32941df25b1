package kmstest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	dkmsutil "github.com/aliyun/alibabacloud-dkms-gcs-go-sdk/openapi-util"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/host/server"
)

// ClientKey is a ClientKey opened the way the SDK opens it.
type ClientKey struct {
	ID   string
	Priv *rsa.PrivateKey
}

// LoadClientKey reads a ClientKey file with the SDK's own PKCS#12 decoding.
func LoadClientKey(path, password string) (*ClientKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f struct{ KeyId, PrivateKeyData string }
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	p12, err := base64.StdEncoding.DecodeString(f.PrivateKeyData)
	if err != nil {
		return nil, err
	}
	pems, err := dkmsutil.GetPrivatePemFromPk12(p12, &password)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode([]byte(*pems[0]))
	if block == nil {
		return nil, fmt.Errorf("no private key PEM")
	}
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	return &ClientKey{ID: f.KeyId, Priv: priv}, nil
}

// Raw sends instance API requests signed by hand, so that tests can break
// any part of them.
type Raw struct {
	URL  string // "https://127.0.0.1:port/"
	Key  *ClientKey
	HTTP *http.Client
}

// NewRaw returns a client for s trusting its CA.
func NewRaw(s *Server, key *ClientKey) (*Raw, error) {
	scheme := "http"
	if s.CA != "" {
		scheme = "https"
	}
	return NewRawURL(scheme+"://"+s.Addr+"/", s.CA, key)
}

// NewRawURL returns a client for url ("https://host:port/") trusting the
// CA certificate in the file caFile ("" for the system roots or http).
func NewRawURL(url, caFile string, key *ClientKey) (*Raw, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 256, ForceAttemptHTTP2: false}
	if caFile != "" {
		ca, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &Raw{URL: url, Key: key, HTTP: &http.Client{Transport: tr, Timeout: 60 * time.Second}}, nil
}

// Request builds a signed request for api and body. edit runs on the headers
// before signing, after runs after signing (to break the signature).
func (c *Raw) Request(api string, body []byte, edit, after func(http.Header)) *http.Request {
	h := http.Header{}
	h.Set("content-type", server.ContentType)
	h.Set("accept", server.ContentType)
	h.Set("date", time.Now().UTC().Format(http.TimeFormat))
	h.Set(server.HeaderAPIName, api)
	h.Set(server.HeaderAPIVersion, server.APIVersion)
	h.Set(server.HeaderSignatureMethod, server.SignatureMethod)
	h.Set(server.HeaderAccessKeyID, c.Key.ID)
	h.Set(server.HeaderContentSHA256, server.BodySHA256(body))
	if edit != nil {
		edit(h)
	}
	digest := sha256.Sum256([]byte(server.StringToSign("POST", h)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.Key.Priv, crypto.SHA256, digest[:])
	if err != nil {
		panic(err)
	}
	h.Set("authorization", "Bearer "+base64.StdEncoding.EncodeToString(sig))
	if after != nil {
		after(h)
	}
	req, _ := http.NewRequest("POST", c.URL, bytes.NewReader(body))
	req.Header = h
	return req
}

// Do sends req and returns the status, headers and body.
func (c *Raw) Do(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// Call sends a signed request for api with message req and decodes the
// response into resp, or returns the protobuf Error.
func (c *Raw) Call(api string, req, resp pb.Message) (*pb.Error, error) {
	body, err := pb.Marshal(req)
	if err != nil {
		return nil, err
	}
	st, _, out, err := c.Do(c.Request(api, body, nil, nil))
	if err != nil {
		return nil, err
	}
	if st != 200 {
		var e pb.Error
		if err := pb.Unmarshal(out, &e); err != nil {
			return nil, fmt.Errorf("status %d with a non-protobuf body %q", st, out)
		}
		if int(e.StatusCode) != st {
			return nil, fmt.Errorf("HTTP %d but Error.StatusCode %d", st, e.StatusCode)
		}
		return &e, nil
	}
	return nil, pb.Unmarshal(out, resp)
}

// WantProtoError checks a raw answer: protobuf Error body and content
// type, HTTP status and Error.StatusCode, code, lower-case UUID RequestId.
func WantProtoError(t *testing.T, status int, hdr http.Header, body []byte, wantStatus int, wantCode string) {
	t.Helper()
	var pe pb.Error
	if err := pb.Unmarshal(body, &pe); err != nil || hdr.Get("Content-Type") != server.ContentType {
		t.Fatalf("status %d, content type %q, body %q is not a protobuf Error", status, hdr.Get("Content-Type"), body)
	}
	if status != wantStatus || pe.ErrorCode != wantCode || int(pe.StatusCode) != wantStatus {
		t.Fatalf("got %d %d %s (%s), want %d %s", status, pe.StatusCode, pe.ErrorCode, pe.ErrorMessage, wantStatus, wantCode)
	}
	if len(pe.RequestId) != 36 || strings.ToLower(pe.RequestId) != pe.RequestId {
		t.Errorf("RequestId %q", pe.RequestId)
	}
}
