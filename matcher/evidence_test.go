package matcher_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// demoDir is the demo network shipped with the service, read by relative
// path: the matcher imports no project package.
const demoDir = "../demo/data"

// loadDemo reads the demo network's practices and challenges as Docs, IDs
// made of the file and the row ("practices_a/6"), with the production
// lexicon's analyzer.
func loadDemo(t *testing.T) []matcher.Doc {
	t.Helper()
	var cities []struct {
		Key, Country, Region string
		Population           int64
		Languages            []string
	}
	b, err := os.ReadFile(filepath.Join(demoDir, "cities.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cities); err != nil {
		t.Fatal(err)
	}
	type row struct {
		City, Title, Description, Language, Results string
		Lessons                                     string `json:"lessons_learned"`
		Transferability                             string
		Strategic                                   string `json:"strategic_result"`
		Themes, Modes                               []string
		Skills                                      []string `json:"skills_needed"`
	}
	var docs []matcher.Doc
	for _, f := range []string{"practices_a", "practices_b", "challenges"} {
		b, err := os.ReadFile(filepath.Join(demoDir, f+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var rows []row
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, r := range rows {
			ci := slices.IndexFunc(cities, func(c struct {
				Key, Country, Region string
				Population           int64
				Languages            []string
			}) bool {
				return c.Key == r.City
			})
			if ci < 0 {
				t.Fatalf("%s/%d: unknown city %s", f, i, r.City)
			}
			c := cities[ci]
			d := matcher.Doc{ID: fmt.Sprintf("%s/%d", f, i), Name: r.Title, Kind: matcher.KindPractice, CityID: r.City, Lang: matcher.Lang(r.Language),
				Themes: r.Themes, Country: c.Country, Region: c.Region, Population: c.Population, Languages: c.Languages,
				Fields: []matcher.Field{{Name: "title", Text: r.Title}, {Name: "description", Text: r.Description}, {Name: "results", Text: r.Results},
					{Name: "lessons_learned", Text: r.Lessons}, {Name: "transferability", Text: r.Transferability}}}
			if f == "challenges" {
				d.Kind, d.Modes, d.Skills = matcher.KindChallenge, r.Modes, r.Skills
				d.Fields = []matcher.Field{{Name: "title", Text: r.Title}, {Name: "description", Text: r.Description}, {Name: "strategic_result", Text: r.Strategic}}
			}
			docs = append(docs, d)
		}
	}
	return docs
}

// TestDakarEvidence checks the reasons given for the demo's Dakar challenge
// on household waste: every matched word of its top practices is one a
// city officer would accept (no "communes" matched with "communication",
// "collecte" with "collectif" or "collectivité", no "pré" from
// "pré-collecte"), and every shared concept is named on both sides.
func TestDakarEvidence(t *testing.T) {
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Fatal(err)
	}
	docs := loadDemo(t)
	i := slices.IndexFunc(docs, func(d matcher.Doc) bool {
		return d.Kind == matcher.KindChallenge && d.CityID == "dakar" && strings.Contains(d.Name, "déchets ménagers")
	})
	if i < 0 {
		t.Fatal("the demo has no Dakar challenge on household waste")
	}
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex))
	if err := ix.Build(docs, nil); err != nil {
		t.Fatal(err)
	}
	got, err := ix.Suggest(matcher.Query{ChallengeID: docs[i].ID, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no suggestion")
	}
	// What the issue found on this challenge: words sharing a stem, not a
	// meaning, and a fragment of "pré-collecte".
	falseFriends := map[string][]string{
		"communes":  {"communication", "communications", "communicate"},
		"collecte":  {"collectif", "collective", "collectifs", "collectives", "collectivité", "collectivités"},
		"collectée": {"collectif", "collectivité"},
	}
	for _, s := range got {
		for _, m := range s.Explanation.MatchedTerms {
			if m.Term == "pre" || slices.ContainsFunc(append(m.QueryWords, m.DocWords...), func(w string) bool {
				return strings.EqualFold(matcher.FoldAccents(w), "pre")
			}) {
				t.Errorf("%s (%s): the fragment \"pré\" of a hyphenated word is shown as evidence: %+v", s.ID, s.Name, m)
			}
			for _, q := range m.QueryWords {
				for _, d := range m.DocWords {
					if slices.Contains(falseFriends[strings.ToLower(q)], strings.ToLower(d)) || slices.Contains(falseFriends[strings.ToLower(d)], strings.ToLower(q)) {
						t.Errorf("%s (%s): %q matched with %q through %q", s.ID, s.Name, q, d, m.Term)
					}
				}
			}
		}
		for _, c := range s.Explanation.SharedConcepts {
			if len(c.QueryWords) == 0 || len(c.DocWords) == 0 {
				t.Errorf("%s: shared concept %s without its words on both sides: %+v", s.ID, c.Concept, c)
			}
		}
	}
	top := got[0].Explanation
	if !slices.ContainsFunc(top.SharedConcepts, func(c matcher.ConceptMatch) bool { return c.Concept == "waste" }) {
		t.Errorf("top practice %s shares no waste concept: %+v", got[0].Name, top.SharedConcepts)
	}
}

// TestExplanationsSameAcrossBuilds builds one corpus several times, by
// several goroutines (which number the words in whatever order they meet
// them), and asks the same questions of each build: the answers, the order
// of the matched words included, must not depend on the build, or two
// replicas would explain one suggestion differently.
func TestExplanationsSameAcrossBuilds(t *testing.T) {
	cfg := matcher.CorpusConfig{Docs: 4000, Seed: 5}
	docs := matcher.SyntheticCorpus(cfg)
	qs := matcher.SyntheticQueries(cfg, 40, 50)
	anyLanguage := false
	answers := func() []matcher.Page {
		ix := matcher.NewIndex(matcher.NewAnalyzer(nil), matcher.WithWorkers(8))
		if err := ix.Build(docs, nil); err != nil {
			t.Fatal(err)
		}
		var out []matcher.Page
		for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert, matcher.KindCity} {
			for i := range qs {
				p, err := ix.SuggestPage(matcher.Query{Challenge: &qs[i], Kind: kind, Limit: 20, RequireSharedLanguage: &anyLanguage})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
		}
		return out
	}
	first := answers()
	for build := range 4 {
		for i, p := range answers() {
			if !reflect.DeepEqual(p, first[i]) {
				t.Fatalf("build %d, question %d: the answer differs from the first build's:\n%+v\n%+v", build+2, i, p.Items, first[i].Items)
			}
		}
	}
}
