package matcher_test

import (
	"testing"

	"matchmaker/matcher"
)

// FuzzAnalyze checks that no input makes Analyze panic or break the
// invariants that the index relies on: non-empty valid terms and surfaces,
// strictly increasing positions, concept hits in text order. Seeds are in
// testdata/fuzz/FuzzAnalyze as well as below.
func FuzzAnalyze(f *testing.F) {
	f.Add("Le tri à la source des déchets ménagers", uint8(0))
	f.Add("l'eau d’assainissement jusqu'à aujourd'hui", uint8(2))
	f.Add("e-government COVID-19 2020-2030 3.5 city's", uint8(1))
	f.Add("gestión de los residuos sólidos\n\nbien-être", uint8(3))
	f.Add("\xff\xfe\x00 é\u0301 \u00ad - ' ’ «»", uint8(0))
	lex := loadTestLexicon(f)
	a := matcher.NewAnalyzerWithCache(lex, 1024)
	langs := []matcher.Lang{"", matcher.English, matcher.French, matcher.Spanish}
	f.Fuzz(func(t *testing.T, text string, l uint8) {
		an := a.Analyze(text, langs[int(l)%len(langs)])
		checkAnalysis(t, text, an)
		if lang := matcher.DetectLanguage(text); lang != "" && !lang.Valid() {
			t.Fatalf("DetectLanguage(%q) = %q", text, lang)
		}
	})
}
