package classic

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

// TestNode runs node.test.mjs (@alicloud/kms20160120 from npm, the
// package.json devDependency) against the plain-HTTP server.
func TestNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed for the Node classic client suite")
	}
	if _, err := os.Stat(filepath.Join(kmstest.RepoRoot(), "node_modules", "@alicloud", "kms20160120")); err != nil {
		t.Fatal("@alicloud/kms20160120 is not installed: run npm ci")
	}
	cmd := exec.Command(node, "--test", "--test-reporter=spec", filepath.Join(kmstest.RepoRoot(), "tests", "classic", "node.test.mjs"))
	cmd.Dir = kmstest.RepoRoot()
	cmd.Env = append(os.Environ(), "POCKETKMS_CLASSIC_ENDPOINT="+plain.Addr,
		"POCKETKMS_CLASSIC_AK="+accessKeyID, "POCKETKMS_CLASSIC_SECRET="+accessKeySecret)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
