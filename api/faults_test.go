package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/api"
	"matchmaker/api/apitest"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// The fault tests take the database away from a running API and give it back:
// while it is gone every request must answer 503 problem+json with Retry-After
// (never 500) and /readyz must say not ready; once it is back, requests must
// succeed again without a restart. PostgreSQL is taken away through a TCP relay
// the test owns, so that the server the other tests share keeps running.

// faultAPI is a real HTTP server over a store, with the readiness check the
// service wires in cmd: the database answers a ping.
type faultAPI struct {
	srv    *httptest.Server
	client *http.Client
	v      *apitest.Validator
	key    string // an admin key, sent with every request
}

func newFaultAPI(t *testing.T, store *profiles.Store) *faultAPI {
	t.Helper()
	_, key, err := store.CreateKey(context.Background(), profiles.KeyInput{Name: "faults admin", Role: profiles.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The faults are the requests': no job workers poll beside them (some of
	// these tests leave the store a single connection).
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), quiet)
	f := workflow.NewFollower(store, m, quiet, workflow.FollowerConfig{})
	if err := f.Build(ctx); err != nil {
		t.Fatal(err)
	}
	go f.Run(ctx)
	flows, err := workflow.New(workflow.Config{Store: store, Logger: quiet, Index: m})
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Config{Store: store, Logger: quiet, Ready: store.Ping, Follower: f, Workflows: flows, Background: ctx,
		RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &faultAPI{srv: srv, client: &http.Client{Timeout: 15 * time.Second}, v: apitest.NewValidator(t), key: key}
}

type faultResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request and checks the answer against the OpenAPI document, which
// documents 503 on every route that reaches the database.
func (a *faultAPI) do(t *testing.T, method, path, body string) faultResponse {
	t.Helper()
	r, err := a.send(t, method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is do for goroutines other than the test's, which must not call Fatal.
func (a *faultAPI) send(t *testing.T, method, path, body string) (faultResponse, error) {
	t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		return faultResponse{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	// The key is checked against the database too: with the database gone,
	// authentication must answer 503 as well, not 401.
	req.Header.Set("Authorization", "Bearer "+a.key)
	res, err := a.client.Do(req)
	if err != nil {
		return faultResponse{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return faultResponse{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	a.v.Check(t, req, res.StatusCode, res.Header, b)
	return faultResponse{status: res.StatusCode, header: res.Header, body: b}, nil
}

// createCity posts a city and returns its ID, or "" with the status when the
// answer is not 201.
func (a *faultAPI) createCity(t *testing.T, name string) (string, faultResponse) {
	t.Helper()
	r := a.do(t, http.MethodPost, "/v1/cities", fmt.Sprintf(`{"name":%q,"country":"UY","region":"latin_america","languages":["es"]}`, name))
	if r.status != http.StatusCreated {
		return "", r
	}
	var c struct{ ID string }
	if err := json.Unmarshal(r.body, &c); err != nil || c.ID == "" {
		t.Fatalf("create %s: no ID in %s", name, r.body)
	}
	return c.ID, r
}

// wantUnavailable checks that r is the 503 a client can act on: problem+json,
// Retry-After, a request ID, and nothing internal in the body.
func wantUnavailable(t *testing.T, what string, r faultResponse) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("%s: status %d, want 503: %s", what, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, api.ProblemContentType) {
		t.Errorf("%s: content type %q, want %s", what, ct, api.ProblemContentType)
	}
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("%s: Retry-After %q, want a few seconds", what, ra)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil || p.Status != 503 || p.RequestID == "" {
		t.Errorf("%s: not a complete problem: %v %s", what, err, r.body)
	}
	for _, leak := range []string{"dial", "refused", "EOF", "pgconn", "sqlite", "127.0.0.1", "SQLSTATE", "locked"} {
		if bytes.Contains(r.body, []byte(leak)) {
			t.Errorf("%s: the 503 body says something internal (%q): %s", what, leak, r.body)
		}
	}
}

// eventually retries f every 50 ms until it holds or d has passed, and returns
// how long it took.
func eventually(t *testing.T, d time.Duration, what string, f func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !f() {
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// pgDSN rewrites a PostgreSQL DSN to reach the server at addr (when not empty)
// and to name its connections app, so that the test can find and kill its own
// backends and no one else's. It also returns the server's own address.
func pgDSN(t *testing.T, dsn, addr, app string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		u.Host = addr
	}
	q := u.Query()
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String()
}

func openFaultStore(t *testing.T, dsn string, dialect profiles.Dialect) *profiles.Store {
	t.Helper()
	return profilestest.OpenStore(t, profilestest.DB{Name: string(dialect), DSN: dsn, Dialect: dialect})
}

// TestPostgresGoesAwayAndComesBack stops "PostgreSQL" (the relay drops every
// connection and refuses new ones), checks that reads, writes and /readyz answer
// 503 and never 500, then starts it again and checks that the same API serves
// again within seconds, with no restart.
func TestPostgresGoesAwayAndComesBack(t *testing.T) {
	db := profilestest.PostgresDB(t, true)
	rl, _ := profilestest.StartRelay(t, db.DSN)
	dsn := pgDSN(t, db.DSN, rl.Addr(), profilestest.Name("faults"))
	store := openFaultStore(t, dsn, profiles.Postgres)
	a := newFaultAPI(t, store)

	id, r := a.createCity(t, "Montevideo")
	if id == "" {
		t.Fatalf("create with the database up: %d %s", r.status, r.body)
	}
	if r := a.do(t, "GET", "/readyz", ""); r.status != 200 {
		t.Fatalf("readyz with the database up: %d %s", r.status, r.body)
	}

	rl.Cut()
	cutAt := time.Now()
	for _, tc := range []struct{ name, method, path, body string }{
		{"get", "GET", "/v1/cities/" + id, ""},
		{"list", "GET", "/v1/cities?region=latin_america", ""},
		{"create", "POST", "/v1/cities", `{"name":"Quito","country":"EC","region":"latin_america","languages":["es"]}`},
		{"update", "PATCH", "/v1/cities/" + id, `{"population":1319108}`},
		{"delete", "DELETE", "/v1/cities/" + id, ""},
		{"readyz", "GET", "/readyz", ""},
	} {
		start := time.Now()
		wantUnavailable(t, tc.name, a.do(t, tc.method, tc.path, tc.body))
		if d := time.Since(start); d > 2500*time.Millisecond {
			t.Errorf("%s took %s to say 503: a client waits too long", tc.name, d)
		}
	}
	t.Logf("every request answered 503 while the database was gone (%s)", time.Since(cutAt).Round(time.Millisecond))

	rl.Restore(t)
	took := eventually(t, 10*time.Second, "ready again after the database came back", func() bool {
		return a.do(t, "GET", "/readyz", "").status == 200
	})
	t.Logf("ready again %s after the database came back", took.Round(time.Millisecond))
	// No request after recovery may fail: the pool dropped its dead connections.
	if r := a.do(t, "GET", "/v1/cities/"+id, ""); r.status != 200 {
		t.Fatalf("get after recovery: %d %s", r.status, r.body)
	}
	if id2, r := a.createCity(t, "Quito"); id2 == "" {
		t.Fatalf("create after recovery: %d %s", r.status, r.body)
	}
	if r := a.do(t, "GET", "/v1/cities", ""); r.status != 200 || !bytes.Contains(r.body, []byte(`"total":2`)) {
		t.Fatalf("list after recovery: %d %s (the write refused with 503 must not have happened)", r.status, r.body)
	}
}

// TestPostgresUnreachable makes PostgreSQL's host drop packets instead of
// refusing connections: requests must still answer 503 within the connect
// timeout (profiles.Open sets one; the test shortens it), not hang until the
// kernel gives up on the connection.
func TestPostgresUnreachable(t *testing.T) {
	db := profilestest.PostgresDB(t, true)
	rl, _ := profilestest.StartRelay(t, db.DSN)
	dsn := pgDSN(t, db.DSN, rl.Addr(), profilestest.Name("faults"))
	store := openFaultStore(t, dsn+"&connect_timeout=1", profiles.Postgres)
	a := newFaultAPI(t, store)
	id, r := a.createCity(t, "Montevideo")
	if id == "" {
		t.Fatalf("create with the database up: %d %s", r.status, r.body)
	}

	rl.Blackhole(t)
	for _, tc := range []struct{ name, method, path, body string }{
		{"readyz", "GET", "/readyz", ""},
		{"get", "GET", "/v1/cities/" + id, ""},
		{"create", "POST", "/v1/cities", `{"name":"Quito","country":"EC","region":"latin_america","languages":["es"]}`},
	} {
		start := time.Now()
		wantUnavailable(t, tc.name, a.do(t, tc.method, tc.path, tc.body))
		// A write tries the database twice, each for up to the connect
		// timeout: to check its key, then to record its failure in the audit
		// trail.
		d := time.Since(start)
		if d > 4*time.Second {
			t.Errorf("%s took %s to say 503 with a connect timeout of 1s", tc.name, d)
		}
		t.Logf("%s: 503 after %s", tc.name, d.Round(time.Millisecond))
	}

	rl.Cut()
	rl.Restore(t)
	took := eventually(t, 10*time.Second, "serving again after the host came back", func() bool {
		return a.do(t, "GET", "/v1/cities/"+id, "").status == 200
	})
	t.Logf("serving again %s after the host came back", took.Round(time.Millisecond))
}

// TestPostgresBackendsKilled kills the API's PostgreSQL connections under load,
// as a failover or an administrator does: each killed connection may fail the
// one request that was using it, with 503, and every later request succeeds.
func TestPostgresBackendsKilled(t *testing.T) {
	app := profilestest.Name("faults")
	dsn := pgDSN(t, profilestest.PostgresDB(t, true).DSN, "", app)
	store := openFaultStore(t, dsn, profiles.Postgres)
	a := newFaultAPI(t, store)
	admin, err := sql.Open("pgx", profilestest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()

	ctx, stop := context.WithCancel(context.Background())
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		wg       sync.WaitGroup
	)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				r, err := a.send(t, "GET", "/v1/cities?limit=5", "")
				if i%2 == 0 {
					r, err = a.send(t, "POST", "/v1/cities", fmt.Sprintf(`{"name":"City %d-%d","country":"UY","region":"latin_america","languages":["es"]}`, w, i))
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				statuses[r.status]++
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	var killed int
	if err := admin.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	wg.Wait()
	if killed == 0 {
		t.Fatal("no backend of the test was found to kill")
	}
	ok := statuses[200] + statuses[201]
	t.Logf("killed %d backends under load: %d requests succeeded, %d answered 503", killed, ok, statuses[503])
	for status, n := range statuses {
		if status != 200 && status != 201 && status != 503 {
			t.Errorf("%d request(s) answered %d: a killed connection must mean 503 at worst", n, status)
		}
	}
	if statuses[503] > killed {
		t.Errorf("%d requests failed for %d killed connections: only the request in flight on one may fail", statuses[503], killed)
	}
	// Once the killed connections are gone from the pool, nothing fails.
	for i := range 20 {
		if r := a.do(t, "GET", "/v1/cities?limit=5", ""); r.status != 200 {
			t.Fatalf("request %d after the kill: %d %s", i, r.status, r.body)
		}
	}
}

// TestSQLiteLockedPastBusyTimeout holds SQLite's write lock from another
// connection for longer than the store waits for it: writes answer 503 (the
// database is busy, not broken), reads go on from the WAL, and writes succeed
// again as soon as the lock is released. Readiness stays true: a held lock is
// not a lost database. (A disk I/O error maps to 503 the same way, by its
// result code, but the pure-Go driver offers no way to inject one.)
func TestSQLiteLockedPastBusyTimeout(t *testing.T) {
	db := profilestest.SQLiteDB(t, true)
	store := openFaultStore(t, db.DSN, profiles.SQLite)
	// The store waits 10 s for a lock; a test should not. With one connection,
	// the pragma holds for every query the store makes.
	store.DB().SetMaxOpenConns(1)
	if _, err := store.DB().Exec("PRAGMA busy_timeout = 300"); err != nil {
		t.Fatal(err)
	}
	a := newFaultAPI(t, store)
	id, r := a.createCity(t, "Montevideo")
	if id == "" {
		t.Fatalf("create: %d %s", r.status, r.body)
	}

	other, _, err := profiles.Open(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := context.Background()
	holder, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	_, r = a.createCity(t, "Quito")
	wantUnavailable(t, "create while another process holds the write lock", r)
	wantUnavailable(t, "update while locked", a.do(t, "PATCH", "/v1/cities/"+id, `{"population":1}`))
	if r := a.do(t, "GET", "/v1/cities/"+id, ""); r.status != 200 {
		t.Fatalf("read while locked: %d %s (WAL readers do not wait for the writer)", r.status, r.body)
	}
	if r := a.do(t, "GET", "/readyz", ""); r.status != 200 {
		t.Errorf("readyz while locked: %d %s", r.status, r.body)
	}
	if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if id2, r := a.createCity(t, "Quito"); id2 == "" {
		t.Fatalf("create after the lock was released: %d %s", r.status, r.body)
	}
}
