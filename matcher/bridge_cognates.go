package matcher

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Cognates carry a challenge's words the dictionary does not know into the
// other languages. English, French and Spanish share thousands of learned
// words of Latin and Greek origin whose endings correspond regularly
// ("indicator", "indicateur", "indicador"; "evaluation", "évaluation",
// "evaluación"; "strategic", "stratégique", "estratégico"), the vocabulary of
// planning and administration the bridge's thesaurus was drawn from, and
// far more of it than any list of labels holds. A word with such an ending
// and no translation into a language is given the word that ending makes
// there, as a translation of CognateWeight: a guess from spelling, weaker
// than a translation the thesaurus attests. The guess only counts where a
// document of that language holds the word (a form nobody writes matches
// nothing), and never where the dictionary translates the word into that
// language: a false friend the thesaurus knows ("policy", "política"; not
// "policía") keeps its attested translation.
//
// Only derivational endings are used, whose correspondence is regular and
// whose false friends are rare; not the endings of verbs or adverbs, nor
// "-y"/"-ie"/"-ía" in general ("policy" would give "policía", police).

// CognateWeight is the share of a translation's weight a cognate carries: a
// guess from spelling counts half an attested translation.
const CognateWeight = 0.5

// cognateEndings are the corresponding endings of a word in English,
// French and Spanish (lower case, without accents: the French and Spanish
// stemmers restore the accents of these endings, see restoreAccents),
// longest first so that "-ization" is not read as "-tion". A language may
// read several forms of an ending (masculine and feminine, "-ic" and
// "-ical"); the first is the one written, the stemmers giving the others
// the same stem.
var cognateEndings = []([numLangs][]string){
	{{"ization"}, {"isation"}, {"izacion"}},
	{{"tion"}, {"tion"}, {"cion"}},
	{{"ator"}, {"ateur"}, {"ador"}},
	{{"ctor"}, {"cteur"}, {"ctor"}},
	{{"ity"}, {"ite"}, {"idad"}},
	{{"ic", "ical"}, {"ique"}, {"ico", "ica"}},
	{{"ism"}, {"isme"}, {"ismo"}},
	{{"ist"}, {"iste"}, {"ista"}},
	{{"ive"}, {"if", "ive"}, {"ivo", "iva"}},
	{{"ence", "ency"}, {"ence"}, {"encia"}},
	{{"ance"}, {"ance"}, {"ancia"}},
	{{"gy"}, {"gie"}, {"gia"}},
	{{"omy"}, {"omie"}, {"omia"}},
	{{"ment"}, {"ment"}, {"mento"}},
}

// minCognateStem is how many letters a word keeps before its ending: "-ive"
// of "five" or "-ist" of "list" is no ending.
const minCognateStem = 3

// cognates appends to out the words the word w (lower case, folded) of
// language from makes in language to by its ending, and returns it: none
// when it has no such ending. A Spanish word opening on "es" and a
// consonant gives the English and French forms without the "e"
// ("estratégico", "strategic", "stratégique"), and the reverse. The
// endings are singular: a plural "s" (Spanish "es") is tried off too.
func cognates(out []string, w string, from, to int) []string {
	n := len(out)
	for cut := 0; cut <= 2; cut++ {
		base := w
		switch {
		case cut == 0:
		case cut == 1 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
			base = w[:len(w)-1]
		case cut == 2 && from == langES && strings.HasSuffix(w, "es"):
			base = w[:len(w)-2]
		default:
			continue
		}
		for _, e := range cognateEndings {
			for _, end := range e[from] {
				if len(base) < len(end)+minCognateStem || !strings.HasSuffix(base, end) {
					continue
				}
				stem := base[:len(base)-len(end)]
				if p := prothesis(stem, from, to); p != "" {
					stem = p
				}
				out = append(out, stem+e[to][0])
			}
			if len(out) > n {
				return out
			}
		}
	}
	return out
}

// prothesis is the stem with the Spanish "e" before "s" and a consonant
// taken away or put back, "" when that does not apply: Spanish opens no
// word on "s" and a consonant, and its learned words that open on "es" and
// a consonant are those ("estrategia", "estructura", "estudio", "espacio").
func prothesis(stem string, from, to int) string {
	sc := func(s string) bool { return len(s) > 2 && s[0] == 's' && !strings.ContainsRune("aeiou", rune(s[1])) }
	switch {
	case from == langES && to != langES && strings.HasPrefix(stem, "e") && sc(stem[1:]):
		return stem[1:]
	case from != langES && to == langES && sc(stem):
		return "e" + stem
	}
	return ""
}

// cognateTerms are the terms, in language to, of the cognates of the
// words (lower case, folded) of language from that stand for the term key:
// each once, none a stop word nor key itself (a shared stem meets itself).
// analyze is the analysis of a lower-cased word in a language.
func cognateTerms(words []string, key string, from, to int, analyze func(string, int) cacheEntry) []string {
	if ownLanguage(key) {
		// A false friend's look-alike is no cognate of it.
		return nil
	}
	var terms, forms []string
	for _, w := range words {
		forms = cognates(forms[:0], w, from, to)
		for _, c := range forms {
			// Nor is a false friend of the other language: Spanish
			// "fábrica" (a factory) would make English "fabric".
			if e := analyze(c, to); !e.stop && e.term != "" && e.term != key && !ownLanguage(e.term) && !slices.Contains(terms, e.term) {
				terms = append(terms, e.term)
			}
		}
	}
	return terms
}

// cognateMemo keeps the cognate terms of the words of challenges, by word
// and languages: a network's challenges share their vocabulary, and the
// stemming of the forms is most of what a cognate costs. It holds at most
// maxCognateMemo words, the first met.
type cognateMemo struct {
	m sync.Map // cognateKey -> []string
	n atomic.Int64
}

type cognateKey struct {
	word, term string
	from, to   int8
}

const maxCognateMemo = 200_000

// terms returns cognateTerms([]string{w}, key, from, to, analyze), from
// the memo when it has it. The slice returned is shared: never changed.
func (c *cognateMemo) terms(w, key string, from, to int, analyze func(string, int) cacheEntry) []string {
	k := cognateKey{w, key, int8(from), int8(to)}
	if v, ok := c.m.Load(k); ok {
		return v.([]string)
	}
	ts := cognateTerms([]string{w}, key, from, to, analyze)
	if c.n.Load() < maxCognateMemo {
		if _, loaded := c.m.LoadOrStore(k, ts); !loaded {
			c.n.Add(1)
		}
	}
	return ts
}
