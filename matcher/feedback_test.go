package matcher_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// wasteBio is the bio of the experts of the feedback tests: on the subject
// of fixture's challenge c1, so that feedback has its full effect.
const wasteBio = "Tri à la source des déchets ménagers, recyclage des emballages et collecte dans les quartiers denses, avec des ambassadeurs du tri."

// feedbackExpert is an expert identical to the others of the feedback tests
// but for fb: the difference of their scores is feedback's.
func feedbackExpert(id string, fb matcher.Feedback) matcher.Doc {
	e := expert(id, "tunis", "TN", wasteBio, "fr")
	e.Feedback = fb
	return e
}

func TestFeedbackContribution(t *testing.T) {
	tutoring := map[string]int{"tutoring": 5}
	tests := []struct {
		name   string
		fb     matcher.Feedback
		sign   int    // the sign of the contribution
		detail string // a fragment of its detail
	}{
		{"no feedback", matcher.Feedback{}, 0, "no completed engagement yet"},
		{"completed, not rated", matcher.Feedback{Completed: 3, ByMode: map[string]int{"tutoring": 2}}, 0, "3 completed engagements, 2 in tutoring, not rated yet"},
		{"one rating of 5", matcher.Feedback{Completed: 1, ByMode: map[string]int{"tutoring": 1}, Rated: 1, RatingSum: 5}, 1, "1 completed tutoring engagement, rated 5 (1 rating)"},
		{"two ratings of 5", matcher.Feedback{Completed: 2, ByMode: map[string]int{"tutoring": 2}, Rated: 2, RatingSum: 10}, 1, "2 completed tutoring engagements, rated 5 on average (2 ratings)"},
		{"five ratings of 5", matcher.Feedback{Completed: 5, ByMode: tutoring, Rated: 5, RatingSum: 25}, 1, "rated 5 on average (5 ratings)"},
		{"five ratings of 5 in another mode", matcher.Feedback{Completed: 5, ByMode: map[string]int{"peer_review": 5}, Rated: 5, RatingSum: 25}, 1, "5 completed engagements, none in tutoring"},
		{"average 3", matcher.Feedback{Completed: 4, ByMode: map[string]int{"tutoring": 4}, Rated: 4, RatingSum: 12}, 0, "rated 3 on average"},
		{"average 2.6", matcher.Feedback{Completed: 5, ByMode: tutoring, Rated: 5, RatingSum: 13}, -1, "rated 2.6 on average"},
		{"five ratings of 1", matcher.Feedback{Completed: 5, ByMode: tutoring, Rated: 5, RatingSum: 5}, -1, "rated 1 on average"},
		{"rating sum out of range", matcher.Feedback{Completed: 2, Rated: 2, RatingSum: 40}, 1, "rated 5 on average"},
	}
	docs := fixture()
	for i, tc := range tests {
		docs = append(docs, feedbackExpert(tc.name, tests[i].fb))
	}
	ix := newTestIndex(t, docs)
	q := matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, Mode: matcher.ModeTutoring}
	base, err := ix.Explain(q, "no feedback")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ix.Explain(q, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			checkAddsUp(t, tc.name, s.Explanation)
			c, ok := contribution(s.Explanation, matcher.FactorFeedback)
			if !ok {
				t.Fatalf("no feedback contribution: %+v", s.Explanation.Contributions)
			}
			got[tc.name] = c.Contribution
			if sign := cmpSign(c.Contribution); sign != tc.sign {
				t.Errorf("contribution %v, want sign %d", c.Contribution, tc.sign)
			}
			if math.Abs(c.Contribution) > 0.03 {
				t.Errorf("contribution %v beyond ±0.03", c.Contribution)
			}
			if !strings.Contains(c.Detail, tc.detail) {
				t.Errorf("detail %q, want %q in it", c.Detail, tc.detail)
			}
			// The experts differ only by their feedback: so do their scores.
			if d := s.Score - base.Score; math.Abs(d-c.Contribution) > 1e-9 {
				t.Errorf("score %v, %v without feedback: differs by %v, feedback contributes %v", s.Score, base.Score, d, c.Contribution)
			}
		})
	}
	// Confidence grows with the ratings; engagements in the mode count more.
	for _, o := range [][2]string{
		{"one rating of 5", "two ratings of 5"},
		{"two ratings of 5", "five ratings of 5"},
		{"five ratings of 5 in another mode", "five ratings of 5"},
		{"five ratings of 1", "average 2.6"},
	} {
		if got[o[0]] >= got[o[1]] {
			t.Errorf("%s contributes %v, not less than %s (%v)", o[0], got[o[0]], o[1], got[o[1]])
		}
	}
}

func cmpSign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// TestFeedbackNeverOutweighsSubject checks that the best record cannot lift
// an expert above one who fits the subject clearly better, and gives
// nothing to an expert who does not fit it at all.
func TestFeedbackNeverOutweighsSubject(t *testing.T) {
	best := matcher.Feedback{Completed: 5, ByMode: map[string]int{"tutoring": 5, "peer_review": 5, "exchange": 5}, Rated: 5, RatingSum: 25}
	fit := expert("a-fit", "tunis", "TN", wasteBio+" Vingt ans de gestion des déchets ménagers et de tri à la source.", "fr")
	weaker := expert("b-rated", "sfax", "TN", "Collecte des déchets dans les quartiers.", "fr")
	weaker.Feedback = best
	offSubject := matcher.Doc{ID: "c-jazz", Kind: matcher.KindExpert, CityID: "oran", Country: "DZ", Languages: []string{"fr"},
		Capacity: 2, Feedback: best, Fields: []matcher.Field{{Name: "bio", Text: "Festival de jazz, programmation musicale et billetterie."}}}
	ix := newTestIndex(t, []matcher.Doc{fixture()[0], fit, weaker, offSubject})

	for _, mode := range []matcher.Mode{matcher.ModeExchange, matcher.ModePeerReview, matcher.ModeTutoring} {
		t.Run(string(mode), func(t *testing.T) {
			q := matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, Mode: mode}
			got, err := ix.Suggest(q)
			if err != nil {
				t.Fatal(err)
			}
			if names := ids(got); len(names) < 2 || names[0] != "a-fit" || names[1] != "b-rated" {
				t.Fatalf("ranking %v: the expert who fits the subject better must stay first", names)
			}
			if c, _ := contribution(got[1].Explanation, matcher.FactorFeedback); c.Contribution <= 0 {
				t.Errorf("the rated expert gets %+v", c)
			}
			if slices.Contains(ids(got), "c-jazz") {
				t.Errorf("an expert with no subject fit is suggested: %v", ids(got))
			}
			ex, err := ix.Explain(q, "c-jazz")
			if err != nil {
				t.Fatal(err)
			}
			c, _ := contribution(ex.Explanation, matcher.FactorFeedback)
			if c.Contribution != 0 || !strings.Contains(c.Detail, "no effect without subject fit") {
				t.Errorf("no subject fit: feedback %+v", c)
			}
		})
	}
}

func TestFeedbackWeight(t *testing.T) {
	docs := append(fixture(), feedbackExpert("e-rated", matcher.Feedback{Completed: 5, ByMode: map[string]int{"exchange": 5}, Rated: 5, RatingSum: 25}))
	ix := newTestIndex(t, docs)
	feedbackOf := func(w map[matcher.Factor]float64) (matcher.Contribution, bool) {
		t.Helper()
		s, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, Weights: w}, "e-rated")
		if err != nil {
			t.Fatal(err)
		}
		checkAddsUp(t, "e-rated", s.Explanation)
		return contribution(s.Explanation, matcher.FactorFeedback)
	}
	def, _ := feedbackOf(nil)
	more, _ := feedbackOf(map[matcher.Factor]float64{"feedback": 0.05})
	if def.Weight != 0.03 || more.Weight != 0.05 || more.Contribution <= def.Contribution || more.Contribution > 0.05 {
		t.Errorf("feedback at 0.03: %+v; at 0.05: %+v", def, more)
	}
	if c, ok := feedbackOf(map[matcher.Factor]float64{"feedback": 0}); ok {
		t.Errorf("feedback weighed 0 still contributes: %+v", c)
	}
	_, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, Weights: map[matcher.Factor]float64{"feedback": 0.2}})
	var we *matcher.WeightError
	if !errors.As(err, &we) || we.Factor != matcher.FactorFeedback || we.Max != 0.05 {
		t.Errorf("feedback 0.2: %v, want a WeightError with max 0.05", err)
	}
	if lo, hi, ok := matcher.WeightBounds(matcher.FactorFeedback); !ok || lo != 0 || hi != 0.05 {
		t.Errorf("bounds of feedback [%v, %v] %v", lo, hi, ok)
	}

	// Feedback is an expert's: practices and the challenges an expert is
	// offered have none.
	p, _ := ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-en")
	if c, ok := contribution(p.Explanation, matcher.FactorFeedback); ok {
		t.Errorf("a practice has feedback: %+v", c)
	}
	opp, err := ix.Opportunities("e-rated", matcher.Query{})
	if err != nil || len(opp) == 0 {
		t.Fatalf("opportunities: %v %v", opp, err)
	}
	if c, ok := contribution(opp[0].Explanation, matcher.FactorFeedback); ok {
		t.Errorf("a challenge offered to an expert has feedback: %+v", c)
	}
}

// TestUpsertMetadataOnly checks that an Upsert changing only what is not
// text (feedback, load, pause, status) is seen by the next query.
func TestUpsertMetadataOnly(t *testing.T) {
	ix := fixtureIndex(t)
	q := matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, Limit: 50}
	e := fixture()[7] // e-en
	before, err := ix.Explain(q, "e-en")
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		edit  func(d *matcher.Doc)
		check func(t *testing.T, s matcher.Suggestion)
	}{
		{"rated", func(d *matcher.Doc) {
			d.Feedback = matcher.Feedback{Completed: 4, ByMode: map[string]int{"exchange": 4}, Rated: 4, RatingSum: 20}
		}, func(t *testing.T, s matcher.Suggestion) {
			if s.Score <= before.Score {
				t.Errorf("score %v after good ratings, %v before", s.Score, before.Score)
			}
		}},
		{"full", func(d *matcher.Doc) { d.Load = d.Capacity }, func(t *testing.T, s matcher.Suggestion) {
			if !s.Explanation.Excluded {
				t.Errorf("an expert at capacity is not excluded: %+v", s.Explanation)
			}
		}},
		{"load back", func(d *matcher.Doc) { d.Load = 0 }, func(t *testing.T, s matcher.Suggestion) {
			if s.Explanation.Excluded {
				t.Errorf("excluded: %q", s.Explanation.ExclusionReasons)
			}
		}},
		{"paused", func(d *matcher.Doc) { d.Paused = true }, func(t *testing.T, s matcher.Suggestion) {
			if !slices.Contains(inEnglish(s.Explanation).ExclusionReasons, "expert is paused") {
				t.Errorf("reasons %q", s.Explanation.ExclusionReasons)
			}
		}},
		{"active and unrated", func(d *matcher.Doc) { d.Paused, d.Feedback = false, matcher.Feedback{} }, func(t *testing.T, s matcher.Suggestion) {
			if s.Score != before.Score || s.Explanation.Excluded {
				t.Errorf("back to where it was: %v, want %v", s.Score, before.Score)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.edit(&e)
			if err := ix.Upsert(e); err != nil {
				t.Fatal(err)
			}
			s, err := ix.Explain(q, "e-en")
			if err != nil {
				t.Fatal(err)
			}
			st.check(t, s)
			got, _ := ix.Suggest(q)
			if in := slices.Contains(ids(got), "e-en"); in == s.Explanation.Excluded {
				t.Errorf("suggested %v, excluded %v", in, s.Explanation.Excluded)
			}
			if d, ok := ix.Doc("e-en"); !ok || d.Load != e.Load || d.Paused != e.Paused {
				t.Errorf("Doc(e-en) = %+v, %v", d, ok)
			}
		})
	}
	// A draft published without other change is suggested.
	draft := fixture()[4]
	draft.Status = "draft"
	if err := ix.Upsert(draft); err != nil {
		t.Fatal(err)
	}
	draft.Status = "published"
	if err := ix.Upsert(draft); err != nil {
		t.Fatal(err)
	}
	got, _ := ix.Suggest(matcher.Query{ChallengeID: "c1", Limit: 50})
	if !slices.Contains(ids(got), "p-draft") {
		t.Errorf("published practice not suggested: %v", ids(got))
	}
}
