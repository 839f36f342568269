package matcher_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// panelDocs is the fixture with 150 more experts on c1's subject, fitting
// it more or less, 20 on another subject, and one expert for each hard rule.
func panelDocs() []matcher.Doc {
	docs := fixture()
	sentences := []string{
		"Tri à la source des déchets ménagers.",
		"Recyclage des emballages dans les quartiers denses.",
		"Collecte des déchets en porte-à-porte.",
		"Ambassadeurs du tri auprès des habitants.",
		"Compostage collectif et réduction des déchets.",
		"Gestion des déchets des marchés.",
	}
	countries := []string{"GH", "SN", "TN", "MA", "CI"}
	for i := range 150 {
		var bio []string
		for j, s := range sentences {
			if (i>>j)&1 == 1 || j == i%len(sentences) {
				bio = append(bio, s)
			}
		}
		e := expert(fmt.Sprintf("w%03d", i), fmt.Sprintf("city%d", i), countries[i%len(countries)], strings.Join(bio, " "), "fr")
		e.Seniority = []string{"junior", "senior", "leadership"}[i%3]
		docs = append(docs, e)
	}
	for i := range 20 {
		docs = append(docs, matcher.Doc{ID: fmt.Sprintf("jazz%02d", i), Kind: matcher.KindExpert, CityID: "oran", Country: "DZ",
			Languages: []string{"fr"}, Capacity: 2, Fields: []matcher.Field{{Name: "bio", Text: "Festival de jazz, programmation musicale et billetterie."}}})
	}
	bio := "Tri à la source des déchets ménagers et recyclage des emballages."
	review := expert("x-review", "oran", "DZ", bio, "fr")
	review.Modes = []string{"peer_review"}
	gone := expert("x-gone", "rabat", "MA", bio, "fr")
	gone.Until = "2024-12-31"
	own := expert("x-own", "lyon", "FR", bio, "fr")
	return append(docs, review, gone, own)
}

// excludedBy are the experts of panelDocs a rule excludes in tutoring, with
// a fragment of the reason.
var excludedBy = map[string]string{
	"e-enonly": "no shared working language",
	"e-paused": "expert is paused",
	"e-full":   "no capacity left",
	"x-review": "does not volunteer for tutoring",
	"x-gone":   "expert not available",
	"x-own":    "same city",
}

func panelIndex(t *testing.T) *matcher.Index {
	docs := panelDocs()
	for i := range docs {
		switch docs[i].ID {
		case "e-paused":
			docs[i].Paused = true
		case "e-full":
			docs[i].Load = 2
		}
	}
	return newTestIndex(t, docs)
}

func TestCandidates(t *testing.T) {
	ix := panelIndex(t)
	const eligible = 151 // the 150, and e-en
	q := matcher.Query{ChallengeID: "c1", Mode: matcher.ModeTutoring}
	tests := []struct {
		name string
		n    int
		want int
	}{
		{"a few", 5, 5},
		{"more than Suggest's limit", 120, 120},
		{"default", 0, matcher.DefaultCandidates},
		{"more than there are", matcher.MaxCandidates, eligible},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ix.Candidates(q, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("%d candidates, want %d", len(got), tc.want)
			}
			for i, s := range got {
				e := s.Explanation
				if s.Kind != matcher.KindExpert || e.Excluded || e.Mode != matcher.ModeTutoring {
					t.Errorf("%s: kind %s, excluded %v, mode %s", s.ID, s.Kind, e.Excluded, e.Mode)
				}
				if strings.HasPrefix(s.ID, "jazz") {
					t.Errorf("%s has no subject fit", s.ID)
				}
				if i > 0 && (got[i-1].Score < s.Score || got[i-1].Score == s.Score && got[i-1].ID > s.ID) {
					t.Errorf("%s (%v) after %s (%v)", s.ID, s.Score, got[i-1].ID, got[i-1].Score)
				}
				checkAddsUp(t, s.ID, e)
				if len(e.MatchedTerms) == 0 || len(e.MatchedTerms[0].DocWords) == 0 || len(e.SharedThemes) == 0 {
					t.Errorf("%s: no evidence: %+v", s.ID, e)
				}
			}
			for _, i := range []int{0, len(got) / 2, len(got) - 1} {
				ex, err := ix.Explain(matcher.Query{ChallengeID: "c1", Mode: matcher.ModeTutoring, Kind: matcher.KindExpert}, got[i].ID)
				if err != nil || ex.Score != got[i].Score {
					t.Errorf("%s: candidates score %v, explain %v (%v)", got[i].ID, got[i].Score, ex.Score, err)
				}
			}
		})
	}

	// The first ones are Suggest's.
	sug, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Mode: matcher.ModeTutoring, Kind: matcher.KindExpert, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	cands, _ := ix.Candidates(q, 10)
	for i := range sug {
		if sug[i].ID != cands[i].ID || sug[i].Score != cands[i].Score {
			t.Errorf("#%d: suggest %s %v, candidates %s %v", i, sug[i].ID, sug[i].Score, cands[i].ID, cands[i].Score)
		}
	}
}

func TestCandidatesIncludeExcluded(t *testing.T) {
	ix := panelIndex(t)
	q := matcher.Query{ChallengeID: "c1", Mode: matcher.ModeTutoring, IncludeExcluded: true}

	// All of them: every excluded expert is there, with its reason.
	all, err := ix.Candidates(q, 1000)
	if err != nil {
		t.Fatal(err)
	}
	removed := map[string]string{}
	for _, s := range all {
		if strings.HasPrefix(s.ID, "jazz") {
			t.Errorf("%s has no subject fit", s.ID)
		}
		if !s.Explanation.Excluded {
			continue
		}
		removed[s.ID] = strings.Join(inEnglish(s.Explanation).ExclusionReasons, "; ")
		checkAddsUp(t, s.ID, s.Explanation)
	}
	for id, reason := range excludedBy {
		if !strings.Contains(removed[id], reason) {
			t.Errorf("%s: reasons %q, want %q", id, removed[id], reason)
		}
	}
	if len(removed) != len(excludedBy) {
		t.Errorf("excluded %v, want those of %v", removed, excludedBy)
	}

	// A few: the same eligible experts as without the option, and the
	// excluded ones that score at least as well as the last of them.
	q.IncludeExcluded = false
	plain, _ := ix.Candidates(q, 20)
	q.IncludeExcluded = true
	some, _ := ix.Candidates(q, 20)
	var kept []matcher.Suggestion
	nExcluded := 0
	for _, s := range some {
		if s.Explanation.Excluded {
			nExcluded++
			if s.Score < plain[len(plain)-1].Score {
				t.Errorf("%s (%v) scores under the last candidate (%v)", s.ID, s.Score, plain[len(plain)-1].Score)
			}
			continue
		}
		kept = append(kept, s)
	}
	if !slices.Equal(ids(kept), ids(plain)) {
		t.Errorf("with the excluded: %v; without: %v", ids(kept), ids(plain))
	}
	if nExcluded == 0 {
		t.Errorf("no excluded expert among %v, though they fit the subject best", ids(some))
	}
}

func TestCandidatesModes(t *testing.T) {
	ix := panelIndex(t)
	for _, tc := range []struct {
		mode     matcher.Mode
		reviewer bool
	}{{matcher.ModeTutoring, false}, {matcher.ModePeerReview, true}} {
		got, err := ix.Candidates(matcher.Query{ChallengeID: "c1", Mode: tc.mode}, 500)
		if err != nil {
			t.Fatal(err)
		}
		if in := slices.Contains(ids(got), "x-review"); in != tc.reviewer {
			t.Errorf("%s: the peer reviewer among the candidates: %v, want %v", tc.mode, in, tc.reviewer)
		}
	}
}

func TestCandidatesErrors(t *testing.T) {
	ix := panelIndex(t)
	tests := []struct {
		name string
		q    matcher.Query
		n    int
		want error
	}{
		{"negative n", matcher.Query{ChallengeID: "c1"}, -1, matcher.ErrInvalidQuery},
		{"n too large", matcher.Query{ChallengeID: "c1"}, matcher.MaxCandidates + 1, matcher.ErrInvalidQuery},
		{"bad mode", matcher.Query{ChallengeID: "c1", Mode: "speed_dating"}, 10, matcher.ErrInvalidQuery},
		{"unknown challenge", matcher.Query{ChallengeID: "nope"}, 10, matcher.ErrNotFound},
		{"an expert, not a challenge", matcher.Query{ChallengeID: "e-en"}, 10, matcher.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ix.Candidates(tc.q, tc.n); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// ExcludeHomeCountry keeps the experts of the challenge city's own country out,
// as a review panel's rule does, so that a pool is cut among eligible experts;
// without it they are candidates like any other.
func TestCandidatesExcludeHomeCountry(t *testing.T) {
	ix := panelIndex(t)
	ch, ok := ix.Doc("c1")
	if !ok {
		t.Fatal("no challenge c1")
	}
	home := 0
	for _, exclude := range []bool{false, true} {
		q := matcher.Query{ChallengeID: "c1", Mode: matcher.ModePeerReview, IncludeExcluded: true, ExcludeHomeCountry: exclude}
		all, err := ix.Candidates(q, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range all {
			d, _ := ix.Doc(s.ID)
			sameCountry := matcher.HasReason(s.Explanation.Exclusions, matcher.ReasonSameCountry)
			switch {
			case d.Country == ch.Country && exclude && !sameCountry:
				t.Errorf("%s of %s is not excluded by ExcludeHomeCountry: %v", s.ID, d.Country, s.Explanation.ExclusionReasons)
			case d.Country != ch.Country && sameCountry, !exclude && sameCountry:
				t.Errorf("%s of %s excluded as from the same country (ExcludeHomeCountry %v)", s.ID, d.Country, exclude)
			}
			if d.Country == ch.Country && !exclude {
				home++
			}
		}
	}
	if home == 0 {
		t.Fatalf("the fixture has no expert of the challenge's country %s", ch.Country)
	}
}
