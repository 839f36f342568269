package profiles_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// watchFeed returns a function that reads the changes the feed recorded since
// its last call (the first call: since watchFeed).
func watchFeed(t *testing.T, s *profiles.Store) func() []profiles.Change {
	t.Helper()
	head, err := s.ReadFeedHead(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	last := head.Last
	return func() []profiles.Change {
		t.Helper()
		cs, err := s.ReadChanges(context.Background(), last, nil, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) > 0 {
			last = cs[len(cs)-1].Seq
		}
		return cs
	}
}

// TestChangeFeedRecordsEveryMatchedWrite writes every kind of row the match
// index holds and checks the feed records each write once, in its own
// transaction, with the position the writer's context reports; a write that
// changes nothing records nothing.
func TestChangeFeedRecordsEveryMatchedWrite(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		feed := watchFeed(t, s)
		ctx, written := profiles.TrackWrites(context.Background())
		type entry struct {
			kind, op string
		}
		expect := func(what string, want ...entry) {
			t.Helper()
			cs := feed()
			var got []entry
			for _, c := range cs {
				op := "upsert"
				if c.Deleted {
					op = "delete"
				}
				got = append(got, entry{c.Kind, op})
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s: feed %v, want %v", what, got, want)
			}
			if len(cs) > 0 && written.Position() != cs[len(cs)-1].Seq {
				t.Fatalf("%s: the writer's context reports %d, the feed ends at %d", what, written.Position(), cs[len(cs)-1].Seq)
			}
		}
		city, err := s.CreateCity(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}})
		if err != nil {
			t.Fatal(err)
		}
		expect("create city", entry{"city", "upsert"})
		if _, err := s.UpdateCity(ctx, city.ID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) { return in, nil }}); err != nil {
			t.Fatal(err)
		}
		expect("unchanged city")
		var practice profiles.Practice
		err = s.InTx(ctx, func(tx *profiles.Store) error {
			var err error
			if practice, err = tx.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Tri", Description: "Tri à la source.", Language: "fr", Themes: []string{"waste"}}); err != nil {
				return err
			}
			_, err = tx.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Title: "Collecte", Description: "Les camions.", Language: "fr", Themes: []string{"waste"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		expect("practice and challenge in one transaction", entry{"practice", "upsert"}, entry{"challenge", "upsert"})
		e, err := s.CreateExpert(ctx, profiles.ExpertInput{Name: "Aminata Diallo", Role: "technical_officer", Country: "FR", Languages: []string{"fr"}, Themes: []string{"waste"}, CityID: &city.ID})
		if err != nil {
			t.Fatal(err)
		}
		expect("create expert", entry{"expert", "upsert"})
		if err := s.DeletePractice(ctx, practice.ID, 0); err != nil {
			t.Fatal(err)
		}
		expect("delete practice", entry{"practice", "delete"})
		if err := s.DeletePractice(ctx, practice.ID, 0); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("delete again: %v", err)
		}
		expect("delete of nothing")
		// A cascade: the challenge goes, the expert is detached, then the city.
		if err := s.DeleteCity(ctx, city.ID, 0, true); err != nil {
			t.Fatal(err)
		}
		expect("delete city with cascade", entry{"challenge", "delete"}, entry{"expert", "upsert"}, entry{"city", "delete"})
		if err := s.DeleteExpert(ctx, e.ID, 0); err != nil {
			t.Fatal(err)
		}
		expect("delete expert", entry{"expert", "delete"})
	})
}
