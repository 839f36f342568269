package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"matchmaker/profiles/profilestest"
)

// readmeSection returns the shell lines of the README section titled title:
// the lines of its ```sh blocks, comments left out.
func readmeSection(t *testing.T, title string) []string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "\n## "+title+"\n")
	if !ok {
		t.Fatalf("no section %q in the README", title)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	var lines []string
	in := false
	for _, l := range strings.Split(rest, "\n") {
		switch {
		case l == "```sh":
			in = true
		case l == "```":
			in = false
		case in && strings.TrimSpace(l) != "" && !strings.HasPrefix(strings.TrimSpace(l), "#"):
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

var docExample = regexp.MustCompile("(?s)<!-- file: ([^ ]+) -->\n```[a-z]*\n(.*?)```")

// writeDocExamples writes the example files of docs/import.md into dir.
func writeDocExamples(t *testing.T, dir string) {
	t.Helper()
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "import.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range docExample.FindAllStringSubmatch(string(page), -1) {
		if err := os.WriteFile(filepath.Join(dir, m[1]), []byte(m[2]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// runLine runs one README line: matchmaker through run, rm and cp as the
// shell would, anything else as a program (pg_dump, pg_restore) with env.
func runLine(t *testing.T, line string, env map[string]string) string {
	t.Helper()
	words := shellWords(line, env)
	var out, errOut bytes.Buffer
	var err error
	switch words[0] {
	case "matchmaker":
		err = run(context.Background(), words[1:], &out, &errOut)
	case "rm":
		for _, f := range words[1:] {
			if f != "-f" {
				os.Remove(f)
			}
		}
	case "cp":
		var b []byte
		if b, err = os.ReadFile(words[1]); err == nil {
			err = os.WriteFile(words[2], b, 0o600)
		}
	default:
		cmd := exec.Command(words[0], words[1:]...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err = cmd.Run()
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", line, err, out.String(), errOut.String())
	}
	return out.String()
}

// The commands of the README's section on imports, exports and backups, as
// written, on SQLite: the example files of docs/import.md are checked,
// imported, exported; a backup is taken and restored in place of the
// database, which then holds what was backed up and nothing written after.
func TestReadmeTransferCommands(t *testing.T) {
	dir := t.TempDir()
	writeDocExamples(t, dir)
	lines := readmeSection(t, "Importing, exporting and backing up")
	t.Chdir(dir)
	t.Setenv("DATABASE_URL", "matchmaker.db")
	t.Setenv("MATCHMAKER_LOG_LEVEL", "warn")
	env := map[string]string{}
	ran := 0
	for _, line := range lines {
		if strings.HasPrefix(line, "pg_") {
			continue // TestReadmePostgresBackup
		}
		if strings.HasPrefix(line, "rm ") {
			// The service stops: a city written after the backup must be
			// gone once the copy is back.
			if _, err := os.Stat("matchmaker-backup.db"); err != nil {
				t.Fatal("restore before any backup")
			}
			extra := filepath.Join(dir, "cities-late.csv")
			os.WriteFile(extra, []byte("external_ref,name,country,region,languages\nLATE,Quito,EC,latin_america,es\n"), 0o600)
			runLine(t, "matchmaker import "+extra, env)
		}
		out := runLine(t, line, env)
		ran++
		if strings.HasPrefix(line, "matchmaker import cities") && !strings.Contains(out, "8 rows") {
			t.Errorf("%s: %s", line, out)
		}
	}
	if ran < 6 {
		t.Fatalf("ran %d README lines", ran)
	}
	b, err := os.ReadFile("experts-export.csv")
	if err != nil || !strings.Contains(string(b), "EX-501") {
		t.Errorf("the export: %v\n%s", err, b)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"export", "--kind", "cities"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "CRM-0003") || strings.Contains(out.String(), "LATE") {
		t.Errorf("the restored database holds:\n%s", out.String())
	}
	// A bad file: every bad row on stderr, nothing written, a failing status.
	os.WriteFile("practices-bad.csv", []byte("external_ref,city_ref,title,description,themes\nX,NOPE,T,Une description.,waste\nY,CRM-0001,T,Une description.,nothing\n"), 0o600)
	var errOut bytes.Buffer
	err = run(context.Background(), []string{"import", "practices-bad.csv"}, io.Discard, &errOut)
	if err == nil || !strings.Contains(err.Error(), "2 bad rows") ||
		!strings.Contains(errOut.String(), "practices-bad.csv:2: city_ref:") || !strings.Contains(errOut.String(), "practices-bad.csv:3: themes:") {
		t.Errorf("bad file: %v\n%s", err, errOut.String())
	}
}

// The PostgreSQL lines of the same section, as written, on a database of
// their own: pg_dump copies it, a city imported afterwards is gone once
// pg_restore has put the copy back, and the rest is there.
func TestReadmePostgresBackup(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed and CI=true", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	profilestest.PostgresDB(t, false) // skips or fails as the other PostgreSQL tests do
	base := profilestest.PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "readme_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	// Dropped at the test's end, before the admin connection closes
	// (cleanups run last first): a deferred Close ran before it and left the
	// database behind.
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name + " WITH (FORCE)") })
	u, _ := url.Parse(base)
	u.Path = "/" + name
	dsn := u.String()

	dir := t.TempDir()
	writeDocExamples(t, dir)
	lines := readmeSection(t, "Importing, exporting and backing up")
	t.Chdir(dir)
	t.Setenv("DATABASE_URL", dsn)
	t.Setenv("MATCHMAKER_LOG_LEVEL", "warn")
	env := map[string]string{"DATABASE_URL": dsn}
	runLine(t, "matchmaker import cities.csv practices.csv challenges.csv experts.jsonl", env)
	var pg []string
	for _, line := range lines {
		if strings.HasPrefix(line, "pg_") {
			pg = append(pg, line)
		}
	}
	if len(pg) != 2 || !strings.HasPrefix(pg[0], "pg_dump") || !strings.HasPrefix(pg[1], "pg_restore") {
		t.Fatalf("README PostgreSQL lines: %v", pg)
	}
	runLine(t, pg[0], env)
	os.WriteFile("cities-late.csv", []byte("external_ref,name,country,region,languages\nLATE,Quito,EC,latin_america,es\n"), 0o600)
	runLine(t, "matchmaker import cities-late.csv", env)
	runLine(t, pg[1], env)
	out := runLine(t, "matchmaker export --kind cities", env)
	if !strings.Contains(out, "CRM-0003") || strings.Contains(out, "LATE") {
		t.Errorf("the restored database holds:\n%s", out)
	}
	// And the backup command says where to go.
	err = run(context.Background(), []string{"backup", "copy.db"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("backup on PostgreSQL: %v", err)
	}
}
