package matcher_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"matchmaker/matcher"
)

// loadTestLexicon reads testdata/lexicon_test.json: waste, water,
// participatory budgeting, road safety and well-being in three languages.
func loadTestLexicon(t testing.TB) *matcher.Lexicon {
	t.Helper()
	b, err := os.ReadFile("testdata/lexicon_test.json")
	if err != nil {
		t.Fatal(err)
	}
	var entries []matcher.LexiconEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatalf("lexicon_test.json: %v", err)
	}
	return matcher.NewLexicon(entries)
}

// hitString renders concept hits as "concept:surface@pos" for compact
// tables; a weight other than 1 is shown as "*weight".
func hitString(hits []matcher.ConceptHit) string {
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = fmt.Sprintf("%s:%s@%d", h.Concept, h.Surface, h.Pos)
		if h.Weight != 1 {
			parts[i] += fmt.Sprintf("*%g", h.Weight)
		}
	}
	return strings.Join(parts, " ")
}

func TestLexiconMatches(t *testing.T) {
	a := matcher.NewAnalyzer(loadTestLexicon(t))
	tests := []struct {
		name string
		lang matcher.Lang
		text string
		want string
	}{
		{"expressions with stop words inside", matcher.French,
			"Le tri à la source des déchets ménagers",
			"waste:tri à la source@1 waste:déchets ménagers@6"},
		{"stop words between the terms", matcher.Spanish,
			"La gestión de los residuos sólidos urbanos",
			"waste:gestión de los residuos sólidos@1"},
		{"longest match wins", matcher.Spanish,
			"gestión de residuos sólidos, residuos sólidos, residuos",
			"waste:gestión de residuos sólidos@0 waste:residuos sólidos@4 waste:residuos@6"},
		{"single words and weights", matcher.English,
			"Water and sanitation",
			"water:Water@0*0.5 water:sanitation@2"},
		{"inflected forms match", matcher.French,
			"Les budgets participatifs et le budget participatif",
			"participatory_budgeting:budgets participatifs@1 participatory_budgeting:budget participatif@5"},
		{"elided article inside the text", matcher.French,
			"l'accès à l'eau potable",
			"water:accès à l'eau@1"},
		{"unaccented text", matcher.French,
			"securite routiere et dechets menagers",
			"road_safety:securite routiere@0 waste:dechets menagers@3"},
		{"a phrase break stops an expression", matcher.French,
			"Le tri. À la source, rien.",
			""},
		{"a comma stops an expression", matcher.English,
			"road, safety",
			""},
		{"too many stop words between", matcher.Spanish,
			"gestión de todos los otros residuos sólidos",
			"waste:residuos sólidos@5"},
		{"line break inside a phrase is not a break", matcher.English,
			"the road\nsafety plan",
			"road_safety:road\nsafety@1"},
		{"empty line is a break", matcher.English,
			"the road\n\nsafety plan",
			""},
		{"strict expression", matcher.French,
			"Le bien-être et le bien être des habitants",
			"wellbeing:bien-être@1 wellbeing:bien être@5"},
		{"strict expression does not match its content word alone", matcher.French,
			"Le bien public. Être ensemble.",
			""},
		{"strict expression in English", matcher.English,
			"Well-being, as well as being there",
			"wellbeing:Well-being@0"},
		{"numbers in expressions", matcher.French,
			"des zones 30 autour des écoles",
			"road_safety:zones 30@1"},
		{"another language's terms do not match", matcher.French,
			"Le recycling et la road safety",
			""},
		{"a shared word matches in its own language", matcher.English,
			"Citizen participation in the budget",
			"participatory_budgeting:Citizen participation@0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.Analyze(tt.text, tt.lang)
			if s := hitString(got.Concepts); s != tt.want {
				t.Errorf("Analyze(%q, %s)\n got: %s\nwant: %s", tt.text, tt.lang, s, tt.want)
			}
		})
	}
}

func TestLexiconUnknownLanguage(t *testing.T) {
	a := matcher.NewAnalyzer(loadTestLexicon(t))
	got := a.Analyze("UCLG 2030: Recycling, Reciclaje, Recyclage", "")
	if got.Lang != "" {
		t.Fatalf("lang %q, want unknown", got.Lang)
	}
	want := "waste:Recycling@2 waste:Reciclaje@3 waste:Recyclage@4"
	if s := hitString(got.Concepts); s != want {
		t.Errorf("got %s, want %s", s, want)
	}
}

func TestNewLexicon(t *testing.T) {
	lex := matcher.NewLexicon([]matcher.LexiconEntry{
		{Concept: "water", Lang: matcher.English, Term: "water"},
		{Concept: "water", Lang: matcher.English, Term: "Waters", Weight: 2}, // same stem: keeps the highest weight
		{Concept: "water", Lang: matcher.French, Term: "eau", Weight: -3},    // non-positive weight means 1
		{Concept: "sanitation", Lang: matcher.English, Term: "water"},        // a term may serve several concepts
		{Concept: " ", Lang: matcher.English, Term: "no concept"},
		{Concept: "water", Lang: "de", Term: "Wasser"},
		{Concept: "water", Lang: "", Term: "agua"},
		{Concept: "water", Lang: matcher.French, Term: ""},
		{Concept: "water", Lang: matcher.English, Term: "the of and"},
		{Concept: "water", Lang: matcher.English, Term: strings.Repeat("w", 100)},
	})
	if got, want := lex.Len(), 3; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
	if got, want := lex.Concepts(), []string{"sanitation", "water"}; !slices.Equal(got, want) {
		t.Errorf("Concepts = %v, want %v", got, want)
	}
	if got := lex.Terms("water"); len(got) != 2 || got[1].Weight != 1 {
		t.Errorf("Terms(water) = %+v", got)
	}
	if got := lex.Terms("nothing"); got != nil {
		t.Errorf("Terms(nothing) = %+v", got)
	}
	a := matcher.NewAnalyzer(lex)
	want := "sanitation:water@0 water:water@0*2"
	if s := hitString(a.Analyze("water", matcher.English).Concepts); s != want {
		t.Errorf("got %s, want %s", s, want)
	}
	if s := hitString(a.Analyze("eau", matcher.French).Concepts); s != "water:eau@0" {
		t.Errorf("got %s", s)
	}
}

func TestEmptyLexicon(t *testing.T) {
	for _, lex := range []*matcher.Lexicon{nil, matcher.NewLexicon(nil)} {
		a := matcher.NewAnalyzer(lex)
		if got := a.Analyze("waste and water", ""); len(got.Concepts) != 0 {
			t.Errorf("got %v", got.Concepts)
		}
	}
	for _, l := range []*matcher.Lexicon{nil, matcher.NewLexicon(nil)} {
		if l.Len() != 0 || len(l.Concepts()) != 0 || l.Terms("water") != nil {
			t.Error("empty lexicon is not empty")
		}
	}
}

// TestThemesLexicon builds a lexicon from the real taxonomy when it is
// there; the test lexicon is what the other tests use, so that they do not
// change when the taxonomy does.
func TestThemesLexicon(t *testing.T) {
	b, err := os.ReadFile("../profiles/themes.json")
	if err != nil {
		t.Skip("no taxonomy:", err)
	}
	var themes []struct {
		Code     string                    `json:"code"`
		Labels   map[matcher.Lang]string   `json:"labels"`
		Synonyms map[matcher.Lang][]string `json:"synonyms"`
	}
	if err := json.Unmarshal(b, &themes); err != nil {
		t.Skip("taxonomy in another format:", err)
	}
	var entries []matcher.LexiconEntry
	for _, th := range themes {
		for lang, label := range th.Labels {
			entries = append(entries, matcher.LexiconEntry{Concept: th.Code, Lang: lang, Term: label})
		}
		for lang, syns := range th.Synonyms {
			for _, s := range syns {
				entries = append(entries, matcher.LexiconEntry{Concept: th.Code, Lang: lang, Term: s})
			}
		}
	}
	start := time.Now()
	lex := matcher.NewLexicon(entries)
	t.Logf("themes.json: %d themes, %d entries, %d terms, %d concepts, built in %v",
		len(themes), len(entries), lex.Len(), len(lex.Concepts()), time.Since(start))
	if len(themes) > 0 && lex.Len() == 0 {
		t.Error("no term of the taxonomy made it into the lexicon")
	}
}
