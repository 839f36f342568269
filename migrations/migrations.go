// Package migrations holds the embedded SQL migrations of matchmaker, one folder per
// dialect (pg/ and sqlite/) under the same IDs. Migrations are forward-only and
// transactional (.tx.up.sql); each statement is written to be safely re-run, so a
// run interrupted half-way is retried cleanly on the next start.
//
// It imports bun's migrate package and no project package.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun"
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
	return names, nil
}

// Up applies every pending migration under bun's migration lock and returns the
// names of those it applied.
func Up(ctx context.Context, m *migrate.Migrator) ([]string, error) {
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("init migration tables: %w", err)
	}
	if err := m.Lock(ctx); err != nil {
		return nil, fmt.Errorf("%w (another process is migrating, or a crashed one left the lock: run 'matchmaker migrate unlock')", err)
	}
	defer m.Unlock(context.WithoutCancel(ctx)) //nolint:errcheck // the lock row is best-effort cleanup; unlock is available by hand
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, mg := range group.Migrations {
		names = append(names, mg.Name)
	}
	return names, nil
}
