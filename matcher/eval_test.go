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

// Two evaluation sets hold challenges, practices and experts written in
// English, French and Spanish as cities and practitioners write them, with
// graded relevance judged by subject:
//
//	3  the same problem: this practice or person could help right away
//	2  closely related: useful, part of the subject
//	1  same broad theme, marginal
//	0  unrelated, including look-alikes that share words but not the
//	   subject ("budget participatif" / "budget de voirie", "wastewater
//	   reuse" / "recycling centres", "seguridad vial" / "seguridad
//	   ciudadana", "migrants" / "migrating IT systems to the cloud")
//
// testdata/eval is the matcher's own set (37 challenges, 123 practices, 65
// experts). It is split by challenge, deterministically (see splitOwn),
// into a tuning half, on which weights and parameters may be chosen, and a
// held-out half, on which they never are. testdata/eval_fresh was written
// from a brief of the product only, by someone who had not read the
// matcher, with its own judgments: it is never tuned on either.
//
// TestEvaluation asks as a user would: practices in the challenge's default
// mode, experts in each of the challenge's modes and judged among those who
// volunteer for that mode, with require_shared_language=false; once over all
// documents, then once per language of the documents (the language= filter).
// It reports nDCG@10 by the challenge's language and for same-language and
// cross-language pairs, recall@10 and precision@5, for BM25 and TF-IDF, by
// words alone, with the concept bridge, and with everything (the default).
// The lexicon is the one production builds (matcher.TaxonomyLexicon over the
// shipped taxonomy, with the word translations of the bridge between
// languages, matcher.ProductionBridge): the configurations "+concepts" and
// "full" use it, the "words" ones no lexicon at all. It fails under floors set a little under what was
// measured; it never skips.
//
// Set MATCHER_EVAL_REPORT to a file name to have the tables written there
// as Markdown.

// themesPath is the shipped taxonomy, read by relative path: the matcher
// does not import the profiles package.
const themesPath = "../profiles/themes.json"

// loadThemeLexicon builds the lexicon production serves
// (matcher.TaxonomyLexicon over the shipped taxonomy, with the
// matcher.ProductionBridge parts of the bridge between languages).
func loadThemeLexicon() (*matcher.Lexicon, error) {
	return loadTaxonomyLexicon(matcher.ProductionBridge)
}

// loadTaxonomyLexicon builds the lexicon of the shipped taxonomy with the
// parts of the bridge given (0 for none), with the constructor production
// calls.
func loadTaxonomyLexicon(parts matcher.BridgeParts) (*matcher.Lexicon, error) {
	b, err := os.ReadFile(themesPath)
	if err != nil {
		return nil, err
	}
	var themes []matcher.TaxonomyTheme
	if err := json.Unmarshal(b, &themes); err != nil {
		return nil, fmt.Errorf("parse %s: %w", themesPath, err)
	}
	return matcher.TaxonomyLexicon(themes, parts)
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

// evalSet is an evaluation set as Docs, with the judgments.
type evalSet struct {
	docs       []matcher.Doc
	challenges []matcher.Doc
	langOf     map[string]matcher.Lang // document ID -> language of its texts
	kindOf     map[string]matcher.Kind
	modesOf    map[string][]string // expert ID -> the modes they volunteer for
	qrels      map[string]map[string]int
}

func readJSON(t testing.TB, dir, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// loadEvalSet reads the set in dir and converts the rows into Docs the way
// the HTTP layer does.
func loadEvalSet(t testing.TB, dir string) *evalSet {
	var (
		cities     []evalCity
		challenges []evalChallenge
		practices  []evalPractice
		experts    []evalExpert
	)
	es := &evalSet{langOf: map[string]matcher.Lang{}, kindOf: map[string]matcher.Kind{}, modesOf: map[string][]string{}}
	readJSON(t, dir, "cities.json", &cities)
	readJSON(t, dir, "challenges.json", &challenges)
	readJSON(t, dir, "practices.json", &practices)
	readJSON(t, dir, "experts.json", &experts)
	readJSON(t, dir, "qrels.json", &es.qrels)
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
		es.modesOf[d.ID] = e.Modes
	}
	return es
}

// splitOwn splits the challenges of the own set into the tuning half and
// the held-out half: within each language, in the order of their IDs, the
// first goes to tuning, the next is held out, and so on. The rule depends
// on nothing but the IDs and languages, so the halves never move, and each
// half holds every language.
func splitOwn(challenges []matcher.Doc) (tune, heldOut []matcher.Doc) {
	sorted := slices.Clone(challenges)
	slices.SortFunc(sorted, func(a, b matcher.Doc) int { return strings.Compare(a.ID, b.ID) })
	seen := map[matcher.Lang]int{}
	for _, c := range sorted {
		if seen[c.Lang]%2 == 0 {
			tune = append(tune, c)
		} else {
			heldOut = append(heldOut, c)
		}
		seen[c.Lang]++
	}
	return tune, heldOut
}

// evalConfig is one way of ranking measured.
type evalConfig struct {
	name    string
	ranking matcher.Ranking
	lexicon bool                       // the concept bridge
	weights map[matcher.Factor]float64 // overrides of the mode's weights
}

// The configurations without themes also drop geography and language, so
// that they measure the weighting of words (and of concepts) alone.
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

// defaultConfig is what production runs.
const defaultConfig = "tfidf full"

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

func (s *evalScores) NDCG() float64   { return s.ndcg / float64(max(s.n, 1)) }
func (s *evalScores) Recall() float64 { return s.recall / float64(max(s.nRecall, 1)) }
func (s *evalScores) P5() float64     { return s.p5 / float64(max(s.nPrecise, 1)) }

// volunteers reports whether the expert id volunteers for mode (an
// expert who names no mode volunteers for any).
func (es *evalSet) volunteers(id string, mode matcher.Mode) bool {
	ms := es.modesOf[id]
	return len(ms) == 0 || slices.Contains(ms, string(mode))
}

// measure scores one ranking against the judgments of the candidate set:
// the documents of kind, of language lang when it is not "", and, for
// experts asked in mode, those who volunteer for it.
func (es *evalSet) measure(q string, kind matcher.Kind, lang matcher.Lang, mode matcher.Mode, ranked []string) (evalScores, bool) {
	var ideal []int
	relevant := 0
	for id, g := range es.qrels[q] {
		if es.kindOf[id] != kind || lang != "" && es.langOf[id] != lang || kind == matcher.KindExpert && !es.volunteers(id, mode) {
			continue
		}
		ideal = append(ideal, g)
		if g >= 2 {
			relevant++
		}
	}
	if len(ideal) == 0 || slices.Max(ideal) == 0 {
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

// evalResult is what one configuration measured on one group of
// challenges. Keys are "practice" or "expert", then a slice: "all" (no
// language filter), "en", "fr", "es" (the challenge's language, no filter),
// "same" and "cross" (the language filter on the documents, equal to or
// other than the challenge's), and "fr->en" for each pair.
type evalResult struct {
	cfg    evalConfig
	scores map[string]*evalScores
}

func (r evalResult) get(kind matcher.Kind, slice string) *evalScores {
	if s := r.scores[string(kind)+" "+slice]; s != nil {
		return s
	}
	return &evalScores{}
}

func (r evalResult) add(kind matcher.Kind, slice string, s evalScores) {
	k := string(kind) + " " + slice
	if r.scores[k] == nil {
		r.scores[k] = &evalScores{}
	}
	r.scores[k].add(s)
}

// evalIndex builds the index of a set for a configuration.
func evalIndex(t *testing.T, es *evalSet, cfg evalConfig, lex *matcher.Lexicon) *matcher.Index {
	t.Helper()
	an := matcher.NewAnalyzer(nil)
	if cfg.lexicon {
		an = matcher.NewAnalyzer(lex)
	}
	ix := matcher.NewIndex(an, matcher.WithRanking(cfg.ranking))
	if err := ix.Build(es.docs, nil); err != nil {
		t.Fatal(err)
	}
	return ix
}

// runEval asks for the challenges given, as a user would (see
// TestEvaluation), and measures the answers.
func runEval(t *testing.T, es *evalSet, ix *matcher.Index, cfg evalConfig, challenges []matcher.Doc) evalResult {
	t.Helper()
	res := evalResult{cfg: cfg, scores: map[string]*evalScores{}}
	no := false
	for _, ch := range challenges {
		type ask struct {
			kind matcher.Kind
			mode matcher.Mode // "" is the challenge's default
		}
		asks := []ask{{kind: matcher.KindPractice}}
		modes := ch.Modes
		if len(modes) == 0 {
			modes = []string{string(matcher.ModeExchange)}
		}
		for _, m := range modes {
			asks = append(asks, ask{matcher.KindExpert, matcher.Mode(m)})
		}
		for _, a := range asks {
			for _, lang := range append([]matcher.Lang{""}, matcher.Languages()...) {
				got, err := ix.Suggest(matcher.Query{ChallengeID: ch.ID, Kind: a.kind, Mode: a.mode, Language: lang, Limit: 10,
					RequireSharedLanguage: &no, Weights: cfg.weights})
				if err != nil {
					t.Fatal(err)
				}
				s, ok := es.measure(ch.ID, a.kind, lang, a.mode, ids(got))
				if !ok {
					continue
				}
				if lang == "" {
					res.add(a.kind, "all", s)
					res.add(a.kind, string(ch.Lang), s)
					continue
				}
				res.add(a.kind, fmt.Sprintf("%s->%s", ch.Lang, lang), s)
				if lang == ch.Lang {
					res.add(a.kind, "same", s)
				} else {
					res.add(a.kind, "cross", s)
				}
			}
		}
	}
	return res
}

// evalGroup is one group of challenges measured: a half of the own set or
// the fresh set.
type evalGroup struct {
	name    string
	results map[string]evalResult // by configuration
}

// runEvalGroups measures every configuration on the halves of the own set
// and on the fresh set.
func runEvalGroups(t *testing.T) []evalGroup {
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Fatalf("the shipped taxonomy: %v", err)
	}
	own := loadEvalSet(t, filepath.Join("testdata", "eval"))
	fresh := loadEvalSet(t, filepath.Join("testdata", "eval_fresh"))
	tune, heldOut := splitOwn(own.challenges)
	groups := []evalGroup{{name: "tuning half"}, {name: "held-out half"}, {name: "fresh set"}}
	for i := range groups {
		groups[i].results = map[string]evalResult{}
	}
	for _, cfg := range evalConfigs {
		ix := evalIndex(t, own, cfg, lex)
		groups[0].results[cfg.name] = runEval(t, own, ix, cfg, tune)
		groups[1].results[cfg.name] = runEval(t, own, ix, cfg, heldOut)
		ix = evalIndex(t, fresh, cfg, lex)
		groups[2].results[cfg.name] = runEval(t, fresh, ix, cfg, fresh.challenges)
	}
	return groups
}

// evalFloor is what the default configuration must reach on a group: a
// little under what was measured, so that a change that makes ranking
// worse fails here.
type evalFloor struct {
	practices, experts       float64 // nDCG@10, all languages
	practicesP5, expertsP5   float64 // precision@5, all languages
	language                 float64 // nDCG@10 of every challenge language, practices and experts
	crossGap                 float64 // how far cross-language pairs may fall under same-language ones
	bridgePractices, bridgeE float64 // nDCG@10 the lexicon (concepts, translations) adds across languages over words alone
}

// Floors by group, set about 0.03 under the figures of docs/matching.md
// (measured with the default configuration on 2026-12-05): practices and
// experts nDCG@10 0.923 / 0.958 (tuning half), 0.926 / 0.966 (held-out
// half), 0.847 / 0.897 (fresh set). With the bridge's translations merged
// into the production lexicon they are 0.929 / 0.957, 0.936 / 0.966 and
// 0.869 / 0.910: the floors were left where they were, still 0.03 to 0.05
// under. The bridge floors measure what the production lexicon (concepts
// and translations) adds across languages over words alone. With an
// expert's profile and record combined (textFit) and the cognates of the
// bridge, they are 0.935 / 0.967, 0.936 / 0.968 and 0.869 / 0.909, every
// challenge language at 0.922, 0.925 and 0.838 at least, and the held-out
// half's experts 0.077 under same-language pairs across languages: the
// floors were raised to about 0.03 under.
var evalFloors = map[string]evalFloor{
	"tuning half":   {practices: 0.90, experts: 0.94, practicesP5: 0.82, expertsP5: 0.95, language: 0.89, crossGap: 0.08, bridgePractices: 0.22, bridgeE: 0.20},
	"held-out half": {practices: 0.90, experts: 0.94, practicesP5: 0.87, expertsP5: 0.95, language: 0.89, crossGap: 0.10, bridgePractices: 0.30, bridgeE: 0.30},
	"fresh set":     {practices: 0.84, experts: 0.88, practicesP5: 0.82, expertsP5: 0.86, language: 0.80, crossGap: 0.03, bridgePractices: 0.20, bridgeE: 0.25},
}

func TestEvaluation(t *testing.T) {
	groups := runEvalGroups(t)
	report := evalReport(groups)
	t.Log("\n" + report)
	if path := os.Getenv("MATCHER_EVAL_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	kinds := []matcher.Kind{matcher.KindPractice, matcher.KindExpert}
	for _, g := range groups {
		fl, ok := evalFloors[g.name]
		if !ok {
			t.Fatalf("%s: no floors", g.name)
		}
		full := g.results[defaultConfig]
		for _, kind := range kinds {
			ndcg, p5 := fl.practices, fl.practicesP5
			if kind == matcher.KindExpert {
				ndcg, p5 = fl.experts, fl.expertsP5
			}
			if got := full.get(kind, "all").NDCG(); got < ndcg {
				t.Errorf("%s, %s: nDCG@10 %.3f under the floor %.2f", g.name, kind, got, ndcg)
			}
			if got := full.get(kind, "all").P5(); got < p5 {
				t.Errorf("%s, %s: precision@5 %.3f under the floor %.2f", g.name, kind, got, p5)
			}
			for _, l := range matcher.Languages() {
				if s := full.get(kind, string(l)); s.n > 0 && s.NDCG() < fl.language {
					t.Errorf("%s, %s, challenges in %s: nDCG@10 %.3f under the floor %.2f", g.name, kind, l, s.NDCG(), fl.language)
				}
			}
			if gap := full.get(kind, "same").NDCG() - full.get(kind, "cross").NDCG(); gap > fl.crossGap {
				t.Errorf("%s, %s: cross-language pairs %.3f under same-language ones, more than %.2f", g.name, kind, gap, fl.crossGap)
			}
			bridge := fl.bridgePractices
			if kind == matcher.KindExpert {
				bridge = fl.bridgeE
			}
			words, concepts := g.results["tfidf words"], g.results["tfidf +concepts"]
			if gain := concepts.get(kind, "cross").NDCG() - words.get(kind, "cross").NDCG(); gain < bridge {
				t.Errorf("%s, %s: the lexicon (concepts and translations) adds %.3f nDCG@10 across languages, under %.2f", g.name, kind, gain, bridge)
			}
		}
	}
	// The weighting of words is chosen on the tuning half, where it alone
	// decides the order, and must not lose with everything on.
	tune := groups[0].results
	mean := func(r evalResult) float64 {
		return (r.get(matcher.KindPractice, "all").NDCG() + r.get(matcher.KindExpert, "all").NDCG()) / 2
	}
	if b, f := mean(tune["bm25 words"]), mean(tune["tfidf words"]); f < b-0.02 {
		t.Errorf("tuning half, words only: BM25 nDCG@10 %.3f well above TF-IDF %.3f, the default", b, f)
	}
	if b, f := mean(tune["bm25 full"]), mean(tune["tfidf full"]); f < b-0.02 {
		t.Errorf("tuning half: BM25 nDCG@10 %.3f well above TF-IDF %.3f, the default", b, f)
	}
}

// evalReport writes the measures as Markdown tables: for each group, every
// configuration by the challenge's language and across languages, then the
// default configuration by language pair.
func evalReport(groups []evalGroup) string {
	var b strings.Builder
	kinds := []matcher.Kind{matcher.KindPractice, matcher.KindExpert}
	for _, g := range groups {
		fmt.Fprintf(&b, "### %s\n\n", g.name)
		b.WriteString("| configuration | kind | nDCG@10 | en | fr | es | same language | across languages | recall@10 | P@5 |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, cfg := range evalConfigs {
			r := g.results[cfg.name]
			for _, kind := range kinds {
				all := r.get(kind, "all")
				fmt.Fprintf(&b, "| %s | %ss | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", cfg.name, kind,
					all.NDCG(), r.get(kind, "en").NDCG(), r.get(kind, "fr").NDCG(), r.get(kind, "es").NDCG(),
					r.get(kind, "same").NDCG(), r.get(kind, "cross").NDCG(), all.Recall(), all.P5())
			}
		}
		full := g.results[defaultConfig]
		var keys []string
		for k := range full.scores {
			if strings.Contains(k, "->") {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		fmt.Fprintf(&b, "\n%s, %s, by language pair (challenge -> documents), nDCG@10 (queries):", g.name, defaultConfig)
		for i, k := range keys {
			if i%6 == 0 {
				b.WriteString("\n")
			} else {
				b.WriteString(" · ")
			}
			fmt.Fprintf(&b, "%s %.3f (%d)", k, full.scores[k].NDCG(), full.scores[k].n)
		}
		b.WriteString("\n\n")
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
	if err != nil {
		t.Fatal(err)
	}
	es := loadEvalSet(t, filepath.Join("testdata", "eval"))
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
