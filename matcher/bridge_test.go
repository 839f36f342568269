package matcher_test

import (
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"matchmaker/matcher"
)

func newBridge(t testing.TB, parts matcher.BridgeParts) *matcher.Bridge {
	t.Helper()
	b, err := matcher.NewBridge(parts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewBridge(t *testing.T) {
	tests := []struct {
		name                  string
		parts                 matcher.BridgeParts
		minConcepts, minTrans int
		noConcepts, noTransl  bool
	}{
		{name: "all", parts: matcher.BridgeAll, minConcepts: 2000, minTrans: 5000},
		{name: "thesaurus", parts: matcher.BridgeThesaurus, minConcepts: 2000, noTransl: true},
		{name: "translations", parts: matcher.BridgeTranslations, minTrans: 5000, noConcepts: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBridge(t, tc.parts)
			if got := b.Concepts(); got < tc.minConcepts || tc.noConcepts && got != 0 {
				t.Errorf("Concepts() = %d, want at least %d (none: %v)", got, tc.minConcepts, tc.noConcepts)
			}
			if got := b.Translations(); got < tc.minTrans || tc.noTransl && got != 0 {
				t.Errorf("Translations() = %d, want at least %d (none: %v)", got, tc.minTrans, tc.noTransl)
			}
		})
	}
}

// TestNewBridgeShared checks that the bridge is built once and shared by
// every caller, whichever goroutine asks first.
func TestNewBridgeShared(t *testing.T) {
	got := make([]*matcher.Bridge, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = newBridge(t, matcher.BridgeTranslations) })
	}
	wg.Wait()
	for _, b := range got {
		if b != got[0] || b == nil {
			t.Fatalf("NewBridge gave %p and %p: want one shared bridge", got[0], b)
		}
	}
	if all := newBridge(t, matcher.BridgeAll); all == got[0] {
		t.Error("NewBridge(BridgeAll) is the translations-only bridge")
	}
}

func TestBridgeTranslate(t *testing.T) {
	b := newBridge(t, matcher.BridgeTranslations)
	an := matcher.NewAnalyzer(nil)
	tests := []struct {
		word     string
		lang     matcher.Lang
		want     []string // words that must be among the translations
		wantLang []matcher.Lang
	}{
		{"logement", matcher.French, []string{"housing", "vivienda"}, []matcher.Lang{matcher.English, matcher.Spanish}},
		{"déchets", matcher.French, []string{"waste", "residuos"}, []matcher.Lang{matcher.English, matcher.Spanish}},
		{"vivienda", matcher.Spanish, []string{"housing", "logement"}, []matcher.Lang{matcher.English, matcher.French}},
		{"water", matcher.English, []string{"eau", "agua"}, []matcher.Lang{matcher.French, matcher.Spanish}},
		{"health", matcher.English, []string{"santé"}, []matcher.Lang{matcher.French}},
	}
	for _, tc := range tests {
		t.Run(tc.word, func(t *testing.T) {
			got := b.Translate(tc.word, tc.lang)
			for i, w := range tc.want {
				term, _ := an.Term(w, tc.wantLang[i])
				if got[term] <= 0 {
					t.Errorf("Translate(%q, %s) = %v, want %q (%s) among them", tc.word, tc.lang, got, term, w)
				}
			}
			// Each translation is a share of the word: never more than
			// all of it in one language, and so at most 2 in two.
			sum := 0.0
			for _, p := range got {
				if p <= 0 || p > 1 {
					t.Errorf("probability %v out of (0, 1]", p)
				}
				sum += p
			}
			if sum > 2+1e-9 {
				t.Errorf("probabilities sum to %v, more than one a language", sum)
			}
		})
	}
	// The French stemmer gives "environ" (about) the stem of
	// "environnement": a word takes the translations of the words it
	// inflects, not of every word of its stem.
	if env := b.Translate("environnement", matcher.French); len(env) == 0 {
		t.Errorf("Translate(environnement) is empty")
	} else if got := b.Translate("environ", matcher.French); len(got) > 0 {
		t.Errorf("Translate(environ) = %v: \"about\" is not the environment (%v)", got, env)
	}
	// The Spanish stemmer gives "comunas" (districts) the stem of "común"
	// (common): a word takes the translations of another only through an
	// ending of its language ("comunes", "trabajadoras").
	for _, tc := range []struct {
		word, term string
		want       bool
	}{
		{"comunas", "common", false},
		{"comuna", "common", false},
		{"comunes", "common", true},
		{"común", "common", true},
		{"trabajadoras", "worker", true},
	} {
		if got := b.Translate(tc.word, matcher.Spanish); (got[tc.term] > 0) != tc.want {
			t.Errorf("Translate(%q, es) = %v: want %q among them %v", tc.word, got, tc.term, tc.want)
		}
	}
	// Aligned labels that lost a word of meaning gave false friends and
	// antonyms: "heure d'été" made "heure" (hour) summertime, "travail non
	// rémunéré" made "rémunéré" unpaid, "vino no espumoso" / "vin
	// tranquille" made "tranquille" sparkling. A sense that adds nothing to
	// a query (one sharing the word's stem, or a stop word) still takes its
	// share: "générale", aligned once with "general" and once with
	// "financial", is not "financial" at full weight.
	for _, tc := range []struct {
		word    string
		lang    matcher.Lang
		term    string
		atMostP float64
		in      matcher.Lang
	}{
		{"heure", matcher.French, "summertime", 0, matcher.English},
		{"rémunéré", matcher.French, "unpaid", 0, matcher.English},
		{"remunerado", matcher.Spanish, "unpaid", 0, matcher.English},
		{"tranquille", matcher.French, "espumoso", 0, matcher.Spanish},
		{"inscrit", matcher.French, "agrupado", 0, matcher.Spanish},
		{"générale", matcher.French, "financial", 0.5, matcher.English},
	} {
		term, _ := an.Term(tc.term, tc.in)
		if got := b.Translate(tc.word, tc.lang); got[term] > tc.atMostP+1e-9 {
			t.Errorf("Translate(%q, %s)[%q] = %v, want at most %v", tc.word, tc.lang, term, got[term], tc.atMostP)
		}
	}
	if got := b.Translate("logement", "de"); got != nil {
		t.Errorf("Translate in an unknown language = %v, want nil", got)
	}
}

// conceptsOf lists the concepts Analyze finds in text.
func conceptsOf(lex *matcher.Lexicon, text string, lang matcher.Lang) []string {
	var out []string
	for _, c := range matcher.NewAnalyzer(lex).Analyze(text, lang).Concepts {
		out = append(out, c.Concept)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestBridgeThesaurus(t *testing.T) {
	taxonomy := matcher.NewLexicon([]matcher.LexiconEntry{
		{Concept: "waste", Lang: matcher.French, Term: "déchets"},
		{Concept: "waste", Lang: matcher.English, Term: "waste"},
	})
	lex := taxonomy.WithBridge(newBridge(t, matcher.BridgeThesaurus))
	tests := []struct {
		name, text string
		lang       matcher.Lang
		want, not  []string
	}{
		// The thesaurus's longer expression does not hide the theme.
		{"beside the taxonomy", "La gestion des déchets ménagers", matcher.French, []string{"eurovoc:1158", "waste"}, nil},
		{"same concept in Spanish", "Plan de gestión de residuos", matcher.Spanish, []string{"eurovoc:1158"}, nil},
		{"local finances", "Les finances locales de la commune", matcher.French, []string{"eurovoc:1017"}, nil},
		// "commune" is a municipality and a people's commune in French:
		// no evidence of either. "municipality" in English is one.
		{"homograph dropped", "La commune", matcher.French, nil, []string{"eurovoc:27", "eurovoc:32"}},
		{"unambiguous kept", "The municipality", matcher.English, []string{"eurovoc:27"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := conceptsOf(lex, tc.text, tc.lang)
			for _, c := range tc.want {
				if !slices.Contains(got, c) {
					t.Errorf("concepts of %q = %v, want %s among them", tc.text, got, c)
				}
			}
			for _, c := range tc.not {
				if slices.Contains(got, c) {
					t.Errorf("concepts of %q = %v, want no %s", tc.text, got, c)
				}
			}
		})
	}
	if got := conceptsOf(taxonomy, "La gestion des déchets ménagers", matcher.French); !slices.Equal(got, []string{"waste"}) {
		t.Errorf("without the bridge: %v, want [waste]", got)
	}
	for lang, want := range map[matcher.Lang]string{matcher.English: "waste management", matcher.Spanish: "gestión de residuos"} {
		if got := lex.Label("eurovoc:1158", lang); got != want {
			t.Errorf("Label(eurovoc:1158, %s) = %q, want %q", lang, got, want)
		}
	}
	if got := lex.Label("waste", matcher.French); got != "déchets" {
		t.Errorf("Label(waste) = %q: the taxonomy's labels must stay", got)
	}
}

// TestBridgeTranslationsAcrossLanguages checks that a French challenge
// finds, through the translations of its words alone (no concept in
// common), an English practice on its subject, that the explanation shows
// the challenge's own word, and that a French practice scores exactly as
// it does without the bridge.
func TestBridgeTranslationsAcrossLanguages(t *testing.T) {
	docs := []matcher.Doc{
		{ID: "c1", Kind: matcher.KindChallenge, CityID: "dakar", Lang: matcher.French, Languages: []string{"fr"}, Fields: []matcher.Field{
			{Name: "title", Text: "Logement abordable"},
			{Name: "description", Text: "Produire du logement abordable pour les jeunes ménages."}}},
		{ID: "p-en", Kind: matcher.KindPractice, CityID: "leeds", Lang: matcher.English, Languages: []string{"en"}, Status: "published", Fields: []matcher.Field{
			{Name: "title", Text: "Housing for young families"},
			{Name: "description", Text: "A housing cooperative builds homes young families can afford."}}},
		{ID: "p-fr", Kind: matcher.KindPractice, CityID: "lyon", Lang: matcher.French, Languages: []string{"fr"}, Status: "published", Fields: []matcher.Field{
			{Name: "title", Text: "Logement des jeunes ménages"},
			{Name: "description", Text: "Une coopérative produit du logement pour les jeunes."}}},
		{ID: "p-es", Kind: matcher.KindPractice, CityID: "quito", Lang: matcher.Spanish, Languages: []string{"es"}, Status: "published", Fields: []matcher.Field{
			{Name: "title", Text: "Recolección de residuos"},
			{Name: "description", Text: "Rutas de recolección en los barrios."}}},
	}
	suggest := func(lex *matcher.Lexicon) map[string]matcher.Suggestion {
		ix := matcher.NewIndex(matcher.NewAnalyzer(lex))
		if err := ix.Build(docs, nil); err != nil {
			t.Fatal(err)
		}
		got, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]matcher.Suggestion{}
		for _, s := range got {
			out[s.ID] = s
		}
		return out
	}
	plain := suggest(matcher.NewLexicon(nil))
	bridged := suggest(matcher.NewLexicon(nil).WithBridge(newBridge(t, matcher.BridgeTranslations)))

	en, ok := bridged["p-en"]
	if !ok {
		t.Fatalf("with the bridge, the English practice on housing is not suggested: %v", bridged)
	}
	if p, ok := plain["p-en"]; ok && p.Score >= en.Score {
		t.Errorf("the bridge does not raise the English practice: %.3f without, %.3f with", p.Score, en.Score)
	}
	i := slices.IndexFunc(en.Explanation.MatchedTerms, func(m matcher.TermMatch) bool {
		return slices.Contains(m.DocWords, "Housing") || slices.Contains(m.DocWords, "housing")
	})
	if i < 0 || !slices.Contains(en.Explanation.MatchedTerms[i].QueryWords, "Logement") && !slices.Contains(en.Explanation.MatchedTerms[i].QueryWords, "logement") {
		t.Errorf("matched terms %+v: want housing matched through the challenge's \"logement\"", en.Explanation.MatchedTerms)
	}
	if _, ok := bridged["p-es"]; ok {
		t.Errorf("the Spanish practice on waste collection is suggested: %+v", bridged["p-es"])
	}
	if a, b := plain["p-fr"].Score, bridged["p-fr"].Score; math.Abs(a-b) > 1e-9 {
		t.Errorf("the French practice scores %.6f without the bridge and %.6f with it: translations must not change same-language scores", a, b)
	}
}

// TestProductionLexiconTranslates checks that the lexicon production and
// the evaluation build (TaxonomyLexicon with ProductionBridge) carries the
// translations beside the taxonomy's concepts: a French challenge's word
// meets an English practice's word, shown as each side wrote it, beside a
// word both wrote, and every shared concept shown is named on both sides.
func TestProductionLexiconTranslates(t *testing.T) {
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Fatal(err)
	}
	docs := []matcher.Doc{
		{ID: "c1", Kind: matcher.KindChallenge, CityID: "dakar", Lang: matcher.French, Languages: []string{"fr", "en"}, Fields: []matcher.Field{
			{Name: "title", Text: "Logement abordable"},
			{Name: "description", Text: "Produire du logement abordable pour les jeunes ménages, avec un guichet numérique."}}},
		{ID: "p-en", Kind: matcher.KindPractice, CityID: "leeds", Lang: matcher.English, Languages: []string{"en"}, Status: "published", Fields: []matcher.Field{
			{Name: "title", Text: "Housing for young families"},
			{Name: "description", Text: "A housing cooperative builds homes young families can afford; a digital guichet answers them."}}},
	}
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex))
	if err := ix.Build(docs, nil); err != nil {
		t.Fatal(err)
	}
	s, err := ix.Explain(matcher.Query{ChallengeID: "c1"}, "p-en")
	if err != nil {
		t.Fatal(err)
	}
	var housing, guichet *matcher.TermMatch
	for i, m := range s.Explanation.MatchedTerms {
		switch {
		case slices.ContainsFunc(m.DocWords, func(w string) bool { return strings.EqualFold(w, "housing") }):
			housing = &s.Explanation.MatchedTerms[i]
		case slices.ContainsFunc(m.DocWords, func(w string) bool { return strings.EqualFold(w, "guichet") }):
			guichet = &s.Explanation.MatchedTerms[i]
		}
	}
	if housing == nil || !slices.ContainsFunc(housing.QueryWords, func(w string) bool { return strings.EqualFold(w, "logement") }) {
		t.Fatalf("matched terms %+v: want \"housing\" matched through the challenge's \"logement\"", s.Explanation.MatchedTerms)
	}
	if slices.ContainsFunc(housing.QueryWords, func(w string) bool { return strings.EqualFold(w, "housing") }) {
		t.Errorf("the challenge's words for housing are %v: a translation must not pass for the challenge's own word", housing.QueryWords)
	}
	if guichet == nil {
		t.Fatalf("matched terms %+v: want the word both wrote, \"guichet\"", s.Explanation.MatchedTerms)
	}
	for _, c := range s.Explanation.SharedConcepts {
		if len(c.QueryWords) == 0 || len(c.DocWords) == 0 {
			t.Errorf("shared concept %s without its words on both sides: %+v", c.Concept, c)
		}
	}
}

// TestBridgeCognates checks that a word the dictionary does not translate
// is carried into the other languages by its learned ending, at less than
// an attested translation, and that a word it does translate keeps only
// its translations.
func TestBridgeCognates(t *testing.T) {
	b := newBridge(t, matcher.BridgeTranslations)
	an := matcher.NewAnalyzer(nil)
	tests := []struct {
		word  string
		lang  matcher.Lang
		want  string // a cognate among the translations
		wantL matcher.Lang
	}{
		{"indicadores", matcher.Spanish, "indicateurs", matcher.French},
		{"estratégicos", matcher.Spanish, "stratégique", matcher.French},
		{"estratégicos", matcher.Spanish, "strategic", matcher.English},
		{"station", matcher.English, "estación", matcher.Spanish},
	}
	for _, tc := range tests {
		t.Run(tc.word+"->"+tc.want, func(t *testing.T) {
			got := b.Translate(tc.word, tc.lang)
			term, _ := an.Term(tc.want, tc.wantL)
			if p := got[term]; p <= 0 || p > matcher.CognateWeight {
				t.Errorf("Translate(%q, %s) = %v, want %q (%s) with a probability in (0, %v]", tc.word, tc.lang, got, term, tc.want, matcher.CognateWeight)
			}
		})
	}
	// "policy" is attested in Spanish ("política"): its spelling must not
	// make it "policía" (police).
	police, _ := an.Term("policía", matcher.Spanish)
	if got := b.Translate("policy", matcher.English); got[police] > 0 {
		t.Errorf("Translate(policy) = %v: holds %q, police", got, police)
	}
	// A word without a learned ending has no cognate, and the thesaurus
	// alone translates nothing.
	if got := b.Translate("minibuses", matcher.English); len(got) > 0 {
		t.Errorf("Translate(minibuses) = %v, want nothing", got)
	}
	if got := newBridge(t, matcher.BridgeThesaurus).Translate("indicadores", matcher.Spanish); len(got) > 0 {
		t.Errorf("the thesaurus alone translates indicadores: %v", got)
	}
}
