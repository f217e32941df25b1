//go:build !wasm

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// protobufErrorsListener makes the answers that net/http writes by itself,
// before any handler runs (a malformed request: 400, headers over
// MaxHeaderBytes: 431, an unknown transfer coding: 501), protobuf Errors like
// every other answer: as text, the SDKs would retry them four times.
//
// It sits above TLS, so http.Server sees a plain net.Conn: the TLS handshake
// then runs on the first read (under the server's read deadlines), and no
// HTTP/2 is offered, which the instance API does not use.
type protobufErrorsListener struct{ net.Listener }

func (l protobufErrorsListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return protobufErrorsConn{Conn: c, st: new(connState)}, nil
}

type protobufErrorsConn struct {
	net.Conn
	st *connState // nil: answer in protobuf only
}

// connState is shared by a connection's reads and writes, which net/http
// may run on different goroutines.
type connState struct {
	// classic is set once a request on the connection looked like the
	// classic OpenAPI (an x-acs-* header, an Action parameter, an ACS
	// Authorization): its clients get their JSON error body instead.
	classic atomic.Bool
	// inBody is set once the blank line ending a request's headers has been
	// read, until the next answer: net/http refuses requests on their
	// request line and headers, so bodies are not searched for markers.
	inBody atomic.Bool
}

// classicMarkers are what only classic requests carry (internal/classic.IsClassic
// decides for the requests that reach the handler; this is for those that
// do not).
var classicMarkers = [][]byte{[]byte("\nx-acs-"), []byte("\nX-Acs-"), []byte("?Action="), []byte("&Action="), []byte(": ACS")}

func (c protobufErrorsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if st := c.st; st != nil && !st.classic.Load() && !st.inBody.Load() {
		head := p[:n]
		if end := bytes.Index(head, []byte("\r\n\r\n")); end >= 0 {
			head = head[:end+2]
			st.inBody.Store(true)
		}
		for _, m := range classicMarkers {
			if bytes.Contains(head, m) {
				st.classic.Store(true)
			}
		}
	}
	return n, err
}

// textErrorHeaders is how net/http's own error answers are framed
// (net/http/server.go). A handler's answer never has Connection right after
// Content-Type: net/http writes headers sorted by name.
var textErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

func (c protobufErrorsConn) Write(p []byte) (int, error) {
	if c.st != nil {
		c.st.inBody.Store(false)
	}
	if !bytes.HasPrefix(p, []byte("HTTP/1.1 ")) || len(p) < 12 {
		return c.Conn.Write(p)
	}
	_, text, ok := bytes.Cut(p, textErrorHeaders)
	if !ok {
		return c.Conn.Write(p)
	}
	status, err := strconv.Atoi(string(p[9:12]))
	if err != nil {
		return c.Conn.Write(p)
	}
	code := "InvalidParam"
	if status != http.StatusBadRequest {
		code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	msg := "The HTTP request was refused before it reached pocketkms: " + string(text)
	answer := protobufErrorResponse(status, code, msg)
	if c.st != nil && c.st.classic.Load() {
		answer = jsonErrorResponse(status, code, msg)
	}
	if _, err := c.Conn.Write(answer); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonErrorResponse is a whole HTTP/1.1 answer carrying the classic API's
// JSON error.
func jsonErrorResponse(status int, code, message string) []byte {
	body, _ := json.Marshal(map[string]string{"RequestId": ids.NewRequestID(rand.Reader), "HostId": "", "Code": code,
		"Message": strings.TrimSpace(message), "Recommend": ""})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json;charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

// protobufErrorResponse is a whole HTTP/1.1 answer carrying a protobuf Error.
func protobufErrorResponse(status int, code, message string) []byte {
	body, _ := pb.Marshal(&pb.Error{StatusCode: int32(status), ErrorCode: code,
		ErrorMessage: message, RequestId: ids.NewRequestID(rand.Reader)})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), server.ContentType, len(body), body)
}
