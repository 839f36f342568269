package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"matchmaker/migrations"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestSIGTERMUnderWriteLoadLosesNoAcknowledgedWrite runs the real binary, writes
// to it from many clients at once, sends it SIGTERM in the middle, and starts it
// again on the same database: every write it acknowledged with 201 must be there,
// once. Writes in flight when the signal came may or may not have committed (a
// client whose connection was cut cannot know), but none may be lost after its
// 201 was sent, and none may be stored twice.
func TestSIGTERMUnderWriteLoadLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", func(t *testing.T) string { return profilestest.PostgresDB(t, false).DSN }},
	} {
		t.Run(db.name, func(t *testing.T) {
			start := time.Now()
			dsn := db.dsn(t)
			first := startService(t, bin, dsn)
			acked, attempts, sigAt := writeUntilStopped(t, first)
			first.wait(t)
			logs := first.logs.String()
			_, afterSignal, _ := strings.Cut(logs, `"msg":"shutting down: finishing in-flight requests"`)
			t.Logf("%d writes sent, %d acknowledged, %d of them answered after SIGTERM (in flight when it came); exited 0 %s after SIGTERM",
				attempts, len(acked), strings.Count(afterSignal, `"status":201`), time.Since(sigAt).Round(time.Millisecond))
			for _, want := range []string{`"msg":"shutting down: finishing in-flight requests"`, `"msg":"server stopped"`, `"msg":"database closed"`} {
				if !strings.Contains(logs, want) {
					t.Errorf("logs of the first run lack %s", want)
				}
			}

			second := startService(t, bin, dsn)
			stored := second.allCities(t)
			second.stop()
			second.wait(t)

			byName := map[string]int{}
			for _, name := range stored {
				byName[name]++
			}
			for name, n := range byName {
				if n > 1 {
					t.Errorf("city %q is stored %d times: a write was duplicated", name, n)
				}
			}
			lost := 0
			for id, name := range acked {
				if got, ok := stored[id]; !ok || got != name {
					lost++
					if lost <= 5 {
						t.Errorf("acknowledged write %s (%s) is not stored (got %q)", id, name, got)
					}
				}
			}
			if lost > 0 {
				t.Fatalf("%d of %d acknowledged writes lost", lost, len(acked))
			}
			t.Logf("all %d acknowledged writes stored after the restart, %d more that were in flight committed without an answer; %s in all",
				len(acked), len(stored)-len(acked), time.Since(start).Round(time.Millisecond))
		})
	}
}

// buildBinary builds the command once for the test, as it ships.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "matchmaker")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// loadKey is the admin key the load test writes with.
const loadKey = "shutdown-test-admin-key-0123456789"

// service is one run of the binary.
type service struct {
	cmd    *exec.Cmd
	base   string
	logs   *syncBuffer
	done   chan error
	client *http.Client
}

// startService runs the binary's serve on dsn, with env added to its
// environment, and waits until it is ready.
func startService(t testing.TB, bin, dsn string, env ...string) *service {
	t.Helper()
	addr := freeAddr(t)
	s := &service{base: "http://" + addr, logs: &syncBuffer{}, done: make(chan error, 1),
		client: &http.Client{Timeout: 30 * time.Second}}
	s.cmd = exec.Command(bin, "serve", "--addr", addr)
	// Writes need a key; the rate limits would only turn the load away.
	s.cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "MATCHMAKER_LOG_FORMAT=json", "MATCHMAKER_ADMIN_KEY="+loadKey,
		"MATCHMAKER_RATE_PER_ADDRESS=-1", "MATCHMAKER_RATE_PER_KEY=-1")
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
		}
	})
	deadline := testDeadline(t)
	for {
		res, err := s.client.Get(s.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("the service exited before it was ready: %v\n%s", err, s.logs)
		case <-deadline:
			t.Fatalf("the service is not ready when the test's time ran out\n%s", s.logs)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *service) stop() { s.cmd.Process.Signal(syscall.SIGTERM) }

// wait waits for the service to exit after SIGTERM and checks it exited 0.
func (s *service) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("the service exited with %v after SIGTERM, want 0\n%s", err, s.logs)
		}
	case <-time.After(25 * time.Second):
		s.cmd.Process.Kill()
		t.Fatalf("the service did not exit within 25s of SIGTERM\n%s", s.logs)
	}
}

// writeUntilStopped posts cities from 16 clients, sends SIGTERM once they are in
// full flow, and lets them write until the service refuses them. It returns the
// name of every city acknowledged with 201, by ID, how many were sent, and when
// the signal was sent.
func writeUntilStopped(t *testing.T, s *service) (map[string]string, int, time.Time) {
	t.Helper()
	var (
		mu       sync.Mutex
		acked    = map[string]string{}
		attempts int
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				name := fmt.Sprintf("Load %02d-%05d", w, i)
				body := fmt.Sprintf(`{"name":%q,"country":"FR","region":"europe","languages":["fr"]}`, name)
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/v1/cities", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+loadKey)
				mu.Lock()
				attempts++
				mu.Unlock()
				res, err := s.client.Do(req)
				if err != nil {
					return // the service has stopped listening: its answer, if any, is lost to us
				}
				var c struct{ ID string }
				err = json.NewDecoder(res.Body).Decode(&c)
				res.Body.Close()
				switch {
				case res.StatusCode == http.StatusCreated && err == nil && c.ID != "":
					mu.Lock()
					acked[c.ID] = name
					mu.Unlock()
				case res.StatusCode == http.StatusCreated:
					// A 201 whose body was cut off was not received whole: not acknowledged.
				default:
					t.Errorf("write %s answered %d", name, res.StatusCode)
					return
				}
			}
		})
	}
	// Let the writers reach full flow, then stop the service under them.
	for {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 || ctx.Err() != nil {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	sigAt := time.Now()
	s.stop()
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the writers were still writing 20s later: the service did not stop accepting\n%s", s.logs)
	}
	return acked, attempts, sigAt
}

// allCities lists every stored city, name by ID, page by page.
func (s *service) allCities(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	path := "/v1/cities?limit=100"
	for {
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+loadKey)
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items []struct{ ID, Name string }
			Total int
			Next  *string `json:"next_cursor"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("list cities: %d %v", res.StatusCode, err)
		}
		for _, c := range page.Items {
			if _, dup := out[c.ID]; dup {
				t.Errorf("city %s listed twice", c.ID)
			}
			out[c.ID] = c.Name
		}
		if page.Next == nil {
			if len(out) != page.Total {
				t.Errorf("listed %d cities, total says %d", len(out), page.Total)
			}
			return out
		}
		path = "/v1/cities?limit=100&cursor=" + url.QueryEscape(*page.Next)
	}
}

// TestServeAfterACrashedMigration starts serve on a database whose last migration
// run died holding bun's migration lock row (a kill, or the database lost mid-run
// so that the row could not be cleared). The lock that serialises runs died with
// that process, so serve clears the row, migrates and serves, with no manual
// step.
func TestServeAfterACrashedMigration(t *testing.T) {
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", func(t *testing.T) string { return profilestest.PostgresDB(t, false).DSN }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			ctx := context.Background()
			bdb, dialect, err := profiles.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			m, err := migrations.NewMigrator(bdb, string(dialect))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Init(ctx); err != nil {
				t.Fatal(err)
			}
			if err := m.Lock(ctx); err != nil { // and then the process died
				t.Fatal(err)
			}
			bdb.Close()

			var out syncBuffer
			addr := freeAddr(t)
			sctx, cancel := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- run(sctx, []string{"--database-url", dsn, "serve", "--addr", addr}, &out, &out) }()
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
			cancel()
			if err := <-done; err != nil || !ready {
				t.Fatalf("serve after unlock: ready %v, %v\n%s", ready, err, out.String())
			}
		})
	}
}
