// Package classic drives `pocketkms serve`'s classic KMS OpenAPI with
// Alibaba's own clients, configured with nothing but endpoint, protocol,
// AccessKey and CA: github.com/alibabacloud-go/kms-20160120/v3 with each of
// its three signers, github.com/aliyun/alibaba-cloud-sdk-go/services/kms,
// and (node_test.go) @alicloud/kms20160120 under Node. Cross-API checks
// use the KMS Instance SDK on the same server. Run it with
// tests/classic/run.sh.
package classic

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// The AccessKey pair the suite seeds (docs/seed.md, AccessKeys).
const (
	accessKeyID     = "LTAIclassicsuite00001"
	accessKeySecret = "classic-suite-secret-0123456789"
	ckPassword      = "classic-suite-password"
)

var (
	bin     string
	srv     *kmstest.Server // HTTPS with its own CA
	plain   *kmstest.Server // --plain-http on the same data directory
	ckFile  string          // a ClientKey for the instance SDK
	dataDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "pocketkms-classic-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := setUp(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	for _, s := range []*kmstest.Server{srv, plain} {
		if s != nil {
			if err := s.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
			}
		}
	}
	return code
}

func setUp(dir string) error {
	var err error
	if bin, err = kmstest.Binary(dir); err != nil {
		return err
	}
	dataDir = filepath.Join(dir, "data")
	seed := filepath.Join(dir, "seed.json")
	doc, _ := json.Marshal(map[string]any{"AccessKeys": []map[string]string{{"AccessKeyId": accessKeyID, "AccessKeySecret": accessKeySecret}}})
	if err := os.WriteFile(seed, doc, 0o600); err != nil {
		return err
	}
	pw := filepath.Join(dir, "password.txt")
	if err := os.WriteFile(pw, []byte(ckPassword+"\n"), 0o600); err != nil {
		return err
	}
	ckFile = filepath.Join(dir, "clientKey.json")
	if _, stderr, code, err := kmstest.CLI(context.Background(), bin, "clientkey", "create", "--data", dataDir, "--out", ckFile, "--password-file", pw); err != nil || code != 0 {
		return fmt.Errorf("clientkey create: %v %s", err, stderr)
	}
	if srv, err = kmstest.Start(bin, dataDir, "--seed", seed); err != nil {
		return err
	}
	plain, err = kmstest.Start(bin, dataDir, "--plain-http")
	return err
}
