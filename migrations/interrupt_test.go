package migrations_test

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"matchmaker/migrations"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// The interruption tests stop a migration run part-way in every way a run can
// stop, then start again as the service does (migrations.Up with the real
// migrator) and require the schema to end up exactly as a clean run leaves it:
// same tables, columns, indexes and constraints, every migration marked applied
// once.
//
//   - committed: the first statements of a migration are in the database but
//     the migration is not marked applied, as after a crash between its commit
//     and its mark, or statements applied by hand. Four cut points of every
//     migration are tried, the last being the whole migration.
//   - cancelled / failed: the run is stopped inside a migration's transaction
//     (the context is cancelled, as SIGTERM does to serve, or a statement
//     fails): nothing of that migration may remain, and the lock is released.
//   - crashed: the process died holding the migration lock. The next start
//     is cleared by the next start, which holds the lock that dies with its
//     process, and the run completes.

// migrationFile is one migration of a dialect, split into statements as bun
// splits it.
type migrationFile struct {
	path       string
	statements []string
}

func migrationFiles(t testing.TB, dialect string) []migrationFile {
	t.Helper()
	sub, err := migrations.FS(dialect)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := fs.Glob(sub, "*.up.sql")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	var out []migrationFile
	for _, p := range paths {
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			t.Fatal(err)
		}
		var stmts []string
		for _, s := range strings.Split(string(b), "\n--bun:split\n") {
			if strings.TrimSpace(s) != "" {
				stmts = append(stmts, s)
			}
		}
		out = append(out, migrationFile{path: p, statements: stmts})
	}
	return out
}

// applyFirst applies the first n migrations of files, as a run that stopped
// after them.
func applyFirst(t testing.TB, db *bun.DB, files []migrationFile, n int) {
	t.Helper()
	m := partialMigrator(t, db, files, n, 0, "")
	var err error
	if n == 0 {
		err = m.Init(context.Background()) // bun refuses to run an empty set
	} else {
		_, err = migrations.Up(context.Background(), m)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// partialMigrator is a migrator over the first n migrations of files and, when
// extra is not empty, one more: the next migration's first statements and extra.
func partialMigrator(t testing.TB, db *bun.DB, files []migrationFile, n int, head int, extra string) *migrate.Migrator {
	t.Helper()
	mfs := fstest.MapFS{}
	for _, f := range files[:n] {
		mfs[f.path] = &fstest.MapFile{Data: []byte(strings.Join(f.statements, "\n--bun:split\n"))}
	}
	if extra != "" {
		f := files[n]
		stmts := append(slices.Clone(f.statements[:head]), extra)
		mfs[f.path] = &fstest.MapFile{Data: []byte(strings.Join(stmts, "\n--bun:split\n"))}
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(mfs); err != nil {
		t.Fatal(err)
	}
	return migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))
}

func openBun(t testing.TB, db profilestest.DB) *bun.DB {
	t.Helper()
	bdb, _, err := profiles.Open(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bdb.Close() })
	return bdb
}

// schema describes every table, column, index and constraint of db, one line
// each, sorted, and the applied migrations in order.
func schema(t testing.TB, db *bun.DB, dialect profiles.Dialect) (objects, applied []string) {
	t.Helper()
	ctx := context.Background()
	var queries []string
	if dialect == profiles.SQLite {
		queries = []string{`SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`}
	} else {
		queries = []string{
			`SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || ' default=' || coalesce(column_default, '')
			 FROM information_schema.columns WHERE table_schema = current_schema()`,
			`SELECT 'index ' || indexname || ' on ' || tablename || ': ' || replace(indexdef, current_schema() || '.', '')
			 FROM pg_indexes WHERE schemaname = current_schema()`,
			`SELECT 'constraint ' || c.conname || ' on ' || t.relname || ': ' || pg_get_constraintdef(c.oid)
			 FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = c.connamespace
			 WHERE n.nspname = current_schema()`,
		}
	}
	for _, q := range queries {
		var lines []string
		if err := db.NewRaw(q).Scan(ctx, &lines); err != nil {
			t.Fatalf("read the schema: %v", err)
		}
		objects = append(objects, lines...)
	}
	slices.Sort(objects)
	if err := db.NewRaw("SELECT name FROM bun_migrations ORDER BY id").Scan(ctx, &applied); err != nil {
		t.Fatalf("read the applied migrations: %v", err)
	}
	return objects, applied
}

// cleanSchema is the schema a clean run leaves on a fresh database.
func cleanSchema(t *testing.T, mk func(t testing.TB) profilestest.DB) (objects, applied []string) {
	t.Helper()
	db := mk(t)
	bdb := openBun(t, db)
	m, err := migrations.NewMigrator(bdb, string(db.Dialect))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	objects, applied = schema(t, bdb, db.Dialect)
	if len(objects) < 20 || len(applied) == 0 {
		t.Fatalf("a clean run leaves %d schema objects and %d migrations: the schema query reads nothing", len(objects), len(applied))
	}
	t.Logf("a clean run: %d schema objects, %d migrations", len(objects), len(applied))
	return objects, applied
}

// restart runs the migrations as serve does at its next start and checks that the
// schema is the clean one.
func restart(t *testing.T, bdb *bun.DB, dialect profiles.Dialect, wantObjects, wantApplied []string) {
	t.Helper()
	m, err := migrations.NewMigrator(bdb, string(dialect))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(context.Background(), m); err != nil {
		t.Fatalf("the next start does not migrate: %v", err)
	}
	objects, applied := schema(t, bdb, dialect)
	if !slices.Equal(applied, wantApplied) {
		t.Errorf("applied migrations %v, want each once: %v", applied, wantApplied)
	}
	if !slices.Equal(objects, wantObjects) {
		for _, o := range objects {
			if !slices.Contains(wantObjects, o) {
				t.Errorf("not in a clean schema: %s", o)
			}
		}
		for _, o := range wantObjects {
			if !slices.Contains(objects, o) {
				t.Errorf("missing from the schema: %s", o)
			}
		}
	}
	if pending, err := migrations.Pending(context.Background(), m); err != nil || len(pending) > 0 {
		t.Errorf("pending after the restart: %v %v", pending, err)
	}
}

var interruptDBs = []struct {
	dialect profiles.Dialect
	mk      func(t testing.TB) profilestest.DB
}{
	{profiles.SQLite, func(t testing.TB) profilestest.DB { return profilestest.SQLiteDB(t, false) }},
	{profiles.Postgres, func(t testing.TB) profilestest.DB { return profilestest.PostgresDB(t, false) }},
}

// cutPoints lists after how many of n statements a run is cut: the first, the
// middle, the last but one and all of them. With all of them, every statement of
// the migration runs again over the object it made, which proves each one safe
// to re-run; the others mix made and missing objects. (Every cut point would
// cost a fresh database each, for no other kind of state.)
func cutPoints(n int) []int {
	out := []int{1, n / 2, n - 1, n}
	slices.Sort(out)
	return slices.Compact(slices.DeleteFunc(out, func(c int) bool { return c < 1 }))
}

func TestMigrationCommittedButNotMarkedIsRetried(t *testing.T) {
	for _, d := range interruptDBs {
		t.Run(string(d.dialect), func(t *testing.T) {
			wantObjects, wantApplied := cleanSchema(t, d.mk)
			files := migrationFiles(t, string(d.dialect))
			for n, f := range files {
				for _, cut := range cutPoints(len(f.statements)) {
					t.Run(fmt.Sprintf("%s/%d of %d statements", strings.SplitN(f.path, "_", 2)[0], cut, len(f.statements)), func(t *testing.T) {
						t.Parallel()
						db := d.mk(t)
						bdb := openBun(t, db)
						ctx := context.Background()
						applyFirst(t, bdb, files, n)
						for _, s := range f.statements[:cut] {
							if _, err := bdb.ExecContext(ctx, s); err != nil {
								t.Fatalf("apply by hand: %v", err)
							}
						}
						restart(t, bdb, db.Dialect, wantObjects, wantApplied)
					})
				}
			}
		})
	}
}

func TestMigrationStoppedInItsTransactionIsRetried(t *testing.T) {
	// A statement that never ends, so that the run is cut inside the
	// migration's transaction by the cancelled context.
	forever := map[profiles.Dialect]string{
		profiles.Postgres: "SELECT pg_sleep(60)",
		profiles.SQLite:   "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
	}
	for _, d := range interruptDBs {
		t.Run(string(d.dialect), func(t *testing.T) {
			wantObjects, wantApplied := cleanSchema(t, d.mk)
			files := migrationFiles(t, string(d.dialect))
			for n, f := range files {
				for _, how := range []string{"cancelled", "failed"} {
					head := len(f.statements) / 2
					t.Run(fmt.Sprintf("%s/%s after %d of %d statements", strings.SplitN(f.path, "_", 2)[0], how, head, len(f.statements)), func(t *testing.T) {
						t.Parallel()
						db := d.mk(t)
						bdb := openBun(t, db)
						// The state before the interrupted migration, to compare with.
						applyFirst(t, bdb, files, n)
						before, beforeApplied := schema(t, bdb, db.Dialect)

						ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
						defer cancel()
						extra := "SELECT * FROM no_such_table"
						if how == "cancelled" {
							extra = forever[db.Dialect]
							ctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
							defer cancel()
						}
						start := time.Now()
						_, err := migrations.Up(ctx, partialMigrator(t, bdb, files, n, head, extra))
						if err == nil {
							t.Fatal("the interrupted run reports success")
						}
						if how == "cancelled" && time.Since(start) > 10*time.Second {
							t.Fatalf("the run was not stopped by its context: %v after %s", err, time.Since(start))
						}
						// The migration's transaction rolled back: nothing of it is left,
						// it is not marked, and the lock was released on the way out.
						after, afterApplied := schema(t, bdb, db.Dialect)
						if !slices.Equal(after, before) || !slices.Equal(afterApplied, beforeApplied) {
							t.Errorf("the interrupted migration left part of itself: %d objects and %v applied, before it %d and %v",
								len(after), afterApplied, len(before), beforeApplied)
						}
						if n, err := bdb.NewSelect().Table("bun_migration_locks").Count(context.Background()); err != nil || n != 0 {
							t.Errorf("the migration lock is still held after the run stopped: %d rows, %v", n, err)
						}
						restart(t, bdb, db.Dialect, wantObjects, wantApplied)
					})
				}
			}
		})
	}
}

func TestMigrationLockLeftByACrashIsCleared(t *testing.T) {
	for _, d := range interruptDBs {
		t.Run(string(d.dialect), func(t *testing.T) {
			wantObjects, wantApplied := cleanSchema(t, d.mk)
			db := d.mk(t)
			bdb := openBun(t, db)
			ctx := context.Background()
			files := migrationFiles(t, string(db.Dialect))
			// The process died in the middle of the second migration: the first is
			// applied, part of the second committed, and the lock row is left.
			applyFirst(t, bdb, files, 1)
			for _, s := range files[1].statements[:len(files[1].statements)/2] {
				if _, err := bdb.ExecContext(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			m, err := migrations.NewMigrator(bdb, string(db.Dialect))
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Lock(ctx); err != nil {
				t.Fatal(err)
			}

			// The dead run's process lock died with it: the next start clears
			// the row it left in bun's lock table and completes the run.
			restart(t, bdb, db.Dialect, wantObjects, wantApplied)
		})
	}
}
