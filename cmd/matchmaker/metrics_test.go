package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"matchmaker/profiles/profilestest"
)

// TestMetrics scrapes /metrics of a served demo network, on the main listener
// and on --metrics-addr, and checks the names and labels docs/metrics.md and the
// Grafana dashboard are built on.
func TestMetrics(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		for _, own := range []bool{false, true} {
			name := "main listener"
			if own {
				name = "own address"
			}
			t.Run(name, func(t *testing.T) { checkMetrics(t, db.DSN, own) })
		}
	})
}

func checkMetrics(t *testing.T, dsn string, ownAddr bool) {
	addr := freeAddr(t)
	args := []string{"--database-url", dsn, "serve", "--demo", "--addr", addr}
	metricsURL := "http://" + addr + "/metrics"
	if ownAddr {
		maddr := freeAddr(t)
		args = append(args, "--metrics-addr", maddr)
		metricsURL = "http://" + maddr + "/metrics"
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, &logs, &logs) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs.String())
		}
	}()
	base := "http://" + addr
	get := func(path string) int {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	// Start-up builds the match index of the demo network: seconds, or a
	// minute on a loaded machine under the race detector.
	ready := false
	for deadline := time.Now().Add(3 * time.Minute); !ready && time.Now().Before(deadline); {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == http.StatusOK
		}
		if !ready {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if !ready {
		t.Fatalf("not ready:\n%s", logs.String())
	}
	if s := get("/v1/cities?limit=1"); s != 200 {
		t.Fatalf("GET /v1/cities: %d", s)
	}
	get("/v1/cities/no-such-city")
	// The pages are measured in the same series, by their route patterns.
	if s := get("/cities"); s != 200 {
		t.Fatalf("GET /cities: %d", s)
	}
	get("/v1/no/such/route/" + strings.Repeat("x", 20))
	res, err := http.Get(base + "/v1/challenges?status=open&limit=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	id := between(string(body), `"id":"`, `"`)
	if id == "" {
		t.Fatalf("no open challenge in %s", body)
	}
	if s := get("/v1/challenges/" + id + "/suggestions"); s != 200 {
		t.Fatalf("suggestions: %d", s)
	}
	if s := get("/v1/challenges/" + id + "/suggestions?kind=experts"); s != 200 {
		t.Fatalf("suggestions: %d", s)
	}
	if ownAddr {
		// The main listener does not serve them then.
		if s := get("/metrics"); s != http.StatusNotFound {
			t.Errorf("/metrics on the main listener with --metrics-addr: %d, want 404", s)
		}
	}

	res, err = http.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d", res.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse the scrape: %v", err)
	}
	has := func(name string, labels map[string]string, check func(float64) bool) {
		t.Helper()
		f := families[name]
		if f == nil {
			t.Errorf("no metric %s", name)
			return
		}
		for _, m := range f.Metric {
			if matches(m, labels) {
				if check != nil && !check(value(m)) {
					t.Errorf("%s%v = %v", name, labels, value(m))
				}
				return
			}
		}
		var seen []string
		for _, m := range f.Metric {
			seen = append(seen, labelString(m))
		}
		t.Errorf("no %s with labels %v; it has %s", name, labels, strings.Join(seen, " "))
	}
	positive := func(v float64) bool { return v > 0 }
	has("matchmaker_http_request_duration_seconds", map[string]string{"route": "/v1/cities", "method": "GET", "status": "200"}, positive)
	has("matchmaker_http_request_duration_seconds", map[string]string{"route": "/v1/cities/:id", "method": "GET", "status": "404"}, positive)
	has("matchmaker_http_request_duration_seconds", map[string]string{"route": "/v1/challenges/:id/suggestions", "method": "GET", "status": "200"},
		func(v float64) bool { return v >= 2 })
	has("matchmaker_http_request_duration_seconds", map[string]string{"route": "unmatched", "method": "GET", "status": "404"}, positive)
	has("matchmaker_http_request_duration_seconds", map[string]string{"route": "/cities", "method": "GET", "status": "200"}, positive)
	has("matchmaker_http_requests_in_flight", nil, nil)
	has("matchmaker_matcher_query_duration_seconds", map[string]string{"query": "suggest"}, func(v float64) bool { return v >= 2 })
	has("matchmaker_index_documents", nil, func(v float64) bool { return v > 200 })
	has("matchmaker_index_build_seconds", nil, positive)
	has("matchmaker_index_lag_seconds", nil, func(v float64) bool { return v >= 0 && v < 60 })
	has("matchmaker_index_feed_position", nil, nil)
	has("matchmaker_index_feed_awaited", nil, nil)
	has("matchmaker_index_caught_up", nil, func(v float64) bool { return v == 1 })
	has("matchmaker_backlog_up", map[string]string{"backlog": "jobs"}, func(v float64) bool { return v == 1 })
	has("matchmaker_backlog_up", map[string]string{"backlog": "outbox"}, nil)
	has("go_sql_max_open_connections", nil, nil)
	has("go_sql_in_use_connections", nil, nil)
	has("go_goroutines", nil, positive)
	has("process_resident_memory_bytes", nil, positive)
	for name := range families {
		if strings.Contains(name, "/") {
			t.Errorf("metric name %q", name)
		}
	}
	// The dashboard and docs/metrics.md are built on these names.
	for _, doc := range []string{"../../docs/grafana-dashboard.json", "../../docs/metrics.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range metricName.FindAllString(string(b), -1) {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
			if families[name] == nil && families[base] == nil && !strings.HasSuffix(name, "_") && !optional[base] {
				t.Errorf("%s names %s, which the service does not expose", doc, name)
			}
		}
	}
	// No series per ID: the routes are patterns.
	for _, m := range families["matchmaker_http_request_duration_seconds"].Metric {
		if r := label(m, "route"); strings.Contains(r, id) || strings.Contains(r, "no-such") {
			t.Errorf("route label %q holds a path as sent", r)
		}
	}
}

// metricName finds the service's metric names in a document.
var metricName = regexp.MustCompile(`\b(matchmaker|go_sql|go|process)_[a-z_]+[a-z]\b`)

// optional are the names that appear only once there is something to count.
var optional = map[string]bool{"matchmaker_jobs": true, "matchmaker_outbox_messages": true}

func matches(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		if label(m, k) != v {
			return false
		}
	}
	return true
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func labelString(m *dto.Metric) string {
	var parts []string
	for _, l := range m.Label {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// value is a gauge's or counter's value, or a histogram's count.
func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// between is the text of s between the first from and the next to.
func between(s, from, to string) string {
	_, rest, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, to)
	return v
}
