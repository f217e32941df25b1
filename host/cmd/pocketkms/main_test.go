//go:build !wasm

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"reflect"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

func TestSplitDataFlag(t *testing.T) {
	t.Setenv("POCKETKMS_DATA", "")
	for _, tc := range []struct {
		in   []string
		dir  string
		rest []string
	}{
		{[]string{"key", "list"}, "pocketkms-data", []string{"key", "list"}},
		{[]string{"key", "--data", "/d", "list"}, "/d", []string{"key", "list"}},
		{[]string{"key", "list", "--data=/e"}, "/e", []string{"key", "list"}},
		{[]string{"key", "list", "-data=/f"}, "/f", []string{"key", "list"}},
		{[]string{"key", "--", "--data", "x"}, "pocketkms-data", []string{"key", "--", "--data", "x"}},
	} {
		dir, rest, err := splitDataFlag(tc.in)
		if err != nil || dir != tc.dir || !reflect.DeepEqual(rest, tc.rest) {
			t.Errorf("%q: %q %q %v", tc.in, dir, rest, err)
		}
	}
	if _, _, err := splitDataFlag([]string{"key", "--data"}); err == nil {
		t.Error("--data without a value accepted")
	}
	t.Setenv("POCKETKMS_DATA", "/env")
	if dir, _, _ := splitDataFlag(nil); dir != "/env" {
		t.Errorf("POCKETKMS_DATA ignored: %q", dir)
	}
}

// readAnswer parses what a connection wrapper wrote as an HTTP answer
// carrying a protobuf Error.
func readAnswer(t *testing.T, raw []byte) (int, *pb.Error) {
	t.Helper()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		t.Fatalf("not an HTTP answer: %q", raw)
	}
	body, _ := io.ReadAll(resp.Body)
	var e pb.Error
	if resp.Header.Get("Content-Type") != "application/x-protobuf" || pb.Unmarshal(body, &e) != nil {
		t.Fatalf("not a protobuf Error: %q", raw)
	}
	return resp.StatusCode, &e
}

type captureConn struct {
	net.Conn
	buf bytes.Buffer
}

func (c *captureConn) Write(p []byte) (int, error) { return c.buf.Write(p) }

func TestNetHTTPTextErrorsBecomeProtobuf(t *testing.T) {
	for _, tc := range []struct {
		written string
		status  int
		code    string
	}{
		{"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request", 400, "InvalidParam"},
		{"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large", 431, "RequestHeaderFieldsTooLarge"},
	} {
		c := &captureConn{}
		if n, err := (protobufErrorsConn{Conn: c}).Write([]byte(tc.written)); err != nil || n != len(tc.written) {
			t.Fatal(n, err)
		}
		st, e := readAnswer(t, c.buf.Bytes())
		if st != tc.status || e.ErrorCode != tc.code || int(e.StatusCode) != tc.status || len(e.RequestId) != 36 {
			t.Errorf("%d %+v", st, e)
		}
	}
	// A handler's own answer passes through untouched.
	own := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/x-protobuf\r\n\r\nhi"
	c := &captureConn{}
	(protobufErrorsConn{Conn: c}).Write([]byte(own))
	if c.buf.String() != own {
		t.Errorf("rewrote %q", c.buf.String())
	}
}

func TestPlainHTTPOnTLSPort(t *testing.T) {
	server, client := net.Pipe()
	g := &guardedConn{Conn: server}
	done := make(chan error, 1)
	go func() {
		_, err := g.Read(make([]byte, 10))
		done <- err
	}()
	go client.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\n\r\n"))
	st, e := readAnswer(t, readAll(t, client))
	if st != 400 || e.ErrorCode != "InvalidParam" {
		t.Fatalf("%d %+v", st, e)
	}
	client.Close()
	if err := <-done; err != errPlainHTTP {
		t.Fatalf("Read: %v", err)
	}
	// A TLS record passes through, first byte included.
	server, client = net.Pipe()
	g = &guardedConn{Conn: server}
	go client.Write([]byte{0x16, 0x03, 0x01})
	buf := make([]byte, 3)
	if _, err := io.ReadFull(g, buf); err != nil || !bytes.Equal(buf, []byte{0x16, 0x03, 0x01}) {
		t.Fatalf("%x %v", buf, err)
	}
}

func readAll(t *testing.T, c net.Conn) []byte {
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		out.Write(buf[:n])
		if err != nil || bytes.Contains(out.Bytes(), []byte("\r\n\r\n")) && responseComplete(out.Bytes()) {
			return out.Bytes()
		}
	}
}

func responseComplete(b []byte) bool {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return false
	}
	_, err = io.ReadAll(resp.Body)
	return err == nil
}

// TestNetHTTPErrorsForClassicAreJSON: a classic request that net/http
// refuses by itself gets the classic API's JSON error, an instance one the
// protobuf Error.
func TestNetHTTPErrorsForClassicAreJSON(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.Serve(protobufErrorsListener{ln})
	defer srv.Close()
	send := func(req string) *http.Response {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte(req))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := send("POST /?Action=Encrypt HTTP/1.1\r\nHost: x\r\nx-acs-action: Encrypt\r\nno colon here\r\n\r\n")
	body, _ := io.ReadAll(resp.Body)
	var e struct{ Code, Message, RequestId string }
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/json;charset=utf-8" || json.Unmarshal(body, &e) != nil || e.Code != "InvalidParam" || e.RequestId == "" {
		t.Fatalf("classic: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp = send("POST / HTTP/1.1\r\nHost: x\r\nx-kms-apiname: Encrypt\r\nno colon here\r\n\r\n")
	if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/x-protobuf" {
		t.Fatalf("instance: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// TestNetHTTPErrorsClassicIsPerConnection: the marking is sticky for a
// connection whose headers looked classic, and a body that merely contains
// the markers (a plaintext, say) does not mark it.
func TestNetHTTPErrorsClassicIsPerConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(204)
	})}
	go srv.Serve(protobufErrorsListener{ln})
	defer srv.Close()
	const malformed = "POST / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n"
	for _, tc := range []struct {
		name, first, wantType string
	}{
		{"body with markers", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 36\r\n\r\n?Action=x&Action=y\nx-acs-z: ACS3 abc", "application/x-protobuf"},
		{"classic headers", "POST / HTTP/1.1\r\nHost: x\r\nx-acs-action: Encrypt\r\nContent-Length: 0\r\n\r\n", "application/json;charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			c.Write([]byte(tc.first))
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 204 {
				t.Fatalf("first request: %v %v", resp, err)
			}
			c.Write([]byte(malformed))
			resp, err = http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != tc.wantType {
				t.Fatalf("malformed second request: %d %q, want 400 %q", resp.StatusCode, resp.Header.Get("Content-Type"), tc.wantType)
			}
		})
	}
}
