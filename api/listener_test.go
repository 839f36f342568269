package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"matchmaker/api"
)

// TestErrorsBeforeTheHandlerAreProblems sends raw requests that net/http
// refuses before any handler runs to a real server on a real socket: each is
// answered with a problem (application/problem+json) naming the status, as
// every other error of the service is, and the connection is closed. Requests
// that parse are answered as before.
func TestErrorsBeforeTheHandlerAreProblems(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: api.New(api.Config{}), MaxHeaderBytes: 1 << 10, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(api.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	for _, tc := range []struct {
		name    string
		request string
		status  int
		detail  string
	}{
		{"malformed request line", "GARBAGE\r\n\r\n", 400, "malformed"},
		{"malformed header line", "GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400, "malformed"},
		{"missing Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		{"malformed Host", "GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "malformed Host header"},
		{"invalid header name", "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400, "could not be read"},
		{"invalid header value", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 400, "could not be read"},
		{"malformed HTTP version", "GET /healthz HTTP/1.x\r\nHost: x\r\n\r\n", 400, "malformed"},
		{"headers over the limit", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n", 431, "over the limit"},
		{"unknown transfer coding", "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501, "Transfer-Encoding"},
		{"HTTP/3.0", "GET /healthz HTTP/3.0\r\nHost: x\r\n\r\n", 505, "HTTP/1.1"},
		{"HTTP/0.9", "GET /healthz HTTP/0.9\r\nHost: x\r\n\r\n", 505, "HTTP/1.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := rawRequest(t, addr, tc.request)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if ct := res.Header.Get("Content-Type"); ct != api.ProblemContentType {
				t.Fatalf("Content-Type %q, want %s: %s", ct, api.ProblemContentType, body)
			}
			if !res.Close {
				t.Errorf("the connection stays open after a request that could not be read")
			}
			var p api.Problem
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatalf("not a problem: %v: %s", err, body)
			}
			if p.Status != tc.status || p.Title != http.StatusText(tc.status) || p.Type == "" || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("problem %+v, want status %d and detail with %q", p, tc.status, tc.detail)
			}
		})
	}

	// What parses goes to the handler, and is answered as ever.
	res, body := rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) {
		t.Fatalf("healthz through the listener: %d %s", res.StatusCode, body)
	}
	res, body = rawRequest(t, addr, "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if res.StatusCode != 404 || res.Header.Get("Content-Type") != api.ProblemContentType || !strings.Contains(string(body), "no route") {
		t.Fatalf("unknown route through the listener: %d %s", res.StatusCode, body)
	}
	// Several requests on one connection still work.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; i < 3; i++ {
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("keep-alive request %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("keep-alive request %d: %d", i, res.StatusCode)
		}
	}
}

// rawRequest writes request on a new connection and reads one response.
func rawRequest(t *testing.T, addr, request string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read the response: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the body: %v", err)
	}
	return res, body
}
