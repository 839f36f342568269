package matcher_test

import (
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// TestDefaultModeIsTheChallengesFirst checks that a request naming no mode
// is served in the challenge's first mode: explain on a peer-review
// challenge answers in peer review, and an expert volunteering for it only
// is not called excluded.
func TestDefaultModeIsTheChallengesFirst(t *testing.T) {
	docs := fixture()
	docs[0].Modes = []string{"peer_review", "exchange"}
	for i := range docs {
		if docs[i].ID == "e-en" {
			docs[i].Modes = []string{"peer_review"}
		}
	}
	ix := newTestIndex(t, docs)
	ex, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert}, "e-en")
	if err != nil {
		t.Fatal(err)
	}
	if ex.Explanation.Mode != matcher.ModePeerReview || ex.Explanation.Excluded {
		t.Errorf("explain: mode %s, excluded %v %v; want peer_review, not excluded", ex.Explanation.Mode, ex.Explanation.Excluded, ex.Explanation.ExclusionReasons)
	}
	got, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ids(got), "e-en") {
		t.Errorf("suggest in the default mode: %v, want e-en, who volunteers for peer review", ids(got))
	}
	for _, s := range got {
		if s.Explanation.Mode != matcher.ModePeerReview {
			t.Errorf("%s: mode %s", s.ID, s.Explanation.Mode)
		}
	}
	// A mode given is kept.
	got, err = ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, Mode: matcher.ModeExchange})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids(got), "e-en") {
		t.Errorf("exchange asked: %v holds e-en, who volunteers for peer review only", ids(got))
	}
}

// TestSuggestionsCarryNames checks that each suggestion names what it
// suggests, from Doc.Name.
func TestSuggestionsCarryNames(t *testing.T) {
	docs := fixture()
	for i := range docs {
		docs[i].Name = "name of " + docs[i].ID
	}
	ix := newTestIndex(t, docs)
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
		got, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: kind})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatalf("%s: no suggestion", kind)
		}
		for _, s := range got {
			if s.Name != "name of "+s.ID {
				t.Errorf("%s %s: name %q", kind, s.ID, s.Name)
			}
		}
	}
	ex, err := ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-en")
	if err != nil || ex.Name != "name of p-en" {
		t.Errorf("explain: name %q, %v", ex.Name, err)
	}
}

// TestPartnersNeedSubjectBothWays checks the relevance floor of each
// direction of a partnership: a city whose only link back is context (another
// country, a shared language) and a few common words is no partner.
func TestPartnersNeedSubjectBothWays(t *testing.T) {
	docs := fixture()
	// Leeds answers Lyon's waste challenge; its own challenge is on a
	// subject none of Lyon's practices speaks of.
	lc := challenge("c-leeds", "leeds", "en", "Library opening hours", "Extend the opening hours of the public libraries in the evening.", "en", "fr")
	lc.Country, lc.Themes = "GB", []string{"culture_heritage"}
	docs = append(docs, lc)
	ix := newTestIndex(t, docs)
	got, err := ix.Partners("lyon", matcher.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids(got), "leeds") {
		t.Errorf("partners of lyon: %v holds leeds, whose challenge no practice of lyon answers", ids(got))
	}
}

// TestWeightsShownAsGiven checks that a weight given in a request is shown
// as given next to the weight it became, and that the answer says how the
// weights were scaled.
func TestWeightsShownAsGiven(t *testing.T) {
	ix := fixtureIndex(t)
	got, err := ix.Explain(matcher.Query{ChallengeID: "c1", Weights: map[matcher.Factor]float64{"themes": 0.5}}, "p-en")
	if err != nil {
		t.Fatal(err)
	}
	e := inEnglish(got.Explanation)
	found := false
	for _, c := range e.Contributions {
		if c.Factor == matcher.FactorThemes {
			found = true
			if c.GivenWeight != 0.5 || c.Weight >= 0.5 {
				t.Errorf("themes: given %v, weight %v; want 0.5 given, scaled down", c.GivenWeight, c.Weight)
			}
		}
	}
	if !found {
		t.Fatal("no themes contribution")
	}
	if !strings.Contains(e.WeightScaling, "scaled by") {
		t.Errorf("weight_scaling %q does not say how the weights were scaled", e.WeightScaling)
	}
}
