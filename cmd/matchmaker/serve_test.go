package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeAnswersUnreadableRequestsWithProblems: the served port answers a
// request net/http cannot read with a problem, not net/http's text/plain.
func TestServeAnswersUnreadableRequestsWithProblems(t *testing.T) {
	var out syncBuffer
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--database-url", filepath.Join(t.TempDir(), "m.db"), "serve", "--addr", addr}, &out, &out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, out.String())
		}
	}()
	ready := false
	for i := 0; i < 200 && !ready; i++ {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == http.StatusOK
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		t.Fatalf("not ready:\n%s", out.String())
	}
	for request, status := range map[string]int{
		"GARBAGE\r\n\r\n":                          400,
		"GET /healthz HTTP/2.5\r\nHost: x\r\n\r\n": 505,
		"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n": 431,
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		go io.WriteString(c, request) // the server may answer before reading it all
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			c.Close()
			t.Fatalf("%.20q: %v", request, err)
		}
		body, _ := io.ReadAll(res.Body)
		c.Close()
		if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), `"status":`) {
			t.Errorf("%.20q: %d %s %s, want %d as a problem", request, res.StatusCode, res.Header.Get("Content-Type"), body, status)
		}
	}
}
