package matcher

import (
	"math"
	"slices"
	"strings"
)

// LexiconEntry is one term of a concept in one language. Weight 0 means 1.
type LexiconEntry struct {
	Concept string  `json:"concept"`          // language-neutral code, e.g. "waste"
	Lang    Lang    `json:"lang"`             // the language of Term
	Term    string  `json:"term"`             // a word or expression, e.g. "tri à la source"
	Weight  float64 `json:"weight,omitempty"` // how much a hit counts; 0 (or less) means 1
	// Label marks the concept's name in Lang, as a person reads it ("Gestion
	// des déchets solides et recyclage"): what Lexicon.Label returns. When
	// no entry of a language is marked, the first one given is the label.
	Label bool `json:"label,omitempty"`
}

// maxGap is how many stop words may stand between two words of an
// expression in a text, so that "gestión de los residuos sólidos" holds
// "gestión de residuos sólidos". Further apart, the words belong to
// different phrases.
const maxGap = 3

// Lexicon maps words and multi-word expressions of the three languages to
// concepts. It is the bridge between languages: a French text and an English
// one share no stem, but they share concepts. It is read-only once built and
// safe for concurrent use.
type Lexicon struct {
	// byFirst indexes each language's expressions by their first term, the
	// longest first, so that a text word costs one map lookup.
	byFirst  [numLangs]map[string][]*expression
	entries  map[string][]LexiconEntry // by concept, as given
	concepts []string                  // sorted
	labels   map[string]*conceptLabels
	n        int
	bridge   *Bridge // see WithBridge; nil for none
}

// conceptLabels are a concept's labels by language, and whether each was
// marked as such (a marked one wins over the first term given).
type conceptLabels struct {
	text   [numLangs]string
	marked [numLangs]bool
}

// expression is an analysed lexicon term with the concepts it stands for.
type expression struct {
	// terms are the index terms to find. In a loose expression they are
	// its content words, and stop words may stand between them in the text.
	// In a strict one, an expression of several words with a single
	// content word ("bien-être", "well-being", "en ligne"), they are all
	// its words, to be found one after the other: otherwise "bien-être"
	// would match every "bien".
	terms []string
	// forms are, for each term, the word of the lexicon it was drawn
	// from, folded: a word of a text matches a term only when it is of
	// the word's family (see sameFamily).
	forms  []string
	strict bool
	words  int // words of the term, stop words included, to rank candidates
	hits   []conceptWeight
}

type conceptWeight struct {
	concept string
	weight  float64
}

// NewLexicon builds a lexicon from entries. Each term is analysed with the
// pipeline of its own language (stemmed, folded, stop words set aside), so
// that it matches the texts that Analyze sees. Entries with no concept, a
// language other than en, fr and es, or a term with no content word (empty,
// stop words only, noise) are skipped. A term repeated for a concept, even
// in another inflection ("budget participatif", "budgets participatifs"),
// counts once, with its highest weight.
func NewLexicon(entries []LexiconEntry) *Lexicon {
	l := &Lexicon{entries: map[string][]LexiconEntry{}, labels: map[string]*conceptLabels{}}
	type key struct {
		li     int
		strict bool
		terms  string
	}
	exprs := map[key][]*expression{}
	ws := getWords()
	defer putWords(ws)
	// Taxonomies repeat their words ("gestion", "urban", "de"): remember
	// each word's analysis while building.
	var memo [numLangs]map[string]cacheEntry
	for li := range memo {
		memo[li] = map[string]cacheEntry{}
	}
	for _, e := range entries {
		e.Concept = strings.TrimSpace(e.Concept)
		li, ok := langIndex(e.Lang)
		if e.Concept == "" || !ok {
			continue
		}
		if e.Weight <= 0 || math.IsNaN(e.Weight) || math.IsInf(e.Weight, 0) {
			e.Weight = 1
		}
		terms, forms, strict, words, ok := analyzeTerm(e.Term, li, ws, memo[li])
		if !ok {
			continue
		}
		lb := l.labels[e.Concept]
		if lb == nil {
			lb = &conceptLabels{}
			l.labels[e.Concept] = lb
		}
		if lb.text[li] == "" || e.Label && !lb.marked[li] {
			lb.text[li], lb.marked[li] = strings.Join(strings.Fields(e.Term), " "), e.Label
		}
		// Words of one stem but of other families ("redevabilité" and
		// "redevances") make expressions of their own, each matching its
		// own family (see fits); inflections share one.
		k := key{li, strict, strings.Join(terms, "\x00")}
		var x *expression
		for _, y := range exprs[k] {
			if slices.EqualFunc(y.forms, forms, sameFamily) {
				x = y
				break
			}
		}
		if x == nil {
			x = &expression{terms: terms, forms: forms, strict: strict, words: words}
			exprs[k] = append(exprs[k], x)
			if l.byFirst[li] == nil {
				l.byFirst[li] = map[string][]*expression{}
			}
			l.byFirst[li][terms[0]] = append(l.byFirst[li][terms[0]], x)
		}
		if i := slices.IndexFunc(x.hits, func(c conceptWeight) bool { return c.concept == e.Concept }); i >= 0 {
			x.hits[i].weight = max(x.hits[i].weight, e.Weight)
			continue
		}
		x.hits = append(x.hits, conceptWeight{e.Concept, e.Weight})
		if _, seen := l.entries[e.Concept]; !seen {
			l.concepts = append(l.concepts, e.Concept)
		}
		l.entries[e.Concept] = append(l.entries[e.Concept], e)
		l.n++
	}
	for li := range l.byFirst {
		for _, xs := range l.byFirst[li] {
			for _, x := range xs {
				slices.SortFunc(x.hits, func(a, b conceptWeight) int { return strings.Compare(a.concept, b.concept) })
			}
			slices.SortStableFunc(xs, func(a, b *expression) int {
				if len(a.terms) != len(b.terms) {
					return len(b.terms) - len(a.terms)
				}
				return b.words - a.words
			})
		}
	}
	slices.Sort(l.concepts)
	return l
}

// analyzeTerm analyses a lexicon term in the language li: its terms, and
// the words they were drawn from, folded. ok is false when the term has
// nothing to match.
func analyzeTerm(term string, li int, ws *[]word, memo map[string]cacheEntry) (terms, forms []string, strict bool, words int, ok bool) {
	term = normalizeText(term)
	*ws = tokenize(term, (*ws)[:0])
	var all, content, allForms, contentForms []string
	for i := range *ws {
		w := &(*ws)[i]
		switch {
		case w.flags&wTooLong != 0:
			return nil, nil, false, 0, false
		case w.flags&wElision != 0:
			continue // "l'eau" is "eau": an elided article never counts
		case w.flags&wPrefix != 0:
			w.term, w.stop = FoldAccents(w.lower), true
		case w.flags&wDigit != 0:
			w.term, w.stop = FoldAccents(w.lower), false
		default:
			e, ok := memo[w.lower]
			if !ok {
				e = analyzeLower(w.lower, li)
				memo[strings.Clone(w.lower)] = e
			}
			w.term, w.stop = e.term, e.stop
		}
		form := FoldAccents(w.lower)
		all, allForms = append(all, w.term), append(allForms, form)
		if !w.stop {
			content, contentForms = append(content, w.term), append(contentForms, form)
		}
	}
	switch {
	case len(content) == 0:
		// Only stop words: it would match everywhere.
		return nil, nil, false, 0, false
	case len(content) >= 2 || len(all) == 1:
		return content, contentForms, false, len(all), true
	default:
		return all, allForms, true, len(all), true
	}
}

// maxEnding is how many letters past what two words share an inflection
// may change: "déchet" and "déchets", "collecte" and "collectées", "city"
// and "cities", "urbano" and "urbanas", "participation" and "participatif"
// are one family; but not "intégrité" and "intégration", "redevabilité" and
// "redevance", "accountability" and "accountable", which the stemmers give
// one stem.
const maxEnding = 3

// sameFamily reports whether the folded words a and b differ only in an
// ending: past what they share, each has at most maxEnding letters, and
// endings of three letters start alike (or as "y" and "ies" do) unless the
// other word ends there: "intégrée" and "intégrité" are other words. A
// lexicon term found in a text through a word that only shares its stem is
// a concept a reader would not recognise there ("integration" is not
// "integrity").
func sameFamily(a, b string) bool {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	ra, rb := a[n:], b[n:]
	switch {
	case len(ra) > maxEnding || len(rb) > maxEnding:
		return false
	case len(ra) < maxEnding && len(rb) < maxEnding, ra == "", rb == "":
		return true
	}
	x, y := min(ra[0], rb[0]), max(ra[0], rb[0])
	return x == y || x == 'i' && y == 'y'
}

// fits reports whether the text word w may stand for the j-th term of x:
// it has the term, and is of the family of the term's word.
func (x *expression) fits(j int, w *word) bool {
	return w.term == x.terms[j] && sameFamily(FoldAccents(w.lower), x.forms[j])
}

// Len returns the number of terms in the lexicon: the distinct (concept,
// language, analysed term) entries that can match. A nil Lexicon is empty.
func (l *Lexicon) Len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// Concepts returns the codes of the lexicon's concepts, sorted.
func (l *Lexicon) Concepts() []string {
	if l == nil {
		return nil
	}
	return slices.Clone(l.concepts)
}

// Terms returns the entries of a concept that made it into the lexicon, in
// the order given, with their weights set (of a repeated term, the first
// spelling is listed); nil for an unknown concept.
func (l *Lexicon) Terms(concept string) []LexiconEntry {
	if l == nil {
		return nil
	}
	return slices.Clone(l.entries[concept])
}

// Label returns the name of concept in lang, as a person reads it: the
// entry marked Label in that language, else the first one given in it;
// when the concept has no term in lang, its label in English, French or
// Spanish, the first there is; the concept's code when the lexicon does not
// know it.
func (l *Lexicon) Label(concept string, lang Lang) string {
	if l == nil || l.labels[concept] == nil {
		if lb := l.bridgeLabel(concept, lang); lb != "" {
			return lb
		}
		return concept
	}
	lb := l.labels[concept]
	if li, ok := langIndex(lang); ok && lb.text[li] != "" {
		return lb.text[li]
	}
	for _, t := range lb.text {
		if t != "" {
			return t
		}
	}
	return concept
}

func (l *Lexicon) hasLang(li int) bool { return len(l.byFirst[li]) > 0 }

// match appends to hits the concepts whose terms in the language li are
// found in the analysed words ws of text. At each word the longest
// expression wins and the words it covers are not looked at again, so that
// "tri à la source" is waste, not also water through "source".
func (l *Lexicon) match(text string, ws []word, li int, hits []ConceptHit) []ConceptHit {
	return l.matchFirst(text, ws, li, nil, hits)
}

// matchFirst is match with, when first is not nil, the expressions that
// start with each word's term looked up already: first[i] are those of
// ws[i]. Build remembers them with each word it meets, which saves a map
// lookup a word.
func (l *Lexicon) matchFirst(text string, ws []word, li int, first [][]*expression, hits []ConceptHit) []ConceptHit {
	index := l.byFirst[li]
	if len(index) == 0 {
		return l.matchBridge(text, ws, li, hits)
	}
	for i := 0; i < len(ws); i++ {
		w := &ws[i]
		if w.term == "" || w.flags&(wTooLong|wElision) != 0 {
			continue
		}
		var xs []*expression
		if first != nil {
			xs = first[i]
		} else {
			xs = index[w.term]
		}
		folded := "" // the word folded, once an expression matches it
		for _, x := range xs {
			var end int
			var ok bool
			if x.strict {
				end, ok = matchStrict(ws, i, x)
			} else if !w.stop {
				end, ok = matchLoose(ws, i, x)
			}
			if !ok {
				continue
			}
			// The first word has the term (xs are the expressions that
			// start with it): is it of the family of the term's word?
			if folded == "" {
				folded = FoldAccents(w.lower)
			}
			if !sameFamily(folded, x.forms[0]) {
				continue
			}
			surface := text[w.start:ws[end].end]
			words := 1 // a strict expression may hold stop words only: bien-être
			for k := i + 1; k <= end; k++ {
				if !ws[k].stop {
					words++
				}
			}
			for _, c := range x.hits {
				hits = append(hits, ConceptHit{Concept: c.concept, Surface: surface, Weight: c.weight, Pos: w.pos, Words: words})
			}
			i = end
			break
		}
	}
	return l.matchBridge(text, ws, li, hits)
}

// matchLoose matches the terms of a loose expression from word i, with at
// most maxGap stop words between two of them and no phrase break. It
// returns the index of the last word matched.
func matchLoose(ws []word, i int, x *expression) (int, bool) {
	k := i
	for j := 1; j < len(x.terms); j++ {
		gap := 0
		m := k + 1
		for ; m < len(ws); m++ {
			w := &ws[m]
			if w.flags&(wBreak|wTooLong) != 0 {
				return 0, false
			}
			if !w.stop {
				break
			}
			if gap++; gap > maxGap {
				return 0, false
			}
		}
		if m == len(ws) || !x.fits(j, &ws[m]) {
			return 0, false
		}
		k = m
	}
	return k, true
}

// matchStrict matches every word of a strict expression from word i, one
// after the other; only elided articles may stand between.
func matchStrict(ws []word, i int, x *expression) (int, bool) {
	k := i
	for j := 1; j < len(x.terms); j++ {
		m := k + 1
		for m < len(ws) && ws[m].flags&wElision != 0 && ws[m].flags&wBreak == 0 {
			m++
		}
		if m == len(ws) || ws[m].flags&(wBreak|wTooLong) != 0 || !x.fits(j, &ws[m]) {
			return 0, false
		}
		k = m
	}
	return k, true
}

// sortHits orders hits by position, then concept, so that the hits of
// several languages read in text order.
func sortHits(hits []ConceptHit) {
	slices.SortStableFunc(hits, func(a, b ConceptHit) int {
		if a.Pos != b.Pos {
			return a.Pos - b.Pos
		}
		return strings.Compare(a.Concept, b.Concept)
	})
}

// dedupeHits drops a concept hit at a position already taken by the same
// concept: two languages may share a word ("participation").
func dedupeHits(hits []ConceptHit) []ConceptHit {
	return slices.CompactFunc(hits, func(a, b ConceptHit) bool {
		return a.Pos == b.Pos && a.Concept == b.Concept
	})
}

// TaxonomyTheme is one subject of the theme taxonomy as the lexicon reads
// it: a code, its label and its synonyms in each language. The taxonomy
// itself lives outside the matcher (the profiles package ships it); its
// themes are handed over as these plain values.
type TaxonomyTheme struct {
	Code     string              `json:"code"`
	Labels   map[string]string   `json:"labels"`
	Synonyms map[string][]string `json:"synonyms"`
}

// ProductionBridge are the parts of the bridge between languages (see
// Bridge) that production uses: the word translations, which carry a
// challenge's words into the other two languages at no cost to the index.
// The EuroVoc concepts are left out: on the evaluation set they raise
// nDCG@10 a little more, but they make the index hold about 28% more
// memory a document (docs/matching.md, "The bridge").
const ProductionBridge = BridgeTranslations

// TaxonomyLexicon is the lexicon of the theme taxonomy: every label and
// synonym, in its language, names its theme's concept, with weight 1 (a
// label is the taxonomy's name for the subject, marked so that Label
// returns it, not a stronger sign of it than a synonym), with the parts of
// the bridge between languages given (0 for none; ProductionBridge is what
// production uses). It is the one constructor production and the
// evaluation both call, so that the figures measured are those of the
// lexicon that serves. It fails only when the bridge's embedded data
// cannot be read, which is a broken build.
func TaxonomyLexicon(themes []TaxonomyTheme, parts BridgeParts) (*Lexicon, error) {
	var entries []LexiconEntry
	for _, t := range themes {
		for _, lang := range Languages() {
			if label := t.Labels[string(lang)]; label != "" {
				entries = append(entries, LexiconEntry{Concept: t.Code, Lang: lang, Term: label, Weight: 1, Label: true})
			}
			for _, syn := range t.Synonyms[string(lang)] {
				entries = append(entries, LexiconEntry{Concept: t.Code, Lang: lang, Term: syn, Weight: 1})
			}
		}
	}
	lex := NewLexicon(entries)
	if parts&BridgeAll == 0 {
		return lex, nil
	}
	b, err := NewBridge(parts)
	if err != nil {
		return nil, err
	}
	return lex.WithBridge(b), nil
}
