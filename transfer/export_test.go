package transfer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"matchmaker/demo"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
)

// exportAll exports every kind in format and returns the files, named as an
// import knows them.
func exportAll(t *testing.T, s *profiles.Store, format transfer.Format) []transfer.Source {
	t.Helper()
	var out []transfer.Source
	for _, k := range profiles.Kinds {
		var b bytes.Buffer
		if _, err := transfer.Export(context.Background(), s, &b, transfer.ExportOptions{Kind: k, Format: format}); err != nil {
			t.Fatal(err)
		}
		out = append(out, transfer.BytesSource(k+"."+string(format), b.Bytes()))
	}
	return out
}

// canonical is the CSV export of every kind, its records sorted: the data of a
// database without its IDs, times and versions.
func canonical(t *testing.T, s *profiles.Store) string {
	t.Helper()
	var parts []string
	for _, src := range exportAll(t, s, transfer.CSV) {
		rc, _ := src.Open()
		recs, err := csv.NewReader(rc).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		lines := make([]string, len(recs)-1)
		for i, r := range recs[1:] {
			lines[i] = strings.Join(r, "\x1f")
		}
		slices.Sort(lines)
		parts = append(parts, src.Name+"\n"+strings.Join(recs[0], ",")+"\n"+strings.Join(lines, "\n"))
	}
	return strings.Join(parts, "\n\n")
}

// The round trip: the demo network (rows without references) and imported
// rows (with them), exported in CSV and in JSONL, each imported into an empty
// database, give the same data; imported again onto the first database, the
// export changes nothing.
func TestExportRoundTrip(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		src := openStore(t, db)
		if _, err := demo.Load(ctx, src); err != nil {
			t.Fatal(err)
		}
		if _, err := transfer.NewImporter(src).Import(ctx, files("cities_bom_semicolon.csv", "practices.csv", "experts.jsonl"), transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		want := canonical(t, src)
		if !strings.Contains(want, "CRM-MVD") || strings.Count(want, "\n") < 300 {
			t.Fatalf("the export misses rows:\n%.2000s", want)
		}
		for _, format := range []transfer.Format{transfer.CSV, transfer.JSONL} {
			t.Run(string(format), func(t *testing.T) {
				var empty profilestest.DB
				if db.Dialect == profiles.Postgres {
					empty = profilestest.PostgresDB(t, true)
				} else {
					empty = profilestest.SQLiteDB(t, true)
				}
				dst := openStore(t, empty)
				rep, err := transfer.NewImporter(dst).Import(ctx, exportAll(t, src, format), transfer.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if got := canonical(t, dst); got != want {
					t.Errorf("after the round trip in %s the data differ (%+v)", format, rep)
					diffLines(t, want, got)
				}
				// Back onto the source: every row is known, none changes.
				again, err := transfer.NewImporter(src).Import(ctx, exportAll(t, src, format), transfer.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for k, c := range again.Counts {
					if c.Created != 0 || c.Updated != 0 {
						t.Errorf("%s export imported onto its own database: %+v", k, *c)
					}
				}
			})
		}
	})
}

func diffLines(t *testing.T, want, got string) {
	t.Helper()
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 5; i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			t.Errorf("line %d\nwant %.400q\ngot  %.400q", i, a, b)
			shown++
		}
	}
}

// Contact details go only to whom ContactVisible allows.
func TestExportHidesContacts(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, profilestest.SQLiteDB(t, true))
	if _, err := transfer.NewImporter(s).Import(ctx, files("cities_bom_semicolon.csv", "experts.jsonl"), transfer.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{profiles.KindCity, profiles.KindExpert} {
		for _, format := range []transfer.Format{transfer.CSV, transfer.JSONL} {
			var b bytes.Buffer
			_, err := transfer.Export(ctx, s, &b, transfer.ExportOptions{Kind: k, Format: format,
				ContactVisible: func(kind, id string) (bool, error) { return false, nil }})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(b.String(), "@") {
				t.Errorf("%s %s export shows a contact:\n%s", k, format, b.String())
			}
		}
	}
}
