// Package profilestest runs one test body on every database matchmaker supports:
// a fresh SQLite file always, and a fresh PostgreSQL schema whenever the server at
// TEST_DATABASE_URL answers (always under CI=true, where an unreachable server
// fails the test instead of skipping it). No database is mocked.
package profilestest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"matchmaker/migrations"
	"matchmaker/profiles"
)

// DefaultPostgresURL is the local server used when TEST_DATABASE_URL is not set.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DB is one fresh, migrated database for a test.
type DB struct {
	Name    string // "sqlite" or "postgres"
	DSN     string
	Dialect profiles.Dialect
}

// EachDB runs body as a subtest on a fresh SQLite database and on a fresh
// PostgreSQL schema, both migrated.
func EachDB(t *testing.T, body func(t *testing.T, db DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { body(t, SQLiteDB(t, true)) })
	t.Run("postgres", func(t *testing.T) { body(t, PostgresDB(t, true)) })
}

// EachStore runs body on a Store over each database of EachDB.
func EachStore(t *testing.T, body func(t *testing.T, s *profiles.Store), opts ...profiles.Option) {
	t.Helper()
	EachDB(t, func(t *testing.T, db DB) { body(t, OpenStore(t, db, opts...)) })
}

// OpenStore opens a store on db, closed when the test ends.
func OpenStore(t testing.TB, db DB, opts ...profiles.Option) *profiles.Store {
	t.Helper()
	bdb, dialect, err := profiles.Open(context.Background(), db.DSN)
	if err != nil {
		t.Fatalf("open %s: %v", db.Name, err)
	}
	t.Cleanup(func() { bdb.Close() })
	tax, err := profiles.LoadTaxonomy()
	if err != nil {
		t.Fatal(err)
	}
	return profiles.NewStore(bdb, dialect, tax, opts...)
}

// SQLiteDB returns a new SQLite file in the test's temporary folder, migrated when migrate is set.
func SQLiteDB(t testing.TB, migrate bool) DB {
	t.Helper()
	db := DB{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "matchmaker.db"), Dialect: profiles.SQLite}
	if migrate {
		Migrate(t, db)
	}
	return db
}

var pgOnce struct {
	sync.Once
	err error
}

// PostgresURL returns the server the tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// PostgresDB returns a new, empty schema on the PostgreSQL test server, dropped when
// the test ends, migrated when migrate is set. It skips the test when the server is
// unreachable, except under CI=true, where it fails it.
func PostgresDB(t testing.TB, migrate bool) DB {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		pgOnce.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			pgOnce.err = admin.PingContext(ctx)
		})
		err = pgOnce.err
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is unreachable and CI=true: %v", profiles.RedactDSN(base), err)
		}
		t.Skipf("PostgreSQL at %s is unreachable (%v): skipping; set TEST_DATABASE_URL or start the server", profiles.RedactDSN(base), err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL %s is not a URL", profiles.RedactDSN(base)) // err would echo it whole
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db := DB{Name: "postgres", DSN: u.String(), Dialect: profiles.Postgres}
	if migrate {
		Migrate(t, db)
	}
	return db
}

// Migrate applies every migration to db.
func Migrate(t testing.TB, db DB) {
	t.Helper()
	ctx := context.Background()
	bdb, dialect, err := profiles.Open(ctx, db.DSN)
	if err != nil {
		t.Fatalf("open %s: %v", db.Name, err)
	}
	defer bdb.Close()
	m, err := migrations.NewMigrator(bdb, string(dialect))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, m); err != nil {
		t.Fatalf("migrate %s: %v", db.Name, err)
	}
}

// Clock is a deterministic clock for tests: every call moves it one second on.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time and moves it one second on.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// Name returns a short unique suffix, for names that must not collide across tests.
func Name(prefix string) string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%x", prefix, b)
}
