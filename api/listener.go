package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"matchmaker/profiles"
)

// Listener wraps the listener of a plain HTTP/1 server so that the errors
// net/http answers itself, before any handler runs, are problems
// (application/problem+json) like every other error of the service, instead of
// net/http's text/plain:
//
//   - 400 for a request it cannot parse: a malformed request line or header,
//     an invalid header name or value, a missing or malformed Host header;
//   - 431 for a request line and headers over http.Server.MaxHeaderBytes;
//   - 501 for a Transfer-Encoding it does not implement;
//   - 505 for an HTTP version other than 1.x.
//
// net/http writes these straight on the connection, in one write, in a fixed
// form: a status line, exactly "Content-Type: text/plain; charset=utf-8" and
// "Connection: close" in that order, and a body that repeats the status.
// Its ordinary responses always go through its header writer, which sorts the
// headers (Connection before Content-Type) and adds a Date, so they never take
// that form; only writes of exactly that form are rewritten, and the connection
// is closed after them as before.
//
// It must not wrap a listener under TLS that net/http terminates itself
// (ServeTLS): net/http recognises a TLS connection by its type, and the
// canned answers are encrypted by then. The service serves plain HTTP and
// leaves TLS to the load balancer in front of it.
func Listener(ln net.Listener) net.Listener { return problemListener{ln} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

// problemConn rewrites net/http's canned error answers; see Listener.
type problemConn struct{ net.Conn }

func (c *problemConn) Write(p []byte) (int, error) {
	if out, ok := cannedAsProblem(p); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite keeps net/http's half-close after a 431, so that the answer is
// read before the connection resets.
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// cannedHeaders are the headers of every answer net/http writes itself.
const cannedHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// cannedAsProblem returns the problem+json answer for p when p is one of
// net/http's own error answers.
func cannedAsProblem(p []byte) ([]byte, bool) {
	const proto = "HTTP/1.1 "
	if !bytes.HasPrefix(p, []byte(proto)) {
		return nil, false
	}
	end := bytes.IndexByte(p, '\r')
	if end < 0 || !bytes.HasPrefix(p[end:], []byte(cannedHeaders)) {
		return nil, false
	}
	status := string(p[len(proto):end]) // "400 Bad Request: invalid header name"
	body := string(p[end+len(cannedHeaders):])
	code, err := strconv.Atoi(status[:min(3, len(status))])
	if err != nil || (body != status && !(code == http.StatusNotImplemented && body == "Unsupported transfer encoding")) {
		return nil, false
	}
	_, reason, _ := strings.Cut(status, ": ")
	var detail string
	switch code {
	case http.StatusBadRequest:
		detail = "the request could not be read as HTTP/1.1: its request line or headers are malformed"
		if reason != "" {
			detail = "the request could not be read as HTTP/1.1: " + reason
		}
	case http.StatusRequestHeaderFieldsTooLarge:
		detail = "the request line and headers are over the limit this server reads"
	case http.StatusNotImplemented:
		detail = "the request's Transfer-Encoding is not supported: send the body with Content-Length, or chunked"
	case http.StatusHTTPVersionNotSupported:
		detail = "this server speaks HTTP/1.0 and HTTP/1.1"
	default:
		detail = http.StatusText(code)
		if reason != "" {
			detail = reason
		}
	}
	b, err := json.Marshal(newProblem(code, profiles.Said(detail)))
	if err != nil {
		return nil, false
	}
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		code, http.StatusText(code), ProblemContentType, len(b), b), true
}
