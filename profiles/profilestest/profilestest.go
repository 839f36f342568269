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
	"errors"
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
		if err := migrateSQLite(db); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// migrated holds a SQLite database with every migration applied, made once
// a process: a test's database is a copy of it. Migrating took each test
// about 1.5 s under the race detector (the SQLite engine is Go translated
// from C, and the detector checks every memory access of it), most of the
// API tests' time.
var migrated struct {
	sync.Once
	file []byte // the database file, closed and whole
	err  error
}

// migrateSQLite writes a migrated database at db.DSN, a file that does not
// exist yet: a copy of the process's migrated database, or migrated itself
// when no copy can be made.
func migrateSQLite(db DB) error {
	migrated.Do(func() {
		dir, err := os.MkdirTemp("", "matchmaker-migrated-")
		if err != nil {
			migrated.err = err
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "matchmaker.db")
		if migrated.err = migrate(DB{Name: "sqlite", DSN: path, Dialect: profiles.SQLite}); migrated.err != nil {
			return
		}
		// Closed, the database is one file: a write-ahead log left
		// beside it would hold part of the migrations.
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
			migrated.err = errors.New("the migrated database kept a write-ahead log")
			return
		}
		migrated.file, migrated.err = os.ReadFile(path)
	})
	if migrated.err != nil {
		return migrate(db)
	}
	return os.WriteFile(db.DSN, migrated.file, 0o600)
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
	db, drop, err := newPostgresSchema()
	if errors.Is(err, ErrNoPostgres) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v and CI=true", err)
		}
		t.Skipf("%v: skipping; set TEST_DATABASE_URL or start the server", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	if migrate {
		Migrate(t, db)
	}
	return db
}

// ErrNoPostgres is the error of a PostgreSQL test server that does not answer.
var ErrNoPostgres = errors.New("PostgreSQL is unreachable")

// NewDB makes a fresh, migrated database of kind name ("sqlite": a file in
// dir; "postgres": a new schema) outside any one test, for a resource the
// tests of a package share (see web/browsertest); drop removes it. An
// unreachable PostgreSQL server is ErrNoPostgres, for the caller to skip or
// fail as PostgresDB does.
func NewDB(name, dir string) (db DB, drop func(), err error) {
	switch name {
	case "sqlite":
		db = DB{Name: "sqlite", DSN: filepath.Join(dir, "matchmaker.db"), Dialect: profiles.SQLite}
		return db, func() {}, migrateSQLite(db)
	case "postgres":
		if db, drop, err = newPostgresSchema(); err != nil {
			return DB{}, nil, err
		}
	default:
		return DB{}, nil, fmt.Errorf("no database kind %q", name)
	}
	if err := migrate(db); err != nil {
		drop()
		return DB{}, nil, err
	}
	return db, drop, nil
}

// newPostgresSchema creates an empty schema on the test server and returns
// its DB and the function that drops it.
func newPostgresSchema() (DB, func(), error) {
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
		return DB{}, nil, fmt.Errorf("%w at %s (%v)", ErrNoPostgres, profiles.RedactDSN(base), err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return DB{}, nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		// err would echo the URL whole.
		return DB{}, nil, fmt.Errorf("TEST_DATABASE_URL %s is not a URL", profiles.RedactDSN(base))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return DB{Name: "postgres", DSN: u.String(), Dialect: profiles.Postgres}, drop, nil
}

// Migrate applies every migration to db.
func Migrate(t testing.TB, db DB) {
	t.Helper()
	if err := migrate(db); err != nil {
		t.Fatal(err)
	}
}

func migrate(db DB) error {
	ctx := context.Background()
	bdb, dialect, err := profiles.Open(ctx, db.DSN)
	if err != nil {
		return fmt.Errorf("open %s: %w", db.Name, err)
	}
	defer bdb.Close()
	m, err := migrations.NewMigrator(bdb, string(dialect))
	if err != nil {
		return err
	}
	if _, err := migrations.Up(ctx, m); err != nil {
		return fmt.Errorf("migrate %s: %w", db.Name, err)
	}
	return nil
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
