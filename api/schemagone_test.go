package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"matchmaker/api"
	"matchmaker/api/apitest"
	"matchmaker/migrations"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestSchemaGoneAnswers503 drops every table under a running API (the database
// dropped and created again empty): data routes, read and write, with a key and
// without, answer 503 problem+json with Retry-After, as for any outage, while
// /readyz says that migrations are pending. Once the migrations run again, the
// same API answers 200 without a restart.
func TestSchemaGoneAnswers503(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		m, err := migrations.NewMigrator(store.DB(), string(db.Dialect))
		if err != nil {
			t.Fatal(err)
		}
		ready := func(ctx context.Context) error { // as cmd checks readiness
			if err := store.Ping(ctx); err != nil {
				return &api.NotReadyError{Reason: "the database is not reachable"}
			}
			pending, err := migrations.Pending(ctx, m)
			if err != nil {
				return &api.NotReadyError{Reason: "the migration state cannot be read"}
			}
			if len(pending) > 0 {
				return &api.NotReadyError{Reason: fmt.Sprintf("%d migration(s) pending", len(pending))}
			}
			return nil
		}
		_, key, err := store.CreateKey(ctx, profiles.KeyInput{Name: "admin", Role: profiles.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		x := &env{t: t, store: store, v: apitest.NewValidator(t), ids: map[string]string{}, key: key,
			e: api.New(api.Config{Store: store, Ready: ready, RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})}
		x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)

		dropSchema(t, db)

		for _, tc := range []struct {
			name, method, path, body string
			header                   []string
		}{
			{"list with a key", "GET", "/v1/cities", "", nil},
			{"list without a key", "GET", "/v1/cities", "", []string{"Authorization", ""}},
			{"one city", "GET", "/v1/cities/{lyon}", "", []string{"Authorization", ""}},
			{"HEAD", "HEAD", "/v1/cities/{lyon}", "", []string{"Authorization", ""}},
			{"create", "POST", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"]}`, nil},
			{"patch", "PATCH", "/v1/cities/{lyon}", `{"population":1}`, nil},
			{"proposals", "GET", "/v1/proposals", "", nil},
			{"themes compared", "GET", "/v1/themes/waste/compare", "", nil},
		} {
			t.Run("schema gone: "+tc.name, func(t *testing.T) {
				r := x.do(t, tc.method, tc.path, tc.body, tc.header...)
				if r.Status != 503 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), api.ProblemContentType) {
					t.Fatalf("status %d, Retry-After %q, Content-Type %q, want 503 problem with Retry-After: %s",
						r.Status, r.Header.Get("Retry-After"), r.Header.Get("Content-Type"), r.Body)
				}
				if strings.Contains(string(r.Body), "no such table") || strings.Contains(string(r.Body), "does not exist") {
					t.Errorf("the problem says something internal: %s", r.Body)
				}
			})
		}
		if r := x.do(t, "GET", "/readyz", ""); r.Status != 503 || !strings.Contains(string(r.Body), "pending") {
			t.Fatalf("readyz with the schema gone: %d %s", r.Status, r.Body)
		}

		profilestest.Migrate(t, db)
		// The keys went with the tables: the admin makes a new one.
		_, x.key, err = store.CreateKey(ctx, profiles.KeyInput{Name: "admin again", Role: profiles.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		x.run(t, []scenario{
			{name: "ready again", method: "GET", path: "/readyz", status: 200},
			{name: "empty list", method: "GET", path: "/v1/cities", header: []string{"Authorization", ""}, status: 200, contains: []string{`"total":0`}},
			{name: "the city is gone", method: "GET", path: "/v1/cities/{lyon}", status: 404},
			{name: "create again", method: "POST", path: "/v1/cities", body: `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"]}`, status: 201},
		})
	})
}

// dropSchema takes every table away from db through a connection of its own, as
// an operator who drops the database and creates it again empty does.
func dropSchema(t *testing.T, db profilestest.DB) {
	t.Helper()
	switch db.Dialect {
	case profiles.Postgres:
		u, err := url.Parse(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		schema := u.Query().Get("search_path")
		conn, err := sql.Open("pgx", db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Exec("DROP SCHEMA " + schema + " CASCADE; CREATE SCHEMA " + schema); err != nil {
			t.Fatalf("drop schema: %v", err)
		}
	default:
		bdb, _, err := profiles.Open(context.Background(), db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer bdb.Close()
		conn, err := bdb.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var tables []string
		if err := conn.NewRaw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(context.Background(), &tables); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), "PRAGMA foreign_keys = OFF"); err != nil {
			t.Fatal(err)
		}
		for _, name := range tables {
			if _, err := conn.ExecContext(context.Background(), `DROP TABLE "`+name+`"`); err != nil {
				t.Fatalf("drop %s: %v", name, err)
			}
		}
	}
}
