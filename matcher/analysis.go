package matcher

import (
	"strings"
	"unicode/utf8"
)

// Token is one analysed word of a text.
type Token struct {
	Term    string // the index term: the Snowball stem of the lower-cased word, accents folded after stemming
	Surface string // the word as written in the text (original case and accents), for explanations
	Pos     int    // position of the word among the text's words (stop words count, so phrases can be found)
}

// Analysis is what Analyze finds in a text.
type Analysis struct {
	Lang     Lang         // the language the text was analysed in; "" when unknown
	Tokens   []Token      // the words that are not stop words, in text order
	Concepts []ConceptHit // the lexicon's concepts found in the text, in text order
}

// ConceptHit is a concept found in the text through one of its terms.
type ConceptHit struct {
	Concept string  // language-neutral code, e.g. "waste"
	Surface string  // the words as written in the text, e.g. "tri à la source"
	Weight  float64 // the term's weight in the lexicon (1 by default)
	Pos     int     // position of the first word
	// Words is how many words of the text, stop words aside, the hit
	// covers: what the taxonomy says of a text is measured by the share of
	// its words its concepts cover.
	Words int
}

// Analyzer turns texts into tokens and concept hits. It is safe for
// concurrent use: its lexicon is read-only and its word caches are locked.
type Analyzer struct {
	lex    *Lexicon
	caches [numLangs]*termCache // nil when caching is off
}

// NewAnalyzer returns an Analyzer that finds the concepts of lex (which may
// be nil: no concepts) and caches the analysis of DefaultCacheWords words a
// language.
func NewAnalyzer(lex *Lexicon) *Analyzer {
	return NewAnalyzerWithCache(lex, DefaultCacheWords)
}

// NewAnalyzerWithCache is NewAnalyzer with a cache of cacheWords words a
// language; 0 or less turns the cache off, which only benchmarks want.
func NewAnalyzerWithCache(lex *Lexicon, cacheWords int) *Analyzer {
	a := &Analyzer{lex: lex}
	if cacheWords > 0 {
		for i := range a.caches {
			a.caches[i] = newTermCache(cacheWords)
		}
	}
	return a
}

// Lexicon returns the analyzer's lexicon, nil when it has none.
func (a *Analyzer) Lexicon() *Lexicon { return a.lex }

// CachedWords returns how many words the caches of the three languages hold.
func (a *Analyzer) CachedWords() int {
	n := 0
	for _, c := range a.caches {
		if c != nil {
			n += c.len()
		}
	}
	return n
}

// Term returns the index term of one word in lang and whether it is a stop
// word, as Analyze would see it; the word is lower-cased first. With an
// unknown lang the term is the folded word, unstemmed. For a text, even of
// two words, use Analyze: it splits, handles elisions and keeps positions.
func (a *Analyzer) Term(word string, lang Lang) (term string, stop bool) {
	w := lowerWord(normalizeText(word), false)
	if strings.ContainsFunc(w, isDigit) {
		return FoldAccents(w), false
	}
	li, ok := langIndex(lang)
	if !ok {
		f := FoldAccents(w)
		return f, utf8.RuneCountInString(w) <= 1 || isStopFolded(f, "")
	}
	e := a.lookup(w, li)
	return e.term, e.stop
}

// Analyze analyses text in lang; when lang is "" (or not an analysed
// language) it detects it. Stop words are dropped from Tokens but keep their
// positions. When the language stays unknown, terms are the folded words,
// unstemmed, without the stop words of any language, and the lexicon's terms
// of every language are looked for.
func (a *Analyzer) Analyze(text string, lang Lang) Analysis {
	text = normalizeText(text)
	wsp := getWords()
	defer putWords(wsp)
	*wsp = tokenize(text, *wsp)
	ws := *wsp

	if !lang.Valid() {
		lang, _ = detectWords(ws)
	}
	li, known := langIndex(lang)
	n := 0
	for i := range ws {
		if known {
			a.analyzeWord(&ws[i], li)
		} else {
			analyzeWordUnknown(&ws[i])
		}
		if !ws[i].stop {
			n++
		}
	}

	res := Analysis{Lang: lang}
	if n > 0 {
		res.Tokens = make([]Token, 0, n)
		for i := range ws {
			w := &ws[i]
			if !w.stop {
				res.Tokens = append(res.Tokens, Token{Term: w.term, Surface: text[w.start:w.end], Pos: w.pos})
			}
		}
	}
	if a.lex != nil {
		if known {
			res.Concepts = a.lex.match(text, ws, li, nil)
		} else {
			res.Concepts = a.matchAllLangs(text, ws)
		}
	}
	return res
}

// matchAllLangs looks for the lexicon's terms of every language in a text
// whose language is unknown, analysing its words in each language in turn.
func (a *Analyzer) matchAllLangs(text string, ws []word) []ConceptHit {
	tmp := getWords()
	defer putWords(tmp)
	var hits []ConceptHit
	for li := range numLangs {
		if !a.lex.hasLang(li) {
			continue
		}
		*tmp = append((*tmp)[:0], ws...)
		for i := range *tmp {
			a.analyzeWord(&(*tmp)[i], li)
		}
		hits = a.lex.match(text, *tmp, li, hits)
	}
	sortHits(hits)
	return dedupeHits(hits)
}

// analyzeWord sets the term and stop flag of w in the language li.
func (a *Analyzer) analyzeWord(w *word, li int) {
	switch {
	case w.flags&wTooLong != 0:
		w.term, w.stop = "", true
	case w.flags&wElision != 0:
		w.term, w.stop = w.lower, true
	case w.flags&wPrefix != 0:
		w.term, w.stop = FoldAccents(w.lower), true
	case w.flags&wDigit != 0:
		// Numbers and codes (2030, covid19, co2) are kept as written:
		// stemming "2030s" or "g20" means nothing.
		w.term, w.stop = FoldAccents(w.lower), false
	default:
		e := a.lookup(w.lower, li)
		w.term, w.stop = e.term, e.stop
	}
}

// analyzeWordUnknown sets the term and stop flag of w when the language is
// unknown: no stemmer applies, and a stop word of any language is dropped.
func analyzeWordUnknown(w *word) {
	switch {
	case w.flags&wTooLong != 0:
		w.term, w.stop = "", true
	case w.flags&wElision != 0:
		w.term, w.stop = w.lower, true
	case w.flags&wPrefix != 0:
		w.term, w.stop = FoldAccents(w.lower), true
	case w.flags&wDigit != 0:
		w.term, w.stop = FoldAccents(w.lower), false
	default:
		w.term = FoldAccents(w.lower)
		w.stop = utf8.RuneCountInString(w.lower) <= 1 || isStopFolded(w.term, "")
	}
}

// lookup returns the analysis of the lower-cased word in the language li,
// from the cache when it has it.
func (a *Analyzer) lookup(lower string, li int) cacheEntry {
	c := a.caches[li]
	if c == nil {
		return analyzeLower(lower, li)
	}
	if e, ok := c.get(lower); ok {
		return e
	}
	e := analyzeLower(lower, li)
	c.put(lower, e)
	return e
}

// analyzeLower is the analysis of one lower-cased word in the language li:
// stop words and single letters are stop words, the rest is stemmed and
// folded. Stop words keep their folded form as term, for the hyphenated
// lexicon expressions that need them ("bien-être").
func analyzeLower(lower string, li int) cacheEntry {
	folded := FoldAccents(lower)
	if utf8.RuneCountInString(lower) <= 1 {
		return cacheEntry{term: folded, stop: true}
	}
	if _, stop := stopWords[li][folded]; stop {
		return cacheEntry{term: folded, stop: true}
	}
	if t, ok := accentedWhole[li][lower]; ok {
		return cacheEntry{term: t}
	}
	stem := stemmers[li](restoreAccents(lower, li), true)
	if stem == "" {
		stem = lower
	}
	return cacheEntry{term: guardStem(folded, FoldAccents(stem), li)}
}

// accentedSuffixes are endings whose accent the French and Spanish stemmers
// need to find the suffix, and that a word typed without accents has lost:
// "securite" would stem to "securit" and miss "sécurité" ("secur"),
// "participacion" would stay whole and miss "participación" ("particip").
// Each ending here is almost never right without its accent, and where it is
// ("limite", "visite") the stem comes out the same.
var accentedSuffixes = [numLangs][]struct{ plain, accented string }{
	langFR: {
		{"ites", "ités"}, {"ite", "ité"}, {"ieres", "ières"}, {"iere", "ière"},
		{"ees", "ées"}, {"ee", "ée"}, {"cces", "ccès"}, {"ogres", "ogrès"}, {"ngres", "ngrès"},
	},
	langES: {
		{"cion", "ción"}, {"sion", "sión"}, {"logias", "logías"}, {"logia", "logía"},
		{"grafias", "grafías"}, {"grafia", "grafía"}, {"nomias", "nomías"}, {"nomia", "nomía"},
		{"ldias", "ldías"}, {"ldia", "ldía"}, {"danias", "danías"}, {"dania", "danía"},
	},
}

// restoreAccents puts back the accent of a known ending on a word written
// without any accent, so that it stems like its accented spelling. A word
// with an accent anywhere is taken as typed with care and left alone.
func restoreAccents(lower string, li int) string {
	for i := 0; i < len(lower); i++ {
		if lower[i] >= utf8.RuneSelf {
			return lower
		}
	}
	for _, s := range accentedSuffixes[li] {
		if len(lower) > len(s.plain)+1 && strings.HasSuffix(lower, s.plain) {
			return lower[:len(lower)-len(s.plain)] + s.accented
		}
	}
	return lower
}
