package profiles_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

func ptr[T any](v T) *T { return &v }

func newCity(name, country, region string, langs ...string) profiles.CityInput {
	return profiles.CityInput{Name: name, Country: country, Region: region, Languages: langs, Population: ptr(int64(500000))}
}

func mustCity(t *testing.T, s *profiles.Store, in profiles.CityInput) profiles.City {
	t.Helper()
	c, err := s.CreateCity(context.Background(), in)
	if err != nil {
		t.Fatalf("create city %q: %v", in.Name, err)
	}
	return c
}

// fields returns the names of the invalid fields of a validation error.
func fields(t *testing.T, err error) []string {
	t.Helper()
	var ve *profiles.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestCityLifecycle(t *testing.T) {
	clock := profilestest.NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		in := profiles.CityInput{
			Name: "  Medellín ", Country: "co", Region: "latin_america", Population: ptr(int64(2_500_000)),
			Kind: "metropolis", Languages: []string{"ES", "en", "es"}, Latitude: ptr(6.2442), Longitude: ptr(-75.5812),
			Contact: &profiles.Contact{Name: "Ana Restrepo", Email: "ana@medellin.example.org"},
		}
		c, err := s.CreateCity(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID == "" || c.Version != 1 || c.Name != "Medellín" || c.Country != "CO" || strings.Join(c.Languages, ",") != "es,en" {
			t.Fatalf("created city not normalised: %+v", c)
		}
		got, err := s.FindCityByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("read back differs:\n got %+v\nwant %+v", got, c)
		}
		if got.Contact == nil || got.Contact.Email != "ana@medellin.example.org" || *got.Latitude != 6.2442 {
			t.Fatalf("contact or coordinates lost: %+v", got)
		}

		up, err := s.UpdateCity(ctx, c.ID, profiles.CityUpdate{Apply: func(cur profiles.CityInput) (profiles.CityInput, error) {
			cur.Population = ptr(int64(2_600_000))
			cur.Languages = []string{"es"}
			return cur, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if up.Version != 2 || *up.Population != 2_600_000 || len(up.Languages) != 1 || !up.UpdatedAt.After(up.CreatedAt) || !up.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("update not applied: %+v", up)
		}
		_, err = s.UpdateCity(ctx, c.ID, profiles.CityUpdate{IfVersion: 1, Apply: func(cur profiles.CityInput) (profiles.CityInput, error) { return cur, nil }})
		if !errors.Is(err, profiles.ErrConflict) {
			t.Fatalf("stale version: want ErrConflict, got %v", err)
		}
		if err := s.DeleteCity(ctx, c.ID, 0, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindCityByID(ctx, c.ID); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("after delete: want ErrNotFound, got %v", err)
		}
		if err := s.DeleteCity(ctx, c.ID, 0, false); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("second delete: want ErrNotFound, got %v", err)
		}
	}, profiles.WithClock(clock.Now))
}

func TestValidationNamesEveryField(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		cases := []struct {
			name string
			run  func() error
			want []string
		}{
			{"city, everything wrong", func() error {
				_, err := s.CreateCity(ctx, profiles.CityInput{Name: "", Country: "XX", Region: "mars", Population: ptr(int64(-1)), Kind: "village", Languages: []string{"zz"}, Latitude: ptr(91.0)})
				return err
			}, []string{"name", "country", "region", "population", "kind", "languages", "longitude"}},
			{"city, no languages", func() error {
				_, err := s.CreateCity(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe"})
				return err
			}, []string{"languages"}},
			{"practice, missing everything", func() error {
				_, err := s.CreatePractice(ctx, profiles.PracticeInput{Themes: []string{"waste", "not_a_theme"}, Status: "secret", Language: "en"})
				return err
			}, []string{"city_id", "title", "description", "themes", "status"}},
			{"practice, unknown city and long title", func() error {
				_, err := s.CreatePractice(ctx, profiles.PracticeInput{CityID: "nope", Title: strings.Repeat("a", 301), Description: "x", Language: "en"})
				return err
			}, []string{"title"}},
			{"practice, unknown city", func() error {
				_, err := s.CreatePractice(ctx, profiles.PracticeInput{CityID: "nope", Title: "Composting", Description: "x", Language: "en"})
				return err
			}, []string{"city_id"}},
			{"challenge, bad modes and dates", func() error {
				_, err := s.CreateChallenge(ctx, profiles.ChallengeInput{CityID: "x", Title: "t", Description: strings.Repeat("d", 20001), Language: "en",
					Modes: []string{"coaching"}, Timeframe: &profiles.Timeframe{From: "2027-13-01", Until: "2026-01-01"}})
				return err
			}, []string{"description", "modes", "timeframe.from"}},
			{"expert, wrong role, capacity and track record", func() error {
				_, err := s.CreateExpert(ctx, profiles.ExpertInput{Name: "N", Role: "king", Country: "FR", Languages: []string{"fr"}, Capacity: ptr(11),
					TrackRecord: []profiles.TrackRecordItem{{Title: ""}, {Title: "ok", Year: ptr(1800)}}, Contact: &profiles.Contact{Email: "not an email"}})
				return err
			}, []string{"role", "track_record[0].title", "track_record[1].year", "capacity", "contact.email"}},
			{"expert, too many track-record items", func() error {
				_, err := s.CreateExpert(ctx, profiles.ExpertInput{Name: "N", Role: "mayor", Country: "FR", Languages: []string{"fr"},
					TrackRecord: make([]profiles.TrackRecordItem, 101)})
				return err
			}, []string{"track_record"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got := fields(t, tc.run())
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("invalid fields: got %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestPracticeChallengeExpertRoundTrip(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		dakar := mustCity(t, s, newCity("Dakar", "SN", "africa", "fr"))
		p, err := s.CreatePractice(ctx, profiles.PracticeInput{
			CityID: dakar.ID, Title: "Tri à la source des déchets ménagers", Description: "Collecte séparée dans trois communes.",
			Language: "fr", Themes: []string{"waste", "sdg11"}, Period: &profiles.Period{Start: ptr(2019)},
			Results: "38 % de déchets triés", Status: "published",
		})
		if err != nil {
			t.Fatal(err)
		}
		gotP, err := s.FindPracticeByID(ctx, p.ID)
		if err != nil || !reflect.DeepEqual(gotP, p) || gotP.Period == nil || *gotP.Period.Start != 2019 || gotP.Period.End != nil {
			t.Fatalf("practice read back: %+v, %v", gotP, err)
		}

		c, err := s.CreateChallenge(ctx, profiles.ChallengeInput{
			CityID: dakar.ID, Title: "Collecte dans les quartiers denses", Description: "Nos camions ne passent pas.",
			Language: "fr", Themes: []string{"waste"}, SkillsNeeded: []string{"  Waste  Logistics ", "waste logistics"},
			Timeframe: &profiles.Timeframe{From: "2027-01-15", Until: "2027-12-31"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != "open" || strings.Join(c.Modes, ",") != "exchange,peer_review,tutoring" || strings.Join(c.SkillsNeeded, "|") != "waste logistics" {
			t.Fatalf("challenge defaults: %+v", c)
		}
		gotC, _ := s.FindChallengeByID(ctx, c.ID)
		if !reflect.DeepEqual(gotC, c) {
			t.Fatalf("challenge read back:\n got %+v\nwant %+v", gotC.ChallengeInput, c.ChallengeInput)
		}

		e, err := s.CreateExpert(ctx, profiles.ExpertInput{
			Name: "Aminata Diallo", Role: "public_service_manager", CityID: &dakar.ID, Country: "SN", Languages: []string{"fr", "wo"},
			Themes: []string{"waste"}, Skills: []string{"landfill management"},
			TrackRecord: []profiles.TrackRecordItem{{Title: "Plan directeur des déchets", Summary: "Pilotage", Year: ptr(2019)}, {Title: "Mbeubeuss"}},
			Modes:       []string{"peer_review"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if *e.Capacity != 1 || !*e.Active || e.Seniority != "senior" {
			t.Fatalf("expert defaults: capacity %d active %v seniority %q", *e.Capacity, *e.Active, e.Seniority)
		}
		gotE, _ := s.FindExpertByID(ctx, e.ID)
		if len(gotE.TrackRecord) != 2 || gotE.TrackRecord[1].Title != "Mbeubeuss" || *gotE.TrackRecord[0].Year != 2019 || *gotE.CityID != dakar.ID {
			t.Fatalf("expert read back: %+v", gotE)
		}
		paused, err := s.UpdateExpert(ctx, e.ID, profiles.ExpertUpdate{Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
			in.Active = ptr(false)
			in.Capacity = ptr(0)
			in.TrackRecord = in.TrackRecord[:1]
			return in, nil
		}})
		if err != nil || *paused.Active || *paused.Capacity != 0 || len(paused.TrackRecord) != 1 {
			t.Fatalf("pause expert: %+v %v", paused, err)
		}
		gotE, _ = s.FindExpertByID(ctx, e.ID)
		if *gotE.Active || len(gotE.TrackRecord) != 1 {
			t.Fatalf("paused expert read back: %+v", gotE)
		}

		// A city with dependents is kept unless cascade is asked for.
		err = s.DeleteCity(ctx, dakar.ID, 0, false)
		var ce *profiles.ConflictError
		if !errors.As(err, &ce) || !strings.Contains(ce.Detail, "practices (1), challenges (1) and affiliated experts (1)") {
			t.Fatalf("delete city with dependents: %v", err)
		}
		if err := s.DeleteCity(ctx, dakar.ID, 0, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindPracticeByID(ctx, p.ID); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("practice survived cascade: %v", err)
		}
		gotE, err = s.FindExpertByID(ctx, e.ID)
		if err != nil || gotE.CityID != nil {
			t.Fatalf("expert should be detached, not deleted: %+v %v", gotE, err)
		}
	})
}

func TestListsPaginateAndFilter(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		empty, err := s.FindCities(ctx, profiles.CityFilter{})
		if err != nil || empty.Total != 0 || len(empty.Items) != 0 || empty.Next != "" || empty.Items == nil {
			t.Fatalf("empty list: %+v %v", empty, err)
		}
		names := []string{"Montevideo", "Medellín", "Quito", "Lyon", "Dakar", "Rosario", "Bilbao"}
		var ids []string
		for _, n := range names {
			in := newCity(n, "UY", "latin_america", "es")
			switch n {
			case "Lyon":
				in = newCity(n, "FR", "europe", "fr")
			case "Dakar":
				in = newCity(n, "SN", "africa", "fr", "wo")
			case "Bilbao":
				in = newCity(n, "ES", "europe", "es", "eu")
			}
			ids = append(ids, mustCity(t, s, in).ID)
		}
		// Walk all pages of 3: 3, 3, 1, in creation order, totals constant.
		var seen []string
		page := profiles.Page{Limit: 3}
		for i := 0; ; i++ {
			r, err := s.FindCities(ctx, profiles.CityFilter{Page: page})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != len(names) {
				t.Fatalf("total %d, want %d", r.Total, len(names))
			}
			for _, c := range r.Items {
				seen = append(seen, c.Name)
			}
			if r.Next == "" {
				if len(r.Items) != 1 {
					t.Fatalf("last page has %d items, want 1", len(r.Items))
				}
				break
			}
			page.After = r.Next
		}
		if strings.Join(seen, ",") != strings.Join(names, ",") {
			t.Fatalf("pages: got %v, want %v", seen, names)
		}
		// A cursor taken from a row that was deleted since still continues after it.
		r, _ := s.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 2}})
		if err := s.DeleteCity(ctx, r.Next, 0, false); err != nil {
			t.Fatal(err)
		}
		r2, err := s.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 2, After: r.Next}})
		if err != nil || len(r2.Items) != 2 || r2.Items[0].Name != "Quito" {
			t.Fatalf("after deleted cursor: %+v %v", r2.Items, err)
		}

		filters := []struct {
			name string
			f    profiles.CityFilter
			want string
		}{
			{"country", profiles.CityFilter{Country: "fr"}, "Lyon"},
			{"region", profiles.CityFilter{Region: "europe"}, "Lyon,Bilbao"},
			{"language", profiles.CityFilter{Language: "eu"}, "Bilbao"},
			{"q folds accents and case", profiles.CityFilter{Q: "MONTEV"}, "Montevideo"},
			{"q wildcard is literal", profiles.CityFilter{Q: "%"}, ""},
			{"combined", profiles.CityFilter{Region: "europe", Language: "fr"}, "Lyon"},
		}
		for _, tc := range filters {
			t.Run(tc.name, func(t *testing.T) {
				r, err := s.FindCities(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, c := range r.Items {
					got = append(got, c.Name)
				}
				if strings.Join(got, ",") != tc.want || r.Total != len(got) {
					t.Fatalf("got %v (total %d), want %s", got, r.Total, tc.want)
				}
			})
		}

		lyon := ids[3]
		for _, p := range []profiles.PracticeInput{
			{CityID: lyon, Title: "Zone à faibles émissions", Description: "d", Language: "fr", Themes: []string{"air_quality"}},
			{CityID: lyon, Title: "Compostage de quartier", Description: "d", Language: "fr", Themes: []string{"waste"}, Status: "draft"},
			{CityID: ids[0], Title: "Presupuesto participativo", Description: "d", Language: "es", Themes: []string{"participatory_budgeting"}},
		} {
			if _, err := s.CreatePractice(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		pf := []struct {
			name string
			f    profiles.PracticeFilter
			want int
		}{
			{"city", profiles.PracticeFilter{CityID: lyon}, 2},
			{"country of city", profiles.PracticeFilter{Country: "UY"}, 1},
			{"region of city", profiles.PracticeFilter{Region: "europe"}, 2},
			{"theme", profiles.PracticeFilter{Theme: "waste"}, 1},
			{"status", profiles.PracticeFilter{Status: "draft"}, 1},
			{"language", profiles.PracticeFilter{Language: "es"}, 1},
			{"q", profiles.PracticeFilter{Q: "emissions"}, 1},
		}
		for _, tc := range pf {
			t.Run("practices "+tc.name, func(t *testing.T) {
				r, err := s.FindPractices(ctx, tc.f)
				if err != nil || r.Total != tc.want || len(r.Items) != tc.want {
					t.Fatalf("got %d items (total %d), want %d: %v", len(r.Items), r.Total, tc.want, err)
				}
			})
		}
	})
}

// TestCountsForPages checks the two ways a page spares counting every row:
// no total at all, or a count that stops; and that refreshing the query
// statistics changes no answer.
func TestCountsForPages(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		for i := range 7 {
			mustCity(t, s, newCity(fmt.Sprintf("Ciudad %d", i), "UY", "latin_america", "es"))
		}
		mustCity(t, s, newCity("Lyon", "FR", "europe", "fr"))
		all, err := s.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 3}})
		if err != nil || all.Total != 8 {
			t.Fatalf("counted: %d, %v", all.Total, err)
		}
		cases := []struct {
			name      string
			f         profiles.CityFilter
			wantTotal int
			wantItems int
		}{
			{"no total", profiles.CityFilter{Page: profiles.Page{Limit: 3, NoTotal: true}}, 0, 3},
			{"count stops", profiles.CityFilter{Page: profiles.Page{Limit: 3, CountUpTo: 5}}, 5, 3},
			{"count below the stop", profiles.CityFilter{Region: "latin_america", Page: profiles.Page{Limit: 3, CountUpTo: 100}}, 7, 3},
			{"count stops on a filter", profiles.CityFilter{Language: "es", Page: profiles.Page{Limit: 10, CountUpTo: 2}}, 2, 7},
			{"count of none", profiles.CityFilter{Region: "africa", Page: profiles.Page{CountUpTo: 5}}, 0, 0},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r, err := s.FindCities(ctx, tc.f)
				if err != nil || r.Total != tc.wantTotal || len(r.Items) != tc.wantItems {
					t.Fatalf("total %d, %d items (%v); want %d, %d", r.Total, len(r.Items), err, tc.wantTotal, tc.wantItems)
				}
				if tc.wantItems == 3 && r.Items[0].ID != all.Items[0].ID {
					t.Fatalf("first item %s, want %s: the page changed with the count", r.Items[0].ID, all.Items[0].ID)
				}
			})
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := s.FindCities(ctx, profiles.CityFilter{Region: "latin_america", Language: "es"})
		if err != nil || again.Total != 7 || len(again.Items) != 7 {
			t.Fatalf("after Analyze: %d of %d, %v", len(again.Items), again.Total, err)
		}
		if err := s.InTx(ctx, func(tx *profiles.Store) error { return tx.Analyze(ctx) }); err == nil {
			t.Fatal("Analyze ran inside a transaction")
		}
	})
}

// TestCountByRegion checks the home page's counts against the lists they
// summarise: drafts are not counted, experts are counted in their city's
// region, and a region with nothing is there with zeros.
func TestCountByRegion(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		lyon := mustCity(t, s, newCity("Lyon", "FR", "europe", "fr"))
		bilbao := mustCity(t, s, newCity("Bilbao", "ES", "europe", "es"))
		dakar := mustCity(t, s, newCity("Dakar", "SN", "africa", "fr"))
		for _, p := range []profiles.PracticeInput{
			{CityID: lyon.ID, Title: "Zone à faibles émissions", Description: "d", Language: "fr", Themes: []string{"air_quality"}},
			{CityID: bilbao.ID, Title: "Compostaje", Description: "d", Language: "es", Themes: []string{"waste"}},
			{CityID: dakar.ID, Title: "Pré-collecte", Description: "d", Language: "fr", Themes: []string{"waste"}, Status: "draft"},
		} {
			if _, err := s.CreatePractice(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		for _, in := range []profiles.ExpertInput{
			{Name: "Aminata Diallo", Role: "technical_officer", Country: "SN", Languages: []string{"fr"}, CityID: &dakar.ID},
			{Name: "Jeanne Martin", Role: "technical_officer", Country: "FR", Languages: []string{"fr"}},
		} {
			if _, err := s.CreateExpert(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.CountByRegion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(profiles.Regions) {
			t.Fatalf("%d regions, want %d", len(got), len(profiles.Regions))
		}
		none := ""
		for i, rc := range got {
			if rc.Region != profiles.Regions[i] {
				t.Fatalf("region %d is %s, want %s", i, rc.Region, profiles.Regions[i])
			}
			cs, err1 := s.FindCities(ctx, profiles.CityFilter{Region: rc.Region})
			ps, err2 := s.FindPractices(ctx, profiles.PracticeFilter{Region: rc.Region, DraftsOf: &none})
			xs, err3 := s.FindExperts(ctx, profiles.ExpertFilter{Region: rc.Region})
			if err := errors.Join(err1, err2, err3); err != nil {
				t.Fatal(err)
			}
			if rc.Cities != cs.Total || rc.Practices != ps.Total || rc.Experts != xs.Total {
				t.Errorf("%s: %d cities, %d practices, %d experts; the lists say %d, %d, %d",
					rc.Region, rc.Cities, rc.Practices, rc.Experts, cs.Total, ps.Total, xs.Total)
			}
		}
		if got[slices.Index(profiles.Regions, "europe")].Practices != 2 || got[slices.Index(profiles.Regions, "africa")].Practices != 0 ||
			got[slices.Index(profiles.Regions, "africa")].Experts != 1 {
			t.Errorf("counts %+v: want 2 practices in europe, the draft of Africa not counted, Dakar's expert counted", got)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, err := s.CreateCity(ctx, newCity(fmt.Sprintf("City %02d", i), "FR", "europe", "fr"))
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent create: %v", err)
			}
		}
		r, _ := s.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 100}})
		if r.Total != n {
			t.Fatalf("created %d cities, want %d", r.Total, n)
		}

		// Concurrent read-modify-write updates: every increment must survive.
		c := r.Items[0]
		var wg2 sync.WaitGroup
		for i := 0; i < n; i++ {
			wg2.Add(1)
			go func() {
				defer wg2.Done()
				_, err := s.UpdateCity(ctx, c.ID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) {
					in.Population = ptr(*in.Population + 1)
					return in, nil
				}})
				if err != nil {
					t.Errorf("concurrent update: %v", err)
				}
			}()
		}
		wg2.Wait()
		got, _ := s.FindCityByID(ctx, c.ID)
		if *got.Population != *c.Population+n || got.Version != 1+n {
			t.Fatalf("lost updates: population %d (want %d), version %d", *got.Population, *c.Population+n, got.Version)
		}
	})
}

func TestLanguageDetectedWhenMissing(t *testing.T) {
	detect := func(text string) string {
		if strings.Contains(text, "déchets") {
			return "fr"
		}
		return ""
	}
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		city := mustCity(t, s, newCity("Dakar", "SN", "africa", "fr"))
		p, err := s.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Tri des déchets", Description: "Collecte"})
		if err != nil || p.Language != "fr" {
			t.Fatalf("detected language: %q, %v", p.Language, err)
		}
		_, err = s.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "1234", Description: "5678"})
		if got := fields(t, err); strings.Join(got, ",") != "language" {
			t.Fatalf("undetectable language: fields %v", got)
		}
	}, profiles.WithLanguageDetector(detect))
}
