package bench

import (
	"strings"
	"unicode"

	"matchmaker/matcher"
)

// DocText is the text of d that the other engines index: its fields and its
// track record, one after the other. The matcher weights a title above a
// description; Bleve and PostgreSQL get one plain body, as a first set-up of
// either would.
func DocText(d *matcher.Doc) string {
	var b strings.Builder
	for _, f := range d.Fields {
		b.WriteString(f.Text)
		b.WriteByte('\n')
	}
	for _, it := range d.TrackRecord {
		b.WriteString(it.Title)
		b.WriteByte('\n')
		b.WriteString(it.Summary)
		b.WriteByte('\n')
	}
	return b.String()
}

// Words returns the distinct words of text, lower-cased, in order of first
// appearance: maximal runs of letters and digits, so that "d'eau" gives "d"
// and "eau" and "pay-as-you-throw" its four words. It is the raw material of
// a disjunctive query: each engine then stems the words and drops its stop
// words.
func Words(text string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// docLang is the language of d, detected when it is not declared.
func docLang(d *matcher.Doc) matcher.Lang {
	if d.Lang.Valid() {
		return d.Lang
	}
	return matcher.DetectLanguage(DocText(d))
}

// Filter narrows a search as the matcher's rules and filters do, so that
// every engine ranks the same candidates.
type Filter struct {
	Kind    matcher.Kind // the kind of documents ranked
	Lang    matcher.Lang // only documents in this language; "" any
	NotCity string       // never documents of this city: the challenge's own
}
