package matcher

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// latinFoldFirst and latinFoldLast bound the table of precomputed folds. The
// Latin-1 Supplement and Latin Extended-A/B blocks hold every letter of
// English, French and Spanish and of the city and person names we are likely
// to meet; other runes go through the slower NFKD path.
const (
	latinFoldFirst = 0x80
	latinFoldLast  = 0x2FF
)

// latinFold maps each rune of latinFoldFirst..latinFoldLast to its folded
// form ("" drops the rune). It is a static table built once, so folding the
// common case is an array index rather than a decomposition.
var latinFold = buildLatinFold()

// specialFolds are letters that have no canonical decomposition but that a
// French or Spanish reader considers as written with plain letters.
var specialFolds = map[rune]string{
	'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", 'ẞ': "ss",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ł': "l", 'Ł': "l",
	'ı': "i", 'þ': "th", 'Þ': "th", 'ð': "d", 'Ð': "d", 'ŀ': "l", 'Ŀ': "l",
	'ĳ': "ij", 'Ĳ': "ij", 'ŉ': "n",
}

func buildLatinFold() []string {
	t := make([]string, latinFoldLast-latinFoldFirst+1)
	for r := rune(latinFoldFirst); r <= latinFoldLast; r++ {
		t[r-latinFoldFirst] = foldSlow(r)
	}
	return t
}

// foldSlow folds one rune through compatibility decomposition, dropping the
// combining marks. NFKD rather than NFD so that ligatures ("ﬁ") and
// full-width letters fold too.
func foldSlow(r rune) string {
	if s, ok := specialFolds[r]; ok {
		return s
	}
	if unicode.Is(unicode.Mn, r) {
		return ""
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFKD.Properties(buf[:n]).Decomposition()
	if d == nil {
		return string(r)
	}
	var b strings.Builder
	for _, c := range string(d) {
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		if s, ok := specialFolds[c]; ok {
			b.WriteString(s)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// FoldAccents removes diacritics and spells out ligatures: "développement"
// becomes "developpement", "año" "ano", "œuvre" "oeuvre", "straße" "strasse".
// It keeps the case of the letters. Texts are typed with and without accents
// (phones, old keyboards, all-caps titles), so every index term is folded;
// folding happens after stemming because the French and Spanish stemmers read
// the accents.
func FoldAccents(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s // the common case: ASCII, nothing to fold, no allocation
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case r <= latinFoldLast:
			b.WriteString(latinFold[r-latinFoldFirst])
		default:
			b.WriteString(foldSlow(r))
		}
	}
	return b.String()
}
