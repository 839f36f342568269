package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// goDuration is a duration as Go prints it: what a JSON log must not hold.
var goDuration = regexp.MustCompile(`^-?[0-9.]+(ns|µs|us|ms|s|m|h)([0-9.]+(ns|µs|us|ms|s|m))*$`)

// TestJSONLogs: with --log-format json every line of the output is a JSON
// record, durations are numbers of milliseconds with _ms in their key, and the
// demo's admin key is a record of its own.
func TestJSONLogs(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--database-url", filepath.Join(t.TempDir(), "m.db"), "--log-format", "json",
			"serve", "--demo", "--addr", addr}, &out, &out)
	}()
	// Start-up builds the match index of the demo network: seconds, or a
	// minute on a loaded machine under the race detector.
	ready := false
	for deadline := time.Now().Add(3 * time.Minute); !ready && time.Now().Before(deadline); {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == http.StatusOK
		}
		if !ready {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		<-done
		t.Fatalf("not ready:\n%s", out.String())
	}
	res, err := http.Get("http://" + addr + "/v1/cities?limit=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	records := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Errorf("not a JSON record: %q", line)
			continue
		}
		msg, _ := r["msg"].(string)
		if _, seen := records[msg]; !seen {
			records[msg] = r
		}
		for k, v := range r {
			if s, ok := v.(string); ok && goDuration.MatchString(s) {
				t.Errorf("%s: %s is %q, a duration as text: want %s_ms, a number", msg, k, s, k)
			}
		}
	}
	number := func(msg, key string) float64 {
		t.Helper()
		r := records[msg]
		if r == nil {
			t.Errorf("no record %q", msg)
			return -1
		}
		v, ok := r[key].(float64)
		if !ok {
			t.Errorf("record %q: %s is %v (%T), want a number", msg, key, r[key], r[key])
		}
		return v
	}
	if v := number("request", "latency_ms"); v < 0 {
		t.Errorf("latency_ms %v", v)
	}
	if v := number("config", "shutdown_timeout_ms"); v != 20000 {
		t.Errorf("shutdown_timeout_ms %v, want 20000", v)
	}
	if v := number("config", "feed_poll_ms"); v != 1000 {
		t.Errorf("feed_poll_ms %v, want 1000", v)
	}
	number("match index ready", "took_ms")
	r := records["demo admin key: send it as Authorization: Bearer <key>"]
	if k, _ := r["key"].(string); len(k) < 20 {
		t.Errorf("no demo key record: %v", r)
	}
}
