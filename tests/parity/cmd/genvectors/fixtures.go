package main

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Fixed inputs. Everything is derived from a label so that the vectors can
// be regenerated bit for bit: only the expectations come from the core.

// keyID makes a valid key id from a label: "key-" and 21 characters.
func keyID(label string) string {
	if len(label) > 21 {
		panic("label too long: " + label)
	}
	return "key-" + label + strings.Repeat("0", 21-len(label))
}

// versionID makes the n-th version id of a key.
func versionID(key string, n int) string {
	s := "v" + strings.Repeat("0", 9)
	b := []byte(s)
	b[9] = byte('0' + n%10)
	b[8] = byte('0' + n/10)
	return key + "-" + string(b)
}

// material is fixed key material of size bytes.
func material(label string, size int) []byte {
	h := sha256.Sum256([]byte("pocketkms parity key " + label))
	return h[:size]
}

// fixedIV is the fixed IV of a scenario: 12 bytes for GCM, 16 for CBC.
func fixedIV(label string, size int) []byte {
	h := sha256.Sum256([]byte("pocketkms parity iv " + label))
	return h[:size]
}

// plaintext is n bytes of readable text.
func plaintext(n int) []byte {
	const text = "pocketkms parity vector: the same bytes on every runtime. "
	return []byte(strings.Repeat(text, n/len(text)+1)[:n])
}

var aad = []byte("tenant=parity;purpose=vectors")

// Fixed dates for imported versions, so DescribeKey is reproducible.
var dates = []string{"2026-01-15T08:00:00Z", "2026-04-15T08:00:00Z", "2026-07-15T08:00:00Z", "2026-10-15T08:00:00Z"}

// importReq is an ImportKey request for a key with n fixed versions.
func importReq(label, spec string, n int) req {
	id := keyID(label)
	size := 32
	switch spec {
	case "Aliyun_AES_192":
		size = 24
	case "Aliyun_AES_128", "Aliyun_SM4":
		size = 16
	}
	var vs []any
	for i := 1; i <= n; i++ {
		vs = append(vs, req{"KeyVersionId": versionID(id, i), "KeyMaterial": material(label+"/"+versionID(id, i), size), "CreationDate": dates[i-1]})
	}
	return req{"KeyId": id, "KeySpec": spec, "Description": "parity vector key " + label, "Versions": vs}
}

// withVersions returns a copy of an ImportKey request that keeps only the
// given versions (1-based): how the generator makes blobs of old versions.
func withVersions(r req, keep ...int) req {
	out := req{}
	for k, v := range r {
		out[k] = v
	}
	all := r["Versions"].([]any)
	var vs []any
	for _, i := range keep {
		vs = append(vs, all[i-1])
	}
	out["Versions"] = vs
	return out
}

// flip returns a copy of a base64 blob with one byte XORed.
func flip(b64 string, at int) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		panic(err)
	}
	if at < 0 {
		at += len(b)
	}
	b[at] ^= 0x01
	return base64.StdEncoding.EncodeToString(b)
}

// cut returns the first n bytes of a base64 blob (n < 0: all but -n).
func cut(b64 string, n int) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		panic(err)
	}
	if n < 0 {
		n += len(b)
	}
	return base64.StdEncoding.EncodeToString(b[:n])
}

// set returns a copy of a base64 blob with byte at replaced.
func set(b64 string, at int, v byte) string {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		panic(err)
	}
	b[at] = v
	return base64.StdEncoding.EncodeToString(b)
}
