package bench_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"matchmaker/matcher"
)

// The matcher's evaluation set (matcher/testdata/eval), read as
// matcher/eval_test.go reads it. That reader is a test file of the matcher
// and cannot be imported, so its rows and their conversion into Docs are
// repeated here, field for field, and so is its grading (measure): the
// matcher's figures here are those of its TestEvaluation for the index's
// default weighting with concepts and themes (the "full" row).
const evalDir = "../matcher/testdata/eval"

type (
	evalCity struct {
		ID         string   `json:"id"`
		Country    string   `json:"country"`
		Region     string   `json:"region"`
		Population int64    `json:"population"`
		Languages  []string `json:"languages"`
	}
	evalChallenge struct {
		ID              string   `json:"id"`
		CityID          string   `json:"city_id"`
		Language        string   `json:"language"`
		Title           string   `json:"title"`
		Description     string   `json:"description"`
		StrategicResult string   `json:"strategic_result"`
		Themes          []string `json:"themes"`
		Modes           []string `json:"modes"`
		SkillsNeeded    []string `json:"skills_needed"`
	}
	evalPractice struct {
		ID          string   `json:"id"`
		CityID      string   `json:"city_id"`
		Language    string   `json:"language"`
		Title       string   `json:"title"`
		Description string   `json:"description"`
		Results     string   `json:"results"`
		Themes      []string `json:"themes"`
	}
	evalExpert struct {
		ID          string   `json:"id"`
		CityID      string   `json:"city_id"`
		BioLanguage string   `json:"bio_language"`
		Languages   []string `json:"languages"`
		Role        string   `json:"role"`
		Seniority   string   `json:"seniority"`
		Themes      []string `json:"themes"`
		Skills      []string `json:"skills"`
		Bio         string   `json:"bio"`
		Modes       []string `json:"modes"`
		Capacity    int      `json:"capacity"`
		TrackRecord []struct {
			Title   string `json:"title"`
			Summary string `json:"summary"`
			Year    int    `json:"year"`
		} `json:"track_record"`
	}
)

// evalSet is the evaluation set as Docs, with the judgments: qrels[challenge
// ID][document ID] is a grade from 0 (unrelated) to 3 (the same problem).
type evalSet struct {
	docs       []matcher.Doc
	challenges []matcher.Doc
	langOf     map[string]matcher.Lang // the language of a document's texts
	kindOf     map[string]matcher.Kind
	qrels      map[string]map[string]int
}

func readEvalJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(evalDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func loadEvalSet(t testing.TB) *evalSet {
	t.Helper()
	var (
		cities     []evalCity
		challenges []evalChallenge
		practices  []evalPractice
		experts    []evalExpert
	)
	es := &evalSet{langOf: map[string]matcher.Lang{}, kindOf: map[string]matcher.Kind{}}
	readEvalJSON(t, "cities.json", &cities)
	readEvalJSON(t, "challenges.json", &challenges)
	readEvalJSON(t, "practices.json", &practices)
	readEvalJSON(t, "experts.json", &experts)
	readEvalJSON(t, "qrels.json", &es.qrels)
	city := map[string]evalCity{}
	for _, c := range cities {
		city[c.ID] = c
	}
	place := func(d *matcher.Doc, id string) {
		c, ok := city[id]
		if !ok {
			t.Fatalf("%s: unknown city %s", d.ID, id)
		}
		d.CityID, d.Country, d.Region, d.Population = c.ID, c.Country, c.Region, c.Population
		if d.Kind != matcher.KindExpert {
			d.Languages = c.Languages
		}
	}
	add := func(d matcher.Doc, lang matcher.Lang) {
		es.docs = append(es.docs, d)
		es.langOf[d.ID], es.kindOf[d.ID] = lang, d.Kind
	}
	for _, c := range challenges {
		d := matcher.Doc{ID: c.ID, Kind: matcher.KindChallenge, Lang: matcher.Lang(c.Language), Themes: c.Themes, Modes: c.Modes,
			Skills: c.SkillsNeeded, Fields: []matcher.Field{
				{Name: "title", Text: c.Title}, {Name: "description", Text: c.Description}, {Name: "strategic_result", Text: c.StrategicResult}}}
		place(&d, c.CityID)
		es.challenges = append(es.challenges, d)
		add(d, d.Lang)
	}
	for _, p := range practices {
		d := matcher.Doc{ID: p.ID, Kind: matcher.KindPractice, Lang: matcher.Lang(p.Language), Themes: p.Themes, Fields: []matcher.Field{
			{Name: "title", Text: p.Title}, {Name: "description", Text: p.Description}, {Name: "results", Text: p.Results}}}
		place(&d, p.CityID)
		add(d, d.Lang)
	}
	for _, e := range experts {
		d := matcher.Doc{ID: e.ID, Kind: matcher.KindExpert, Languages: e.Languages, Role: e.Role, Seniority: e.Seniority,
			Themes: e.Themes, Skills: e.Skills, Modes: e.Modes, Capacity: e.Capacity, Fields: []matcher.Field{{Name: "bio", Text: e.Bio}}}
		for _, it := range e.TrackRecord {
			d.TrackRecord = append(d.TrackRecord, matcher.TrackItem{Title: it.Title, Summary: it.Summary, Year: it.Year})
		}
		place(&d, e.CityID)
		add(d, matcher.Lang(e.BioLanguage))
	}
	return es
}

// evalScores sums the measures of a group of rankings.
type evalScores struct {
	n                 int
	ndcg, recall, p5  float64
	nRecall, nPrecise int
}

func (s *evalScores) add(o evalScores) {
	s.n += o.n
	s.ndcg += o.ndcg
	s.recall += o.recall
	s.p5 += o.p5
	s.nRecall += o.nRecall
	s.nPrecise += o.nPrecise
}

func (s evalScores) NDCG() float64   { return s.ndcg / float64(max(s.n, 1)) }
func (s evalScores) Recall() float64 { return s.recall / float64(max(s.nRecall, 1)) }
func (s evalScores) P5() float64     { return s.p5 / float64(max(s.nPrecise, 1)) }

// measure grades one ranking of the documents of kind (and of lang, unless
// "") for challenge q: nDCG@10 with gains 2^grade-1, recall@10 of the
// documents graded 2 or 3, and (over all languages) precision@5 of those.
// It is false when no document of the set is judged for q.
func (es *evalSet) measure(q string, kind matcher.Kind, lang matcher.Lang, ranked []string) (evalScores, bool) {
	var ideal []int
	relevant := 0
	for id, g := range es.qrels[q] {
		if es.kindOf[id] != kind || lang != "" && es.langOf[id] != lang {
			continue
		}
		ideal = append(ideal, g)
		if g >= 2 {
			relevant++
		}
	}
	if len(ideal) == 0 {
		return evalScores{}, false
	}
	slices.SortFunc(ideal, func(a, b int) int { return b - a })
	dcg := func(gains []int) float64 {
		s := 0.0
		for i, g := range gains[:min(10, len(gains))] {
			s += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
		}
		return s
	}
	gains := make([]int, len(ranked))
	found := 0
	for i, id := range ranked {
		gains[i] = es.qrels[q][id]
		if i < 10 && gains[i] >= 2 {
			found++
		}
	}
	s := evalScores{n: 1, ndcg: dcg(gains) / dcg(ideal)}
	if relevant > 0 {
		s.recall, s.nRecall = float64(found)/float64(relevant), 1
	}
	if lang == "" && relevant > 0 {
		good := 0
		for _, g := range gains[:min(5, len(gains))] {
			if g >= 2 {
				good++
			}
		}
		s.p5, s.nPrecise = float64(good)/float64(min(5, relevant)), 1
	}
	return s, true
}
