// Package worker runs pocketkms's Cloudflare Worker (host/worker) locally in
// workerd through `wrangler dev`, offline, on a free loopback port with its
// own D1 state directory, seeds it with `worker:seed`'s program, and drives
// it with the official KMS Instance SDK over plain HTTP, with hand-signed
// raw requests for what the SDK cannot send, and with the golden parity
// vectors. Run it with tests/worker/run.sh, which builds the Worker first.
package worker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

// The shared test fixture: one Worker with one seeded D1 database.
var (
	repo      string // repository root
	w         *workerProcess
	tmp       string
	persist   string // the Worker's local D1 state directory
	ckFile    string // the SDK ClientKey file (made by internal/clientkeys.Create, as `pocketkms clientkey create` does)
	ckID      string
	rootKey   []byte // host/worker/.dev.vars: what the Worker seals with
	parityRun []string
)

const ckPassword = "worker-test-password"

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests/worker:", err)
		code = 1
	}
	if w != nil {
		w.stop()
	}
	if tmp != "" {
		os.RemoveAll(tmp)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	var err error
	if repo, err = filepath.Abs("../.."); err != nil {
		return 1, err
	}
	if _, err := os.Stat(filepath.Join(repo, "build/worker/app.wasm")); err != nil {
		return 1, fmt.Errorf("no build/worker/app.wasm: run tests/worker/run.sh (it builds the Worker first)")
	}
	if rootKey, err = devRootKey(); err != nil {
		return 1, err
	}
	if tmp, err = os.MkdirTemp("", "pocketkms-worker-test-"); err != nil {
		return 1, err
	}
	persist = filepath.Join(tmp, "state")

	// A fresh ClientKey, registered through the seed file like any other.
	id, file, _, _, err := clientkeys.Create(rand.Reader, ckPassword, 24*time.Hour)
	if err != nil {
		return 1, err
	}
	ckID = id
	ckFile = filepath.Join(tmp, "clientKey.json")
	if err := os.WriteFile(ckFile, file, 0o600); err != nil {
		return 1, err
	}
	seedFile, ran, err := writeSeed(string(file))
	if err != nil {
		return 1, err
	}
	parityRun = ran

	if out, err := runRepo("npx", "wrangler", "d1", "migrations", "apply", "DB", "--local",
		"-c", "host/worker/wrangler.toml", "--persist-to", persist); err != nil {
		return 1, fmt.Errorf("migrations: %v\n%s", err, out)
	}
	if out, err := runRepo("go", "run", "./host/worker/d1seed", "--persist-to", persist, seedFile); err != nil {
		return 1, fmt.Errorf("seed: %v\n%s", err, out)
	}
	// Commits wait 300 ms before reaching D1, so that the concurrent
	// requests of TestRotationOnceUnderConcurrency all read the key before
	// the first rotation lands: the conflict path runs for certain. Only
	// the Worker run.sh builds (-tags pocketkms_testhooks) reads this.
	if w, err = startWorker(persist, "--var", "POCKETKMS_TEST_COMMIT_DELAY_MS:300"); err != nil {
		return 1, err
	}
	return m.Run(), nil
}

// devRootKey reads the root key wrangler dev gives the Worker.
func devRootKey() ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(repo, "host/worker/.dev.vars"))
	if err != nil {
		return nil, fmt.Errorf("%v (npm run worker:build makes it)", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "POCKETKMS_ROOT_KEY="); ok {
			k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			if err != nil || len(k) != 32 {
				return nil, fmt.Errorf("host/worker/.dev.vars: POCKETKMS_ROOT_KEY is not base64 of 32 bytes")
			}
			return k, nil
		}
	}
	return nil, fmt.Errorf("host/worker/.dev.vars has no POCKETKMS_ROOT_KEY")
}

// runRepo runs a command in the repository root.
func runRepo(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// workerProcess is one `wrangler dev` (and the workerd it runs), in a
// process group of its own so that stop ends all of it.
type workerProcess struct {
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:port/
	addr string // 127.0.0.1:port
	log  *bytes.Buffer
	done chan error
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startWorker runs the built Worker in workerd on a free port over the D1
// state in persist, with extra wrangler dev flags (e.g. --var K:V).
func startWorker(persist string, extra ...string) (*workerProcess, error) {
	return startWorkerProbe(persist, "healthz", extra...)
}

// startWorkerNoProbe waits for a static file instead of /healthz, so that
// no request has run the Go program yet when it returns (cold start).
func startWorkerNoProbe(persist string, extra ...string) (*workerProcess, error) {
	return startWorkerProbe(persist, "index.html", extra...) // a 307 from the assets, Go never runs
}

func startWorkerProbe(persist, probe string, extra ...string) (*workerProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{"wrangler", "dev", "-c", "host/worker/wrangler.toml",
		"--ip", "127.0.0.1", "--port", fmt.Sprint(port), "--inspector-port", "0",
		"--persist-to", persist, "--var", "POCKETKMS_TIMING:1"}, extra...)
	cmd := exec.Command("npx", args...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &workerProcess{cmd: cmd, addr: fmt.Sprintf("127.0.0.1:%d", port), log: &bytes.Buffer{}, done: make(chan error, 1)}
	p.url = "http://" + p.addr + "/"
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("wrangler dev exited: %v\n%s", err, p.log.String())
		case <-time.After(250 * time.Millisecond):
		}
		resp, err := http.Get(p.url + probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 || probe != "healthz" {
				return p, nil
			}
		}
	}
	p.stop()
	return nil, fmt.Errorf("the Worker did not answer /%s in 90s\n%s", probe, p.log.String())
}

// stop ends wrangler and workerd (the whole process group) and waits.
func (p *workerProcess) stop() {
	if p.cmd.Process == nil {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// d1Records reads the records table of the Worker's local D1 through
// wrangler, as hex, so that sealed bytes arrive exactly.
func d1Records(t *testing.T) map[string][]byte {
	t.Helper()
	return d1RecordsAt(t, repo, "host/worker/wrangler.toml", persist)
}
