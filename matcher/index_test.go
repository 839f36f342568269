package matcher_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/matcher"
)

// testLexicon is a few concepts in the three languages, enough to cross
// languages in these tests; the evaluation uses the shipped taxonomy.
func testLexicon() *matcher.Lexicon {
	var es []matcher.LexiconEntry
	add := func(concept string, lang matcher.Lang, terms ...string) {
		for _, t := range terms {
			es = append(es, matcher.LexiconEntry{Concept: concept, Lang: lang, Term: t})
		}
	}
	add("waste", "en", "household recycling", "waste collection", "recycling", "solid waste")
	add("waste", "fr", "tri à la source", "déchets ménagers", "recyclage", "collecte des déchets")
	add("waste", "es", "gestión de residuos sólidos", "reciclaje", "residuos")
	add("road_safety", "en", "road safety", "traffic calming")
	add("road_safety", "fr", "sécurité routière")
	add("road_safety", "es", "seguridad vial")
	add("participatory_budgeting", "en", "participatory budgeting")
	add("participatory_budgeting", "fr", "budget participatif")
	add("participatory_budgeting", "es", "presupuesto participativo")
	return matcher.NewLexicon(es)
}

var today = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestIndex(t testing.TB, docs []matcher.Doc, opts ...matcher.Option) *matcher.Index {
	t.Helper()
	opts = append([]matcher.Option{matcher.WithClock(func() time.Time { return today })}, opts...)
	ix := matcher.NewIndex(matcher.NewAnalyzer(testLexicon()), opts...)
	if err := ix.Build(docs, nil); err != nil {
		t.Fatalf("build: %v", err)
	}
	return ix
}

func challenge(id, city, lang, title, desc string, langs ...string) matcher.Doc {
	return matcher.Doc{ID: id, Kind: matcher.KindChallenge, CityID: city, Lang: matcher.Lang(lang), Country: "FR", Region: "europe",
		Languages: langs, Themes: []string{"waste"},
		Fields: []matcher.Field{{Name: "title", Text: title}, {Name: "description", Text: desc}}}
}

func practice(id, city, country, lang, title, desc string, langs ...string) matcher.Doc {
	return matcher.Doc{ID: id, Kind: matcher.KindPractice, CityID: city, Lang: matcher.Lang(lang), Country: country, Region: "europe",
		Languages: langs, Themes: []string{"waste"},
		Fields: []matcher.Field{{Name: "title", Text: title}, {Name: "description", Text: desc}}}
}

func expert(id, city, country, bio string, langs ...string) matcher.Doc {
	return matcher.Doc{ID: id, Kind: matcher.KindExpert, CityID: city, Country: country, Region: "africa",
		Languages: langs, Themes: []string{"waste"}, Role: "public_service_manager", Seniority: "leadership",
		Capacity: 2, Fields: []matcher.Field{{Name: "bio", Text: bio}}}
}

// fixture is a small network around one French challenge on household waste.
func fixture() []matcher.Doc {
	return []matcher.Doc{
		challenge("c1", "lyon", "fr", "Tri à la source des déchets ménagers",
			"La ville veut améliorer le tri à la source des déchets ménagers dans les quartiers denses et augmenter le recyclage des emballages.", "fr"),
		practice("p-en", "leeds", "GB", "en", "Household recycling in dense neighbourhoods",
			"Door-to-door collection of household recycling with sorting ambassadors raised the recycling rate of packaging.", "en", "fr"),
		practice("p-fr", "nantes", "FR", "fr", "Collecte des déchets ménagers en porte-à-porte",
			"Nantes a développé la collecte des déchets ménagers et le tri des emballages avec des ambassadeurs du tri.", "fr"),
		practice("p-own", "lyon", "FR", "fr", "Tri des déchets à Lyon",
			"Le tri à la source des déchets ménagers à Lyon, une expérience de la ville elle-même.", "fr"),
		practice("p-draft", "lille", "FR", "fr", "Tri à la source des déchets ménagers (brouillon)",
			"Tri à la source des déchets ménagers dans les quartiers denses, recyclage des emballages.", "fr"),
		practice("p-es", "bogota", "CO", "es", "Gestión de residuos sólidos con recicladores",
			"Bogotá integró a los recicladores en la gestión de residuos sólidos y el reciclaje de envases.", "es"),
		practice("p-road", "madrid", "ES", "es", "Seguridad vial en los barrios",
			"Pacificación del tráfico y seguridad vial en las calles escolares.", "es"),
		expert("e-en", "accra", "GH", "Led the household recycling programme and waste collection reform of Accra, with sorting ambassadors in dense neighbourhoods.", "en", "fr"),
		expert("e-enonly", "kumasi", "GH", "Household recycling and waste collection in dense neighbourhoods, sorting ambassadors and packaging.", "en"),
		expert("e-paused", "dakar", "SN", "Tri à la source des déchets ménagers et recyclage des emballages dans les quartiers denses.", "fr"),
		expert("e-full", "abidjan", "CI", "Tri à la source des déchets ménagers, recyclage, quartiers denses, ambassadeurs du tri.", "fr"),
	}
}

func fixtureIndex(t testing.TB, opts ...matcher.Option) *matcher.Index {
	docs := fixture()
	for i := range docs {
		switch docs[i].ID {
		case "p-draft":
			docs[i].Status = "draft"
		case "e-paused":
			docs[i].Paused = true
		case "e-full":
			docs[i].Load = 2
		}
	}
	return newTestIndex(t, docs, opts...)
}

func ids(ss []matcher.Suggestion) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func TestSuggestCrossesLanguages(t *testing.T) {
	ix := fixtureIndex(t)
	got, err := ix.Suggest(matcher.Query{ChallengeID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	names := ids(got)
	for _, want := range []string{"p-en", "p-fr", "p-es"} {
		if !slices.Contains(names, want) {
			t.Errorf("suggestions %v lack %s", names, want)
		}
	}
	if i, j := slices.Index(names, "p-es"), slices.Index(names, "p-road"); j >= 0 && j < i {
		t.Errorf("road safety ranks above waste management: %v", names)
	}
}

func TestHardRules(t *testing.T) {
	ix := fixtureIndex(t)
	no := false
	tests := []struct {
		name     string
		q        matcher.Query
		id       string
		excluded bool
		reason   string // a fragment of one of the reasons
	}{
		{"own city's practice", matcher.Query{Kind: matcher.KindPractice}, "p-own", true, "same city"},
		{"draft practice", matcher.Query{Kind: matcher.KindPractice}, "p-draft", true, "practice is draft"},
		{"paused expert", matcher.Query{Kind: matcher.KindExpert}, "e-paused", true, "expert is paused"},
		{"expert with no capacity left", matcher.Query{Kind: matcher.KindExpert}, "e-full", true, "no capacity left: 2 of 2"},
		{"no shared language", matcher.Query{Kind: matcher.KindExpert}, "e-enonly", true,
			"no shared working language: challenge city works in fr; expert speaks en"},
		{"no shared language, interpretation arranged", matcher.Query{Kind: matcher.KindExpert, RequireSharedLanguage: &no}, "e-enonly", false, ""},
		{"shared language", matcher.Query{Kind: matcher.KindExpert}, "e-en", false, ""},
		{"foreign practice", matcher.Query{Kind: matcher.KindPractice}, "p-en", false, ""},
		{"own city", matcher.Query{Kind: matcher.KindCity}, "lyon", true, "same city"},
		{"other city", matcher.Query{Kind: matcher.KindCity}, "leeds", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.ChallengeID = "c1"
			ex, err := ix.Explain(q, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			e := inEnglish(ex.Explanation)
			if e.Excluded != tc.excluded {
				t.Fatalf("excluded = %v, want %v (reasons %q)", e.Excluded, tc.excluded, e.ExclusionReasons)
			}
			if tc.reason != "" && !slices.ContainsFunc(e.ExclusionReasons, func(r string) bool { return strings.Contains(r, tc.reason) }) {
				t.Errorf("reasons %q lack %q", e.ExclusionReasons, tc.reason)
			}
			q.Limit = matcher.MaxLimit
			got, err := ix.Suggest(q)
			if err != nil {
				t.Fatal(err)
			}
			if in := slices.Contains(ids(got), tc.id); in == tc.excluded {
				t.Errorf("suggested = %v, want %v: %v", in, !tc.excluded, ids(got))
			}
		})
	}
}

// TestLanguageAllowedKeepsMostOfTheFactor: when a query does not require a
// shared language, an expert who shares none keeps three quarters of the
// language factor, says so, and still comes after an expert who shares one
// when nothing else tells them apart.
func TestLanguageAllowedKeepsMostOfTheFactor(t *testing.T) {
	ix := fixtureIndex(t)
	no := false
	language := func(id string, q matcher.Query) matcher.Contribution {
		t.Helper()
		ex, err := ix.Explain(q, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range inEnglish(ex.Explanation).Contributions {
			if c.Factor == matcher.FactorLanguage {
				return c
			}
		}
		t.Fatalf("%s: no language contribution", id)
		return matcher.Contribution{}
	}
	allowed := matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert, RequireSharedLanguage: &no}
	got := language("e-enonly", allowed)
	if got.Value != 0.75 {
		t.Errorf("e-enonly, language not required: value %v, want 0.75", got.Value)
	}
	if want := "no language in common (fr / en), which this request allows: counted at 0.75"; got.Detail != want {
		t.Errorf("e-enonly: detail %q, want %q", got.Detail, want)
	}
	if len(got.Reasons) != 1 || got.Reasons[0].Code != matcher.ReasonNoLanguageAllowed {
		t.Errorf("e-enonly: reasons %+v, want one %s", got.Reasons, matcher.ReasonNoLanguageAllowed)
	}
	if shared := language("e-en", allowed); shared.Value != 1 || shared.Contribution <= got.Contribution {
		t.Errorf("e-en shares a language: value %v, contribution %v against %v", shared.Value, shared.Contribution, got.Contribution)
	}
}

func TestExplainMatchesSuggest(t *testing.T) {
	ix := fixtureIndex(t)
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert, matcher.KindCity} {
		q := matcher.Query{ChallengeID: "c1", Kind: kind}
		got, err := ix.Suggest(q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			t.Fatalf("%s: no suggestion", kind)
		}
		for _, s := range got {
			ex, err := ix.Explain(q, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Score != s.Score {
				t.Errorf("%s %s: explain score %v, suggest %v", kind, s.ID, ex.Score, s.Score)
			}
		}
	}
}

// TestContributionsAddUp checks, in exact decimal arithmetic on the JSON
// the HTTP layer returns, that the contributions add up to the score.
func TestContributionsAddUp(t *testing.T) {
	ix := fixtureIndex(t)
	no := false
	var all []matcher.Suggestion
	for _, q := range []matcher.Query{
		{ChallengeID: "c1"},
		{ChallengeID: "c1", Kind: matcher.KindExpert, RequireSharedLanguage: &no},
		{ChallengeID: "c1", Kind: matcher.KindExpert, Mode: matcher.ModeTutoring},
		{ChallengeID: "c1", Kind: matcher.KindCity, SimilarContext: true},
		{ChallengeID: "c1", Kind: matcher.KindPractice, Mode: matcher.ModePeerReview, Weights: map[matcher.Factor]float64{"text": 0.9}},
	} {
		got, err := ix.Suggest(q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got...)
	}
	ex, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert}, "e-paused")
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, ex)
	for _, s := range all {
		checkAddsUp(t, s.ID, s.Explanation)
		if s.Score != s.Explanation.Score {
			t.Errorf("%s: score %v, explanation score %v", s.ID, s.Score, s.Explanation.Score)
		}
	}
}

func checkAddsUp(t *testing.T, id string, e matcher.Explanation) {
	t.Helper()
	var raw struct {
		Score         json.Number `json:"score"`
		Contributions []struct {
			Contribution json.Number `json:"contribution"`
		} `json:"contributions"`
	}
	b, _ := json.Marshal(e)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	sum := new(big.Rat)
	for _, c := range raw.Contributions {
		r, ok := new(big.Rat).SetString(c.Contribution.String())
		if !ok {
			t.Fatalf("bad number %s", c.Contribution)
		}
		sum.Add(sum, r)
	}
	score, _ := new(big.Rat).SetString(raw.Score.String())
	if sum.Cmp(score) != 0 {
		t.Errorf("%s: contributions add up to %s, score is %s", id, sum.FloatString(9), score.FloatString(9))
	}
	if len(raw.Contributions) == 0 && !e.Excluded {
		t.Errorf("%s: no contributions", id)
	}
}

func TestEvidenceShowsWordsAsWritten(t *testing.T) {
	ix := fixtureIndex(t)
	ex, err := ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-fr")
	if err != nil {
		t.Fatal(err)
	}
	e := ex.Explanation
	var words []string
	for _, m := range e.MatchedTerms {
		words = append(words, m.QueryWords...)
		words = append(words, m.DocWords...)
		if len(m.DocWords) == 0 || len(m.QueryWords) == 0 {
			t.Errorf("term %s: words %q / %q", m.Term, m.QueryWords, m.DocWords)
		}
	}
	for _, w := range []string{"déchets", "ménagers"} {
		if !slices.Contains(words, w) {
			t.Errorf("matched words %q lack %q as written", words, w)
		}
	}
	for _, w := range words {
		if w == "dechet" || w == "menag" {
			t.Errorf("a stem %q is shown as a word", w)
		}
	}

	ex, err = ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-en")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ex.Explanation.SharedConcepts, func(c matcher.ConceptMatch) bool { return c.Concept == "waste" })
	if i < 0 {
		t.Fatalf("no shared concept waste: %+v", ex.Explanation.SharedConcepts)
	}
	c := ex.Explanation.SharedConcepts[i]
	if !slices.ContainsFunc(c.QueryWords, func(w string) bool { return strings.EqualFold(w, "tri à la source") }) || !slices.ContainsFunc(c.DocWords, func(w string) bool { return strings.EqualFold(w, "household recycling") }) {
		t.Errorf("concept words %q / %q", c.QueryWords, c.DocWords)
	}
	if !slices.Contains(ex.Explanation.SharedThemes, "waste") {
		t.Errorf("shared themes %q", ex.Explanation.SharedThemes)
	}
}

func TestTrackRecordEvidence(t *testing.T) {
	docs := fixture()
	docs = append(docs, matcher.Doc{ID: "e-tr", Kind: matcher.KindExpert, CityID: "tunis", Country: "TN", Languages: []string{"fr"}, Capacity: 1,
		Fields: []matcher.Field{{Name: "bio", Text: "Urbaniste, trente ans de carrière dans les transports publics et le logement social."}},
		TrackRecord: []matcher.TrackItem{
			{Title: "Plan de mobilité de Sfax", Summary: "Bus à haut niveau de service.", Year: 2015},
			{Title: "Tri à la source des déchets ménagers à Sousse", Summary: "Collecte séparée et recyclage des emballages.", Year: 2021},
		}})
	ix := newTestIndex(t, docs)
	ex, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert}, "e-tr")
	if err != nil {
		t.Fatal(err)
	}
	tr := ex.Explanation.TrackRecord
	if tr == nil || tr.Index != 1 || tr.Year != 2021 || !strings.Contains(tr.Title, "Sousse") {
		t.Fatalf("track record evidence %+v", tr)
	}
	if !slices.Contains(tr.Words, "déchets") {
		t.Errorf("track record words %q", tr.Words)
	}
}

func TestWeightBounds(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name    string
		weights map[matcher.Factor]float64
		bad     string // the factor named in the error, "" for none
	}{
		{"defaults", nil, ""},
		{"in bounds", map[matcher.Factor]float64{"text": 0.8, "geography": 0}, ""},
		{"text too low", map[matcher.Factor]float64{"text": 0.01}, "text"},
		{"above one", map[matcher.Factor]float64{"themes": 1.5}, "themes"},
		{"negative", map[matcher.Factor]float64{"role": -0.1}, "role"},
		{"unknown", map[matcher.Factor]float64{"charisma": 0.3}, "charisma"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Weights: tc.weights})
			if tc.bad == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var we *matcher.WeightError
			if !errors.As(err, &we) || string(we.Factor) != tc.bad || !errors.Is(err, matcher.ErrInvalidQuery) {
				t.Fatalf("err = %v, want a WeightError on %s", err, tc.bad)
			}
			if !strings.Contains(err.Error(), `"`+tc.bad+`"`) {
				t.Errorf("error %q does not name %s", err, tc.bad)
			}
		})
	}
}

func TestWeightsChangeScores(t *testing.T) {
	ix := fixtureIndex(t)
	a, err := ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-en")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ix.Explain(matcher.Query{ChallengeID: "c1", Weights: map[matcher.Factor]float64{"geography": 1}}, "p-en")
	if err != nil {
		t.Fatal(err)
	}
	if b.Score <= a.Score {
		t.Errorf("more weight on geography for a foreign practice: %v -> %v", a.Score, b.Score)
	}
}

func TestQueryErrors(t *testing.T) {
	ix := fixtureIndex(t)
	docs := fixture()
	closed := docs[0]
	closed.ID, closed.Status = "c-closed", "closed"
	if err := ix.Upsert(closed); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    matcher.Query
		want error
		msg  string // a fragment of the message, "" for any
	}{
		{"unknown challenge", matcher.Query{ChallengeID: "nope"}, matcher.ErrNotFound, "challenge nope: not found"},
		{"closed challenge", matcher.Query{ChallengeID: "c-closed"}, matcher.ErrClosed, ""},
		{"not a challenge", matcher.Query{ChallengeID: "p-en"}, matcher.ErrNotFound, "challenge p-en: not found (it is a practice)"},
		{"an expert, not a challenge", matcher.Query{ChallengeID: "e-en"}, matcher.ErrNotFound, "challenge e-en: not found (it is an expert)"},
		{"bad mode", matcher.Query{ChallengeID: "c1", Mode: "speed_dating"}, matcher.ErrInvalidQuery, ""},
		{"bad kind", matcher.Query{ChallengeID: "c1", Kind: "mayors"}, matcher.ErrInvalidQuery, ""},
		{"bad limit", matcher.Query{ChallengeID: "c1", Limit: 1000}, matcher.ErrInvalidQuery, ""},
		{"no challenge", matcher.Query{}, matcher.ErrInvalidQuery, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ix.Suggest(tc.q)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
		})
	}
	if _, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert}, "p-en"); !errors.Is(err, matcher.ErrNotFound) {
		t.Errorf("explain of a practice as an expert: %v", err)
	}
}

func TestDeleteAndUpsert(t *testing.T) {
	ix := fixtureIndex(t)
	q := matcher.Query{ChallengeID: "c1", Limit: 50}
	got, _ := ix.Suggest(q)
	if !slices.Contains(ids(got), "p-en") {
		t.Fatalf("p-en not suggested before delete: %v", ids(got))
	}
	n := ix.Len()
	if !ix.Delete("p-en") {
		t.Fatal("delete p-en: not found")
	}
	if ix.Delete("p-en") {
		t.Error("deleted p-en twice")
	}
	if ix.Len() != n-1 {
		t.Errorf("len %d after delete, want %d", ix.Len(), n-1)
	}
	got, _ = ix.Suggest(q)
	if slices.Contains(ids(got), "p-en") {
		t.Errorf("p-en still suggested after delete: %v", ids(got))
	}
	if _, err := ix.Explain(q, "p-en"); !errors.Is(err, matcher.ErrNotFound) {
		t.Errorf("explain of a deleted practice: %v", err)
	}

	// An update that changes the subject drops the practice; publishing a
	// draft brings it in.
	road := practice("p-fr", "nantes", "FR", "fr", "Zones 30 et sécurité routière", "Apaisement de la circulation autour des écoles.", "fr")
	road.Themes = []string{"road_safety"}
	if err := ix.Upsert(road); err != nil {
		t.Fatal(err)
	}
	pub := fixture()[4]
	if err := ix.Upsert(pub); err != nil {
		t.Fatal(err)
	}
	got, _ = ix.Suggest(q)
	if len(got) > 0 && got[0].ID == "p-fr" {
		t.Errorf("p-fr, now on road safety, still ranks first: %v", ids(got))
	}
	if !slices.Contains(ids(got), "p-draft") {
		t.Errorf("published p-draft not suggested: %v", ids(got))
	}
}

// TestManyUpdates rewrites documents until the index compacts itself, many
// times, and checks that it answers as a fresh build does. The documents
// are rewritten unchanged: weights computed at insertion depend on the
// rarity of words at that moment (dead versions count until compaction),
// so a rewrite that changes the corpus is not expected to match a build
// exactly.
func TestManyUpdates(t *testing.T) {
	docs := fixture()
	ix := newTestIndex(t, docs)
	for range 300 {
		for _, d := range docs[1:] {
			if err := ix.Upsert(d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ix.Len() != len(docs) {
		t.Fatalf("len %d, want %d", ix.Len(), len(docs))
	}
	got, err := ix.Suggest(matcher.Query{ChallengeID: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	fresh := newTestIndex(t, docs)
	want, _ := fresh.Suggest(matcher.Query{ChallengeID: "c1"})
	if !slices.Equal(ids(got), ids(want)) {
		t.Fatalf("after updates %v, fresh build %v", ids(got), ids(want))
	}
	for i := range got {
		if math.Abs(got[i].Score-want[i].Score) > 0.02 {
			t.Errorf("%s: %v after updates, %v in a fresh build", got[i].ID, got[i].Score, want[i].Score)
		}
	}
}

func TestConcurrentUpsertAndSuggest(t *testing.T) {
	ix := fixtureIndex(t)
	docs := fixture()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				d := docs[1+(w+i)%(len(docs)-1)]
				d.ID = fmt.Sprintf("%s-%d-%d", d.ID, w, i%10)
				if err := ix.Upsert(d); err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					ix.Delete(d.ID)
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				for _, k := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert, matcher.KindCity} {
					if _, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: k}); err != nil {
						errs <- err
						return
					}
				}
				if _, err := ix.Opportunities("e-en", matcher.Query{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestOpportunities(t *testing.T) {
	docs := fixture()
	c2 := challenge("c2", "tunis", "fr", "Sécurité routière aux abords des écoles", "Réduire la vitesse et les accidents près des écoles.", "fr")
	c2.Themes = []string{"road_safety"}
	c3 := challenge("c3", "sfax", "fr", "Recyclage des déchets ménagers", "Mettre en place le tri à la source et la collecte des déchets ménagers.", "fr")
	c3.Status = "closed"
	docs = append(docs, c2, c3)
	ix := newTestIndex(t, docs)
	got, err := ix.Opportunities("e-en", matcher.Query{})
	if err != nil {
		t.Fatal(err)
	}
	names := ids(got)
	if len(names) == 0 || names[0] != "c1" {
		t.Fatalf("opportunities of a waste expert: %v", names)
	}
	if slices.Contains(names, "c3") {
		t.Errorf("a closed challenge is suggested: %v", names)
	}
	for _, s := range got {
		if s.Kind != matcher.KindChallenge {
			t.Errorf("%s: kind %s", s.ID, s.Kind)
		}
		checkAddsUp(t, s.ID, s.Explanation)
	}
	if _, err := ix.Opportunities("nope", matcher.Query{}); !errors.Is(err, matcher.ErrNotFound) {
		t.Errorf("unknown expert: %v", err)
	}
}

func TestPartners(t *testing.T) {
	docs := fixture()
	// Leeds has a waste practice (answers Lyon) and a road-safety challenge
	// that a Lyon practice answers.
	lc := challenge("c-leeds", "leeds", "en", "Road safety around schools", "Traffic calming and road safety for children walking to school.", "en", "fr")
	lc.Country = "GB"
	lc.Themes = []string{"road_safety"}
	lp := practice("p-lyon-road", "lyon", "FR", "fr", "Sécurité routière et rues scolaires", "Lyon a apaisé la circulation devant les écoles : rues scolaires, zones 30, sécurité routière des enfants.", "fr")
	lp.Themes = []string{"road_safety"}
	docs = append(docs, lc, lp)
	ix := newTestIndex(t, docs)
	got, err := ix.Partners("lyon", matcher.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].ID != "leeds" {
		t.Fatalf("partners of lyon: %v", ids(got))
	}
	e := got[0].Explanation
	if len(e.Directions) != 2 || e.Directions[0].ChallengeID != "c1" || e.Directions[1].ChallengeID != "c-leeds" {
		t.Fatalf("directions %+v", e.Directions)
	}
	checkAddsUp(t, "leeds", e)
	for _, d := range e.Directions {
		checkAddsUp(t, d.ChallengeID, d.Explanation)
	}
	x, y := e.Directions[0].Score, e.Directions[1].Score
	if h := 2 * x * y / (x + y); h-got[0].Score > 1e-6 || got[0].Score-h > 1e-6 {
		t.Errorf("score %v, harmonic mean of %v and %v is %v", got[0].Score, x, y, h)
	}
	if _, err := ix.Partners("atlantis", matcher.Query{}); !errors.Is(err, matcher.ErrNotFound) {
		t.Errorf("unknown city: %v", err)
	}
}

func TestFilters(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		q    matcher.Query
		want []string // every suggestion is one of these
	}{
		{matcher.Query{Language: "es"}, []string{"p-es", "p-road"}},
		{matcher.Query{Country: "gb"}, []string{"p-en"}},
		{matcher.Query{Region: "asia_pacific"}, nil},
	}
	for _, tc := range tests {
		q := tc.q
		q.ChallengeID = "c1"
		got, err := ix.Suggest(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids(got) {
			if !slices.Contains(tc.want, id) {
				t.Errorf("%+v: %s suggested", tc.q, id)
			}
		}
		if len(tc.want) > 0 && len(got) == 0 {
			t.Errorf("%+v: nothing suggested", tc.q)
		}
	}
}

func TestLookupInsteadOfKeptDocs(t *testing.T) {
	docs := fixture()
	byID := map[string]matcher.Doc{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	ix := newTestIndex(t, docs, matcher.WithLookup(func(id string) (matcher.Doc, bool) {
		d, ok := byID[id]
		return d, ok
	}))
	ex, err := ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-fr")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Explanation.MatchedTerms) == 0 || len(ex.Explanation.MatchedTerms[0].DocWords) == 0 {
		t.Errorf("no evidence through the lookup: %+v", ex.Explanation.MatchedTerms)
	}
}

func TestBuildRejectsBadDocs(t *testing.T) {
	ix := matcher.NewIndex(matcher.NewAnalyzer(nil))
	for _, d := range []matcher.Doc{{ID: "", Kind: matcher.KindPractice}, {ID: "x", Kind: "city"}} {
		if err := ix.Build([]matcher.Doc{d}, nil); !errors.Is(err, matcher.ErrInvalidDoc) {
			t.Errorf("%+v: err %v", d, err)
		}
		if err := ix.Upsert(d); !errors.Is(err, matcher.ErrInvalidDoc) {
			t.Errorf("upsert %+v: err %v", d, err)
		}
	}
	var calls []int
	if err := ix.Build(fixture(), func(done, total int) { calls = append(calls, done) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != len(fixture()) {
		t.Errorf("progress calls %v", calls)
	}
}

// contribution returns the contribution of factor f in e.
func contribution(e matcher.Explanation, f matcher.Factor) (matcher.Contribution, bool) {
	for _, c := range inEnglish(e).Contributions {
		if c.Factor == f {
			return c, true
		}
	}
	return matcher.Contribution{}, false
}

func TestContextFactors(t *testing.T) {
	docs := fixture()
	bio := "Tri à la source des déchets ménagers, recyclage et collecte dans les quartiers denses."
	lead := expert("e-lead", "tunis", "TN", bio, "fr")
	junior := expert("e-junior", "sfax", "TN", bio, "fr")
	junior.Seniority, junior.Role = "junior", "technical_officer"
	gone := expert("e-gone", "rabat", "MA", bio, "fr")
	gone.Until = "2024-12-31"
	later := expert("e-later", "fes", "MA", bio, "fr")
	later.From = "2025-06-01"
	review := expert("e-review", "oran", "DZ", bio, "fr")
	review.Modes = []string{"peer_review"}
	near := practice("p-near", "lille", "FR", "fr", "Tri des déchets ménagers", "Tri à la source des déchets ménagers et recyclage.", "fr")
	near.Population = 230_000
	docs[0].Population = 500_000
	docs = append(docs, lead, junior, gone, later, review, near)
	ix := newTestIndex(t, docs)

	explain := func(q matcher.Query, id string) matcher.Explanation {
		t.Helper()
		q.ChallengeID = "c1"
		s, err := ix.Explain(q, id)
		if err != nil {
			t.Fatal(err)
		}
		checkAddsUp(t, id, s.Explanation)
		return inEnglish(s.Explanation)
	}
	tutoring := matcher.Query{Kind: matcher.KindExpert, Mode: matcher.ModeTutoring}
	if l, j := explain(tutoring, "e-lead"), explain(tutoring, "e-junior"); l.Score <= j.Score {
		t.Errorf("tutoring: leadership %v not above junior %v", l.Score, j.Score)
	}
	if e := explain(tutoring, "e-gone"); !e.Excluded || !slices.ContainsFunc(e.ExclusionReasons, func(r string) bool {
		return strings.Contains(r, "expert not available: available until 31 December 2024")
	}) {
		t.Errorf("expert gone since 2024: %v %q", e.Excluded, e.ExclusionReasons)
	}
	e := explain(tutoring, "e-later")
	if c, ok := contribution(e, matcher.FactorAvailability); e.Excluded || !ok || c.Value <= 0 || c.Value >= 1 {
		t.Errorf("expert available in three months: excluded %v, availability %+v", e.Excluded, c)
	}
	if e := explain(tutoring, "e-review"); !e.Excluded || !slices.ContainsFunc(e.ExclusionReasons, func(r string) bool {
		return strings.Contains(r, "does not volunteer for tutoring (volunteers for peer review)")
	}) {
		t.Errorf("reviewer asked to tutor: %v %q", e.Excluded, e.ExclusionReasons)
	}
	if e := explain(matcher.Query{Kind: matcher.KindExpert, Mode: matcher.ModePeerReview}, "e-review"); e.Excluded {
		t.Errorf("reviewer asked to review: excluded %q", e.ExclusionReasons)
	}

	// Exchange favours other countries; on request, the same region and
	// size class.
	other := explain(matcher.Query{}, "p-near")
	if c, _ := contribution(other, matcher.FactorGeography); c.Value != 0 || !strings.Contains(c.Detail, "same country FR") {
		t.Errorf("same country: geography %+v", c)
	}
	similar := explain(matcher.Query{SimilarContext: true}, "p-near")
	if c, _ := contribution(similar, matcher.FactorGeography); c.Value != 1 || !strings.Contains(c.Detail, "same region europe") {
		t.Errorf("similar context: geography %+v", c)
	}
	if similar.Score <= other.Score {
		t.Errorf("similar context does not favour a practice of the same region and size: %v <= %v", similar.Score, other.Score)
	}
}

func TestDefaultWeights(t *testing.T) {
	for _, m := range []matcher.Mode{matcher.ModeExchange, matcher.ModePeerReview, matcher.ModeTutoring} {
		w := matcher.DefaultWeights(m)
		sum := 0.0
		for f, v := range w {
			lo, hi, ok := matcher.WeightBounds(f)
			if !ok || v < lo || v > hi {
				t.Errorf("%s: default weight %s = %v outside [%v, %v]", m, f, v, lo, hi)
			}
			if f != matcher.FactorFeedback { // absolute, on top of the others
				sum += v
			}
		}
		if sum < 0.99 || sum > 1.01 {
			t.Errorf("%s: relative weights add up to %v", m, sum)
		}
		if fb := w[matcher.FactorFeedback]; fb <= 0 || fb > 0.03 {
			t.Errorf("%s: feedback weighs %v, want a small positive weight", m, fb)
		}
	}
}

// TestWritesDuringBuild checks that the writes made while Build runs are
// not lost when the new content is swapped in.
func TestWritesDuringBuild(t *testing.T) {
	docs := fixture()
	ix := newTestIndex(t, docs[:3])
	late := practice("p-late", "porto", "PT", "en", "Household recycling with sorting ambassadors",
		"Door-to-door collection of household recycling in dense neighbourhoods.", "en", "fr")
	var once sync.Once
	err := ix.Build(docs, func(done, total int) {
		once.Do(func() {
			if err := ix.Upsert(late); err != nil {
				t.Error(err)
			}
			ix.Delete("p-en")
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	names := ids(got)
	if !slices.Contains(names, "p-late") {
		t.Errorf("a practice added during the build is missing: %v", names)
	}
	if slices.Contains(names, "p-en") {
		t.Errorf("a practice deleted during the build is back: %v", names)
	}
	if ix.Len() != len(docs) {
		t.Errorf("len %d, want %d", ix.Len(), len(docs))
	}
}

// TestWrongKindIsNotFound checks that an ID naming a document of another
// kind than the one asked for is not found, and says what it is.
func TestWrongKindIsNotFound(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name string
		call func() error
		msg  string
	}{
		{"suggest for a practice", func() error {
			_, err := ix.Suggest(matcher.Query{ChallengeID: "p-fr"})
			return err
		}, "challenge p-fr: not found (it is a practice)"},
		{"explain an expert as a practice", func() error {
			_, err := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindPractice}, "e-en")
			return err
		}, "practice e-en: not found (it is an expert)"},
		{"explain for an expert", func() error {
			_, err := ix.Explain(matcher.Query{ChallengeID: "e-en"}, "p-fr")
			return err
		}, "challenge e-en: not found (it is an expert)"},
		{"opportunities of a challenge", func() error {
			_, err := ix.Opportunities("c1", matcher.Query{})
			return err
		}, "expert c1: not found (it is a challenge)"},
		{"partners of a practice", func() error {
			_, err := ix.Partners("p-fr", matcher.Query{})
			return err
		}, "city p-fr: not found (it is a practice)"},
		{"candidates for an expert", func() error {
			_, err := ix.Candidates(matcher.Query{ChallengeID: "e-en"}, 10)
			return err
		}, "challenge e-en: not found (it is an expert)"},
		{"key skills of a practice", func() error {
			_, err := ix.KeySkills("p-fr", 5)
			return err
		}, "challenge p-fr: not found (it is a practice)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, matcher.ErrNotFound) || errors.Is(err, matcher.ErrInvalidQuery) {
				t.Fatalf("err = %v, want not found", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want it to say %q", err, tc.msg)
			}
		})
	}
}

func TestDoc(t *testing.T) {
	docs := fixture()
	byID := map[string]matcher.Doc{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	kept := fixtureIndex(t)
	looked := newTestIndex(t, docs, matcher.WithLookup(func(id string) (matcher.Doc, bool) {
		d, ok := byID[id]
		return d, ok
	}))
	for name, ix := range map[string]*matcher.Index{"kept": kept, "lookup": looked} {
		t.Run(name, func(t *testing.T) {
			d, ok := ix.Doc("p-fr")
			if !ok || d.ID != "p-fr" || d.Kind != matcher.KindPractice || d.Fields[0].Text != byID["p-fr"].Fields[0].Text {
				t.Fatalf("Doc(p-fr) = %+v, %v", d, ok)
			}
			d.Fields[0].Text = "changed"
			if again, _ := ix.Doc("p-fr"); again.Fields[0].Text == "changed" {
				t.Error("changing the Doc returned changed the index's")
			}
			for _, id := range []string{"nope", "lyon", ""} {
				if _, ok := ix.Doc(id); ok {
					t.Errorf("Doc(%q) found", id)
				}
			}
			ix.Delete("p-fr")
			if _, ok := ix.Doc("p-fr"); ok {
				t.Error("a deleted document is found")
			}
		})
	}
}

// TestEditedChallengeIsAnalysedAgain: the analysis of a challenge is kept
// between queries, by its content; an edit to the challenge's text changes
// what it is asked with at once, and an edit back gives the first answer again.
func TestEditedChallengeIsAnalysedAgain(t *testing.T) {
	ix := fixtureIndex(t)
	q := matcher.Query{ChallengeID: "c1", Limit: 50}
	before, err := ix.Suggest(q)
	if err != nil {
		t.Fatal(err)
	}
	c1, ok := ix.Doc("c1")
	if !ok {
		t.Fatal("no c1")
	}
	road := c1
	road.Fields = []matcher.Field{{Name: "title", Text: "Zones 30 et sécurité routière", Weight: 1},
		{Name: "description", Text: "Apaiser la circulation autour des écoles, sécurité routière des enfants.", Weight: 1}}
	road.Themes = []string{"road_safety"}
	if err := ix.Upsert(road); err != nil {
		t.Fatal(err)
	}
	after, err := ix.Suggest(q)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(ids(before), ids(after)) {
		t.Fatalf("an edited challenge is still asked with its old text: %v", ids(after))
	}
	if err := ix.Upsert(c1); err != nil {
		t.Fatal(err)
	}
	again, err := ix.Suggest(q)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(before), ids(again)) {
		t.Fatalf("the challenge edited back: %v, first %v", ids(again), ids(before))
	}
}

// TestCitySuggestionsLookFurther checks that a city suggestion finds as
// many cities as it is asked for when the best practices all belong to a
// few cities: three cities with forty strong practices each, and twelve
// with one weaker practice each, give the three first and then ten more.
func TestCitySuggestionsLookFurther(t *testing.T) {
	docs := []matcher.Doc{challenge("c1", "lyon", "fr", "Tri à la source des déchets ménagers",
		"Le tri à la source des déchets ménagers dans les quartiers denses et le recyclage des emballages.", "fr")}
	for _, city := range []string{"nantes", "rennes", "brest"} {
		for i := range 40 {
			docs = append(docs, practice(fmt.Sprintf("p-%s-%d", city, i), city, "FR", "fr", "Tri à la source des déchets ménagers",
				"Le tri à la source des déchets ménagers dans les quartiers denses et le recyclage des emballages.", "fr"))
		}
	}
	var weak []string
	for i := range 12 {
		city := fmt.Sprintf("ville-%02d", i)
		weak = append(weak, city)
		docs = append(docs, practice("p-"+city, city, "FR", "fr", "Recyclage des emballages",
			"Des points de recyclage des emballages dans les quartiers.", "fr"))
	}
	ix := newTestIndex(t, docs)
	got, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: matcher.KindCity, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	names := ids(got)
	if len(names) != 10 {
		t.Fatalf("%d cities %v, want 10", len(names), names)
	}
	slices.Sort(names[:3])
	if !slices.Equal(names[:3], []string{"brest", "nantes", "rennes"}) {
		t.Errorf("first cities %v, want the three with the strong practices", names[:3])
	}
	for _, n := range names[3:] {
		if !slices.Contains(weak, n) {
			t.Errorf("city %q among %v is none of the cities asked about", n, names)
		}
	}
}

// TestNewWordsReachAChallengeAskedBefore checks that a challenge asked
// about before a document brings words the index did not know finds that
// document once it is indexed: the challenge's feature IDs, kept between
// questions, learn the new words.
func TestNewWordsReachAChallengeAskedBefore(t *testing.T) {
	doc := func(id, title string) matcher.Doc {
		return matcher.Doc{ID: id, Kind: matcher.KindPractice, CityID: "city-" + id, Lang: matcher.English, Status: "published",
			Fields: []matcher.Field{{Name: "title", Text: title}}}
	}
	ix := newTestIndex(t, []matcher.Doc{doc("p1", "Protected bicycle lanes on the main avenues")})
	no := false
	ch := matcher.Doc{ID: "c1", Kind: matcher.KindChallenge, CityID: "nantes", Lang: matcher.English,
		Fields: []matcher.Field{{Name: "title", Text: "Bicycle lanes and cargo trams for deliveries"}}}
	q := matcher.Query{Challenge: &ch, Kind: matcher.KindPractice, RequireSharedLanguage: &no}
	ask := func() []string {
		t.Helper()
		got, err := ix.Suggest(q)
		if err != nil {
			t.Fatal(err)
		}
		return ids(got)
	}
	if got := ask(); !slices.Equal(got, []string{"p1"}) {
		t.Fatalf("before: %v, want [p1]", got)
	}
	for _, d := range []matcher.Doc{doc("p2", "Street trees and shade"), doc("p3", "Cargo trams carry the deliveries of the centre")} {
		if err := ix.Upsert(d); err != nil {
			t.Fatal(err)
		}
		ask()
	}
	if got := ask(); !slices.Contains(got, "p3") || !slices.Contains(got, "p1") || slices.Contains(got, "p2") {
		t.Errorf("after: %v, want p1 and p3", got)
	}
}
