package migrations_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"matchmaker/migrations"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

func ids(t *testing.T, dialect string) []string {
	t.Helper()
	sub, err := migrations.FS(dialect)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(sub, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !strings.HasSuffix(n, ".tx.up.sql") {
			t.Errorf("%s/%s: migrations are forward-only and transactional (.tx.up.sql)", dialect, n)
		}
		out = append(out, strings.SplitN(n, "_", 2)[0])
	}
	return out
}

func TestDialectsHoldTheSameMigrations(t *testing.T) {
	pg, sqlite := ids(t, "pg"), ids(t, "sqlite")
	if len(pg) == 0 || !slices.Equal(pg, sqlite) {
		t.Fatalf("migration IDs differ: pg %v, sqlite %v", pg, sqlite)
	}
}

func TestMigrateFromEmptyAndAgain(t *testing.T) {
	for _, mk := range []func(*testing.T) profilestest.DB{
		func(t *testing.T) profilestest.DB { return profilestest.SQLiteDB(t, false) },
		func(t *testing.T) profilestest.DB { return profilestest.PostgresDB(t, false) },
	} {
		t.Run("", func(t *testing.T) {
			db := mk(t)
			ctx := context.Background()
			bdb, dialect, err := profiles.Open(ctx, db.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			m, err := migrations.NewMigrator(bdb, string(dialect))
			if err != nil {
				t.Fatal(err)
			}
			pending, err := migrations.Pending(ctx, m)
			if err != nil || len(pending) == 0 {
				t.Fatalf("%s: pending on an empty database: %v %v", db.Name, pending, err)
			}
			applied, err := migrations.Up(ctx, m)
			if err != nil || !slices.Equal(applied, pending) {
				t.Fatalf("%s: applied %v, want %v (%v)", db.Name, applied, pending, err)
			}
			if again, err := migrations.Up(ctx, m); err != nil || len(again) != 0 {
				t.Fatalf("%s: second run applied %v, %v", db.Name, again, err)
			}
			// A run that committed its schema but died before being marked applied
			// is retried cleanly: the statements are safe to run again.
			// The job queue's versions are river's own, kept in its own table.
			applied = slices.DeleteFunc(applied, func(n string) bool { return strings.HasPrefix(n, "river_") })
			for _, mg := range applied {
				if _, err := bdb.NewDelete().Table("bun_migrations").Where("name = ?", mg).Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if again, err := migrations.Up(ctx, m); err != nil || len(again) != len(applied) {
				t.Fatalf("%s: re-run after interruption: %v, %v", db.Name, again, err)
			}
			if n, err := bdb.NewSelect().Table("cities").Count(ctx); err != nil || n != 0 {
				t.Fatalf("%s: cities table: %d, %v", db.Name, n, err)
			}
		})
	}
}
