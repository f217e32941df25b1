package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// local-kms (github.com/nsmithuk/local-kms, the AWS KMS emulator) is the
// peer: an emulator many projects already run in CI. Its Encrypt checks no
// signature, and it speaks plain HTTP only, so it is compared with
// `pocketkms serve --plain-http` answering signed AdvanceEncrypt.

// findLocalKMS returns the local-kms binary: the flag's value, else PATH,
// else $(go env GOPATH)/bin.
func findLocalKMS(flagValue string) (string, error) {
	if flagValue != "" && flagValue != "auto" {
		return flagValue, nil
	}
	if p, err := exec.LookPath("local-kms"); err == nil {
		return p, nil
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "local-kms")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no local-kms binary: go install github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6")
}

// localKMSMaxPlaintext is the largest plaintext AWS KMS's Encrypt, and so
// local-kms's, accepts.
const localKMSMaxPlaintext = 4096

type localKMS struct {
	url   string
	keyID string
	cmd   *exec.Cmd
}

func startLocalKMS(bin, dir string) (*localKMS, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "KMS_DATA_PATH="+filepath.Join(dir, "local-kms"),
		"KMS_SEED_PATH="+filepath.Join(dir, "no-seed.yaml"))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	l := &localKMS{url: fmt.Sprintf("http://127.0.0.1:%d/", port), cmd: cmd}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out struct{ KeyMetadata struct{ KeyId string } }
		err := l.call("CreateKey", []byte(`{}`), &out)
		if err == nil && out.KeyMetadata.KeyId != "" {
			l.keyID = out.KeyMetadata.KeyId
			return l, nil
		}
		if time.Now().After(deadline) {
			l.stop()
			return nil, fmt.Errorf("local-kms did not answer CreateKey: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (l *localKMS) stop() { l.cmd.Process.Kill(); l.cmd.Wait() }

func (l *localKMS) request(target string, body []byte) *http.Request {
	req, _ := http.NewRequest("POST", l.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "TrentService."+target)
	return req
}

func (l *localKMS) call(target string, body []byte, out any) error {
	resp, err := http.DefaultClient.Do(l.request(target, body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %d %s", target, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// encryptBody is local-kms's Encrypt of size random bytes.
func (l *localKMS) encryptBody(plain []byte) []byte {
	b, _ := json.Marshal(map[string]string{"KeyId": l.keyID, "Plaintext": base64.StdEncoding.EncodeToString(plain)})
	return b
}
