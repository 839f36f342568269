package matcher

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The bridge's data, generated from EuroVoc by `make bridge-data` (see
// matcher/internal/bridgegen and docs/data-sources.md for the sources and
// their licences).
//
//go:embed bridgedata/thesaurus.tsv.gz bridgedata/translations.tsv.gz
var bridgeData embed.FS

// ThesaurusPrefix starts the concept code of every thesaurus concept
// ("eurovoc:1018" is public finance), so that a reader, and the code, tell
// them from the taxonomy's themes.
const ThesaurusPrefix = "eurovoc:"

// Thesaurus concepts weigh less than the taxonomy's themes (labels and
// synonyms 1, see TaxonomyLexicon): they were written for EU documents, not
// for the network's subjects, and they are many. A label of one word
// ("welfare", "taxation") says less about a text's subject than one of
// several ("local authority finances"), and weighs less: under
// minRecognisable, so that such a concept adds to the concept factor as
// much as it weighs but is never shown as shared nor counted in its trust.
const (
	thesaurusWeightPhrase = 0.5
	thesaurusWeightWord   = 0.3
)

// TranslationWeight is what a word of a challenge gives, in the other
// languages, to its translations: a translation is a guess at the word's
// sense, so a document found through it counts for less than one that uses
// the word itself. It is shared between the translations of the word into
// one language by their probabilities.
const TranslationWeight = 0.5

// Bridge is the broader bridge between languages: the concepts of a
// multilingual thesaurus, found in texts as the taxonomy's themes are, and
// word translations that carry the words of a challenge into the other two
// languages. It is read-only once built and safe for concurrent use.
type Bridge struct {
	lex     *Lexicon
	entries int
	// trans are, by source language and source term, the terms of the
	// other languages the word translates into, with their probabilities
	// (summing to 1 for each target language).
	trans [numLangs]map[string][]translation
	pairs int
	// cognates is set with the translations: the words they do not
	// translate get their cognates (see cognates).
	cognates bool
	memo     cognateMemo
}

// translation is a term of another language a word translates into.
type translation struct {
	term  string
	p     float64
	words []string // the source words it was drawn from, folded
	to    int      // the language of term
}

// maxInflection is how many letters a word of a text may have more or
// less than a dictionary word of the same stem to take its translations:
// "déchets" takes those of "déchet", "financières" those of "financier",
// but "environ" (about) not those of "environnement", with which the
// French stemmer confuses it.
const maxInflection = 2

// appliesTo reports whether the translation is one of the word w (lower
// case, folded) of the language from: w or an inflection of one of its
// source words.
func (t *translation) appliesTo(from int, w string) bool {
	for _, s := range t.words {
		short, long := s, w
		if len(short) > len(long) {
			short, long = long, short
		}
		if strings.HasPrefix(long, short) && utf8.RuneCountInString(long)-utf8.RuneCountInString(short) <= maxInflection &&
			inflection(from, short, long[len(short):]) {
			return true
		}
	}
	return false
}

// inflection reports whether ending can make a form of the word base
// (folded) in the language from. Spanish endings are checked: a plural adds
// "s" to a vowel and "es" to a consonant, and a feminine adds "a" or "as"
// only to the consonant endings that take one ("trabajador", "trabajadora";
// "español", "española"; "alemán", "alemana"; "francés", "francesa"). The
// Spanish stemmer gives "comunas" (districts) the stem of "común" (common),
// whose plural is "comunes". French and English take any ending of up to
// maxInflection letters: French "commune" is both the feminine of "commun"
// (common) and a municipality, which only the sentence tells apart.
func inflection(from int, base, ending string) bool {
	if from != langES || ending == "" || base == "" {
		return true
	}
	vowel := strings.IndexByte("aeiou", base[len(base)-1]) >= 0
	switch ending {
	case "s":
		return vowel
	case "es":
		return !vowel
	case "a", "as":
		for _, end := range [...]string{"or", "on", "an", "in", "es", "ol"} {
			if strings.HasSuffix(base, end) {
				return true
			}
		}
	}
	return false
}

// BridgeParts chooses the parts of the bridge to use, so that each can be
// measured, and kept, on its own.
type BridgeParts uint8

// The parts of the bridge.
const (
	// BridgeThesaurus finds the thesaurus's concepts in texts.
	BridgeThesaurus BridgeParts = 1 << iota
	// BridgeTranslations adds the translations of a challenge's words.
	BridgeTranslations
	// BridgeAll is both.
	BridgeAll = BridgeThesaurus | BridgeTranslations
)

// bridges are the bridges built, by parts: the data is the binary's, so
// each is built once per process and shared (a Bridge is read-only).
var bridges [BridgeAll + 1]struct {
	once sync.Once
	b    *Bridge
	err  error
}

// NewBridge returns the parts of the bridge, built from the data embedded in
// the binary. The bridge is built once per process and parts, and shared.
func NewBridge(parts BridgeParts) (*Bridge, error) {
	parts &= BridgeAll
	c := &bridges[parts]
	c.once.Do(func() { c.b, c.err = newBridge(parts) })
	return c.b, c.err
}

// newBridge builds the parts of the bridge.
func newBridge(parts BridgeParts) (*Bridge, error) {
	thes, err := readBridgeTSV("bridgedata/thesaurus.tsv.gz", 5)
	if err != nil {
		return nil, err
	}
	trans, err := readBridgeTSV("bridgedata/translations.tsv.gz", 5)
	if err != nil {
		return nil, err
	}
	b := &Bridge{cognates: parts&BridgeTranslations != 0}
	if parts&BridgeThesaurus == 0 {
		thes = nil
	}
	if parts&BridgeTranslations == 0 {
		trans = nil
	}
	b.lex, b.entries = NewLexicon(thesaurusEntries(thes)), len(thes)

	// Counts by (source language, source term, target language, target
	// term): words that stem alike pool their evidence, and each
	// translation remembers the words it was drawn from.
	type pair struct{ src, tgt string }
	type evidence struct {
		n     float64
		words []string
	}
	counts := map[[2]int]map[pair]*evidence{}
	// total is each word's evidence into a language, over all its senses:
	// those that add nothing to a query count too, a translation that
	// shares the word's stem (French "générale", Spanish "general") or is a
	// stop word. Left out, their share went to the word's other
	// translations, so French "générale", aligned once with "financial" and
	// once with "general", became "financial" at full weight.
	total := map[[2]int]map[string]float64{}
	for _, r := range trans {
		from, ok1 := langIndex(Lang(r[0]))
		to, ok2 := langIndex(Lang(r[2]))
		n, err := strconv.ParseFloat(r[4], 64)
		if !ok1 || !ok2 || err != nil || n <= 0 {
			return nil, fmt.Errorf("bridge translations: bad line %q", strings.Join(r, "\t"))
		}
		word := strings.ToLower(r[1])
		src, tgt := analyzeLower(word, from), analyzeLower(strings.ToLower(r[3]), to)
		if src.stop || src.term == "" {
			continue
		}
		k := [2]int{from, to}
		if total[k] == nil {
			total[k] = map[string]float64{}
		}
		total[k][src.term] += n
		if tgt.stop || tgt.term == "" || src.term == tgt.term {
			// A shared stem meets itself already; a stop word carries
			// nothing.
			continue
		}
		if counts[k] == nil {
			counts[k] = map[pair]*evidence{}
		}
		e := counts[k][pair{src.term, tgt.term}]
		if e == nil {
			e = &evidence{}
			counts[k][pair{src.term, tgt.term}] = e
		}
		e.n += n
		if w := FoldAccents(word); !slices.Contains(e.words, w) {
			e.words = append(e.words, w)
		}
	}
	for k, m := range counts {
		from := k[0]
		if b.trans[from] == nil {
			b.trans[from] = map[string][]translation{}
		}
		for st, e := range m {
			slices.Sort(e.words)
			b.trans[from][st.src] = append(b.trans[from][st.src], translation{term: st.tgt, p: e.n / total[k][st.src], words: e.words, to: k[1]})
			b.pairs++
		}
	}
	for li := range b.trans {
		for _, ts := range b.trans[li] {
			// The same order every time: query sums run in it.
			slices.SortFunc(ts, func(a, b translation) int { return strings.Compare(a.term, b.term) })
		}
	}
	return b, nil
}

// thesaurusEntries are the lexicon entries of the thesaurus rows (id,
// micro-thesaurus, en, fr, es), less the labels that stand for several
// concepts in one language once analysed: in French, "commune" is both a
// municipality and a people's commune, and a text that says it means one
// of them only. Such a word is no evidence of either; the concepts keep
// their labels in the other languages.
func thesaurusEntries(rows [][]string) []LexiconEntry {
	type key struct {
		li    int
		terms string
	}
	ws := getWords()
	defer putWords(ws)
	var memo [numLangs]map[string]cacheEntry
	for li := range memo {
		memo[li] = map[string]cacheEntry{}
	}
	keys := make([][numLangs]key, len(rows))
	concepts := map[key]map[string]bool{}
	for i, r := range rows {
		for li := range numLangs {
			terms, _, _, _, ok := analyzeTerm(r[2+li], li, ws, memo[li])
			if !ok {
				continue
			}
			k := key{li, strings.Join(terms, "\x00")}
			keys[i][li] = k
			if concepts[k] == nil {
				concepts[k] = map[string]bool{}
			}
			concepts[k][r[0]] = true
		}
	}
	var entries []LexiconEntry
	for i, r := range rows {
		for li, lang := range langByIndex {
			if k := keys[i][li]; k.terms == "" || len(concepts[k]) > 1 {
				continue
			}
			entries = append(entries, LexiconEntry{Concept: ThesaurusPrefix + r[0], Lang: lang, Term: r[2+li], Weight: thesaurusWeight(r[2+li])})
		}
	}
	return entries
}

// thesaurusWeight is the weight of a thesaurus label: less for a single
// word.
func thesaurusWeight(label string) float64 {
	if len(strings.Fields(label)) > 1 {
		return thesaurusWeightPhrase
	}
	return thesaurusWeightWord
}

// readBridgeTSV reads an embedded gzip'd TSV whose lines have n fields.
func readBridgeTSV(name string, n int) ([][]string, error) {
	raw, err := bridgeData.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("bridge %s: %w", name, err)
	}
	var rows [][]string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != n {
			return nil, fmt.Errorf("bridge %s: line %d has %d fields, want %d", name, len(rows)+1, len(f), n)
		}
		rows = append(rows, f)
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		return nil, fmt.Errorf("bridge %s: %w", name, err)
	}
	return rows, nil
}

// Concepts returns the number of thesaurus concepts of the bridge.
func (b *Bridge) Concepts() int { return b.entries }

// Translations returns the number of word translations of the bridge, from
// one term of a language to one of another.
func (b *Bridge) Translations() int { return b.pairs }

// Translate returns the terms of the word (in lang) in each other language
// with their probabilities, as the bridge would add them to a challenge:
// for explanations and tests.
func (b *Bridge) Translate(word string, lang Lang) map[string]float64 {
	li, ok := langIndex(lang)
	if !ok {
		return nil
	}
	lower := strings.ToLower(word)
	e, folded := analyzeLower(lower, li), FoldAccents(lower)
	out := map[string]float64{}
	var attested [numLangs]bool
	for _, t := range b.trans[li][e.term] {
		if t.appliesTo(li, folded) {
			out[t.term] += t.p
			attested[t.to] = true
		}
	}
	for to := range numLangs {
		if to == li || attested[to] || !b.cognates {
			continue
		}
		terms := cognateTerms([]string{folded}, e.term, li, to, analyzeLower)
		for _, term := range terms {
			out[term] += CognateWeight / float64(len(terms))
		}
	}
	return out
}

// WithBridge returns a lexicon that finds the concepts of l and, besides
// them, those of the bridge's thesaurus, and whose analyzer adds the
// translations of a challenge's words to it (see Suggest). The thesaurus is
// matched on its own, so that its longer expressions never hide a theme of
// l; Label names its concepts, which Concepts, Terms and Len leave out (they
// describe l). A nil bridge returns l.
func (l *Lexicon) WithBridge(b *Bridge) *Lexicon {
	if b == nil {
		return l
	}
	if l == nil {
		l = NewLexicon(nil)
	}
	c := *l
	c.bridge = b
	return &c
}

// matchBridge appends the thesaurus concepts found in the analysed words ws
// of text to hits.
func (l *Lexicon) matchBridge(text string, ws []word, li int, hits []ConceptHit) []ConceptHit {
	if l.bridge == nil {
		return hits
	}
	return l.bridge.lex.matchFirst(text, ws, li, nil, hits)
}

// bridgeLabel is the label of a thesaurus concept, "" when it is not one.
func (l *Lexicon) bridgeLabel(concept string, lang Lang) string {
	if l == nil || l.bridge == nil || l.bridge.lex.labels[concept] == nil {
		return ""
	}
	return l.bridge.lex.Label(concept, lang)
}

// translatedTerm is a term of another language that words of a challenge
// translate into: each of those words with its weighted frequency in the
// challenge and the share of it the translation carries (TranslationWeight
// times the translation's probability).
type translatedTerm struct {
	key   string
	from  []translatedFrom
	words []string // the challenge's words it translates, as written
}

type translatedFrom struct {
	tf    float32
	share float64
}

// translateQuery returns the translations of the terms of a challenge in
// lang into the other languages, sorted by key, nil without a bridge. The
// words that led to each translation are added to surfaces, so that an
// explanation shows "déchets" for a document that says "waste".
func (a *Analyzer) translateQuery(lang Lang, terms []featTF, surfaces map[string][]string) []translatedTerm {
	if a.lex == nil || a.lex.bridge == nil {
		return nil
	}
	li, ok := langIndex(lang)
	if !ok {
		return nil
	}
	tr := a.lex.bridge.trans[li]
	byKey := map[string]int{}
	var out []translatedTerm
	var folded []string
	for _, f := range terms {
		ts := tr[f.key]
		folded = folded[:0]
		for _, w := range surfaces[f.key] {
			folded = append(folded, FoldAccents(strings.ToLower(w)))
		}
		var attested [numLangs]bool
		add := func(term string, share float64) {
			i, ok := byKey[term]
			if !ok {
				i = len(out)
				byKey[term] = i
				out = append(out, translatedTerm{key: term})
			}
			out[i].from = append(out[i].from, translatedFrom{tf: f.tf, share: share})
			out[i].words = append(out[i].words, surfaces[f.key]...)
		}
		for j := range ts {
			t := &ts[j]
			if !slices.ContainsFunc(folded, func(w string) bool { return t.appliesTo(li, w) }) {
				continue
			}
			attested[t.to] = true
			add(t.term, TranslationWeight*t.p)
		}
		// The languages the dictionary does not take the word into get
		// its cognates, if its ending makes any (see cognates).
		for to := range numLangs {
			if to == li || attested[to] || !a.lex.bridge.cognates {
				continue
			}
			var terms []string
			for _, w := range folded {
				for _, t := range a.lex.bridge.memo.terms(w, f.key, li, to, a.lookup) {
					if !slices.Contains(terms, t) {
						terms = append(terms, t)
					}
				}
			}
			for _, term := range terms {
				add(term, TranslationWeight*CognateWeight/float64(len(terms)))
			}
		}
	}
	// The words are added once every term is translated, so that a
	// translation never passes for a word of the challenge above.
	for _, t := range out {
		for _, w := range t.words {
			surfaces[t.key] = addWord(surfaces[t.key], w)
		}
	}
	slices.SortFunc(out, func(a, b translatedTerm) int { return strings.Compare(a.key, b.key) })
	return out
}

// addTranslations adds the translations of a challenge's words to its
// query vector qv, prepared from its words terms: each weighs the share it
// carries of its source word's weight, with its own rarity. They do not
// count in the query's norm: a translation is more evidence for a document
// in another language, and it must not make the challenge's own words
// weigh less, which would reorder the documents of its own language.
//
// ids are the feature IDs of terms and translated in st (see subjectIDs).
func (st *state) addTranslations(qv *qvec, terms []featTF, translated []translatedTerm, ids *subjectIDs) {
	if len(translated) == 0 {
		return
	}
	r := st.rankingOf(classTerm)
	qtf := func(tf float32) float64 {
		if r == RankTFIDF {
			return tfidfWeight(tf, 1)
		}
		return bm25QTF(float64(tf))
	}
	df := func(id uint32) (uint32, int) {
		if id == noID {
			return 0, 0
		}
		return id, st.df(qv.seg, id)
	}
	norm := 0.0
	for i, f := range terms {
		_, d := df(ids.terms[i])
		w := st.idfOf(r, qv.seg, d) * qtf(f.tf)
		if r == RankTFIDF {
			norm += w * w
		} else {
			norm += w
		}
	}
	if norm == 0 {
		return
	}
	scale := impactScale(RankBM25) / norm
	if r == RankTFIDF {
		scale = 1 / math.Sqrt(norm)
	}
	n := len(qv.feats)
	for i, t := range translated {
		id, d := df(ids.translated[i])
		if d == 0 {
			continue
		}
		w := 0.0
		for _, f := range t.from {
			w += qtf(f.tf) * f.share
		}
		w *= st.idfOf(r, qv.seg, d) * scale
		i, found := slices.BinarySearchFunc(qv.feats[:n], id, func(f qfeat, id uint32) int { return cmp.Compare(f.id, id) })
		if found && qv.feats[i].class == classTerm {
			qv.feats[i].w += w
			continue
		}
		qv.feats = append(qv.feats, qfeat{id: id, class: classTerm, w: w, df: d})
	}
	sortFeats(qv.feats, func(f *qfeat) uint64 { return uint64(f.id) })
}
