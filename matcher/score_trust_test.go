package matcher_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// uncoveredVocabulary is a subject the taxonomy does not name: observing
// the sky. None of these words is a term of it (the test checks).
var uncoveredVocabulary = strings.Fields(`telescope galaxy nebula orbit comet spectrum photon pulsar quasar
	asteroid crater eclipse planet moon stellar lens mirror observatory infrared radio magnitude parallax
	redshift supernova meteor aperture eyepiece mount tracking exposure sensor cooling filter dark sky
	binary cluster globular spiral elliptical halo bulge disk jupiter saturn mars venus mercury neptune
	uranus ring satellite probe rover lander launch trajectory ephemeris catalogue survey spectrograph
	interferometer baseline antenna dish calibration noise seeing turbulence adaptive optics wavefront`)

// uncoveredCorpus draws practices, experts and challenges on the subject
// above, each about a few of a dozen topics, deterministically.
func uncoveredCorpus() []matcher.Doc {
	rng := rand.New(rand.NewPCG(7, 11))
	topics := make([][]string, 12)
	for i := range topics {
		for range 12 {
			topics[i] = append(topics[i], uncoveredVocabulary[rng.IntN(len(uncoveredVocabulary))])
		}
	}
	text := func(topic, n int) string {
		var ws []string
		for range n {
			if rng.IntN(3) == 0 {
				ws = append(ws, uncoveredVocabulary[rng.IntN(len(uncoveredVocabulary))])
			} else {
				ws = append(ws, topics[topic][rng.IntN(12)])
			}
		}
		return strings.Join(ws, " ")
	}
	var docs []matcher.Doc
	for i := range 60 {
		topic := i % len(topics)
		d := matcher.Doc{ID: fmt.Sprintf("p%02d", i), Kind: matcher.KindPractice, CityID: fmt.Sprintf("c%d", i%9), Lang: matcher.English,
			Country: []string{"FR", "GB", "SN"}[i%3], Languages: []string{"en"}, Themes: []string{"energy"},
			Fields: []matcher.Field{{Name: "title", Text: text(topic, 5)}, {Name: "description", Text: text(topic, 40)}}}
		switch i % 4 {
		case 1:
			d.ID, d.Kind, d.Capacity, d.Modes = fmt.Sprintf("e%02d", i), matcher.KindExpert, 2, []string{"exchange"}
			d.Fields = []matcher.Field{{Name: "bio", Text: text(topic, 30)}}
			d.TrackRecord = []matcher.TrackItem{{Title: text(topic, 6), Summary: text(topic, 20), Year: 2020}}
		case 2:
			d.ID, d.Kind = fmt.Sprintf("q%02d", i), matcher.KindChallenge
		}
		docs = append(docs, d)
	}
	return docs
}

// TestConceptsNeverWorseThanText pins the promise of the trust of the
// concept factor: on texts the taxonomy does not cover, the concept
// factor's weight goes to the text, so that an index with the taxonomy
// ranks and scores exactly as one without it, and by text and concepts
// exactly as by text alone.
func TestConceptsNeverWorseThanText(t *testing.T) {
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Fatal(err)
	}
	docs := uncoveredCorpus()
	an := matcher.NewAnalyzer(lex)
	for _, d := range docs {
		for _, f := range d.Fields {
			if hits := an.Analyze(f.Text, d.Lang).Concepts; len(hits) > 0 {
				t.Fatalf("%s: the taxonomy covers %q: not a corpus it does not cover", d.ID, hits[0].Surface)
			}
		}
	}
	with := matcher.NewIndex(an)
	without := matcher.NewIndex(matcher.NewAnalyzer(nil))
	for _, ix := range []*matcher.Index{with, without} {
		if err := ix.Build(docs, nil); err != nil {
			t.Fatal(err)
		}
	}
	textOnly := map[matcher.Factor]float64{"concepts": 0, "themes": 0, "geography": 0, "language": 0}
	textConcepts := map[matcher.Factor]float64{"themes": 0, "geography": 0, "language": 0}
	compared := 0
	for _, d := range docs {
		if d.Kind != matcher.KindChallenge {
			continue
		}
		for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
			q := matcher.Query{ChallengeID: d.ID, Kind: kind, Limit: 20}
			a, err := with.Suggest(q)
			if err != nil {
				t.Fatal(err)
			}
			b, err := without.Suggest(q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(scored(a), scored(b)) {
				t.Errorf("%s, %s: with the taxonomy %v, without %v", d.ID, kind, scored(a), scored(b))
			}
			for _, s := range a {
				for _, c := range s.Explanation.Contributions {
					if c.Factor == matcher.FactorConcepts && c.Weight != 0 {
						t.Errorf("%s, %s %s: the concept factor keeps weight %v on texts the taxonomy does not cover", d.ID, kind, s.ID, c.Weight)
					}
				}
			}
			q.Weights = textOnly
			byText, err := with.Suggest(q)
			if err != nil {
				t.Fatal(err)
			}
			q.Weights = textConcepts
			byBoth, err := with.Suggest(q)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(byText), ids(byBoth)) {
				t.Errorf("%s, %s: by text alone %v, by text and concepts %v", d.ID, kind, ids(byText), ids(byBoth))
			}
			compared += len(a)
		}
	}
	if compared < 100 {
		t.Fatalf("only %d suggestions compared: the corpus does not test much", compared)
	}
}

// scored renders suggestions as "id score".
func scored(ss []matcher.Suggestion) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s %.6f", s.ID, s.Score)
	}
	return out
}

// TestWeakConceptsAreNotShown checks that a concept found on one side only
// through a weak term (a word with several senses, a probable translation)
// is not shown as shared, nor taken as evidence for the concept factor.
func TestWeakConceptsAreNotShown(t *testing.T) {
	lex := matcher.NewLexicon([]matcher.LexiconEntry{
		{Concept: "waste", Lang: matcher.French, Term: "tri à la source"},
		{Concept: "waste", Lang: matcher.English, Term: "household recycling"},
		{Concept: "open_government", Lang: matcher.French, Term: "redevance", Weight: 0.3},
		{Concept: "open_government", Lang: matcher.English, Term: "integration", Weight: 0.3},
		{Concept: "open_government", Lang: matcher.English, Term: "open data"},
	})
	docs := []matcher.Doc{
		{ID: "c", Kind: matcher.KindChallenge, CityID: "dakar", Lang: matcher.French, Fields: []matcher.Field{
			{Name: "title", Text: "Tri à la source et redevance"}}},
		{ID: "p", Kind: matcher.KindPractice, CityID: "leeds", Lang: matcher.English, Fields: []matcher.Field{
			{Name: "title", Text: "Household recycling and the integration of waste pickers"}}},
	}
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex))
	if err := ix.Build(docs, nil); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Explain(matcher.Query{ChallengeID: "c"}, "p")
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, c := range got.Explanation.SharedConcepts {
		shown = append(shown, c.Concept)
	}
	if !slices.Equal(shown, []string{"waste"}) {
		t.Errorf("shared concepts %v, want [waste]: open_government rests on weak terms on both sides", shown)
	}
	for _, c := range got.Explanation.Contributions {
		if c.Factor == matcher.FactorConcepts && strings.Contains(c.Detail, "open_government") {
			t.Errorf("concepts detail %q names open_government", c.Detail)
		}
	}
}
