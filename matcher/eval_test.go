package matcher_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// The evaluation set (testdata/eval) holds 37 challenges, 123 practices and
// 65 experts written in English, French and Spanish as cities and
// practitioners write them, with graded relevance judged by subject:
//
//	3  the same problem: this practice or person could help right away
//	2  closely related: useful, part of the subject
//	1  same broad theme, marginal
//	0  unrelated, including look-alikes that share words but not the
//	   subject ("budget participatif" / "budget de voirie", "wastewater
//	   reuse" / "recycling centres", "seguridad vial" / "seguridad
//	   ciudadana", "migrants" / "migrating IT systems to the cloud")
//
// TestEvaluation ranks practices and experts for every challenge, once per
// language of the documents (the suggestion filter language=), and reports
// nDCG@10 and recall@10 per language pair (challenge language -> document
// language), and precision@5 over all languages: whether a secretariat
// officer would agree with the top five. It compares BM25 with TF-IDF and
// measures what the concept bridge (the lexicon built from the shipped
// taxonomy) and the declared themes add. It fails under floors set a
// little under what was measured.
//
// Set MATCHER_EVAL_REPORT to a file name to have the tables written there
// as Markdown.

// themesPath is the shipped taxonomy, read by relative path: the matcher
// does not import the profiles package.
const themesPath = "../profiles/themes.json"

// loadThemeLexicon builds a lexicon from the taxonomy's labels and synonyms
// in the three languages, each theme code a concept.
func loadThemeLexicon() (*matcher.Lexicon, error) {
	b, err := os.ReadFile(themesPath)
	if err != nil {
		return nil, err
	}
	var themes []struct {
		Code     string              `json:"code"`
		Labels   map[string]string   `json:"labels"`
		Synonyms map[string][]string `json:"synonyms"`
	}
	if err := json.Unmarshal(b, &themes); err != nil {
		return nil, fmt.Errorf("parse %s: %w", themesPath, err)
	}
	var entries []matcher.LexiconEntry
	for _, th := range themes {
		for _, l := range matcher.Languages() {
			if lb := th.Labels[string(l)]; lb != "" {
				entries = append(entries, matcher.LexiconEntry{Concept: th.Code, Lang: l, Term: lb})
			}
			for _, s := range th.Synonyms[string(l)] {
				entries = append(entries, matcher.LexiconEntry{Concept: th.Code, Lang: l, Term: s})
			}
		}
	}
	return matcher.NewLexicon(entries), nil
}

// The evaluation files, shaped like the store's rows.
type (
	evalCity struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
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
		Name        string   `json:"name"`
		CityID      string   `json:"city_id"`
		BioLanguage string   `json:"bio_language"` // for grouping only: the index detects it
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

// evalSet is the evaluation set as Docs, with the judgments.
type evalSet struct {
	docs       []matcher.Doc
	challenges []matcher.Doc
	langOf     map[string]matcher.Lang // document ID -> language of its texts
	kindOf     map[string]matcher.Kind
	qrels      map[string]map[string]int
}

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "eval", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// loadEvalSet converts the rows into Docs the way the HTTP layer does.
func loadEvalSet(t testing.TB) *evalSet {
	var (
		cities     []evalCity
		challenges []evalChallenge
		practices  []evalPractice
		experts    []evalExpert
	)
	es := &evalSet{langOf: map[string]matcher.Lang{}, kindOf: map[string]matcher.Kind{}}
	readJSON(t, "cities.json", &cities)
	readJSON(t, "challenges.json", &challenges)
	readJSON(t, "practices.json", &practices)
	readJSON(t, "experts.json", &experts)
	readJSON(t, "qrels.json", &es.qrels)
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
	for _, c := range challenges {
		d := matcher.Doc{ID: c.ID, Kind: matcher.KindChallenge, Lang: matcher.Lang(c.Language), Themes: c.Themes, Modes: c.Modes,
			Skills: c.SkillsNeeded, Fields: []matcher.Field{
				{Name: "title", Text: c.Title}, {Name: "description", Text: c.Description}, {Name: "strategic_result", Text: c.StrategicResult}}}
		place(&d, c.CityID)
		es.challenges = append(es.challenges, d)
		es.docs = append(es.docs, d)
		es.langOf[d.ID], es.kindOf[d.ID] = d.Lang, d.Kind
	}
	for _, p := range practices {
		d := matcher.Doc{ID: p.ID, Kind: matcher.KindPractice, Lang: matcher.Lang(p.Language), Themes: p.Themes, Fields: []matcher.Field{
			{Name: "title", Text: p.Title}, {Name: "description", Text: p.Description}, {Name: "results", Text: p.Results}}}
		place(&d, p.CityID)
		es.docs = append(es.docs, d)
		es.langOf[d.ID], es.kindOf[d.ID] = d.Lang, d.Kind
	}
	for _, e := range experts {
		d := matcher.Doc{ID: e.ID, Kind: matcher.KindExpert, Languages: e.Languages, Role: e.Role, Seniority: e.Seniority,
			Themes: e.Themes, Skills: e.Skills, Modes: e.Modes, Capacity: e.Capacity, Fields: []matcher.Field{{Name: "bio", Text: e.Bio}}}
		for _, it := range e.TrackRecord {
			d.TrackRecord = append(d.TrackRecord, matcher.TrackItem{Title: it.Title, Summary: it.Summary, Year: it.Year})
		}
		place(&d, e.CityID)
		es.docs = append(es.docs, d)
		es.langOf[d.ID], es.kindOf[d.ID] = matcher.Lang(e.BioLanguage), d.Kind
	}
	return es
}

// evalConfig is one way of ranking measured.
type evalConfig struct {
	name    string
	ranking matcher.Ranking
	lexicon bool                       // the concept bridge
	weights map[matcher.Factor]float64 // overrides of the exchange weights
}

// The configurations without themes also drop geography and language, so
// that they measure the weighting of words (and of concepts) alone: with a
// small text factor, the context factors would reorder the ranking.
var (
	wordsOnly    = map[matcher.Factor]float64{"concepts": 0, "themes": 0, "geography": 0, "language": 0}
	withConcepts = map[matcher.Factor]float64{"themes": 0, "geography": 0, "language": 0}
)

var evalConfigs = []evalConfig{
	{"bm25 words", matcher.RankBM25, false, wordsOnly},
	{"tfidf words", matcher.RankTFIDF, false, wordsOnly},
	{"bm25 +concepts", matcher.RankBM25, true, withConcepts},
	{"tfidf +concepts", matcher.RankTFIDF, true, withConcepts},
	{"bm25 full", matcher.RankBM25, true, nil},
	{"tfidf full", matcher.RankTFIDF, true, nil},
}

// evalScores accumulates the measures of one group of rankings.
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

// measure scores one ranking against the judgments of the candidate set
// (documents of kind and, if lang is not "", of that language).
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
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
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

// evalResult is what one configuration measured.
type evalResult struct {
	cfg    evalConfig
	pairs  map[string]*evalScores // "fr->en" per kind: "practice fr->en"
	all    map[matcher.Kind]*evalScores
	bridge map[matcher.Kind]*evalScores // cross-language pairs only
}

func runEval(t *testing.T, es *evalSet, cfg evalConfig, lex *matcher.Lexicon) evalResult {
	var an *matcher.Analyzer
	if cfg.lexicon {
		an = matcher.NewAnalyzer(lex)
	} else {
		an = matcher.NewAnalyzer(nil)
	}
	ix := matcher.NewIndex(an, matcher.WithRanking(cfg.ranking))
	if err := ix.Build(es.docs, nil); err != nil {
		t.Fatal(err)
	}
	res := evalResult{cfg: cfg, pairs: map[string]*evalScores{}, all: map[matcher.Kind]*evalScores{}, bridge: map[matcher.Kind]*evalScores{}}
	no := false
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
		res.all[kind], res.bridge[kind] = &evalScores{}, &evalScores{}
		for _, ch := range es.challenges {
			for _, lang := range append([]matcher.Lang{""}, matcher.Languages()...) {
				got, err := ix.Suggest(matcher.Query{ChallengeID: ch.ID, Kind: kind, Language: lang, Limit: 10,
					RequireSharedLanguage: &no, Weights: cfg.weights})
				if err != nil {
					t.Fatal(err)
				}
				s, ok := es.measure(ch.ID, kind, lang, ids(got))
				if !ok {
					continue
				}
				if lang == "" {
					res.all[kind].add(s)
					continue
				}
				key := fmt.Sprintf("%s %s->%s", kind, ch.Lang, lang)
				if res.pairs[key] == nil {
					res.pairs[key] = &evalScores{}
				}
				res.pairs[key].add(s)
				if lang != ch.Lang {
					res.bridge[kind].add(s)
				}
			}
		}
	}
	return res
}

// Floors, set a little under what was measured: a change that makes
// ranking worse fails here. Measured with the default (TF-IDF), full
// configuration: practices nDCG@10 0.921 and P@5 0.887, experts 0.865 and
// 0.883; the weakest language pair 0.800 (experts, es->en); the bridge
// adds 0.280 (practices) and 0.300 (experts) nDCG@10 across languages.
var (
	floorAllNDCG    = map[matcher.Kind]float64{matcher.KindPractice: 0.89, matcher.KindExpert: 0.84}
	floorAllP5      = map[matcher.Kind]float64{matcher.KindPractice: 0.86, matcher.KindExpert: 0.85}
	floorPairNDCG   = 0.75 // every language pair, practices and experts, full configuration
	floorBridgeGain = 0.20 // nDCG@10 the concepts add on cross-language pairs
)

func TestEvaluation(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation: not in -short")
	}
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Skipf("no taxonomy: %v", err)
	}
	if lex.Len() < 500 {
		t.Skipf("the taxonomy at %s has only %d terms: still a placeholder", themesPath, lex.Len())
	}
	es := loadEvalSet(t)
	results := map[string]evalResult{}
	for _, cfg := range evalConfigs {
		results[cfg.name] = runEval(t, es, cfg, lex)
	}
	report := evalReport(results)
	t.Log("\n" + report)
	if path := os.Getenv("MATCHER_EVAL_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	full := results["tfidf full"]
	for kind, floor := range floorAllNDCG {
		if got := full.all[kind].NDCG(); got < floor {
			t.Errorf("%s, all languages: nDCG@10 %.3f under the floor %.2f", kind, got, floor)
		}
		if got := full.all[kind].P5(); got < floorAllP5[kind] {
			t.Errorf("%s, all languages: precision@5 %.3f under the floor %.2f", kind, got, floorAllP5[kind])
		}
	}
	for key, s := range full.pairs {
		if s.NDCG() < floorPairNDCG {
			t.Errorf("%s: nDCG@10 %.3f under the floor %.2f", key, s.NDCG(), floorPairNDCG)
		}
	}
	words, concepts := results["tfidf words"], results["tfidf +concepts"]
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
		if gain := concepts.bridge[kind].NDCG() - words.bridge[kind].NDCG(); gain < floorBridgeGain {
			t.Errorf("%s: the concept bridge adds %.3f nDCG@10 across languages, under %.2f", kind, gain, floorBridgeGain)
		}
	}
	// The weighting of words is chosen where it alone decides the order,
	// ranking by words only, and must not lose with concepts and themes.
	mean := func(r evalResult) float64 {
		return (r.all[matcher.KindPractice].NDCG() + r.all[matcher.KindExpert].NDCG()) / 2
	}
	if b, f := mean(results["bm25 words"]), mean(results["tfidf words"]); f < b {
		t.Errorf("words only: BM25 nDCG@10 %.3f above TF-IDF %.3f, the default", b, f)
	}
	if b, f := mean(results["bm25 full"]), mean(results["tfidf full"]); f < b-0.02 {
		t.Errorf("full configuration: BM25 nDCG@10 %.3f well above TF-IDF %.3f, the default", b, f)
	}
}

// evalReport writes the measures as Markdown tables.
func evalReport(results map[string]evalResult) string {
	var b strings.Builder
	b.WriteString("### All languages (no language filter)\n\n")
	b.WriteString("| configuration | practices nDCG@10 | practices recall@10 | practices P@5 | experts nDCG@10 | experts recall@10 | experts P@5 |\n|---|---|---|---|---|---|---|\n")
	for _, cfg := range evalConfigs {
		r := results[cfg.name]
		p, e := r.all[matcher.KindPractice], r.all[matcher.KindExpert]
		fmt.Fprintf(&b, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", cfg.name, p.NDCG(), p.Recall(), p.P5(), e.NDCG(), e.Recall(), e.P5())
	}
	b.WriteString("\n### Per language pair (challenge language -> document language), nDCG@10 / recall@10\n\n")
	var keys []string
	for k := range results["tfidf full"].pairs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b.WriteString("| pair | n |")
	for _, cfg := range evalConfigs {
		b.WriteString(" " + cfg.name + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(evalConfigs)) + "\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "| %s | %d |", k, results["tfidf full"].pairs[k].n)
		for _, cfg := range evalConfigs {
			s := results[cfg.name].pairs[k]
			fmt.Fprintf(&b, " %.3f / %.3f |", s.NDCG(), s.Recall())
		}
		b.WriteString("\n")
	}
	b.WriteString("\n### Cross-language pairs only, nDCG@10: what the concept bridge adds\n\n| configuration | practices | experts |\n|---|---|---|\n")
	for _, cfg := range evalConfigs {
		r := results[cfg.name]
		fmt.Fprintf(&b, "| %s | %.3f | %.3f |\n", cfg.name, r.bridge[matcher.KindPractice].NDCG(), r.bridge[matcher.KindExpert].NDCG())
	}
	return b.String()
}

// TestLookAlikeDistractors checks, with the default configuration, that the
// practices sharing words but not the subject rank below every practice
// judged relevant (2 or 3), and out of the top five when there are five of
// those: the secretariat would not forgive "budget de voirie" for a
// participatory budget.
func TestLookAlikeDistractors(t *testing.T) {
	lex, err := loadThemeLexicon()
	if err != nil || lex.Len() < 500 {
		t.Skip("no taxonomy yet")
	}
	es := loadEvalSet(t)
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex))
	if err := ix.Build(es.docs, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		challenge, distractor, why string
	}{
		{"qA1", "pA5", "budget participatif / budget de voirie"},
		{"qA1", "pA7", "budget participatif / presupuesto por resultados"},
		{"qB1", "pB6", "tri des déchets / wastewater reuse"},
		{"qB1", "pB7", "recyclage des déchets / recyclage des friches"},
		{"qC1", "pC5", "reúso de aguas residuales / recycling centres"},
		{"qC2", "pC5", "réutilisation des eaux usées / recycling centres"},
		{"qC2", "pB7", "réutilisation des eaux usées / recyclage des friches"},
		{"qD1", "pD5", "seguridad vial / seguridad ciudadana"},
		{"qD2", "pD8", "sécurité routière / sécurité incendie"},
		{"qE1", "pD7", "violencia / road crash black spots"},
		{"qH1", "pH6", "extreme heat / réseau de chaleur"},
		{"qH2", "pH6", "olas de calor / réseau de chaleur"},
		{"qN1", "pN6", "suivi de la performance / plan de déplacements"},
		{"qN2", "pN6", "city development strategy / plan de déplacements"},
		{"qQ1", "pQ4", "migrantes / migrating IT systems to the cloud"},
		{"qQ2", "pQ4", "refugees / migrating IT systems to the cloud"},
	}
	for _, tc := range tests {
		t.Run(tc.challenge+"/"+tc.distractor, func(t *testing.T) {
			got, err := ix.Suggest(matcher.Query{ChallengeID: tc.challenge, Limit: matcher.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			ranked := ids(got)
			d := slices.Index(ranked, tc.distractor)
			if d < 0 {
				return
			}
			for id, g := range es.qrels[tc.challenge] {
				if g < 2 || es.kindOf[id] != matcher.KindPractice {
					continue
				}
				if i := slices.Index(ranked, id); i < 0 || i > d {
					t.Errorf("%s (%s) ranks %d, above %s judged %d (rank %d)", tc.distractor, tc.why, d+1, id, g, i+1)
				}
			}
		})
	}
}
