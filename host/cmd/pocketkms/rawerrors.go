package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/pocketkms/pocketkms/core/ids"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/host/server"
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
	return protobufErrorsConn{c}, nil
}

type protobufErrorsConn struct{ net.Conn }

// textErrorHeaders is how net/http's own error answers are framed
// (net/http/server.go). A handler's answer never has Connection right after
// Content-Type: net/http writes headers sorted by name.
var textErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

func (c protobufErrorsConn) Write(p []byte) (int, error) {
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
	if _, err := c.Conn.Write(protobufErrorResponse(status, code, msg)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// protobufErrorResponse is a whole HTTP/1.1 answer carrying a protobuf Error.
func protobufErrorResponse(status int, code, message string) []byte {
	body, _ := proto.Marshal(&pb.Error{StatusCode: int32(status), ErrorCode: code,
		ErrorMessage: message, RequestId: ids.NewRequestID(rand.Reader)})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), server.ContentType, len(body), body)
}
