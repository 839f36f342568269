package matcher

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ScoreDecimals is the precision of scores and contributions. Each
// contribution is rounded to it and the score is their sum, so that the
// numbers a person reads add up.
const ScoreDecimals = 6

const scoreUnit = 1e6 // 10^ScoreDecimals

// units rounds v to an integer number of score units.
func units(v float64) int64 { return int64(math.Round(v * scoreUnit)) }

// fromUnits converts score units back to a score.
func fromUnits(u int64) float64 { return float64(u) / scoreUnit }

// round6 rounds a weight or a value for display.
func round6(v float64) float64 { return math.Round(v*scoreUnit) / scoreUnit }

// maxMatchedTerms bounds the words an explanation lists.
const maxMatchedTerms = 12

// pending is an explanation waiting for its evidence: the document's words
// as written are looked up again in its texts (see scanWords) after the
// lock is released, since getting the texts may mean asking the store.
type pending struct {
	exp   *Explanation
	own   Explanation // what exp points to when explain made it: one allocation for both
	docID string      // the document whose words to find ("" none)
	lang  Lang        // the language of its texts
	terms []string    // the terms of exp.MatchedTerms, in order
	// docHash is the contentHash of the version of the document scored.
	docHash uint64
	// The best track-record item: of the document (an expert suggested)
	// or of the subject (the expert in Opportunities).
	item        int
	itemOfDoc   bool
	itemTerms   []string
	scoreUnits  int64
	name        string // the document's Name, from the index
	cityID      string // its city
	detailItem  bool   // the text factor came from the item: name it in the detail
	textFactorI int    // index of the text contribution
	oneOff      bool   // the subject is asked about once: its evidence is not kept
}

// explain builds the explanation of r, everything but the words of the
// document, which wait in the returned pending.
func (s *search) explain(r *result) *pending {
	st := s.st
	p := &pending{item: -1, textFactorI: -1, oneOff: s.oneOff}
	p.own = Explanation{Mode: r.mode, Excluded: len(r.reasons) > 0, Exclusions: r.reasons}
	exp := &p.own
	p.exp = exp

	// Matched words, the most telling first.
	termHits := s.termHits[:0]
	defer func() { s.termHits = termHits[:0] }()
	var conceptHits []featScore
	termSum := 0.0
	for _, h := range r.hits {
		switch h.class {
		case classTerm:
			termHits = append(termHits, h)
			termSum += h.v
		case classConcept:
			conceptHits = append(conceptHits, h)
		}
	}
	st.sortHits(termHits)
	shown := termHits[:min(len(termHits), maxMatchedTerms)]
	exp.MatchedTerms = make([]TermMatch, 0, len(shown))
	p.terms = make([]string, 0, len(shown))
	for _, h := range shown {
		term := st.names[h.id]
		exp.MatchedTerms = append(exp.MatchedTerms, TermMatch{
			Term: term, Weight: round6(h.v / termSum),
			QueryWords: shared(s.text.surfaces[term]),
		})
		p.terms = append(p.terms, term)
	}
	st.sortHits(conceptHits)
	m := &st.meta[r.slot]
	var conceptNames []string
	for _, h := range conceptHits {
		c := strings.TrimPrefix(st.names[h.id], conceptPrefix)
		if s.text.conceptBest[c] < minRecognisable || !m.recognisable(h.id) {
			// A concept a reader would not recognise on both sides
			// is not shown as shared (see minRecognisable).
			continue
		}
		conceptNames = append(conceptNames, c)
		cm := ConceptMatch{Concept: c, QueryWords: shared(s.text.conceptWords[c])}
		for _, cs := range m.concepts {
			if cs.id == h.id {
				cm.DocWords = []string{cs.s}
			}
		}
		exp.SharedConcepts = append(exp.SharedConcepts, cm)
	}
	p.lang = langOf(m.lang)
	for _, t := range s.subjMeta.themes {
		if slices.Contains(m.themes, t) {
			exp.SharedThemes = append(exp.SharedThemes, st.themes.name(uint32(t)))
		}
	}
	if r.item >= 0 {
		p.item = r.item
		p.itemOfDoc = s.target == KindExpert
		st.sortHits(r.itemHits) // the result's own part of the search's hits
		for _, h := range r.itemHits {
			p.itemTerms = append(p.itemTerms, st.names[h.id])
		}
		exp.TrackRecord = &TrackRecordMatch{Index: r.item, Score: round6(r.itemScore), Record: round6(r.itemVal)}
	}

	// Contributions, in the order of factors.
	details := r.details
	details[fText] = reasons1(reason(ReasonWords, intArg("Count", len(termHits))))
	if r.item >= 0 && r.itemVal > r.textVal {
		details[fText] = reasons1(reason(ReasonRecordWords, intArg("Count", len(r.itemHits))))
		p.detailItem = true
	}
	if len(conceptNames) > 0 {
		details[fConcepts] = reasons1(reason(ReasonConcepts, typedArg("Concepts", ArgThemes, conceptNames)))
	}
	var total int64
	weighed := 0
	for i := range factors {
		if r.eff[i] != 0 {
			weighed++
		}
	}
	// One more: a city's explanation adds its other practices.
	exp.Contributions = make([]Contribution, 0, weighed+1)
	for i, f := range factors {
		if r.eff[i] == 0 {
			continue
		}
		u := units(r.eff[i] * r.vals[i])
		total += u
		if i == fText {
			p.textFactorI = len(exp.Contributions)
		}
		exp.Contributions = append(exp.Contributions, Contribution{
			Factor: f, GivenWeight: round6(r.given[i]), Weight: round6(r.eff[i]), Value: round6(r.vals[i]), Contribution: fromUnits(u), Reasons: details[i],
		})
	}
	exp.Scaling = s.weightScaling(r.mode, r.given, r.trust)
	exp.Score = fromUnits(total)
	p.scoreUnits = total
	p.docID, p.docHash = m.id, m.hash
	p.name = m.name
	if c := st.hot[r.slot].city; c != 0 {
		p.cityID = st.cities.name(c)
	}
	return p
}

// shared returns ws for an explanation without copying it: the subject's
// words are kept for every query on it, and an append to an explanation's
// list must not write into them (its capacity is its length).
func shared(ws []string) []string { return ws[:len(ws):len(ws)] }

// parallelEvidence is the number of explanations from which fillEvidence
// spreads its work over the index's workers (Candidates returns hundreds;
// a suggestion list, ten).
const parallelEvidence = 64

// fillEvidence finds the words of each pending explanation's document as
// written, and the words of the best track-record item. subject is the Doc
// that asked. It runs without the lock: a lookup may be slow.
func (ix *Index) fillEvidence(subject *Doc, ps []*pending) {
	if len(ps) >= parallelEvidence && ix.workers > 1 {
		parallel(ix.workers, len(ps), func(lo, hi int) { ix.fillEvidenceOf(subject, ps[lo:hi]) })
		return
	}
	ix.fillEvidenceOf(subject, ps)
}

// fillEvidenceOf is fillEvidence in one goroutine.
func (ix *Index) fillEvidenceOf(subject *Doc, ps []*pending) {
	var memo *termMemo
	if len(ps) > 1 {
		memo = &termMemo{}
	}
	for _, p := range ps {
		if p == nil || p.exp == nil {
			continue
		}
		var e *evidence
		if p.docID != "" {
			e = ix.docEvidence(p, memo)
		}
		if e != nil {
			for i := range p.terms {
				p.exp.MatchedTerms[i].DocWords = shared(e.words[i])
			}
		}
		if p.item < 0 || p.exp.TrackRecord == nil {
			continue
		}
		var title string
		var year int
		var words []string
		if p.itemOfDoc {
			if e == nil || !e.hasItem {
				continue
			}
			title, year, words = e.title, e.year, e.itemWords
		} else {
			if p.item >= len(subject.TrackRecord) {
				continue
			}
			it := subject.TrackRecord[p.item]
			title, year = it.Title, it.Year
			words = itemWords(ix.scanParts(docParts(subject), docLang(subject), p.itemTerms, p.item, memo))
		}
		p.exp.TrackRecord.Title, p.exp.TrackRecord.Year = title, year
		p.exp.TrackRecord.Words = append(p.exp.TrackRecord.Words, words...)
		if p.detailItem && p.textFactorI >= 0 {
			c := &p.exp.Contributions[p.textFactorI]
			c.Reasons = reasons1(reason(ReasonRecordItem, intArg("Count", len(p.itemTerms)), textArg("Title", title)))
		}
	}
}

// sortHits orders matched features the most telling first, ties by name:
// feature IDs, their order before, are given as the index is built, by
// several goroutines at once, so that two builds of the same documents
// (two replicas, or one restarted) listed tied words in different orders
// and, at the cut of maxMatchedTerms, showed different words.
func (st *state) sortHits(hs []featScore) {
	slices.SortFunc(hs, func(a, b featScore) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return strings.Compare(st.names[a.id], st.names[b.id])
	})
}

// itemWords is the list of a track-record item's words an explanation
// shows: the words of each term in turn, maxMatchedTerms at most.
func itemWords(byTerm [][]string) []string {
	var out []string
	for _, ws := range byTerm {
		for _, w := range ws {
			if len(out) < maxMatchedTerms {
				out = append(out, w)
			}
		}
	}
	return out
}

// docEvidence is the evidence of p's document: from the cache when the
// version the index scored was scanned for the same terms, else found in
// the document's texts and kept. nil when the texts cannot be had.
func (ix *Index) docEvidence(p *pending, memo *termMemo) *evidence {
	key := evidenceKey(ix.seed, p, p.docHash)
	if e := ix.evidence.get(key, p, p.docHash); e != nil {
		return e
	}
	doc, ok := ix.fetch(p.docID)
	if !ok {
		return nil
	}
	item, itemTerms := p.cachedItem()
	e := &evidence{docID: p.docID, hash: contentHash(ix.seed, &doc), lang: p.lang,
		terms: p.terms, item: item, itemTerms: itemTerms}
	parts := docParts(&doc)
	if len(p.terms) > 0 {
		e.words = cloneWords(ix.scanParts(parts, p.lang, p.terms, -1, memo))
	}
	if item >= 0 && item < len(doc.TrackRecord) {
		it := doc.TrackRecord[item]
		e.hasItem, e.title, e.year = true, strings.Clone(it.Title), it.Year
		e.itemWords = itemWords(cloneWords(ix.scanParts(parts, p.lang, itemTerms, item, memo)))
	}
	switch {
	case p.oneOff:
		// Terms asked about once are not asked again.
	case e.hash == p.docHash:
		ix.evidence.put(key, e)
	default:
		// The store holds another version than the one scored: keep what
		// was found under that version's hash.
		ix.evidence.put(evidenceKey(ix.seed, p, e.hash), e)
	}
	return e
}

// fetch returns the Doc of id: kept by the index, or from the lookup.
func (ix *Index) fetch(id string) (Doc, bool) {
	if ix.lookup != nil {
		return ix.lookup(id)
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.docByID(ix.st, id)
}

// scanWords returns, for each of terms, the words of d's texts (only
// those of track-record item item when it is not negative) that stand for
// it, as written. Analysing a whole text again costs tens of microseconds;
// instead the words are split simply and only those whose first letters
// could give one of terms are looked up, one by one, in the analyser's
// cache. When a term is not found that way (a word the simple split cuts
// differently, like "e-government"), the texts are analysed in full.
//
// memo, when not nil, remembers the term of each word looked up, for the
// next documents of a batch: they share most of their words, and a map
// lookup costs a fraction of the analyser's (normalising, lower-casing, a
// locked cache).
func (ix *Index) scanWords(d *Doc, lang Lang, terms []string, item int, memo *termMemo) [][]string {
	return ix.scanParts(docParts(d), lang, terms, item, memo)
}

// scanParts is scanWords on the texts of a document, as docParts gives
// them. The words of terms[i] are in the i-th list: a dozen terms are
// found in a slice faster than in a map.
func (ix *Index) scanParts(parts []textPart, lang Lang, terms []string, item int, memo *termMemo) [][]string {
	if len(terms) == 0 {
		return nil
	}
	words := make([][]string, len(terms))
	// The first three letters of each term, packed: a word whose first
	// three letters (lower case, folded) are none of them cannot stand for
	// a term, which leaves one word in ten or so to look up. A bitmap of
	// the first two letters rejects most words with one test.
	var keys []uint32
	var first2 pairSet
	for _, t := range terms {
		k := prefixKey(t)
		keys = append(keys, k)
		first2.add(byte(k), byte(k>>8))
	}
	found := 0
	check := func(w string) {
		k := prefixKey(w)
		if !slices.Contains(keys, k) && !slices.Contains(keys, k&0xffff) && !slices.Contains(keys, k&0xff) {
			return
		}
		if t := memo.term(ix.an, w, lang); t != "" {
			if i := slices.Index(terms, t); i >= 0 {
				if words[i] == nil {
					found++
				}
				words[i] = addWord(words[i], w)
			}
		}
	}
	for _, p := range parts {
		if item >= 0 && p.item != item {
			continue
		}
		text := p.text
		// Once every term has a word, the rest of the text can only add
		// other spellings: the first ones will do.
		for i := 0; i < len(text) && found < len(terms); {
			// A word that starts with two ASCII letters whose pair begins
			// no term is skipped without a call: most of them.
			if i+1 < len(text) && isASCIIWordByte(text[i]) && isASCIIWordByte(text[i+1]) &&
				(i == 0 || !isWordByte(text[i-1])) {
				c0, c1 := lowerASCII(text[i]), lowerASCII(text[i+1])
				if !first2.has(c0, c1) && !slices.Contains(keys, uint32(c0)) {
					for i < len(text) && isWordByte(text[i]) {
						i++
					}
					continue
				}
			}
			i = wordAt(text, i, check)
		}
	}
	if found == len(terms) {
		return words
	}
	for _, p := range parts {
		if item >= 0 && p.item != item {
			continue
		}
		for _, tok := range ix.an.Analyze(p.text, lang).Tokens {
			if i := slices.Index(terms, tok.Term); i >= 0 {
				words[i] = addWord(words[i], tok.Surface)
			}
		}
	}
	return words
}

// pairSet is a set of pairs of lower-case ASCII letters and digits, one
// bit each: the first two letters of the terms scanWords looks for.
type pairSet [(36*36 + 63) / 64]uint64

// alnumIndex numbers the lower-case ASCII letters and digits from 0 to 35;
// -1 for any other byte.
func alnumIndex(c byte) int {
	switch {
	case 'a' <= c && c <= 'z':
		return int(c - 'a')
	case '0' <= c && c <= '9':
		return 26 + int(c-'0')
	}
	return -1
}

// add puts the pair (a, b) in the set; pairs of other bytes are left out,
// since has is only asked about letters and digits.
func (s *pairSet) add(a, b byte) {
	i, j := alnumIndex(a), alnumIndex(b)
	if i >= 0 && j >= 0 {
		k := i*36 + j
		s[k/64] |= 1 << (k % 64)
	}
}

// has reports whether the pair of lower-case letters or digits (a, b) is in
// the set.
func (s *pairSet) has(a, b byte) bool {
	k := alnumIndex(a)*36 + alnumIndex(b)
	return s[k/64]&(1<<(k%64)) != 0
}

// termMemo remembers the terms of words as written, by language, for
// scanWords: "" for a stop word.
type termMemo [numLangs + 1]map[string]string

// term is the index term of the word w in lang, "" for a stop word. A nil
// memo asks the analyser every time.
func (m *termMemo) term(a *Analyzer, w string, lang Lang) string {
	if m == nil {
		t, stop := a.Term(w, lang)
		if stop {
			return ""
		}
		return t
	}
	li, ok := langIndex(lang)
	if !ok {
		li = numLangs
	}
	if m[li] == nil {
		m[li] = map[string]string{}
	}
	t, seen := m[li][w]
	if !seen {
		var stop bool
		if t, stop = a.Term(w, lang); stop {
			t = ""
		}
		m[li][w] = t
	}
	return t
}

// isASCIIWordByte reports whether c is an ASCII letter or digit.
func isASCIIWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isWordByte reports whether c may be part of a word: an ASCII letter or
// digit, or any byte of a multi-byte rune (decided properly by wordAt).
func isWordByte(c byte) bool { return c >= utf8.RuneSelf || isASCIIWordByte(c) }

// wordAt reads from s[i] to the end of the word starting there (a run of
// letters, digits and combining marks), calls fn with it when there is one,
// and returns the index after it, or after the separator at i.
func wordAt(s string, i int, fn func(string)) int {
	start := i
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !isASCIIWordByte(c) {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += size
	}
	if i == start {
		_, size := utf8.DecodeRuneInString(s[i:])
		return i + size
	}
	fn(s[start:i])
	return i
}

// prefixKey packs the first three bytes of w, lower case and folded, into
// a number (fewer for a shorter w): the key scanWords compares.
func prefixKey(w string) uint32 {
	n := min(3, len(w))
	ascii := true
	for i := range n {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		w = FoldAccents(strings.ToLower(w))
		n = min(3, len(w))
	}
	var k uint32
	for i := range n {
		k |= uint32(lowerASCII(w[i])) << (8 * i)
	}
	return k
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// weightScaling says how the weights given became those of a pair's
// contributions: the relative weights of the factors that apply to the
// target scaled to add up to 1 (less the absolute ones), then the part of
// the concept factor's weight its trust does not keep moved to text. The
// first part is the same for every pair of a mode: it is made once.
func (s *search) weightScaling(mode Mode, given weightVec, t trust) []Reason {
	ap := applies[s.target]
	sum, abs := 0.0, 0.0
	for i, w := range given {
		switch {
		case !ap[i]:
		case absolute[i]:
			abs += w
		default:
			sum += w
		}
	}
	if sum == 0 {
		return nil
	}
	scale := (1 - abs) / sum
	mi := max(0, modeIndex(mode))
	if s.scaling[mi].Code == "" {
		target := typedArg("Target", ArgKindArticle, string(s.target))
		if math.Abs(scale-1) < 1e-9 {
			s.scaling[mi] = reason(ReasonWeightsKept, typedArg("Sum", ArgNumber, 1-abs), target)
		} else {
			s.scaling[mi] = reason(ReasonWeightsScaled, typedArg("Sum", ArgNumber, sum), target,
				typedArg("Scale", ArgNumber4, scale), typedArg("Total", ArgNumber, 1-abs))
		}
	}
	out := make([]Reason, 1, 2)
	out[0] = s.scaling[mi]
	if wc := given[fConcepts] * scale; wc > 0 && ap[fConcepts] {
		if tr, ok := trustReason(t, wc); ok {
			out = append(out, tr)
		}
	}
	return out
}
