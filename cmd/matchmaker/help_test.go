package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestHelpRunsNothing asks every command for its help, with --help and -h, at the
// end and at the start of the command line: the help is printed to stdout, run
// succeeds (exit status 0), and nothing is run: no database file, no table, no
// key, no lock.
func TestHelpRunsNothing(t *testing.T) {
	commands := []struct {
		args  []string
		usage string // the start of the help's first line
	}{
		{nil, "Usage: matchmaker <command>"},
		{[]string{"serve"}, "Usage: matchmaker serve"},
		{[]string{"serve", "--demo", "--admin-key", "a-long-enough-admin-secret"}, "Usage: matchmaker serve"},
		{[]string{"migrate"}, "Usage: matchmaker migrate <command>"},
		{[]string{"migrate", "up"}, "Usage: matchmaker migrate up"},
		{[]string{"migrate", "status"}, "Usage: matchmaker migrate status"},
		{[]string{"migrate", "unlock"}, "Usage: matchmaker migrate unlock"},
		{[]string{"seed"}, "Usage: matchmaker seed"},
		{[]string{"seed", "--force"}, "Usage: matchmaker seed"},
		{[]string{"keys"}, "Usage: matchmaker keys <command>"},
		{[]string{"keys", "create"}, "Usage: matchmaker keys create"},
		{[]string{"keys", "create", "--role", "admin"}, "Usage: matchmaker keys create"},
		{[]string{"keys", "list"}, "Usage: matchmaker keys list"},
		{[]string{"keys", "revoke"}, "Usage: matchmaker keys revoke"},
		{[]string{"keys", "revoke", "01jd0000000000000000000000"}, "Usage: matchmaker keys revoke"},
		{[]string{"import"}, "Usage: matchmaker import"},
		{[]string{"import", "--dry-run", "cities.csv"}, "Usage: matchmaker import"},
		{[]string{"export"}, "Usage: matchmaker export"},
		{[]string{"export", "--kind", "cities", "--format", "jsonl"}, "Usage: matchmaker export"},
		{[]string{"backup"}, "Usage: matchmaker backup"},
		{[]string{"backup", "copy.db"}, "Usage: matchmaker backup"},
		{[]string{"version"}, "Usage: matchmaker version"},
	}
	for _, db := range []struct {
		name string
		dsn  func(t *testing.T) string
		// tables lists what the database holds: its tables, or for SQLite its files.
		tables func(t *testing.T, dsn string) []string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") }, func(t *testing.T, dsn string) []string {
			// The database, its WAL and the migration lock file live beside it.
			entries, err := os.ReadDir(filepath.Dir(dsn))
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, e := range entries {
				files = append(files, e.Name())
			}
			return files
		}},
		{"postgres", func(t *testing.T) string { return profilestest.PostgresDB(t, false).DSN }, func(t *testing.T, dsn string) []string {
			bdb, _, err := profiles.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			var tables []string
			if err := bdb.NewRaw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").Scan(context.Background(), &tables); err != nil {
				t.Fatal(err)
			}
			return tables
		}},
	} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			t.Setenv("DATABASE_URL", dsn)
			// The default database is a file in the working directory: an
			// empty one, so that anything written there shows.
			dir := t.TempDir()
			t.Chdir(dir)
			for _, c := range commands {
				for _, flag := range []string{"--help", "-h"} {
					positions := [][]string{append(slices.Clone(c.args), flag)}
					if len(c.args) > 0 {
						positions = append(positions, append([]string{flag}, c.args...))
					}
					for _, args := range positions {
						t.Run(strings.Join(args, " "), func(t *testing.T) {
							ctx := context.Background()
							if len(c.args) == 0 || c.args[0] == "serve" {
								// serve runs until its context ends: were the
								// help to run it, it fails here instead of
								// waiting for ever.
								cancelled, cancel := context.WithCancel(ctx)
								cancel()
								ctx = cancelled
							}
							var stdout, stderr bytes.Buffer
							if err := run(ctx, args, &stdout, &stderr); err != nil {
								t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
							}
							if !strings.HasPrefix(stdout.String(), c.usage) {
								t.Errorf("stdout does not start with %q:\n%s", c.usage, stdout.String())
							}
							if stderr.Len() > 0 {
								t.Errorf("stderr: %s", stderr.String())
							}
							if tables := db.tables(t, dsn); len(tables) > 0 {
								t.Fatalf("the help touched the database: %v", tables)
							}
							if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
								t.Fatalf("the help wrote in the working directory: %v %v", entries, err)
							}
						})
					}
				}
			}
		})
	}
}
