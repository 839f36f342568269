// Package migrations holds the embedded SQL migrations of matchmaker, one folder per
// dialect (pg/ and sqlite/) under the same IDs. Migrations are forward-only and
// transactional (.tx.up.sql); each statement is written to be safely re-run, so a
// run interrupted half-way is retried cleanly on the next start.
//
// Up also applies the job queue's own migrations (river's, through rivermigrate).
//
// It imports bun's migrate package and river's migrator, and no project package.
package migrations

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

//go:embed pg/*.sql sqlite/*.sql
var files embed.FS

// Dialects are the names of the migration folders, one per supported database.
var Dialects = []string{"pg", "sqlite"}

// FS returns the migration files of one dialect ("pg" or "sqlite").
func FS(dialect string) (fs.FS, error) {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations for %q: %w", dialect, err)
	}
	return sub, nil
}

// NewMigrator returns bun's migrator over the migrations of db's dialect, marking a
// migration applied only once it has succeeded.
func NewMigrator(db *bun.DB, dialect string) (*migrate.Migrator, error) {
	sub, err := FS(dialect)
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover %s migrations: %w", dialect, err)
	}
	return migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true)), nil
}

// Pending returns the names of the migrations not yet applied to db. It creates
// bun's bookkeeping tables when they are missing.
func Pending(ctx context.Context, m *migrate.Migrator) ([]string, error) {
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migration tables: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	var names []string
	for _, mg := range ms.Unapplied() {
		names = append(names, mg.Name)
	}
	jobs, err := pendingJobs(ctx, m.DB())
	if err != nil {
		return nil, err
	}
	return append(names, jobs...), nil
}

// Up applies every pending migration and returns the names of those it applied.
//
// Runs are serialised by a lock that dies with the process holding it: a
// session advisory lock on PostgreSQL (released before Up returns), an
// exclusive transaction on a lock file beside the database on SQLite. A second start waits for the first instead of
// failing, and a run killed half-way leaves nothing that blocks the next start:
// while holding that lock, a lock row bun's own table may have kept from a
// crashed run is stale and is cleared.
func Up(ctx context.Context, m *migrate.Migrator) ([]string, error) {
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migration tables: %w", err)
	}
	release, err := processLock(ctx, m.DB())
	if err != nil {
		return nil, fmt.Errorf("take the migration lock: %w", err)
	}
	defer release()
	// Nobody else can be migrating now: a lock row is a crashed run's.
	if err := m.Unlock(ctx); err != nil {
		return nil, fmt.Errorf("clear a stale migration lock: %w", err)
	}
	// The row is cleared on the way out even when writing it failed: a write
	// cut by the context may have been committed all the same, with only its
	// answer lost. Holding the process lock, the row can only be this run's.
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck // a row left behind is cleared by the next run
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("%w (another process is migrating, or a crashed one left the lock: run 'matchmaker migrate unlock')", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, mg := range group.Migrations {
		names = append(names, mg.Name)
	}
	jobs, err := upJobs(ctx, m.DB())
	if err != nil {
		return names, err
	}
	return append(names, jobs...), nil
}

// advisoryKey names matchmaker's migration lock among PostgreSQL advisory locks.
const advisoryKey = 0x6d6d6967 // "mmig"

// processLock takes the lock that serialises migration runs and returns its
// release. The database drops it by itself when the process dies.
func processLock(ctx context.Context, db *bun.DB) (func(), error) {
	switch db.Dialect().Name() {
	case dialect.PG:
		conn, err := db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", advisoryKey); err != nil {
			// Cut while waiting, the server may have granted it all the same:
			// the session ends here instead of going back to the pool with it.
			discard(conn.Conn)
			return nil, err
		}
		return func() {
			// A session advisory lock lives as long as its connection, and
			// database/sql keeps connections open for the next caller: it is
			// released here, before the run returns, and a session that cannot
			// confirm the release is ended rather than pooled.
			var released bool
			if err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock(?)", advisoryKey).Scan(&released); err != nil || !released {
				discard(conn.Conn)
				return
			}
			conn.Close()
		}, nil
	case dialect.SQLite:
		var seq int
		var name, file string
		if err := db.QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
			return nil, err
		}
		if file == "" {
			return func() {}, nil // an in-memory database lives in one process
		}
		// An exclusive transaction on a file of its own: SQLite's file locks
		// are the operating system's, released when the process ends.
		lock, err := sql.Open("sqlite", "file:"+strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(file+".migrate-lock")+"?_pragma=busy_timeout(60000)")
		if err != nil {
			return nil, err
		}
		lock.SetMaxOpenConns(1)
		conn, err := lock.Conn(ctx)
		if err != nil {
			lock.Close()
			return nil, err
		}
		if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
			conn.Close()
			lock.Close()
			return nil, err
		}
		return func() {
			conn.ExecContext(context.Background(), "ROLLBACK") //nolint:errcheck // closing releases it anyway
			conn.Close()
			lock.Close()
		}, nil
	}
	return func() {}, nil
}

// discard closes conn's database session instead of returning it to the pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // ErrBadConn is the request to close it
	conn.Close()
}
