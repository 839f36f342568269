package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles/profilestest"
)

// syncBuffer is a buffer the server's logger and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestCommands(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", func(t *testing.T) string { return profilestest.PostgresDB(t, false).DSN }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			t.Setenv("DATABASE_URL", dsn)
			ctx := context.Background()
			var out bytes.Buffer
			if err := run(ctx, []string{"migrate", "status"}, &out, &out); err != nil || !strings.Contains(out.String(), "pending") {
				t.Fatalf("status on an empty database: %v\n%s", err, out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"migrate", "up"}, &out, &out); err != nil || !strings.Contains(out.String(), "applied") {
				t.Fatalf("migrate up: %v\n%s", err, out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"migrate", "up"}, &out, &out); err != nil || !strings.Contains(out.String(), "up to date") {
				t.Fatalf("migrate up again: %v\n%s", err, out.String())
			}
			out.Reset()
			if err := run(ctx, []string{"migrate", "unlock"}, &out, &out); err != nil {
				t.Fatalf("migrate unlock: %v", err)
			}
			out.Reset()
			if err := run(ctx, []string{"seed"}, &out, &out); err != nil || !strings.Contains(out.String(), "loaded the demo network") {
				t.Fatalf("seed: %v\n%s", err, out.String())
			}
			if err := run(ctx, []string{"seed"}, &out, &out); err == nil || !strings.Contains(err.Error(), "already holds") {
				t.Fatalf("second seed should refuse: %v", err)
			}
			out.Reset()
			if err := run(ctx, []string{"version"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "matchmaker ") {
				t.Fatalf("version: %v %q", err, out.String())
			}
		})
	}
}

func TestServeDemoAndShutdown(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "m.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--database-url", dsn, "--log-format", "json", "serve", "--demo", "--addr", addr}, &logs, &logs)
	}()
	base := "http://" + addr
	var resp *http.Response
	var err error
	for i := 0; i < 100; i++ {
		resp, err = http.Get(base + "/readyz")
		if err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatalf("service did not come up: %v\n%s", err, logs.String())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz: %d", resp.StatusCode)
	}
	// Anonymous readers: the demo's 10 draft practices are their cities' own.
	for path, min := range map[string]int{"/v1/cities": 40, "/v1/practices": 90, "/v1/experts": 120, "/v1/challenges?status=open": 25} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		var list struct{ Total int }
		json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if list.Total < min {
			t.Errorf("%s: %d rows in the demo network, want at least %d", path, list.Total, min)
		}
	}
	// The pages answer beside the API, and the demo printed a sign-in link
	// for a person of each kind.
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /: %d %s, want 200 and a page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, role := range []string{"secretariat", "city", "expert"} {
		if !strings.Contains(logs.String(), `"role":"`+role+`","link":"`+base+`/sign-in/mm_`) {
			t.Errorf("no sign-in link for the demo's %s user in the log", role)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
	for _, want := range []string{`"msg":"config"`, `"msg":"demo network loaded"`, `"msg":"server stopped"`, `"msg":"database closed"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %s", want)
		}
	}
}

func TestNoMigrateRefusesPending(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "m.db")
	var out bytes.Buffer
	err := run(context.Background(), []string{"--database-url", dsn, "serve", "--no-migrate", "--addr", freeAddr(t)}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "pending") {
		t.Fatalf("serve --no-migrate on an empty database: %v", err)
	}
}
