package matcher_test

import (
	"testing"

	"matchmaker/matcher"
)

// TestStemFalseFriends pins, in each language, words that Snowball gives
// one stem but that share no meaning a city officer would accept as a match
// ("communes" and "communication"): they must get different index terms. It
// also pins words of one family that must keep matching ("collecte" and
// "collectées", "évaluation" and "évaluer").
func TestStemFalseFriends(t *testing.T) {
	an := matcher.NewAnalyzer(nil)
	tests := []struct {
		lang    matcher.Lang
		a, b    string
		friends bool // same family: one term
	}{
		{matcher.French, "communes", "communication", false},
		{matcher.French, "commune", "communications", false},
		{matcher.French, "collecte", "collectif", false},
		{matcher.French, "collecte", "collectivité", false},
		{matcher.French, "collectes", "collectives", false},
		{matcher.Spanish, "comunidad", "comunicación", false},
		{matcher.Spanish, "comuna", "comunicación", false},
		{matcher.Spanish, "común", "comunidad", false},
		{matcher.Spanish, "seguridad", "seguro", false},
		{matcher.Spanish, "colectivo", "colecta", false},
		{matcher.English, "organic", "organization", false},
		{matcher.English, "organ", "organization", false},
		{matcher.English, "university", "universe", false},
		{matcher.English, "experience", "experiment", false},
		{matcher.English, "informal", "information", false},
		{matcher.English, "relative", "relation", false},
		{matcher.English, "international", "internal", false},
		{matcher.Spanish, "casa", "casos", false},
		{matcher.Spanish, "plazas", "plazo", false},
		{matcher.Spanish, "género", "generar", false},
		{matcher.Spanish, "mesa", "meses", false},
		{matcher.Spanish, "suelo", "suele", false},
		{matcher.Spanish, "negocios", "negociación", false},
		{matcher.French, "élèves", "élevé", false},
		{matcher.French, "marchés", "marche", false},
		{matcher.English, "publication", "public", false},
		{matcher.French, "publication", "public", false},

		{matcher.French, "collecte", "collectées", true},
		{matcher.French, "collectif", "collectivités", true},
		{matcher.French, "communes", "commune", true},
		{matcher.French, "communication", "communications", true},
		{matcher.French, "évaluation", "évaluer", true},
		{matcher.French, "participation", "participatif", true},
		{matcher.French, "planification", "planifications", true},
		{matcher.Spanish, "comunidad", "comunidades", true},
		{matcher.Spanish, "participación", "participativo", true},
		{matcher.Spanish, "seguridad", "seguridades", true},
		{matcher.Spanish, "colectivo", "colectividad", true},
		{matcher.English, "organization", "organized", true},
		{matcher.English, "evaluation", "evaluate", true},
		{matcher.English, "adaptation", "adapt", true},
		{matcher.English, "region", "regional", true},
		{matcher.English, "universities", "university", true},
		{matcher.English, "experiments", "experiment", true},
		{matcher.French, "élève", "élèves", true},
		{matcher.French, "marché", "marchés", true},
		{matcher.French, "marche", "marches", true},
		{matcher.English, "international", "internationally", true},
		{matcher.Spanish, "casa", "casas", true},
		{matcher.Spanish, "caso", "casos", true},
		{matcher.Spanish, "plazo", "plazos", true},
		{matcher.Spanish, "géneros", "género", true},
		{matcher.Spanish, "generar", "genera", true},
		{matcher.Spanish, "suelos", "suelo", true},
	}
	for _, tc := range tests {
		ta, _ := an.Term(tc.a, tc.lang)
		tb, _ := an.Term(tc.b, tc.lang)
		if (ta == tb) != tc.friends {
			what := "false friends must not share a term"
			if tc.friends {
				what = "one family must share a term"
			}
			t.Errorf("%s: %q -> %q, %q -> %q: %s", tc.lang, tc.a, ta, tc.b, tb, what)
		}
	}
	// French "environ" (about, "environ 1,2 million d'habitants") is a word
	// of grammar, as "notamment" is: it stemmed as "environnement".
	if term, stop := an.Term("environ", matcher.French); !stop {
		t.Errorf("fr: %q -> %q, want a stop word", "environ", term)
	}
	if _, stop := an.Term("environnement", matcher.French); stop {
		t.Errorf("fr: %q is a stop word", "environnement")
	}
}

// TestHyphenPrefixesAreNoWords checks that the bound prefix in front of a
// hyphen ("pré" of "pré-collecte") gives no term, while the word after it
// does, and that a lexicon expression written with it still matches.
func TestHyphenPrefixesAreNoWords(t *testing.T) {
	lex := matcher.NewLexicon([]matcher.LexiconEntry{{Concept: "waste", Lang: matcher.French, Term: "pré-collecte"}})
	an := matcher.NewAnalyzer(lex)
	got := an.Analyze("La pré-collecte et la co-construction avec les sous-traitants, porte-à-porte", matcher.French)
	var terms []string
	for _, tk := range got.Tokens {
		terms = append(terms, tk.Term)
	}
	for _, bad := range []string{"pre", "co", "sous"} {
		for _, term := range terms {
			if term == bad {
				t.Errorf("terms %v hold the prefix %q", terms, bad)
			}
		}
	}
	for _, want := range []string{"collect", "construct", "port"} {
		found := false
		for _, term := range terms {
			found = found || term == want
		}
		if !found {
			t.Errorf("terms %v lack %q", terms, want)
		}
	}
	if len(got.Concepts) != 1 || got.Concepts[0].Surface != "pré-collecte" {
		t.Errorf("concepts %+v, want waste through pré-collecte", got.Concepts)
	}
}

// TestConceptsNeedTheWordsFamily pins, in each language, words that share
// a stem with a term of the shipped taxonomy but not its meaning: they must
// not find its concept ("integration" is not "integrity", "redevance", a
// fee, is not "redevabilité", accountability), while the term's own
// inflections still do.
func TestConceptsNeedTheWordsFamily(t *testing.T) {
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Fatal(err)
	}
	an := matcher.NewAnalyzer(lex)
	tests := []struct {
		lang    matcher.Lang
		text    string
		concept string
		found   bool
	}{
		{matcher.French, "l'intégration des récupérateurs informels", "open_government", false},
		{matcher.French, "une redevance modeste payée par les ménages", "open_government", false},
		{matcher.French, "une approche intégrée de la collecte", "open_government", false},
		{matcher.French, "la consultante du bureau d'études", "citizen_participation", false},
		{matcher.English, "the integration of informal recyclers", "open_government", false},
		{matcher.English, "a consultant of the planning office", "citizen_participation", false},
		{matcher.Spanish, "la integración de los recicladores", "open_government", false},
		{matcher.Spanish, "las cooperativas de recicladores", "decentralised_cooperation", false},

		{matcher.French, "l'intégrité des élus", "open_government", true},
		{matcher.French, "la redevabilité des élus", "open_government", true},
		{matcher.French, "une redevance modeste payée par les ménages", "local_finance", true},
		{matcher.English, "the integrity of elected officials", "open_government", true},
		{matcher.English, "a public consultation", "citizen_participation", true},
		{matcher.Spanish, "la integridad de los funcionarios", "open_government", true},
		{matcher.Spanish, "la cooperación descentralizada", "decentralised_cooperation", true},
	}
	for _, tc := range tests {
		got := an.Analyze(tc.text, tc.lang)
		found := false
		for _, c := range got.Concepts {
			found = found || c.Concept == tc.concept
		}
		if found != tc.found {
			t.Errorf("%s %q: concepts %+v; want %s found: %v", tc.lang, tc.text, got.Concepts, tc.concept, tc.found)
		}
	}
}

// TestCrossLanguageFalseFriends pins stems that two languages write alike
// but that mean different things: they must get different terms, while the
// languages that agree on the stem keep one term between them.
func TestCrossLanguageFalseFriends(t *testing.T) {
	an := matcher.NewAnalyzer(nil)
	tests := []struct {
		la      matcher.Lang
		a       string
		lb      matcher.Lang
		b       string
		friends bool
	}{
		{matcher.French, "location", matcher.English, "location", false}, // renting
		{matcher.French, "formation", matcher.English, "formation", false},
		{matcher.French, "pays", matcher.English, "pays", false},
		{matcher.French, "habitants", matcher.English, "habits", false},
		{matcher.French, "main-d'œuvre", matcher.English, "main", false},
		{matcher.French, "sortie", matcher.English, "sorting", false},
		{matcher.French, "issue", matcher.English, "issues", false},
		{matcher.French, "marché", matcher.English, "March", false},
		{matcher.French, "commande", matcher.English, "command", false},
		{matcher.French, "care", matcher.English, "car", false},
		{matcher.French, "lecture", matcher.English, "lecture", false},
		{matcher.Spanish, "sensibles", matcher.English, "sensible", false},
		{matcher.Spanish, "redes", matcher.English, "red", false},
		{matcher.Spanish, "fábrica", matcher.English, "fabric", false},
		{matcher.Spanish, "largo", matcher.English, "large", false},
		{matcher.Spanish, "actualmente", matcher.English, "actually", false},
		{matcher.Spanish, "éxito", matcher.English, "exit", false},
		{matcher.Spanish, "pretende", matcher.English, "pretend", false},
		{matcher.Spanish, "mayores", matcher.English, "mayor", false},
		{matcher.Spanish, "permite", matcher.English, "permit", false},
		{matcher.Spanish, "calles", matcher.English, "call", false},
		{matcher.Spanish, "carbón", matcher.English, "carbon", false},
		{matcher.French, "numérique", matcher.Spanish, "número", false},
		{matcher.French, "disposant", matcher.English, "disposal", false},
		{matcher.Spanish, "sola", matcher.French, "sols", false},
		// What agrees keeps meeting: within a language, and across the
		// languages that share the meaning.
		{matcher.French, "location", matcher.French, "locations", true},
		{matcher.French, "sortie", matcher.French, "sortir", true},
		{matcher.Spanish, "red", matcher.Spanish, "redes", true},
		{matcher.French, "care", matcher.English, "care", true},
		{matcher.French, "habitants", matcher.Spanish, "habitantes", true},
		{matcher.French, "lecture", matcher.Spanish, "lectura", true},
		{matcher.French, "sensible", matcher.Spanish, "sensible", true},
		{matcher.English, "fabrication", matcher.Spanish, "fabricación", true},
		{matcher.French, "format", matcher.English, "format", true},
		{matcher.French, "transport", matcher.English, "transport", true},
		{matcher.French, "internationale", matcher.English, "international", true},
		{matcher.Spanish, "plaza", matcher.English, "plaza", true},
		{matcher.Spanish, "casos", matcher.French, "cas", true},
		{matcher.Spanish, "carbono", matcher.English, "carbon", true},
		{matcher.Spanish, "solar", matcher.English, "solar", true},
		{matcher.Spanish, "sólidos", matcher.French, "solides", true},
		{matcher.Spanish, "sólidos", matcher.English, "solid", true},
		{matcher.Spanish, "bases", matcher.English, "base", true},
		{matcher.Spanish, "publicación", matcher.English, "publication", true},
		{matcher.French, "publications", matcher.English, "publication", true},
	}
	// The first word's term: "main-d'œuvre" is two words.
	first := func(word string, lang matcher.Lang) string {
		toks := an.Analyze(word, lang).Tokens
		if len(toks) == 0 {
			t.Fatalf("%s %q: no term", lang, word)
		}
		return toks[0].Term
	}
	for _, tc := range tests {
		ta, tb := first(tc.a, tc.la), first(tc.b, tc.lb)
		if (ta == tb) != tc.friends {
			what := "false friends must not share a term"
			if tc.friends {
				what = "words of one meaning must share a term"
			}
			t.Errorf("%s %q -> %q, %s %q -> %q: %s", tc.la, tc.a, ta, tc.lb, tc.b, tb, what)
		}
	}
	// Nor does the bridge carry one into the other, by a translation or a
	// cognate: Spanish "fábrica" (a factory) would give English "fabric" by
	// the cognate ending "-ica".
	b, err := matcher.NewBridge(matcher.ProductionBridge)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		if tc.friends || tc.la == tc.lb {
			continue
		}
		ta, _ := an.Term(tc.a, tc.la)
		tb, _ := an.Term(tc.b, tc.lb)
		if got := b.Translate(tc.a, tc.la); got[tb] > 0 {
			t.Errorf("Translate(%q, %s) = %v: gives %s %q", tc.a, tc.la, got, tc.lb, tb)
		}
		if got := b.Translate(tc.b, tc.lb); got[ta] > 0 {
			t.Errorf("Translate(%q, %s) = %v: gives %s %q", tc.b, tc.lb, got, tc.la, ta)
		}
	}
	fabric, _ := an.Term("fabric", matcher.English)
	if got := b.Translate("fábrica", matcher.Spanish); got[fabric] > 0 {
		t.Errorf("Translate(fábrica, es) = %v: gives English %q", got, fabric)
	}
}
