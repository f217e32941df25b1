//go:build !wasm

package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// plainHTTPGuard sits under the TLS listener and answers a cleartext HTTP
// request on the HTTPS port with a protobuf Error. Go's http.Server would
// answer it with the text "Client sent an HTTP request to an HTTPS server",
// which the SDKs cannot parse and so retry four times with backoff.
type plainHTTPGuard struct{ net.Listener }

func (l plainHTTPGuard) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardedConn{Conn: c}, nil
}

// errPlainHTTP ends the TLS handshake of a cleartext connection; http.Server
// logs it as a handshake error.
var errPlainHTTP = errors.New("plain HTTP request on the HTTPS port, answered with a protobuf error")

// guardedConn looks at the first byte: a TLS handshake record starts with
// 0x16, an HTTP request with an upper-case method name.
type guardedConn struct {
	net.Conn
	once    sync.Once
	pending []byte
	err     error
}

func (c *guardedConn) Read(p []byte) (int, error) {
	c.once.Do(func() {
		var b [1]byte
		if _, err := io.ReadFull(c.Conn, b[:]); err != nil {
			c.err = err
			return
		}
		if b[0] >= 'A' && b[0] <= 'Z' {
			c.answerPlainHTTP()
			c.err = errPlainHTTP
			return
		}
		c.pending = b[:]
	})
	if c.err != nil {
		return 0, c.err
	}
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *guardedConn) answerPlainHTTP() {
	resp := protobufErrorResponse(http.StatusBadRequest, "InvalidParam",
		"This endpoint speaks HTTPS: use https:// (or start pocketkms serve with --plain-http).")
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Conn.Write(resp)
	// Read what the client still sends (briefly, boundedly) so that closing
	// does not reset the connection before it has read the answer.
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(c.Conn, 4<<20))
}
