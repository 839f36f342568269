package matcher_test

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"matchmaker/matcher"
)

// FuzzAnalyze checks that no input makes Analyze panic or break the
// invariants that the index relies on: non-empty valid terms and surfaces,
// strictly increasing positions, concept hits in text order, every surface
// taken from the text, in order, and the same analysis every time. Seeds are
// in testdata/fuzz/FuzzAnalyze as well as below.
func FuzzAnalyze(f *testing.F) {
	f.Add("Le tri à la source des déchets ménagers", uint8(0))
	f.Add("l'eau d’assainissement jusqu'à aujourd'hui", uint8(2))
	f.Add("e-government COVID-19 2020-2030 3.5 city's", uint8(1))
	f.Add("gestión de los residuos sólidos\n\nbien-être", uint8(3))
	f.Add("\xff\xfe\x00 é\u0301 \u00ad - ' ’ «»", uint8(0))
	f.Add("Robert'); DROP TABLE cities;-- <script>alert(1)</script> 100% a_b", uint8(1))
	f.Add("Medelli\u0301n Medellín MEDELLÍN", uint8(3))
	f.Add(strings.Repeat("a", 300)+" "+strings.Repeat("é", 100), uint8(2))
	lex := loadTestLexicon(f)
	cached := matcher.NewAnalyzerWithCache(lex, 1024)
	uncached := matcher.NewAnalyzerWithCache(lex, 0)
	langs := []matcher.Lang{"", matcher.English, matcher.French, matcher.Spanish}
	f.Fuzz(func(t *testing.T, text string, l uint8) {
		lang := langs[int(l)%len(langs)]
		an := cached.Analyze(text, lang)
		checkAnalysis(t, text, an)
		if lang != "" && an.Lang != lang {
			t.Fatalf("%q: analysed in %q, asked for %q", text, an.Lang, lang)
		}

		// Surfaces are pieces of the text as Analyze reads it (valid UTF-8,
		// NFC), found in text order.
		normal := norm.NFC.String(strings.ToValidUTF8(text, "\uFFFD"))
		rest := normal
		for _, tok := range an.Tokens {
			i := strings.Index(rest, tok.Surface)
			if i < 0 {
				t.Fatalf("%q: surface %q of %+v is not in the text after the previous token", text, tok.Surface, tok)
			}
			rest = rest[i+len(tok.Surface):]
		}
		for _, h := range an.Concepts {
			if !strings.Contains(normal, h.Surface) {
				t.Fatalf("%q: concept surface %q is not in the text", text, h.Surface)
			}
		}

		// Deterministic: again from the cache, without a cache, and from the
		// text already normalised.
		for name, again := range map[string]matcher.Analysis{
			"a second time": cached.Analyze(text, lang),
			"without cache": uncached.Analyze(text, lang),
			"normalised":    cached.Analyze(normal, lang),
		} {
			if !reflect.DeepEqual(an, again) {
				t.Fatalf("%q analysed %s differs:\n%+v\n%+v", text, name, an, again)
			}
		}
		if lang := matcher.DetectLanguage(text); lang != "" && !lang.Valid() {
			t.Fatalf("DetectLanguage(%q) = %q", text, lang)
		} else if again := matcher.DetectLanguage(text); again != lang {
			t.Fatalf("DetectLanguage(%q) = %q, then %q", text, lang, again)
		}
	})
}
