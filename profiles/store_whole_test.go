package profiles_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestReadsAreWhole changes a city's name, languages and external reference
// together, and an expert's name, themes and track record together, many
// times while other goroutines read them by ID and in pages: every read must
// show the fields, the lists and the reference of one and the same version,
// never a row with the lists of the version before or after it.
func TestReadsAreWhole(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		langs := [][]string{{"fr"}, {"en", "fr"}, {"es", "en", "fr"}}
		themes := [][]string{{"waste"}, {"waste", "mobility"}, {"mobility"}}
		city, err := s.CreateCityWithRef(ctx, profiles.CityInput{Name: "Lyon 0", Country: "FR", Region: "europe", Languages: langs[0]}, "crm-0")
		if err != nil {
			t.Fatal(err)
		}
		expert, err := s.CreateExpert(ctx, profiles.ExpertInput{Name: "Expert 0", Role: profiles.Roles[0], Country: "FR",
			Languages: []string{"fr"}, Themes: themes[0], TrackRecord: []profiles.TrackRecordItem{{Title: "0"}}})
		if err != nil {
			t.Fatal(err)
		}
		// wantCity checks that c is the city as the n-th write left it,
		// where n is read from its name.
		wantCity := func(c profiles.City) error {
			var n int
			if _, err := fmt.Sscanf(c.Name, "Lyon %d", &n); err != nil {
				return fmt.Errorf("name %q", c.Name)
			}
			if !slices.Equal(c.Languages, langs[n%3]) || c.ExternalRef != fmt.Sprintf("crm-%d", n) || c.Version != int64(n+1) {
				return fmt.Errorf("%q at version %d has languages %v and reference %q", c.Name, c.Version, c.Languages, c.ExternalRef)
			}
			return nil
		}
		wantExpert := func(e profiles.Expert) error {
			var n int
			if _, err := fmt.Sscanf(e.Name, "Expert %d", &n); err != nil {
				return fmt.Errorf("name %q", e.Name)
			}
			track := []profiles.TrackRecordItem{{Title: fmt.Sprint(n)}}
			if n%2 == 1 {
				track = append(track, profiles.TrackRecordItem{Title: "more"})
			}
			if !slices.Equal(e.Themes, themes[n%3]) || !slices.Equal(e.TrackRecord, track) || e.Version != int64(n+1) {
				return fmt.Errorf("%q at version %d has themes %v and track record %v", e.Name, e.Version, e.Themes, e.TrackRecord)
			}
			return nil
		}

		const writes = 40
		done := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done)
			for n := 1; n <= writes; n++ {
				if _, err := s.UpdateCityWithRef(ctx, city.ID, 0, func(in profiles.CityInput, _ string) (profiles.CityInput, string, error) {
					in.Name, in.Languages = fmt.Sprintf("Lyon %d", n), langs[n%3]
					return in, fmt.Sprintf("crm-%d", n), nil
				}); err != nil {
					errs <- err
					return
				}
				if _, err := s.UpdateExpert(ctx, expert.ID, profiles.ExpertUpdate{Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
					in.Name, in.Themes = fmt.Sprintf("Expert %d", n), themes[n%3]
					in.TrackRecord = []profiles.TrackRecordItem{{Title: fmt.Sprint(n)}}
					if n%2 == 1 {
						in.TrackRecord = append(in.TrackRecord, profiles.TrackRecordItem{Title: "more"})
					}
					return in, nil
				}}); err != nil {
					errs <- err
					return
				}
			}
		}()
		reads := func(read func() error) {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := read(); err != nil {
					errs <- err
					return
				}
			}
		}
		wg.Add(4)
		go reads(func() error {
			c, err := s.FindCityByID(ctx, city.ID)
			if err != nil {
				return err
			}
			return wantCity(c)
		})
		go reads(func() error {
			// A filtered page: its IDs are chosen in a subquery.
			page, err := s.FindCities(ctx, profiles.CityFilter{Region: "europe", Q: "lyon"})
			if err != nil {
				return err
			}
			if len(page.Items) != 1 {
				return fmt.Errorf("page of %d cities", len(page.Items))
			}
			return wantCity(page.Items[0])
		})
		go reads(func() error {
			e, err := s.FindExpertByID(ctx, expert.ID)
			if err != nil {
				return err
			}
			return wantExpert(e)
		})
		go reads(func() error {
			page, err := s.FindExperts(ctx, profiles.ExpertFilter{})
			if err != nil {
				return err
			}
			if len(page.Items) != 1 {
				return fmt.Errorf("page of %d experts", len(page.Items))
			}
			return wantExpert(page.Items[0])
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		c, err := s.FindCityByID(ctx, city.ID)
		if err != nil || c.Name != fmt.Sprintf("Lyon %d", writes) {
			t.Fatalf("after the writes: %+v, %v", c, err)
		}
	})
}

// TestStatementModesOfTheDSN reads through the prepared statements on
// PostgreSQL with a DSN that leaves pgx's way of running statements to the
// store, and with DSNs that choose it (as behind a connection pooler that
// allows no prepared statement) or turn pgx's statement cache off: every one
// reads the same.
func TestStatementModesOfTheDSN(t *testing.T) {
	for _, param := range []string{"", "default_query_exec_mode=simple_protocol", "default_query_exec_mode=exec", "statement_cache_capacity=0"} {
		t.Run(param, func(t *testing.T) {
			db := profilestest.PostgresDB(t, true)
			if param != "" {
				db.DSN += "&" + param
			}
			s := profilestest.OpenStore(t, db)
			ctx := context.Background()
			c, err := s.CreateCityWithRef(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr", "en"}}, "crm-1")
			if err != nil {
				t.Fatal(err)
			}
			for range 8 { // past the runs after which PostgreSQL keeps one plan
				got, err := s.FindCityByID(ctx, c.ID)
				if err != nil || got.Name != "Lyon" || !slices.Equal(got.Languages, []string{"fr", "en"}) || got.ExternalRef != "crm-1" {
					t.Fatalf("find city: %+v, %v", got, err)
				}
				if changes, err := s.ReadChanges(ctx, 0, nil, 10); err != nil || len(changes) != 1 {
					t.Fatalf("read changes: %v, %v", changes, err)
				}
				if _, err := s.KeyBySecret(ctx, "mm_nosuchkey"); !errors.Is(err, profiles.ErrNotFound) {
					t.Fatalf("key by secret: %v", err)
				}
			}
		})
	}
}

// TestReadsInATransaction reads, inside a transaction, the row it has just
// written and not committed, three times over so that the later rounds run
// on statements prepared by the first: a read inside sees the row, a read
// outside does not, and after the rollback no read does. A prepared statement
// must run on the transaction's connection, never on another of the pool.
func TestReadsInATransaction(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		rollBack := errors.New("roll back")
		for round := range 3 {
			var id string
			err := s.InTx(ctx, func(tx *profiles.Store) error {
				c, err := tx.CreateCity(ctx, profiles.CityInput{Name: fmt.Sprintf("Lyon %d", round), Country: "FR", Region: "europe", Languages: []string{"fr"}})
				if err != nil {
					return err
				}
				id = c.ID
				if got, err := tx.FindCityByID(ctx, id); err != nil || got.Name != c.Name || !slices.Equal(got.Languages, []string{"fr"}) {
					t.Errorf("round %d: inside the transaction: %+v, %v", round, got, err)
				}
				if _, err := s.FindCityByID(ctx, id); !errors.Is(err, profiles.ErrNotFound) {
					t.Errorf("round %d: outside the transaction, before it commits: %v, want not found", round, err)
				}
				return rollBack
			})
			if !errors.Is(err, rollBack) {
				t.Fatalf("round %d: %v", round, err)
			}
			if _, err := s.FindCityByID(ctx, id); !errors.Is(err, profiles.ErrNotFound) {
				t.Errorf("round %d: after the rollback: %v, want not found", round, err)
			}
		}
	})
}

// TestCityHolds asks whether a city has rows of its own: none for a new city,
// then yes for a city with only a practice, only a challenge, or only an
// expert.
func TestCityHolds(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		newCity := func(name string) string {
			c, err := s.CreateCity(ctx, profiles.CityInput{Name: name, Country: "SN", Region: "africa", Languages: []string{"fr"}})
			if err != nil {
				t.Fatal(err)
			}
			if holds, err := s.CityHolds(ctx, c.ID); err != nil || holds {
				t.Fatalf("new city %s: holds %v, %v", name, holds, err)
			}
			return c.ID
		}
		dakar, thies, rufisque := newCity("Dakar"), newCity("Thiès"), newCity("Rufisque")
		if _, err := s.CreatePractice(ctx, profiles.PracticeInput{CityID: dakar, Title: "Tri", Description: "Tri à la source.", Language: "fr", Themes: []string{"waste"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateChallenge(ctx, profiles.ChallengeInput{CityID: thies, Title: "Collecte", Description: "Les camions.", Language: "fr", Themes: []string{"waste"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateExpert(ctx, profiles.ExpertInput{Name: "Aminata Diallo", Role: "technical_officer", Country: "SN", Languages: []string{"fr"}, Themes: []string{"waste"}, CityID: &rufisque}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{dakar, thies, rufisque} {
			if holds, err := s.CityHolds(ctx, id); err != nil || !holds {
				t.Errorf("city %s: holds %v, %v; want true", id, holds, err)
			}
		}
		if holds, err := s.CityHolds(ctx, "no-such-city"); err != nil || holds {
			t.Errorf("unknown city: holds %v, %v", holds, err)
		}
	})
}

// TestConcurrentTransactionsRead runs more transactions at once than the
// pool has connections, each reading a row on a statement no transaction has
// run before: none may wait for a connection another holds.
func TestConcurrentTransactionsRead(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := s.CreateCity(ctx, profiles.CityInput{Name: "Dakar", Country: "SN", Region: "africa", Languages: []string{"fr"}})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.InTx(ctx, func(tx *profiles.Store) error {
					_, err := tx.FindCityByID(ctx, c.ID)
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
