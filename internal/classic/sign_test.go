package classic

import (
	"net/http"
	"net/url"
	"testing"
)

// The worked examples of spec §1.2.1, §1.3a and §1.3b, which were checked
// against the SDK's own exported signers.
const (
	exHost     = "127.0.0.1:8080"
	exDate     = "2024-01-02T03:04:05Z"
	exNonce    = "0123456789abcdef0123456789abcdef"
	exEmptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	exSigned   = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
)

func exQuery() url.Values {
	return url.Values{"KeyId": {"alias/test"}, "Plaintext": {"SGVsbG8gd29ybGQ="}, "EncryptionContext": {`{"purpose":"demo"}`}}
}

func exHeader(auth string) http.Header {
	h := http.Header{}
	h.Set("x-acs-action", "Encrypt")
	h.Set("x-acs-version", "2016-01-20")
	h.Set("x-acs-date", exDate)
	h.Set("x-acs-signature-nonce", exNonce)
	h.Set("x-acs-content-sha256", exEmptySHA)
	h.Set("Authorization", auth)
	return h
}

func mustParse(t *testing.T, q url.Values, h http.Header, ct string, body []byte) *Request {
	t.Helper()
	req, err := ParseRequest("POST", q.Encode(), ct, h, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func check(t *testing.T, q url.Values, h http.Header, host, secret string, body []byte, want bool) {
	t.Helper()
	ct := ""
	if len(body) > 0 {
		ct = "application/x-www-form-urlencoded"
	}
	req := mustParse(t, q, h, ct, body)
	a, err := ParseAuth(req, h)
	if err != nil {
		if want {
			t.Fatal(err)
		}
		return
	}
	sts, err := a.StringToSign("POST", host, req, h)
	if err != nil {
		if want {
			t.Fatal(err)
		}
		return
	}
	if got := a.Verify(secret, sts); got != want {
		t.Fatalf("Verify = %v, want %v; string to sign:\n%s", got, want, sts)
	}
}

func TestACS3WorkedExample(t *testing.T) {
	auth := "ACS3-HMAC-SHA256 Credential=testid,SignedHeaders=" + exSigned + ",Signature=38cc59bc4aa4d6c5d50e28bea19b017d8eadd7f0cdb9eee9f171641b1bfcc289"
	h := exHeader(auth)
	req := mustParse(t, exQuery(), h, "", nil)
	a, err := ParseAuth(req, h)
	if err != nil {
		t.Fatal(err)
	}
	if a.Scheme != SchemeACS3 || a.AccessKeyID != "testid" || a.Nonce != exNonce {
		t.Fatalf("parsed %+v", a)
	}
	sts, err := a.StringToSign("POST", exHost, req, h)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ACS3-HMAC-SHA256\n7cf6fbd313cb7e9213b28e68afec8fecd1cbfc5b0487cfaa383df7f5f6cc95d4"; sts != want {
		t.Fatalf("string to sign %q, want %q", sts, want)
	}
	if !a.Verify("testsecret", sts) {
		t.Fatal("the worked example does not verify")
	}
	negatives(t, auth, exHeader)
}

func TestACS4WorkedExample(t *testing.T) {
	if k := acs4Key("testsecret", "20240102", "center", "Kms"); hexOf(k) != "38a5a6828cae61c269149703f505cd4ef426ffa4bc7bdde1a315b9c3225c266e" {
		t.Fatalf("kSign %x", k)
	}
	auth := "ACS4-HMAC-SHA256 Credential=testid/20240102/center/Kms/aliyun_v4_request,SignedHeaders=" + exSigned + ",Signature=8c63f7346fe3815a178e4bfe7a4205a15341aad626550773c83a4495a546c2ea"
	check(t, exQuery(), exHeader(auth), exHost, "testsecret", nil, true)
	negatives(t, auth, exHeader)
	// The scope's date must be x-acs-date's day.
	bad := "ACS4-HMAC-SHA256 Credential=testid/20240103/center/Kms/aliyun_v4_request,SignedHeaders=" + exSigned + ",Signature=8c63f7346fe3815a178e4bfe7a4205a15341aad626550773c83a4495a546c2ea"
	check(t, exQuery(), exHeader(bad), exHost, "testsecret", nil, false)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// negatives: each change to what was signed fails verification.
func negatives(t *testing.T, auth string, header func(string) http.Header) {
	t.Helper()
	t.Run("changed query", func(t *testing.T) {
		q := exQuery()
		q.Set("Plaintext", "SGVsbG8gd29ybGQh")
		check(t, q, header(auth), exHost, "testsecret", nil, false)
	})
	t.Run("added query", func(t *testing.T) {
		q := exQuery()
		q.Set("DryRun", "true")
		check(t, q, header(auth), exHost, "testsecret", nil, false)
	})
	t.Run("changed header", func(t *testing.T) {
		h := header(auth)
		h.Set("x-acs-action", "Decrypt")
		check(t, exQuery(), h, exHost, "testsecret", nil, false)
	})
	t.Run("unsigned x-acs header", func(t *testing.T) {
		h := header(auth)
		h.Set("x-acs-extra", "1")
		check(t, exQuery(), h, exHost, "testsecret", nil, false)
	})
	t.Run("changed host", func(t *testing.T) {
		check(t, exQuery(), header(auth), "127.0.0.1:8081", "testsecret", nil, false)
	})
	t.Run("body without its hash", func(t *testing.T) {
		check(t, exQuery(), header(auth), exHost, "testsecret", []byte("a=b"), false)
	})
	t.Run("wrong secret", func(t *testing.T) {
		check(t, exQuery(), header(auth), exHost, "testsecreT", nil, false)
	})
}

func v1Params() url.Values {
	return url.Values{"AccessKeyId": {"testid"}, "Action": {"Encrypt"}, "EncryptionContext": {`{"purpose":"demo"}`},
		"Format": {"json"}, "KeyId": {"alias/test"}, "Plaintext": {"SGVsbG8gd29ybGQ="}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureNonce": {exNonce}, "SignatureVersion": {"1.0"}, "Timestamp": {exDate}, "Version": {"2016-01-20"},
		"Signature": {"KvrC51s4FHEikch1qThjN3AFaSo="}}
}

func TestV1WorkedExample(t *testing.T) {
	q := v1Params()
	req := mustParse(t, q, http.Header{}, "", nil)
	a, err := ParseAuth(req, http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	sts, _ := a.StringToSign("POST", exHost, req, http.Header{})
	want := "POST&%2F&AccessKeyId%3Dtestid%26Action%3DEncrypt%26EncryptionContext%3D%257B%2522purpose%2522%253A%2522demo%2522%257D%26Format%3Djson%26KeyId%3Dalias%252Ftest%26Plaintext%3DSGVsbG8gd29ybGQ%253D%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D0123456789abcdef0123456789abcdef%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2016-01-20"
	if sts != want {
		t.Fatalf("string to sign\n%s\nwant\n%s", sts, want)
	}
	check(t, q, http.Header{}, exHost, "testsecret", nil, true)
	// The same parameters split between the query and a form body (Terraform).
	body := url.Values{"KeyId": q["KeyId"], "Plaintext": q["Plaintext"], "EncryptionContext": q["EncryptionContext"]}
	qs := v1Params()
	qs.Del("KeyId")
	qs.Del("Plaintext")
	qs.Del("EncryptionContext")
	check(t, qs, http.Header{}, exHost, "testsecret", []byte(body.Encode()), true)

	for name, change := range map[string]func(q url.Values) []byte{
		"changed query": func(q url.Values) []byte { q.Set("KeyId", "alias/other"); return nil },
		"added body":    func(q url.Values) []byte { return []byte("DryRun=true") },
		"changed time":  func(q url.Values) []byte { q.Set("Timestamp", "2024-01-02T03:04:06Z"); return nil },
	} {
		t.Run(name, func(t *testing.T) {
			q := v1Params()
			body := change(q)
			check(t, q, http.Header{}, exHost, "testsecret", body, false)
		})
	}
	check(t, v1Params(), http.Header{}, exHost, "testsecret2", nil, false)
}

func TestParseAuthRefuses(t *testing.T) {
	for name, auth := range map[string]string{
		"unknown scheme":   "ACS5-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00",
		"no signature":     "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=" + exSigned,
		"unsorted headers": "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=x-acs-date;host,Signature=00",
		"duplicate field":  "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=" + exSigned + ",Signature=00",
		"short scope":      "ACS4-HMAC-SHA256 Credential=a/20240102/center,SignedHeaders=" + exSigned + ",Signature=00",
		"host unsigned":    "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=00",
	} {
		h := exHeader(auth)
		if _, err := ParseAuth(mustParse(t, exQuery(), h, "", nil), h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, drop := range map[string]string{"no date": "x-acs-date", "no nonce": "x-acs-signature-nonce", "no hash": "x-acs-content-sha256"} {
		h := exHeader("ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=00")
		h.Del(drop)
		if _, err := ParseAuth(mustParse(t, exQuery(), h, "", nil), h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, del := range []string{"Timestamp", "SignatureNonce", "AccessKeyId", "SignatureMethod"} {
		q := v1Params()
		q.Del(del)
		if _, err := ParseAuth(mustParse(t, q, http.Header{}, "", nil), http.Header{}); err == nil {
			t.Errorf("v1 without %s: accepted", del)
		}
	}
}
