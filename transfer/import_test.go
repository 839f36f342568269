package transfer_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
)

func detect(text string) string { return string(matcher.DetectLanguage(text)) }

// openStore opens a store on db as the service does, with the matcher's
// language detection.
func openStore(t testing.TB, db profilestest.DB) *profiles.Store {
	return profilestest.OpenStore(t, db, profiles.WithLanguageDetector(detect))
}

func files(names ...string) []transfer.Source {
	out := make([]transfer.Source, len(names))
	for i, n := range names {
		out[i] = transfer.FileSource(filepath.Join("testdata", n))
	}
	return out
}

func mem(name, body string) transfer.Source { return transfer.BytesSource(name, []byte(body)) }

// counts returns how many rows of each kind the store holds.
func counts(t testing.TB, s *profiles.Store) [4]int {
	t.Helper()
	ctx := context.Background()
	c, err := s.FindCities(ctx, profiles.CityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.FindPractices(ctx, profiles.PracticeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := s.FindChallenges(ctx, profiles.ChallengeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.FindExperts(ctx, profiles.ExpertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return [4]int{c.Total, p.Total, ch.Total, e.Total}
}

// A spreadsheet saved by Excel in French (a BOM, semicolons, decimal commas),
// practices naming a theme by its Spanish label, experts in JSONL: all stored,
// linked by their references.
func TestImportBOMSemicolonAndLabels(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		s := openStore(t, db)
		ctx := context.Background()
		rep, err := transfer.NewImporter(s).Import(ctx, files("experts.jsonl", "practices.csv", "cities_bom_semicolon.csv"), transfer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 6 || rep.Counts["city"].Created != 2 || rep.Counts["practice"].Created != 2 || rep.Counts["expert"].Created != 2 {
			t.Fatalf("report %+v", rep)
		}
		ids, err := s.LookupRefs(ctx, profiles.KindCity, []string{"CRM-MVD", "CRM-LYO"})
		if err != nil || len(ids) != 2 {
			t.Fatalf("city refs %v %v", ids, err)
		}
		mvd, err := s.FindCityByID(ctx, ids["CRM-MVD"])
		if err != nil {
			t.Fatal(err)
		}
		if mvd.Name != "Montevideo" || mvd.Latitude == nil || *mvd.Latitude != -34.9011 || mvd.Contact == nil {
			t.Errorf("Montevideo read as %+v", mvd.CityInput)
		}
		lyon, _ := s.FindCityByID(ctx, ids["CRM-LYO"])
		if lyon.Name != "Lyon; Métropole" || strings.Join(lyon.Languages, ",") != "fr,en" {
			t.Errorf("Lyon read as %+v", lyon.CityInput)
		}
		pids, _ := s.LookupRefs(ctx, profiles.KindPractice, []string{"P-1"})
		p, err := s.FindPracticeByID(ctx, pids["P-1"])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(p.Themes, ",") != "waste" || p.CityID != mvd.ID {
			t.Errorf("practice P-1: themes %v, city %s (want waste, %s)", p.Themes, p.CityID, mvd.ID)
		}
		eids, _ := s.LookupRefs(ctx, profiles.KindExpert, []string{"E-1", "E-2"})
		e, err := s.FindExpertByID(ctx, eids["E-1"])
		if err != nil {
			t.Fatal(err)
		}
		if e.CityID == nil || *e.CityID != mvd.ID || len(e.TrackRecord) != 1 {
			t.Errorf("expert E-1: %+v", e.ExpertInput)
		}
	})
}

// The nightly import: the same files again create nothing and change nothing;
// a changed row is updated in place.
func TestImportRepeated(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		s := openStore(t, db)
		ctx := context.Background()
		im := transfer.NewImporter(s)
		src := files("cities_bom_semicolon.csv", "practices.csv", "experts.jsonl")
		if _, err := im.Import(ctx, src, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		before := counts(t, s)
		pids, _ := s.LookupRefs(ctx, profiles.KindPractice, []string{"P-2"})
		p1, _ := s.FindPracticeByID(ctx, pids["P-2"])
		rep, err := im.Import(ctx, src, transfer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range rep.Counts {
			if c.Created != 0 || c.Updated != 0 || c.Unchanged != c.Rows {
				t.Errorf("%s again: %+v", k, *c)
			}
		}
		if after := counts(t, s); after != before {
			t.Fatalf("counts %v after a second import, %v before", after, before)
		}
		changed := mem("practices.csv", "external_ref,city_ref,title,description,language,themes\n"+
			"P-2,CRM-LYO,Tri des biodéchets à Lyon,La Métropole collecte les biodéchets et les composte en plateformes de quartier.,fr,waste|circular_economy\n")
		rep, err = im.Import(ctx, []transfer.Source{changed}, transfer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c := rep.Counts["practice"]; c.Updated != 1 || c.Created != 0 {
			t.Fatalf("changed row: %+v", *c)
		}
		p2, _ := s.FindPracticeByID(ctx, pids["P-2"])
		if p2.Version != p1.Version+1 || !strings.Contains(p2.Description, "plateformes") || len(p2.Themes) != 2 || !p2.CreatedAt.Equal(p1.CreatedAt) {
			t.Errorf("updated practice: %+v (was version %d)", p2, p1.Version)
		}
		if after := counts(t, s); after != before {
			t.Fatalf("counts %v after an update, %v before", after, before)
		}
	})
}

// Bad rows are all named by file, line, field and code, and nothing is
// written, not even the good rows of the same import.
func TestImportBadRowsWriteNothing(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		s := openStore(t, db)
		ctx := context.Background()
		cities := mem("cities.csv", "external_ref,name,country,region,languages\n"+
			"C-1,Rabat,MA,africa,fr|ar\n"+
			"C-2,Nowhere,XX,atlantis,fr\n"+
			"c-1 ,Rabat bis,MA,africa,fr\n"+
			"C-3,Quito,EC,latin_america,es\n"+
			"C-3,Quito again,EC,latin_america,es\n")
		practices := mem("practices.csv", "external_ref,city_ref,title,description,language,themes\n"+
			"P-1,C-1,Tri à la source,Un pilote de tri en deux flux dans la médina.,fr,waste\n"+
			"P-2,C-404,Titre,Une description suffisante pour le texte.,fr,waste\n"+
			"P-3,C-1,Titre,Une description suffisante pour le texte.,fr,no-such-theme\n")
		_, err := transfer.NewImporter(s).Import(ctx, []transfer.Source{cities, practices}, transfer.Options{})
		var ie *transfer.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("got %v, want an *ImportError", err)
		}
		want := []struct {
			file  string
			line  int
			field string
			code  string
		}{
			{"cities.csv", 3, "country", transfer.CodeInvalid},
			{"cities.csv", 3, "region", transfer.CodeInvalid},
			{"cities.csv", 4, "external_ref", transfer.CodeRefVariant},
			{"cities.csv", 6, "external_ref", transfer.CodeDuplicateRef},
			{"practices.csv", 3, "city_ref", transfer.CodeDanglingRef},
			{"practices.csv", 4, "themes", transfer.CodeInvalid},
		}
		if len(ie.Errors) != len(want) || ie.Total != len(want) {
			t.Fatalf("errors %+v", ie.Errors)
		}
		for i, w := range want {
			g := ie.Errors[i]
			if g.File != w.file || g.Line != w.line || g.Field != w.field || g.Code != w.code || g.Message == "" {
				t.Errorf("error %d: got %+v, want %+v", i, g, w)
			}
		}
		if c := counts(t, s); c != [4]int{} {
			t.Errorf("a refused import wrote %v", c)
		}
	})
}

// A header with an unknown column, a missing required one, and a JSONL line
// that is not an object are named too.
func TestImportBadFiles(t *testing.T) {
	s := openStore(t, profilestest.SQLiteDB(t, true))
	_, err := transfer.NewImporter(s).Import(context.Background(), []transfer.Source{
		mem("cities.csv", "name,country,regoin,languages\nRabat,MA,africa,fr\n"),
		mem("experts.jsonl", "{\"name\":\"A\"}\nnot json\n"),
		mem("stuff.csv", "a,b\n1,2\n"),
	}, transfer.Options{})
	var ie *transfer.ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, e := range ie.Errors {
		got = append(got, e.String())
	}
	joined := strings.Join(got, "\n")
	for _, w := range []string{"cities.csv:1: regoin: unknown column", "cities.csv:1: region: a required column is missing",
		"experts.jsonl:1: role:", "experts.jsonl:2: not a JSON object", "stuff.csv:1: the kind of rows is unknown"} {
		if !strings.Contains(joined, w) {
			t.Errorf("no error %q in\n%s", w, joined)
		}
	}
}

// A dry run checks and counts, and writes nothing.
func TestImportDryRun(t *testing.T) {
	s := openStore(t, profilestest.SQLiteDB(t, true))
	rep, err := transfer.NewImporter(s).Import(context.Background(), files("cities_bom_semicolon.csv", "practices.csv"), transfer.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.DryRun || rep.Counts["city"].Created != 2 || rep.Counts["practice"].Created != 2 {
		t.Errorf("report %+v", rep)
	}
	if c := counts(t, s); c != [4]int{} {
		t.Errorf("a dry run wrote %v", c)
	}
}
