package server

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

// sdkTestKey is the SDK's own unit-test ClientKey (password 1234).
func sdkTestKey(t testing.TB) (id string, content []byte, priv *rsa.PrivateKey) {
	t.Helper()
	content, err := os.ReadFile("../../testdata/sdk-test-clientkey.json")
	if err != nil {
		t.Fatalf("the SDK test ClientKey (testdata/) is needed for the spec's vectors: %v", err)
	}
	var f struct{ KeyId, PrivateKeyData string }
	if err := json.Unmarshal(content, &f); err != nil {
		t.Fatal(err)
	}
	p12, _ := base64.StdEncoding.DecodeString(f.PrivateKeyData)
	k, _, err := pkcs12.Decode(p12, "1234")
	if err != nil {
		t.Fatal(err)
	}
	return f.KeyId, content, k.(*rsa.PrivateKey)
}

func signString(t testing.TB, priv *rsa.PrivateKey, s string) string {
	h := sha256.Sum256([]byte(s))
	sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + base64.StdEncoding.EncodeToString(sig)
}

// The two vectors of spec §1 (PKCS#1 v1.5 signatures are deterministic).
const (
	vector1 = "Bearer 8qCkGCbTUrY8sA17CiaGvUEX/xFAsHyckv8sh3eVUyUz9iMyJE+vGX+LnVX+vNxCE+bepwxlrewa8mlppq5SoswwGWipOFP91TqgdqD44hOiLr/5wtDNRAYyWzriFD/gt1ZklzxKr0rmW0c7kCA+QnB0t6uotHPfXhG+5/E7zRMq/GpRIylYvi50k/26vTouRo7zjc4f6Gf9L+oAuPRih6KarNvw08FQH8DRQ3xVe4QKVwW4hdk47RQ8JySR6lLoli8DFXRmY4d7NNAlyIkGauF1MXGoKv+IzgSJ24QnCyQZ/3bXD4ZnGCguKd92mvF1z7S5hw+aeuXsU+he4LS8QA=="
	vector2 = "Bearer tlon4G2jw9ZN8fWIHB5VixrzKvm0WfC3eknkJFIY74ndru9iRC4VL1QUFp2yiF8dBmn8emK4yEWtBFDW/gUDU+8MQUmSKMweNx44pC13HcJ0CJikmI7OXAtmbbHUAGD6m5KZ2FSYckjKaoHEw5l6Z+iV6KXk557Pg3Q30yZhXRRBgps4D1zpsI4rCIBRVEAzESeCSWSp486dvKfbiUwuYbWzWuKY/FRzke9lPZQKpx82r1aRahQeEWczcqi04s4n6cPlQ9QIWfsLVGYr5XMEkddsa+zwxzs0OQu9GJ/W33BeokuKMl5SY05/02XiVV6qjMKwJEs3chnmHSyum5f5iQ=="

	vector2Body   = "0a0a616c6961732f74657374120568656c6c6f2203616164"
	vector2Date   = "Sun, 29 Nov 2026 11:28:32 GMT"
	vector2SHA256 = "F6A94CDA67AF5AED5895E727C8AA512F584FD50C6DC2F398B21EC45A931BA168"
)

func vector2Headers() http.Header {
	h := http.Header{}
	h.Set("content-type", ContentType)
	h.Set("accept", ContentType)
	h.Set("date", vector2Date)
	h.Set(HeaderAPIName, "AdvanceEncrypt")
	h.Set(HeaderAPIVersion, APIVersion)
	h.Set(HeaderSignatureMethod, SignatureMethod)
	h.Set(HeaderAccessKeyID, "key_for_unit_test")
	h.Set(HeaderContentSHA256, vector2SHA256)
	return h
}

func TestSignatureVectors(t *testing.T) {
	_, _, priv := sdkTestKey(t)
	body, _ := hex.DecodeString(vector2Body)
	if got := BodySHA256(body); got != vector2SHA256 {
		t.Fatalf("content-sha256 %s, want %s", got, vector2SHA256)
	}
	wantString := "POST\n" + vector2SHA256 + "\napplication/x-protobuf\n" + vector2Date + "\n" +
		"x-kms-acccesskeyid:key_for_unit_test\nx-kms-apiname:AdvanceEncrypt\nx-kms-apiversion:dkms-gcs-0.2\nx-kms-signaturemethod:RSA_PKCS1_SHA_256\n/"
	if got := StringToSign("POST", vector2Headers()); got != wantString {
		t.Fatalf("string to sign:\n%q\nwant\n%q", got, wantString)
	}
	for _, tc := range []struct{ name, toSign, want string }{
		{"plain string", "string to sign", vector1},
		{"AdvanceEncrypt request", wantString, vector2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := signString(t, priv, tc.toSign); got != tc.want {
				t.Fatalf("signature\n%s\nwant\n%s", got, tc.want)
			}
			sig, err := parseAuthorization(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256([]byte(tc.toSign))
			if err := rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, h[:], sig); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestParseAuthorization(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Bearer AAAA", true}, {"TOKEN AAAA", true}, {"bearer AAAA", true},
		{"", false}, {"Bearer", false}, {"Basic AAAA", false}, {"Bearer !!!", false}, {"Bearer ", false},
	} {
		_, err := parseAuthorization(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%q: err %v", tc.in, err)
		}
	}
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add(vector1)
	f.Add("TOKEN x==")
	f.Fuzz(func(t *testing.T, s string) { parseAuthorization(s) })
}

// referenceStringToSign is spec §1's string to sign written plainly, to
// hold the allocation-lean StringToSign to.
func referenceStringToSign(method string, h http.Header) string {
	var names []string
	for name := range h {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-kms-") {
			names = append(names, l)
		}
	}
	sort.Strings(names)
	s := method + "\n" + h.Get("content-sha256") + "\n" + h.Get("content-type") + "\n" + h.Get("date") + "\n"
	for _, n := range names {
		s += n + ":" + strings.TrimSpace(strings.Join(h.Values(n), ",")) + "\n"
	}
	return s + "/"
}

// FuzzStringToSign: any set of headers, the way net/http stores them
// (canonical names, repeated values), gives the reference's string.
func FuzzStringToSign(f *testing.F) {
	f.Add("POST", "x-kms-apiname\x00AdvanceEncrypt\x00X-KMS-Custom\x00 a \x00x-kms-custom\x00b\x00date\x00Sun\x00x-kms-\x00empty")
	f.Add("GET", "content-sha256\x00AB\x00content-type\x00x\x00x-kms-keyversionid\x00v1")
	f.Fuzz(func(t *testing.T, method, pairs string) {
		h := http.Header{}
		kv := strings.Split(pairs, "\x00")
		for i := 0; i+1 < len(kv); i += 2 {
			if isToken(kv[i]) { // net/http refuses other names before the handler
				h.Add(kv[i], kv[i+1])
			}
		}
		if got, want := StringToSign(method, h), referenceStringToSign(method, h); got != want {
			t.Fatalf("StringToSign(%q, %v) =\n%q\nwant\n%q", method, h, got, want)
		}
	})
}

// isToken reports whether name is an RFC 9110 token, what a header name must be.
func isToken(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return r >= 0x7f || !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))
	})
}
