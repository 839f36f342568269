package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// The job queue (river) keeps its own tables (river_job, river_leader, …) and
// migrates them with its own migrator, rivermigrate. Up runs it after the
// service's own migrations, under the same lock, so that one migrate step
// brings both up; its versions are named "river_<version>_<name>".

// JobDriver returns river's driver for db: riverdatabasesql for PostgreSQL (over
// bun's *sql.DB), riversqlite for SQLite.
func JobDriver(db *bun.DB) (riverdriver.Driver[*sql.Tx], error) {
	switch db.Dialect().Name() {
	case dialect.PG:
		return riverdatabasesql.New(db.DB), nil
	case dialect.SQLite:
		return riversqlite.New(db.DB), nil
	}
	return nil, fmt.Errorf("job queue: no driver for the %s dialect", db.Dialect().Name())
}

func jobMigrator(db *bun.DB) (*rivermigrate.Migrator[*sql.Tx], error) {
	drv, err := JobDriver(db)
	if err != nil {
		return nil, err
	}
	m, err := rivermigrate.New(drv, &rivermigrate.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, fmt.Errorf("job queue migrator: %w", err)
	}
	return m, nil
}

func jobVersionName(v rivermigrate.Migration) string {
	return fmt.Sprintf("river_%03d_%s", v.Version, v.Name)
}

// upJobs applies the job queue's pending migrations.
func upJobs(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := jobMigrator(db)
	if err != nil {
		return nil, err
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate the job queue: %w", err)
	}
	var names []string
	for _, v := range res.Versions {
		names = append(names, jobVersionName(rivermigrate.Migration{Version: v.Version, Name: v.Name}))
	}
	return names, nil
}

// pendingJobs lists the job queue's migrations not yet applied.
func pendingJobs(ctx context.Context, db *bun.DB) ([]string, error) {
	m, err := jobMigrator(db)
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	existing, err := m.ExistingVersions(ctx)
	if err != nil {
		// No river_migration table yet: every version is pending.
		existing = nil
	}
	for _, v := range existing {
		applied[v.Version] = true
	}
	var names []string
	for _, v := range m.AllVersions() {
		if !applied[v.Version] {
			names = append(names, jobVersionName(v))
		}
	}
	return names, nil
}
