package workflow_test

import (
	"context"
	"slices"
	"testing"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// TestIndexReadsTextsFromTheStore runs the index as serve runs it, keeping no
// text: suggestions still show the words of each result as written and the
// result's name and city, the texts of a practice edited since it was read
// are the new ones, and a deleted practice is neither suggested nor read.
func TestIndexReadsTextsFromTheStore(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		m := workflow.NewMatchingOnStore(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), quiet, workflow.StoreTexts{CacheDocs: 50})
		f := workflow.NewFollower(store, m, quiet, workflow.FollowerConfig{})
		if err := f.Build(ctx); err != nil {
			t.Fatal(err)
		}
		q := matcher.Query{ChallengeID: dakarWaste, Kind: matcher.KindPractice}
		sugs, err := m.Index().Suggest(q)
		if err != nil || len(sugs) == 0 {
			t.Fatalf("suggest: %v, %d", err, len(sugs))
		}
		top := sugs[0]
		p, err := store.FindPracticeByID(ctx, top.ID)
		if err != nil {
			t.Fatal(err)
		}
		if top.Name != p.Title || top.CityID != p.CityID {
			t.Errorf("the top practice is named %q of %q, want %q of %q", top.Name, top.CityID, p.Title, p.CityID)
		}
		words := func(s matcher.Suggestion) []string {
			var out []string
			for _, tm := range s.Explanation.MatchedTerms {
				out = append(out, tm.DocWords...)
			}
			return out
		}
		if len(words(top)) == 0 {
			t.Fatalf("no words of the practice as written: %+v", top.Explanation.MatchedTerms)
		}

		// Edit the practice: its title takes a word of the challenge that
		// it did not have as written ("Déchets" with a capital).
		_, err = store.UpdatePractice(ctx, top.ID, profiles.PracticeUpdate{Apply: func(in profiles.PracticeInput) (profiles.PracticeInput, error) {
			in.Title = "DÉCHETS ménagers: " + p.Title
			return in, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := m.Index().Explain(q, top.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(words(again), "DÉCHETS") {
			t.Errorf("the edited practice's words are not read again: %v", words(again))
		}
		if again.Name != "DÉCHETS ménagers: "+p.Title {
			t.Errorf("name %q after the edit", again.Name)
		}
		m.Reasons().Explain(locale.French, &again.Explanation)
		if again.Explanation.Contributions[0].Detail == "" {
			t.Errorf("no words for %+v", again.Explanation.Contributions[0])
		}

		if err := store.DeletePractice(ctx, top.ID, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if _, ok := m.Index().Doc(top.ID); ok {
			t.Error("a deleted practice is still read")
		}
		sugs, err = m.Index().Suggest(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sugs {
			if s.ID == top.ID {
				t.Error("a deleted practice is still suggested")
			}
			if len(words(s)) == 0 && len(s.Explanation.MatchedTerms) > 0 {
				t.Errorf("%s: no words as written", s.ID)
			}
		}
	})
}
