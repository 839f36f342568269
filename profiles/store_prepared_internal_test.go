package profiles

import (
	"database/sql"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
)

func TestNumbered(t *testing.T) {
	for text, want := range map[string]string{
		"SELECT 1":                                   "SELECT 1",
		"UPDATE t SET a = ? WHERE id = ?":            "UPDATE t SET a = $1 WHERE id = $2",
		"INSERT INTO t (a, b) VALUES (?, ?), (?, ?)": "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)",
		"?": "$1",
	} {
		if got := numbered(text); got != want {
			t.Errorf("numbered(%q) = %q, want %q", text, got, want)
		}
		if got := numbered(text); got != want { // from the cache
			t.Errorf("numbered(%q) again = %q, want %q", text, got, want)
		}
	}
}

// TestPageTextsHoldNoValue builds a page of practices and its count with two
// sets of filter values, on each dialect: the texts are the same, so that the
// database prepares them once, and the values come apart, in the order of
// their marks.
func TestPageTextsHoldNoValue(t *testing.T) {
	for _, d := range []struct {
		name    string
		dialect Dialect
		db      *bun.DB
		mark    string
	}{
		{"postgres", Postgres, bun.NewDB(sql.OpenDB(stdlib.GetConnector(pgx.ConnConfig{})), pgdialect.New()), "$2"},
		{"sqlite", SQLite, bun.NewDB(sql.OpenDB(stdlib.GetConnector(pgx.ConnConfig{})), sqlitedialect.New()), "?"},
	} {
		t.Run(d.name, func(t *testing.T) {
			s := &Store{db: d.db, dialect: d.dialect}
			render := func(f PracticeFilter) (string, []any) {
				ps := s.binds()
				ids := paginate(f.apply(d.db.NewSelect().Model((*practiceRow)(nil)), ps).ColumnExpr("p.id"), ps, "p", f.Page)
				q := wholePractices(d.db.NewSelect().Model(&[]practiceRow{})).Where("p.id IN (?)", ids)
				text, err := q.AppendQuery(d.db.QueryGen(), nil)
				if err != nil {
					t.Fatal(err)
				}
				return string(text), ps.args
			}
			drafts := ""
			a, argsA := render(PracticeFilter{Region: "europe", Q: "tri sélectif", DraftsOf: &drafts, Page: Page{Limit: 20, After: "01a"}})
			b, argsB := render(PracticeFilter{Region: "africa", Q: "o'brien 100%", DraftsOf: &drafts, Page: Page{Limit: 20, After: "01b"}})
			if a != b {
				t.Errorf("the texts differ with the values:\n%s\n%s", a, b)
			}
			if !strings.Contains(a, d.mark) || strings.Contains(a, "europe") || strings.Contains(a, "01a") {
				t.Errorf("text %s: want marks %s and no value", a, d.mark)
			}
			want := []any{"africa", "published", likePattern("o'brien 100%"), "01b"}
			if !slices.Equal(argsB, want) {
				t.Errorf("values %q, want %q", argsB, want)
			}
			if len(argsA) != len(argsB) {
				t.Errorf("%d values, then %d", len(argsA), len(argsB))
			}
		})
	}
}
