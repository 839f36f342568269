package transfer

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// docsPage reads docs/import.md.
func docsPage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "import.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var docFile = regexp.MustCompile("(?s)<!-- file: ([^ ]+) -->\n```[a-z]*\n(.*?)```")

// The example files of docs/import.md import as they are, on both databases.
func TestDocsExamplesImport(t *testing.T) {
	page := docsPage(t)
	var sources []Source
	for _, m := range docFile.FindAllStringSubmatch(page, -1) {
		sources = append(sources, BytesSource(m[1], []byte(m[2])))
	}
	if len(sources) != 4 {
		t.Fatalf("found %d example files in docs/import.md, want 4", len(sources))
	}
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		s := profilestest.OpenStore(t, db, profiles.WithLanguageDetector(func(text string) string { return string(matcher.DetectLanguage(text)) }))
		rep, err := NewImporter(s).Import(context.Background(), sources, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 8 {
			t.Errorf("imported %d rows, want 8", rep.Rows)
		}
	})
}

// The table of columns in docs/import.md is the one the import reads: every
// column of each kind, the required ones in bold.
func TestDocsColumns(t *testing.T) {
	page := docsPage(t)
	plurals := map[string]string{"cities": profiles.KindCity, "practices": profiles.KindPractice, "challenges": profiles.KindChallenge, "experts": profiles.KindExpert}
	seen := 0
	for _, line := range strings.Split(page, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 {
			continue
		}
		kind, ok := plurals[strings.TrimSpace(cells[1])]
		if !ok {
			continue
		}
		seen++
		var cols, required []string
		for _, c := range strings.Split(cells[2], ",") {
			c = strings.TrimSpace(c)
			if name, ok := strings.CutPrefix(c, "**"); ok {
				name = strings.TrimSuffix(name, "**")
				required = append(required, name)
				c = name
			}
			cols = append(cols, c)
		}
		if !slices.Equal(cols, Columns[kind]) {
			t.Errorf("%s: docs list %v, the import reads %v", kind, cols, Columns[kind])
		}
		if !slices.Equal(required, requiredColumns[kind]) {
			t.Errorf("%s: docs require %v, the import requires %v", kind, required, requiredColumns[kind])
		}
	}
	if seen != 4 {
		t.Errorf("found %d kinds in the table of columns, want 4", seen)
	}
}
