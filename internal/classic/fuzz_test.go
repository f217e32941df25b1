package classic

import (
	"net/http"
	"testing"
)

// FuzzParseRequest feeds arbitrary queries, form bodies and Authorization
// headers through the parameter parser, every signer's parser and canonical
// form, and the map and list readers: none may panic, and a request that
// parses must produce a string to sign.
func FuzzParseRequest(f *testing.F) {
	f.Add("KeyId=alias%2Ftest&EncryptionContext=%7B%22a%22%3A%22b%22%7D", "", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;x-acs-date,Signature=00")
	f.Add("Action=Encrypt&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&Timestamp=2024-01-02T03:04:05Z&SignatureNonce=n&AccessKeyId=ak", "EncryptionContext.a=1&ResourceId.1=k&Tag.1.Key=a&Tag.1.Value=b", "")
	f.Add("", "", "ACS4-HMAC-SHA256 Credential=a/20240102/center/Kms/aliyun_v4_request,SignedHeaders=host,Signature=00")
	f.Fuzz(func(t *testing.T, query, body, auth string) {
		h := http.Header{}
		if auth != "" {
			h.Set("Authorization", auth)
		}
		h.Set("x-acs-date", "2024-01-02T03:04:05Z")
		h.Set("x-acs-signature-nonce", "n")
		h.Set("x-acs-content-sha256", hexSHA256([]byte(body)))
		req, err := ParseRequest("POST", query, "application/x-www-form-urlencoded", h, []byte(body))
		if err != nil {
			return
		}
		for _, name := range []string{"EncryptionContext", "Tags", "ResourceId", "Tag"} {
			req.Params.Map(name)
			req.Params.List(name)
			req.Params.Pairs(name)
		}
		req.Params.Int("PageSize", 10, 1, 100)
		req.Params.Bool("DryRun")
		a, err := ParseAuth(req, h)
		if err != nil {
			return
		}
		sts, err := a.StringToSign("POST", "127.0.0.1", req, h)
		if err == nil && sts == "" {
			t.Fatal("an empty string to sign")
		}
		a.Verify("secret", sts)
	})
}
