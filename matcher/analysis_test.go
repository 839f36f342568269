package matcher_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"matchmaker/matcher"
)

// tokenString renders tokens as "term/surface@pos" for compact tables.
func tokenString(toks []matcher.Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = fmt.Sprintf("%s/%s@%d", t.Term, t.Surface, t.Pos)
	}
	return strings.Join(parts, " ")
}

func TestAnalyzeTokens(t *testing.T) {
	tests := []struct {
		name string
		lang matcher.Lang
		text string
		want string
	}{
		{"empty", matcher.French, "", ""},
		{"spaces and punctuation only", matcher.English, " \t\n ... !!! -- « » ", ""},
		{"stop words only", matcher.French, "Il y en a pour tous et toutes.", ""},

		// French elisions, both apostrophes, upper case
		{"elision l'", matcher.French, "l'eau", "eau/eau@1"},
		{"elision d’ curly apostrophe", matcher.French, "d’assainissement", "assain/assainissement@1"},
		{"elision upper case", matcher.French, "L'Eau", "eau/Eau@1"},
		{"elision modifier apostrophe", matcher.French, "lʼeau", "eau/eau@1"},
		{"elision qu' then aujourd'hui", matcher.French, "qu'aujourd'hui", ""},
		{"elisions jusqu' lorsqu' puisqu'", matcher.French, "jusqu'à lorsqu'il puisqu'elle", ""},
		{"elisions s' n' j' m' t' c'", matcher.French, "s'engager n'importe j'habite m'inscrire t'écouter c'est",
			"engag/engager@1 import/importe@3 habit/habite@5 inscrir/inscrire@7 ecout/écouter@9"},
		{"elision keeps positions", matcher.French, "traitement de l'eau", "trait/traitement@0 eau/eau@3"},
		{"presqu'île stays whole", matcher.French, "la presqu'île", "presqu'il/presqu'île@1"},
		{"quotes are not apostrophes", matcher.English, "'water' and ‘sewage’", "water/water@0 sewag/sewage@2"},

		// English possessive and contractions
		{"possessive 's", matcher.English, "the city's budget", "citi/city@1 budget/budget@2"},
		{"possessive curly", matcher.English, "Barcelona’s plan", "barcelona/Barcelona@0 plan/plan@1"},
		{"plural possessive", matcher.English, "the cities' budgets", "citi/cities@1 budget/budgets@2"},
		{"contractions are stop words", matcher.English, "we don't know, it's unclear", "know/know@2 unclear/unclear@4"},
		{"apostrophe inside a name", matcher.English, "O'Brien", "o'brien/O'Brien@0"},
		{"apostrophe between digits separates", matcher.English, "2020ʼ21 2020'21", "2020/2020@0 21/21@1 2020/2020@2 21/21@3"},
		{"apostrophes alone", matcher.English, "ʼ ' ’ ʼʼ", ""},

		// Hyphens
		{"hyphen splits", matcher.French, "bien-être", "bien/bien@0"},
		{"hyphen splits names", matcher.French, "Saint-Louis", "saint/Saint@0 lou/Louis@1"},
		{"hyphen only stop words", matcher.French, "peut-être a-t-il", ""},
		{"single letter prefix joins", matcher.English, "e-government and e-mail", "egovern/e-government@0 email/e-mail@2"},
		{"single letter prefix joins, Spanish", matcher.Spanish, "e-gobierno", "egobiern/e-gobierno@0"},
		{"letters and number join", matcher.English, "COVID-19 and COP-21", "covid19/COVID-19@0 cop21/COP-21@2"},
		{"number ranges split", matcher.English, "2020-2030", "2020/2020@0 2030/2030@1"},
		{"long word and number split", matcher.English, "agenda-2030", "agenda/agenda@0 2030/2030@1"},
		{"dangling hyphens", matcher.English, "-water- -- sewage", "water/water@0 sewag/sewage@1"},
		{"non-breaking hyphen", matcher.French, "Île‑de‑France", "ile/Île@0 franc/France@2"},

		// Digits
		{"years and numbers", matcher.English, "by 2030, 3.5 km and 1,000 homes", "2030/2030@1 3.5/3.5@2 km/km@3 1,000/1,000@5 home/homes@6"},
		{"codes with letters", matcher.English, "CO2 and PM2.5, 21st century", "co2/CO2@0 pm2.5/PM2.5@2 21st/21st@3 centuri/century@4"},
		{"sentence point after a number", matcher.English, "In 2030. Then", "2030/2030@1"},
		{"single digits are kept", matcher.French, "zone 30, 5 ans", "zon/zone@0 30/30@1 5/5@2 an/ans@3"},

		// Accents and normalisation
		{"accents folded after stemming", matcher.French, "développement developpement DÉVELOPPEMENT",
			"developp/développement@0 developp/developpement@1 developp/DÉVELOPPEMENT@2"},
		{"ligature and eñe", matcher.Spanish, "año", "ano/año@0"},
		{"oe ligature", matcher.French, "œuvre oeuvre", "oeuvr/œuvre@0 oeuvr/oeuvre@1"},
		{"decomposed accents are composed", matcher.French, "re\u0301seau", "reseau/réseau@0"},
		{"cedilla", matcher.French, "façade", "facad/façade@0"},
		{"accents restored on known endings", matcher.French, "sécurité securite routières routieres",
			"secur/sécurité@0 secur/securite@1 routi/routières@2 routi/routieres@3"},
		{"accents restored on known endings, Spanish", matcher.Spanish, "participación participacion tecnologia",
			"particip/participación@0 particip/participacion@1 tecnolog/tecnologia@2"},
		{"soft hyphen inside a word", matcher.French, "déve\u00adloppement", "developp/déve\u00adloppement@0"},
		{"zero-width space separates", matcher.English, "water\u200bsupply", "water/water@0 suppli/supply@1"},
		{"zero-width joiner is dropped", matcher.English, "water\u200dsupply", "watersuppli/water\u200dsupply@0"},

		// Broken input
		{"invalid UTF-8", matcher.French, "eau\xffpotable\xc3", "eau/eau@0 potabl/potable@1"},
		{"control characters", matcher.English, "water\x00supply\x1bline\u0085pipes", "water/water@0 suppli/supply@1 line/line@2 pipe/pipes@3"},
		{"single letters are dropped", matcher.English, "plan B for x", "plan/plan@0"},
		{"other scripts", matcher.English, "Москва 北京", "москва/Москва@0 北京/北京@1"},
	}
	a := matcher.NewAnalyzer(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := a.Analyze(tt.text, tt.lang)
			if s := tokenString(got.Tokens); s != tt.want {
				t.Errorf("Analyze(%q, %s)\n got: %s\nwant: %s", tt.text, tt.lang, s, tt.want)
			}
		})
	}
}

func TestAnalyzeLongWords(t *testing.T) {
	a := matcher.NewAnalyzer(nil)
	w40 := strings.Repeat("a", 39) + "b"
	got := a.Analyze(w40+" "+w40+"c water", matcher.English)
	if s := tokenString(got.Tokens); s != w40+"/"+w40+"@0 water/water@2" {
		t.Errorf("got %s", s)
	}
}

func TestAnalyzeHugeInput(t *testing.T) {
	a := matcher.NewAnalyzer(nil)
	t.Run("one huge word", func(t *testing.T) {
		got := a.Analyze(strings.Repeat("é", 1<<20), "")
		if len(got.Tokens) != 0 {
			t.Errorf("got %d tokens, want none", len(got.Tokens))
		}
	})
	t.Run("many words", func(t *testing.T) {
		text := strings.Repeat("Les déchets ménagers de la ville. ", 1<<14)
		got := a.Analyze(text, "")
		if got.Lang != matcher.French {
			t.Errorf("lang %q", got.Lang)
		}
		if want := 3 << 14; len(got.Tokens) != want {
			t.Fatalf("got %d tokens, want %d", len(got.Tokens), want)
		}
		if last := got.Tokens[len(got.Tokens)-1]; last.Pos != 6<<14-1 || last.Term != "vill" {
			t.Errorf("last token %+v", last)
		}
	})
	t.Run("deep nesting of separators", func(t *testing.T) {
		got := a.Analyze(strings.Repeat("-'", 1<<18)+"x", matcher.English)
		if len(got.Tokens) != 0 {
			t.Errorf("got %v", got.Tokens)
		}
	})
}

func TestAnalyzeDetectsLanguage(t *testing.T) {
	a := matcher.NewAnalyzer(nil)
	tests := []struct {
		name string
		text string
		hint matcher.Lang
		want matcher.Lang
	}{
		{"hint wins", "The city has a plan.", matcher.Spanish, matcher.Spanish},
		{"detected", "La ville a un plan pour les déchets.", "", matcher.French},
		{"invalid hint is detected", "La ciudad tiene un plan para los residuos.", "de", matcher.Spanish},
		{"no evidence", "2030 Lyon", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Analyze(tt.text, tt.hint).Lang; got != tt.want {
				t.Errorf("lang %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAnalyzeUnknownLanguage(t *testing.T) {
	a := matcher.NewAnalyzer(nil)
	got := a.Analyze("Lyon 2030 UCLG", "")
	if got.Lang != "" {
		t.Fatalf("lang %q", got.Lang)
	}
	// Unstemmed, folded, stop words of every language dropped.
	if s := tokenString(got.Tokens); s != "lyon/Lyon@0 2030/2030@1 uclg/UCLG@2" {
		t.Errorf("got %s", s)
	}
}

func TestAnalyzerTerm(t *testing.T) {
	a := matcher.NewAnalyzer(nil)
	tests := []struct {
		word string
		lang matcher.Lang
		term string
		stop bool
	}{
		{"Développement", matcher.French, "developp", false},
		{"les", matcher.French, "les", true},
		{"Les", matcher.French, "les", true},
		{"gestión", matcher.Spanish, "gestion", false},
		{"Management", matcher.English, "manag", false},
		{"the", matcher.English, "the", true},
		{"Bogotá", "", "bogota", false},
		{"2030s", matcher.English, "2030s", false},
		{"los", "", "los", true},
	}
	for _, tt := range tests {
		term, stop := a.Term(tt.word, tt.lang)
		if term != tt.term || stop != tt.stop {
			t.Errorf("Term(%q, %q) = %q, %v; want %q, %v", tt.word, tt.lang, term, stop, tt.term, tt.stop)
		}
	}
}

func TestAnalyzerCacheIsBounded(t *testing.T) {
	a := matcher.NewAnalyzerWithCache(nil, 64)
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "word%c%c ", 'a'+i%26, 'a'+i/26%26)
		fmt.Fprintf(&b, "x%sy ", strings.Repeat("z", i%30))
	}
	a.Analyze(b.String(), matcher.English)
	if n := a.CachedWords(); n == 0 || n > 64 {
		t.Errorf("cache holds %d words, want 1..64", n)
	}
	off := matcher.NewAnalyzerWithCache(nil, 0)
	if got, want := tokenString(off.Analyze("The cities' budgets", matcher.English).Tokens), "citi/cities@1 budget/budgets@2"; got != want {
		t.Errorf("uncached: %s, want %s", got, want)
	}
	if n := off.CachedWords(); n != 0 {
		t.Errorf("uncached analyzer holds %d words", n)
	}
}

// TestAnalyzeConcurrent runs Analyze from many goroutines on a shared
// analyzer; with -race it checks the cache's locking, and it checks that
// concurrent calls give the same result as a lone one.
func TestAnalyzeConcurrent(t *testing.T) {
	lex := loadTestLexicon(t)
	a := matcher.NewAnalyzerWithCache(lex, 256) // small, so that eviction runs too
	texts := []string{
		"Le tri à la source des déchets ménagers améliore la propreté des quartiers.",
		"La gestión de los residuos sólidos es un reto para la ciudad.",
		"Road safety improved after the city lowered speed limits near schools.",
	}
	want := make([]string, len(texts))
	for i, text := range texts {
		want[i] = fmt.Sprint(matcher.NewAnalyzer(lex).Analyze(text, ""))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				k := (g + i) % len(texts)
				if got := fmt.Sprint(a.Analyze(texts[k], "")); got != want[k] {
					t.Errorf("goroutine %d: got %s, want %s", g, got, want[k])
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestFoldAccents(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain ascii", "plain ascii"},
		{"développement", "developpement"},
		{"àâäéèêëîïôöùûüÿç", "aaaeeeeiioouuuyc"},
		{"ÀÉÎÕÜ", "AEIOU"},
		{"año niño", "ano nino"},
		{"œuvre Œuvre æ", "oeuvre oeuvre ae"},
		{"straße", "strasse"},
		{"łódź", "lodz"},
		{"ﬁnance", "finance"},
		{"e\u0301", "e"},
		{"北京", "北京"},
	}
	for _, tt := range tests {
		if got := matcher.FoldAccents(tt.in); got != tt.want {
			t.Errorf("FoldAccents(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStopWords(t *testing.T) {
	tests := []struct {
		lang  matcher.Lang
		stop  []string
		words []string // content words that must not be stop words
	}{
		{matcher.English,
			[]string{"the", "and", "of", "which", "would", "don't", "themselves", "however", "among"},
			[]string{"water", "city", "well", "new", "plan", "waste", "will-power", "public", "state"}},
		{matcher.French,
			[]string{"les", "le", "des", "à", "a", "où", "ou", "cet", "dont", "afin", "été", "etre", "être", "leurs", "aujourd'hui"},
			[]string{"eau", "ville", "bien", "déchets", "plan", "quartier", "public", "état", "service", "pouvoir", "devoir"}},
		{matcher.Spanish,
			[]string{"los", "las", "del", "según", "segun", "más", "mas", "cada", "está", "esta", "hay", "también"},
			[]string{"agua", "ciudad", "estado", "plan", "residuos", "barrio", "público", "servicio", "poder", "deber"}},
	}
	for _, tt := range tests {
		for _, w := range tt.stop {
			if !matcher.IsStopWord(w, tt.lang) {
				t.Errorf("%s: %q should be a stop word", tt.lang, w)
			}
		}
		for _, w := range tt.words {
			if matcher.IsStopWord(w, tt.lang) {
				t.Errorf("%s: %q is a content word", tt.lang, w)
			}
		}
	}
	if !matcher.IsStopWord("los", "") || matcher.IsStopWord("agua", "") {
		t.Error("unknown language should use every language's stop words")
	}
}

func TestParseLang(t *testing.T) {
	for _, in := range []string{"en", "FR", " es "} {
		if _, err := matcher.ParseLang(in); err != nil {
			t.Errorf("ParseLang(%q): %v", in, err)
		}
	}
	for _, in := range []string{"", "de", "english"} {
		if _, err := matcher.ParseLang(in); err == nil {
			t.Errorf("ParseLang(%q): no error", in)
		}
	}
}

func TestTokensAreValid(t *testing.T) {
	a := matcher.NewAnalyzer(nil)
	for _, c := range readDetectCases(t, "testdata/langdetect.tsv") {
		checkAnalysis(t, c.text, a.Analyze(c.text, ""))
	}
}

// checkAnalysis checks the invariants of any analysis: non-empty valid
// terms and surfaces, positions increasing.
func checkAnalysis(t *testing.T, text string, an matcher.Analysis) {
	t.Helper()
	prev := -1
	for _, tok := range an.Tokens {
		if tok.Term == "" || tok.Surface == "" || !utf8.ValidString(tok.Term) || !utf8.ValidString(tok.Surface) {
			t.Fatalf("%q: bad token %+v", text, tok)
		}
		if tok.Pos <= prev {
			t.Fatalf("%q: position %d after %d", text, tok.Pos, prev)
		}
		prev = tok.Pos
	}
	prev = -1
	for _, h := range an.Concepts {
		if h.Concept == "" || h.Surface == "" || h.Weight <= 0 || h.Pos < prev {
			t.Fatalf("%q: bad concept hit %+v", text, h)
		}
		prev = h.Pos
	}
}
