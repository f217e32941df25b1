// Package tlsca gives `pocketkms serve` its HTTPS identity without any setup:
// a local CA certificate (DIR/tls/ca.pem, the file clients trust) and a
// server certificate for 127.0.0.1 and localhost signed by it.
//
// RATIONALE: the CA's private key is thrown away as soon as it has signed the
// server certificate. A CA key kept on disk next to the data would let anyone
// who reads the data directory mint certificates for any name that the
// developer's machine trusts; without it, the CA can only ever vouch for this
// one server certificate. The cost is that a renewal makes a new CA, which
// clients must trust again; certificates are valid for ten years to make that
// rare.
package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Files are where a data directory keeps its TLS identity.
type Files struct {
	CA, Cert, Key string
}

// In returns the file names under dataDir/tls.
func In(dataDir string) Files {
	d := filepath.Join(dataDir, "tls")
	return Files{CA: filepath.Join(d, "ca.pem"), Cert: filepath.Join(d, "server.pem"), Key: filepath.Join(d, "server-key.pem")}
}

// Validity of a new CA and server certificate.
const Validity = 10 * 365 * 24 * time.Hour

// renewBefore is how close to expiry a server certificate is replaced.
const renewBefore = 30 * 24 * time.Hour

// Ensure loads the server certificate of f, or makes a new CA and server
// certificate when there is none or it is about to expire, and reports
// whether it made them. Extra hosts (IPs or DNS names) are added to the
// SANs of a new certificate besides 127.0.0.1, ::1 and localhost.
func Ensure(f Files, now time.Time, extraHosts ...string) (tls.Certificate, bool, error) {
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err == nil && cert.Leaf != nil && now.Add(renewBefore).Before(cert.Leaf.NotAfter) && covers(cert.Leaf, extraHosts) {
		if _, err := os.Stat(f.CA); err == nil {
			return cert, false, nil
		}
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, false, fmt.Errorf("tls: %s: %v (delete the tls directory to make a new one)", f.Cert, err)
	}
	if err := create(f, now, extraHosts); err != nil {
		return tls.Certificate{}, false, err
	}
	cert, err = tls.LoadX509KeyPair(f.Cert, f.Key)
	return cert, true, err
}

func covers(leaf *x509.Certificate, hosts []string) bool {
	for _, h := range hosts {
		if h != "" && leaf.VerifyHostname(h) != nil {
			return false
		}
	}
	return true
}

func create(f Files, now time.Time, extraHosts []string) error {
	if err := os.MkdirAll(filepath.Dir(f.Cert), 0o700); err != nil {
		return err
	}
	caPEM, certPEM, keyPEM, err := Generate(now, extraHosts...)
	if err != nil {
		return err
	}
	// Key first, so a crash never leaves a certificate without its key.
	if err := writeFile(f.Key, keyPEM, 0o600); err != nil {
		return err
	}
	if err := writeFile(f.Cert, certPEM, 0o644); err != nil {
		return err
	}
	return writeFile(f.CA, caPEM, 0o644)
}

// Generate makes a new CA and a server certificate signed by it, in memory,
// and returns the three PEMs; the CA's private key is never returned. The
// in-process test server uses it directly, so nothing reaches the disk.
func Generate(now time.Time, extraHosts ...string) (caPEM, certPEM, keyPEM []byte, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	ca := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "pocketkms local CA " + now.UTC().Format("2006-01-02 15:04:05"), Organization: []string{"pocketkms"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(Validity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, _ = x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost", Organization: []string{"pocketkms"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(Validity - time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range extraHosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else if h != "" && h != "localhost" {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}

// writeFile replaces name atomically.
func writeFile(name string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return n
}
