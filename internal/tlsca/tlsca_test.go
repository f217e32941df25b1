package tlsca

import (
	"crypto/x509"
	"os"
	"testing"
	"time"
)

func TestEnsureMakesAVerifiableServerCertOnce(t *testing.T) {
	f := In(t.TempDir())
	now := time.Now()
	cert, created, err := Ensure(f, now)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	caPEM, _ := os.ReadFile(f.CA)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem is not a PEM certificate")
	}
	for _, host := range []string{"127.0.0.1", "localhost", "::1"} {
		if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "example.com"}); err == nil {
		t.Error("certificate valid for example.com")
	}
	if st, _ := os.Stat(f.Key); st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v", st.Mode())
	}
	// Second start: the same certificate.
	again, created, err := Ensure(f, now)
	if err != nil || created || string(again.Certificate[0]) != string(cert.Certificate[0]) {
		t.Fatal("certificate remade", created, err)
	}
	// An empty extra host (what serve passes for a loopback or wildcard
	// address) asks for nothing: the same certificate, and so the same CA.
	if _, created, _ := Ensure(f, now, ""); created {
		t.Fatal("an empty extra host remade the certificate and the CA")
	}
	// Close to expiry, or asked for another host: a new one.
	if _, created, _ := Ensure(f, now.Add(Validity-24*time.Hour)); !created {
		t.Error("expiring certificate kept")
	}
	c3, created, _ := Ensure(f, now, "10.1.2.3")
	if !created || c3.Leaf.VerifyHostname("10.1.2.3") != nil {
		t.Error("extra host not covered")
	}
	if entries, _ := os.ReadDir(f.CA[:len(f.CA)-len("ca.pem")]); len(entries) != 3 {
		t.Errorf("tls dir holds %d files; the CA key must not be kept", len(entries))
	}
}
