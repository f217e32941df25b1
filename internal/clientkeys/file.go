package clientkeys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"time"
	"unicode/utf8"

	"software.sslmate.com/src/go-pkcs12"
)

// File is the product's ClientKey file: the id and a base64 PKCS#12 holding
// one certificate and then one RSA private key, protected by a password that
// is handed out separately.
type File struct {
	KeyId          string `json:"KeyId"`
	PrivateKeyData string `json:"PrivateKeyData"`
}

// Password bounds for new ClientKeys, as the product sets them. Imports accept
// any password (the SDK's own test key uses "1234").
const (
	MinPasswordLen = 8
	MaxPasswordLen = 64
)

// RecordFromClientKey makes the registry record for an existing ClientKey
// file (its JSON text) and password: the seed file's {"ClientKeyContent",
// "Password"} entry and `clientkey import`. Only the public key is kept.
func RecordFromClientKey(content []byte, password string) (key string, value []byte, err error) {
	var f File
	if err := json.Unmarshal(content, &f); err != nil {
		return "", nil, fmt.Errorf("ClientKey file is not JSON {\"KeyId\",\"PrivateKeyData\"}: %v", err)
	}
	if err := CheckID(f.KeyId); err != nil {
		return "", nil, fmt.Errorf("ClientKey file: KeyId: %v", err)
	}
	p12, err := base64.StdEncoding.DecodeString(f.PrivateKeyData)
	if err != nil || len(p12) == 0 {
		return "", nil, fmt.Errorf("ClientKey %s: PrivateKeyData is not standard base64", f.KeyId)
	}
	priv, cert, err := pkcs12.Decode(p12, password)
	if err != nil {
		return "", nil, fmt.Errorf("ClientKey %s: cannot open PKCS#12 (wrong password or not a ClientKey): %v", f.KeyId, err)
	}
	rsaPriv, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return "", nil, fmt.Errorf("ClientKey %s: private key is %T, want RSA", f.KeyId, priv)
	}
	if !rsaPriv.PublicKey.Equal(cert.PublicKey) {
		return "", nil, fmt.Errorf("ClientKey %s: certificate does not match the private key", f.KeyId)
	}
	rec := Record{ClientKeyId: f.KeyId, CreatedAt: time.Now().UTC(), Source: "imported",
		Certificate: string(pemCert(cert.Raw)), NotAfter: cert.NotAfter.UTC()}
	return finish(rec, &rsaPriv.PublicKey)
}

// Create makes a new ClientKey: an RSA-2048 key, a self-signed certificate
// naming the id, and the legacy PKCS#12 (3DES, SHA-1 MAC, certificate first)
// that the SDKs decode with golang.org/x/crypto/pkcs12. It returns the
// ClientKey file text for the client and the registry record (public half).
func Create(random io.Reader, password string, validity time.Duration) (id string, file []byte, key string, value []byte, err error) {
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || n > MaxPasswordLen {
		return "", nil, "", nil, fmt.Errorf("ClientKey password must be %d to %d characters, got %d", MinPasswordLen, MaxPasswordLen, n)
	}
	if random == nil {
		random = rand.Reader
	}
	priv, err := rsa.GenerateKey(random, 2048)
	if err != nil {
		return "", nil, "", nil, err
	}
	return CreateWithKey(random, priv, password, validity)
}

// CreateWithKey is Create with an RSA key the caller made: the in-process
// test server makes one key per process, because generating an RSA-2048 key
// costs many times the rest of its start, and each server still gets its
// own id, certificate, password and PKCS#12.
func CreateWithKey(random io.Reader, priv *rsa.PrivateKey, password string, validity time.Duration) (id string, file []byte, key string, value []byte, err error) {
	if n := utf8.RuneCountInString(password); n < MinPasswordLen || n > MaxPasswordLen {
		return "", nil, "", nil, fmt.Errorf("ClientKey password must be %d to %d characters, got %d", MinPasswordLen, MaxPasswordLen, n)
	}
	if random == nil {
		random = rand.Reader
	}
	if priv == nil || priv.N.BitLen() < 2048 {
		return "", nil, "", nil, fmt.Errorf("ClientKey needs an RSA key of at least 2048 bits")
	}
	id, err = newID(random)
	if err != nil {
		return "", nil, "", nil, err
	}
	serial, err := rand.Int(random, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", nil, "", nil, err
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: id, Organization: []string{"pocketkms ClientKey"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return "", nil, "", nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", nil, "", nil, err
	}
	p12, err := pkcs12.LegacyDES.WithRand(random).Encode(priv, cert, nil, password)
	if err != nil {
		return "", nil, "", nil, fmt.Errorf("encode PKCS#12: %v", err)
	}
	file, err = json.MarshalIndent(File{KeyId: id, PrivateKeyData: base64.StdEncoding.EncodeToString(p12)}, "", "  ")
	if err != nil {
		return "", nil, "", nil, err
	}
	rec := Record{ClientKeyId: id, CreatedAt: now, Source: "created", Certificate: string(pemCert(der)), NotAfter: cert.NotAfter.UTC()}
	key, value, err = finish(rec, &priv.PublicKey)
	return id, append(file, '\n'), key, value, err
}

// newID returns "KAAP." and a random lower-case UUID, as the product names ClientKeys.
func newID(r io.Reader) (string, error) {
	var u [16]byte
	if _, err := io.ReadFull(r, u[:]); err != nil {
		return "", fmt.Errorf("random source: %v", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return "KAAP." + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
