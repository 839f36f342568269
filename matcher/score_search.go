package matcher

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// search is one query being answered, under the read lock.
type search struct {
	ix   *Index
	st   *state
	text *subjectText
	// oneOff is Query.OneOff: the evidence found for the subject's terms
	// is not kept either.
	oneOff bool
	// subj is the side that asks (a challenge, or an expert in
	// Opportunities), described as the index would describe it.
	subj     sideRef
	subjMeta slotMeta
	target   Kind // the kind of documents ranked: practice, expert or challenge

	rules pairRules
	w     weightVec // the resolved weights of the query's mode
	// fixedMode is false when the query leaves the mode to each pair
	// (Opportunities: a challenge is scored in the mode it asks for);
	// byMode are then the weights of every mode, overrides applied.
	fixedMode bool
	byMode    [3]weightVec // by modeIndex

	// withExcluded keeps the documents a hard rule excludes among the
	// candidates (Candidates with Query.IncludeExcluded).
	withExcluded bool

	qv qvec // the subject against the target segment
	// qConcepts are the concepts of qv with their specificity, for the
	// trust of the concept factor (see trustOf).
	qConcepts []qfeat
	qvItem    qvec   // the subject against experts' track-record items (see itemVec)
	itemQVs   []qvec // Opportunities: each of the expert's items against challenges
	// itemFactors are the discounts of the expert's items in
	// Opportunities (see itemFactor).
	itemFactors []float64

	region, country uint32 // filters: 0 none, noID nothing matches
	lang            uint8  // filter: langCode, 0 none

	touched uint32 // the sum of what touch read: kept, the reads cannot be dropped

	// total is how many suggestions the whole ranked list holds, at most
	// MaxLimit (see rank).
	total int

	// scaling is the first reason of each mode's weight scaling, made
	// once (see weightScaling).
	scaling [3]Reason

	thisYear int       // the year of the query's today, for the recency of items
	itemVals []float64 // scratch space for the items of one expert
	// hits holds the matched features of every pair explained, one after
	// the other (see exact): one allocation for them all, not one each.
	hits []featScore
	// termHits is explain's scratch space for the words matched.
	termHits []featScore
}

// result is one evaluated pair.
type result struct {
	slot    uint32
	mode    Mode
	eff     weightVec
	vals    [numFactors]float64
	details [numFactors][]Reason
	reasons []Reason // why a rule excludes the pair; only with the detail
	// excluded is set when a rule excludes the pair, with or without the
	// detail.
	excluded bool
	score    float64
	trust    trust // what the weight of the concept factor rests on
	given    weightVec

	hits []featScore // the subject's features the document holds (exact stage)
	// The best track-record item: of the expert suggested, or of the
	// expert asking in Opportunities. item is its index, -1 when none.
	item      int
	itemScore float64
	itemHits  []featScore
	itemVal   float64 // the record's fit (see record), before the max with the profile
	textVal   float64 // text of the profile
}

// candidatePool is how many candidates, best by text, concepts and themes,
// get the full evaluation (context and rules): at least minCandidates. When
// rules exclude too many of the pool, rank looks four times further.
func (ix *Index) candidatePool(limit int) int { return max(ix.pool, 6*limit) }

// minCandidates is the least candidatePool. The context left out of the
// partial score weighs a sixth of it at most in exchange, but the partial
// score also lacks the common words the postings walk defers
// (postingsBudget): at 100,000 documents with the production lexicon, the
// top ten of a pool of 60 are those of a pool of 2,000 at 0.975 for
// practices, 0.977 for experts and 0.998 for cities (BenchmarkCandidatePool,
// docs/matching.md). Without the deferred words, practices would reach 0.999.
const minCandidates = 60

// exactMargin is how many results beyond the limit are scored exactly, so
// that float32 rounding of the accumulators cannot swap the last ones.
const exactMargin = 8

// prepare weighs the subject's features for the target segment.
func (s *search) prepare() {
	st := s.st
	ids := s.text.idsIn(st)
	s.qv = st.prepare(s.text.terms, s.text.concepts, ids, segOf(s.target), len(s.text.translated))
	st.addTranslations(&s.qv, s.text.terms, s.text.translated, ids)
	// A factor weighed zero by the request finds no candidate either: a
	// ranking "by words only" must not be fed by themes.
	if s.w[fConcepts] == 0 || s.w[fThemes] == 0 {
		s.qv.feats = slices.DeleteFunc(s.qv.feats, func(f qfeat) bool {
			return f.class == classConcept && s.w[fConcepts] == 0 || f.class == classTheme && s.w[fThemes] == 0
		})
	}
	s.qConcepts = st.conceptFeats(&s.qv, s.text.conceptBest)
	if s.target == KindExpert {
		s.qvItem = st.itemVec(&s.qv)
	}
	if s.subj.kind == KindExpert && s.target == KindChallenge {
		for j, it := range s.text.items {
			s.itemQVs = append(s.itemQVs, st.prepare(it.terms, nil, nil, segChallenge, 0))
			year := 0
			if j < len(s.text.itemYears) {
				year = s.text.itemYears[j]
			}
			s.itemFactors = append(s.itemFactors, recency(year, s.thisYear)*itemLength(it.termLen))
		}
	}
}

// modeFor is the mode of a pair with the challenge in slot ch.
func (s *search) modeFor(ch *slotMeta) Mode {
	if s.fixedMode || ch == nil {
		return s.rules.mode
	}
	for _, m := range []Mode{ModeExchange, ModePeerReview, ModeTutoring} {
		if ch.modes&modeBit(string(m)) != 0 {
			return m
		}
	}
	return ModeExchange
}

// run ranks the target documents and returns the best limit, scored
// exactly with the detail of their scores, best first.
func (s *search) run(offset, limit int) []result {
	rs := s.rank(offset + limit)
	rs = rs[min(len(rs), offset):]
	// The same sums again, with the matched features and the details
	// kept, for the few returned: the scores are those of rank, and so is
	// the order.
	results := make([]result, len(rs))
	for i, r := range rs {
		results[i] = s.exact(r.slot, true)
	}
	return results
}

// ranked is a document scored exactly, without the detail of its score.
type ranked struct {
	slot  uint32
	score float64
	units int64 // the score in units, as its explanation adds it up
}

// rank ranks the target documents and returns the best limit that may be
// suggested, scored exactly, best first (ties by ID, as sortResults).
func (s *search) rank(limit int) []ranked {
	st := s.st
	acc := s.ix.getAcc(len(st.hot))
	defer s.ix.putAcc(acc)

	budget := s.ix.budgetFor(s.target)
	deferred := st.accumulate(acc, &s.qv, &budget, acc.deferredBuf[0])
	acc.deferredBuf[0] = deferred
	var deferredItem []qfeat
	if s.target == KindExpert {
		first := len(acc.touched)
		deferredItem = st.accumulate(acc, &s.qvItem, &budget, acc.deferredBuf[1])
		acc.deferredBuf[1] = deferredItem
		s.foldItems(acc, first)
	}
	pool := s.ix.candidatePool(limit)
	scored := acc.scored[:0]
	defer func() { acc.scored = scored[:0] }()
	for {
		left := s.collect(acc, pool)
		scored = s.evaluateCandidates(acc, acc.cands, deferred, deferredItem, scored[:0], nil)
		// How many the whole list holds, to the depth a list is paged to:
		// exactly when every candidate was evaluated, else the depth.
		s.total = min(len(scored), MaxLimit)
		if left {
			s.total = MaxLimit
		}
		// Rules may exclude many candidates (experts who do not speak the
		// language): look further when too few are left.
		if len(scored) >= limit+exactMargin || !left {
			break
		}
		pool *= 4
	}
	slices.SortFunc(scored, func(a, b scoredCand) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.slot, b.slot)
	})
	scored = scored[:min(len(scored), limit+exactMargin)]
	rs := make([]ranked, 0, len(scored))
	for _, c := range scored {
		if r := s.exact(c.slot, false); !r.excluded {
			rs = append(rs, ranked{slot: c.slot, score: r.score, units: resultUnits(&r)})
		}
	}
	sortRanked(st, rs)
	return rs[:min(len(rs), limit)]
}

// sortRanked orders rs best first, ties by document ID, as sortResults.
func sortRanked(st *state, rs []ranked) {
	slices.SortFunc(rs, func(a, b ranked) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(st.meta[a.slot].id, st.meta[b.slot].id)
	})
}

// scoredCand is a candidate with its full score, not excluded.
type scoredCand struct {
	slot  uint32
	score float64
}

// sortResults orders results best first; ties go by document ID so that
// the order is stable from one run to the next.
func sortResults(st *state, rs []result) {
	slices.SortFunc(rs, func(a, b result) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(st.meta[a.slot].id, st.meta[b.slot].id)
	})
}

// foldItems gives each expert the sum of its best-matching track-record
// item, accumulated in the item's own slot. The slots touched from first
// on are those the items' postings touched: only items hold them.
func (s *search) foldItems(acc *accumulator, first int) {
	st := s.st
	ent, gen := acc.ent, acc.gen
	n := len(acc.touched)
	for i := first; i < n; i++ {
		is := acc.touched[i]
		if st.hot[is].flags&flItem == 0 {
			continue
		}
		p := st.parent[is]
		pe := &ent[p]
		if pe.gen != gen {
			*pe = accEntry{gen: gen}
			acc.touched = append(acc.touched, p)
		}
		if pe.tf&accItem == 0 {
			pe.tf |= accItem
			acc.item[p] = 0
		}
		acc.item[p] = max(acc.item[p], ent[is].textSum())
	}
}

// collect keeps the pool best of the touched documents that may be
// suggested, by a partial score (text, concepts and an estimate of themes,
// weighted as the mode weighs them), in acc.cands. A min-heap of the pool
// rejects most documents with one comparison. It reports whether documents
// were left out.
func (s *search) collect(acc *accumulator, pool int) bool {
	st := s.st
	eff := s.w.effective(s.target)
	wt, wc, wth := float32(eff[fText]), float32(eff[fConcepts]), float32(eff[fThemes])
	var themeScale float32
	if s.qv.nThemes > 0 {
		themeScale = 1 / float32(s.qv.nThemes)
	}
	need := flLive | flEligible
	subjCity := s.subj.h.city
	if s.withExcluded { // the rules will say why
		need, subjCity = flLive, 0
	}
	// The concept factor keeps at most the trust the subject's coverage
	// allows (see trustOf), the rest going to text: the partial score
	// below is an upper bound of the score with the pair's own trust.
	tq := float32(coverageTrust(s.text.cov))
	ent := acc.ent
	h := acc.cands[:0]
	left := false
	// Once the pool is full, a document matched on words only (no concept,
	// item or theme) scores (wt+wc)·min(1, text): it is rejected on its
	// integer text sum, without the arithmetic below, when that sum is at
	// or under cut, a unit under the least of the pool's (so that float32
	// rounding cannot reject one the arithmetic would keep). Most of the
	// touched documents share one or two rare words with the query and go
	// this way. -1 while the pool fills.
	cut, whole := int32(-1), wt+wc
	for _, slot := range acc.touched {
		e := &ent[slot]
		if e.tf == 0 && int32(e.text) <= cut {
			left = true
			continue
		}
		text := min(1, e.textSum())
		if e.tf&accItem != 0 {
			// The best item's raw fit bounds the record's (see textFit).
			it := min(1, acc.item[slot])
			text = 1 - (1-text)*(1-it)
		}
		score := (wt+wc*(1-tq))*text + wth*min(1, float32(e.themes())*themeScale)
		if e.tf&accConcept != 0 {
			score += wc * tq * max(text, min(1, acc.conceptOf(slot)))
		} else {
			score += wc * tq * text
		}
		if len(h) == pool && score <= h[0].score {
			left = true
			continue
		}
		hs := st.hot[slot]
		if hs.flags&(need|flItem) != need ||
			subjCity != 0 && hs.city == subjCity ||
			s.region != 0 && uint32(hs.region) != s.region ||
			s.country != 0 && uint32(hs.country) != s.country ||
			s.lang != 0 && hs.flags>>flLangShift != s.lang {
			continue
		}
		if len(h) < pool {
			h = append(h, cand{slot, score})
			heapUp(h, len(h)-1)
			if len(h) == pool {
				cut = textCut(h[0].score, whole)
			}
			continue
		}
		left = true
		h[0] = cand{slot, score}
		heapDown(h, 0)
		cut = textCut(h[0].score, whole)
	}
	acc.cands = h
	return left
}

// textCut is the greatest integer text sum (see accEntry) that the collect
// loop may reject without computing its score: a unit under the text whose
// score, weighted whole, equals least. -1 when whole is not positive.
func textCut(least, whole float32) int32 {
	if whole <= 0 {
		return -1
	}
	return int32(min(least/whole, 8)*accTextScale) - 1
}

// heapUp and heapDown keep h a min-heap on score.
func heapUp(h []cand, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].score <= h[i].score {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func heapDown(h []cand, i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].score < h[l].score {
			m = r
		}
		if h[i].score <= h[m].score {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// evaluateCandidates completes the text of the candidates with the
// deferred features (from their forward lists), evaluates the context and
// rules of each, and appends those not excluded to out, and those excluded
// to excl when it is not nil.
func (s *search) evaluateCandidates(acc *accumulator, top []cand, deferred, deferredItem []qfeat, out []scoredCand, excl *[]scoredCand) []scoredCand {
	st := s.st
	var pe pairEval
	acc.defDoc.reset(deferred)
	acc.defItem.reset(deferredItem)
	for _, c := range top {
		s.touched += st.touch(c.slot)
	}
	for _, c := range top {
		text := float64(acc.ent[c.slot].textSum())
		concept := float64(acc.conceptOf(c.slot))
		if len(deferred) > 0 {
			t, cn := acc.defDoc.sum(st.meta[c.slot].fwd)
			text += t
			concept += cn
		}
		item := 0.0
		if s.target == KindExpert {
			vals := s.itemVals[:0]
			for _, is := range st.meta[c.slot].items {
				v := float64(acc.textOf(is))
				if len(deferredItem) > 0 {
					t, _ := acc.defItem.sum(st.meta[is].fwd)
					v += t
				}
				vals = append(vals, v*itemFactor(&st.meta[is], s.thisYear))
			}
			item = record(vals)
			s.itemVals = vals
		}
		score, ok := s.quickScore(c.slot, text, concept, item, &pe)
		switch {
		case ok:
			out = append(out, scoredCand{c.slot, score})
		case excl != nil:
			*excl = append(*excl, scoredCand{c.slot, score})
		}
	}
	return out
}

// sumFwd adds up the text and concept weights of the features of fs (sorted
// by ID) that the forward list fwd holds.
func sumFwd(fs []qfeat, fwd []uint32) (text, concept float64) {
	i := 0
	for _, f := range fs {
		for i < len(fwd) && fwd[i]>>impBits < f.id {
			i++
		}
		if i == len(fwd) {
			break
		}
		if fwd[i]>>impBits == f.id {
			v := f.w * impactTable[fwd[i]&impMask]
			switch f.class {
			case classTerm:
				text += v
			case classConcept:
				concept += v
			}
		}
	}
	return text, concept
}

// touch reads the first bytes of what scoring the document in slot reads
// (its forward list, its items' forward lists, its working languages,
// themes and concepts) and returns their sum, for the caller to keep
// somewhere. Called over a batch of documents before they are scored, it
// makes their cache misses overlap, since the loads of different documents
// do not wait for each other; scoring them one after the other waits for
// each miss in turn. On the 300 candidates of a city suggestion it takes a
// quarter off the time of evaluateCandidates.
func (st *state) touch(slot uint32) uint32 {
	m := &st.meta[slot]
	var v uint32
	if len(m.fwd) > 0 {
		v += m.fwd[0]
	}
	for _, is := range m.items {
		if fwd := st.meta[is].fwd; len(fwd) > 0 {
			v += fwd[0]
		}
	}
	if len(m.langs) > 0 {
		v += uint32(m.langs[0])
	}
	if len(m.themes) > 0 {
		v += uint32(m.themes[0])
	}
	if len(m.concepts) > 0 { // what trustOf reads
		v += m.concepts[0].id
	}
	return v
}

// featSet is a short list of query features (the deferred ones), sorted
// by ID, to look up in forward lists, as sumFwd does: each candidate costs
// one bit test per entry of its forward list instead of a merge, whose
// every step is a branch the processor cannot predict. The deferred
// features are the commonest words, with the lowest IDs (IDs are given in
// the order words are first seen), so the bitmap over their range is small.
type featSet struct {
	fs     []qfeat
	lo, hi uint32   // the range of the IDs
	bits   []uint64 // bit id-lo is set when id is a feature of fs
	rank   []int32  // the bits set in bits before each word
	merge  bool     // the range is too wide for a bitmap: merge instead
}

// maxFeatSetWords bounds the bitmap of a featSet (8 KB).
const maxFeatSetWords = 1024

// reset makes the set hold fs (sorted by ID), reusing its memory.
func (fset *featSet) reset(fs []qfeat) {
	fset.fs = fs
	if len(fs) == 0 {
		fset.merge = true // nothing to find: sumFwd returns at once
		return
	}
	fset.lo, fset.hi = fs[0].id, fs[len(fs)-1].id
	n := int((fset.hi-fset.lo)/64) + 1
	fset.merge = n > maxFeatSetWords
	if fset.merge {
		return
	}
	fset.bits = append(fset.bits[:0], make([]uint64, n)...)
	fset.rank = append(fset.rank[:0], make([]int32, n)...)
	for _, f := range fs {
		d := f.id - fset.lo
		fset.bits[d/64] |= 1 << (d % 64)
	}
	r := int32(0)
	for i, b := range fset.bits {
		fset.rank[i] = r
		r += int32(bits.OnesCount64(b))
	}
}

// sum is sumFwd(fset.fs, fwd): the matched features are added in the
// order of their IDs either way, so the sums are the same to the last bit.
func (fset *featSet) sum(fwd []uint32) (text, concept float64) {
	if fset.merge {
		return sumFwd(fset.fs, fwd)
	}
	span := fset.hi - fset.lo
	for _, p := range fwd {
		id := p >> impBits
		if id > fset.hi {
			break
		}
		d := id - fset.lo // wraps around below lo: then above span
		if d > span {
			continue
		}
		w := fset.bits[d/64]
		bit := uint64(1) << (d % 64)
		if w&bit == 0 {
			continue
		}
		f := &fset.fs[fset.rank[d/64]+int32(bits.OnesCount64(w&(bit-1)))]
		v := f.w * impactTable[p&impMask]
		switch f.class {
		case classTerm:
			text += v
		case classConcept:
			concept += v
		}
	}
	return text, concept
}

// quickScore is evaluate without the explanation: the score and whether
// the pair may be suggested (false when a rule excludes it), for the
// candidates of rank.
func (s *search) quickScore(slot uint32, text, concept, item float64, pe *pairEval) (float64, bool) {
	st := s.st
	ot := sideRef{m: &st.meta[slot], h: st.hot[slot], kind: s.target}
	ch, other := s.subj, ot
	if s.target == KindChallenge {
		ch, other = ot, s.subj
	}
	rules := s.rules
	rules.mode = s.modeFor(ch.m)
	rules.quick = true
	w := s.w
	if !s.fixedMode {
		w = s.weightsOf(rules.mode)
	}
	eff := w.effective(s.target)
	eff.shiftConcepts(s.trustOf(slot).value)
	*pe = pairEval{}
	st.evalPair(ch, other, &rules, pe)
	pe.vals[fText] = textFit(min(1, text), min(1, item))
	pe.vals[fConcepts] = min(1, concept)
	if eff[fFeedback] != 0 {
		pe.vals[fFeedback], _ = feedbackValue(&other.m.fb, rules.mode, &eff, &pe.vals, false)
	}
	score := 0.0
	for i := range pe.vals {
		score += eff[i] * pe.vals[i]
	}
	return score, !pe.excluded
}

// evaluate completes a pair whose text sums are known: context, rules and
// score. Without the detail, the reasons a rule excludes the pair are not
// written, only that it does (r.excluded): ranking needs no more.
func (s *search) evaluate(slot uint32, text, concept, item float64, detail bool) result {
	st := s.st
	r := result{slot: slot, item: -1, textVal: min(1, text), itemVal: min(1, item)}
	ot := sideRef{m: &st.meta[slot], h: st.hot[slot], kind: s.target}
	ch, other := s.subj, ot
	if s.target == KindChallenge {
		ch, other = ot, s.subj
	}
	rules := s.rules
	rules.mode = s.modeFor(ch.m)
	rules.withDetail = detail
	rules.quick = !detail
	r.mode = rules.mode
	w := s.w
	if !s.fixedMode {
		w = s.weightsOf(r.mode)
	}
	r.given = w
	r.eff = w.effective(s.target)
	r.trust = s.trustOf(slot)
	r.eff.shiftConcepts(r.trust.value)
	var pe pairEval
	st.evalPair(ch, other, &rules, &pe)
	r.vals, r.details, r.reasons, r.excluded = pe.vals, pe.details, pe.reasons, pe.excluded
	r.vals[fText] = textFit(r.textVal, r.itemVal)
	r.vals[fConcepts] = min(1, concept)
	if r.eff[fFeedback] != 0 {
		r.vals[fFeedback], r.details[fFeedback] = feedbackValue(&other.m.fb, r.mode, &r.eff, &r.vals, detail)
	}
	for i := range r.vals {
		r.score += r.eff[i] * r.vals[i]
	}
	return r
}

// exact scores one pair by looking its features up, with the matched
// features kept for the evidence: what Explain shows and what the last
// stage of run computes for the results it returns.
func (s *search) exact(slot uint32, detail bool) result {
	st := s.st
	// The matched features of the pairs explained go one after the other
	// into the search's hits, each pair keeping its part.
	var hp *[]featScore
	if detail && s.hits == nil {
		s.hits = getHits()
	}
	start := len(s.hits)
	if detail {
		hp = &s.hits
	}
	text, concept, _ := st.exactSums(&s.qv, slot, hp)
	hits := s.hits[start:len(s.hits):len(s.hits)]
	// The best track-record item; its matched features are gathered once
	// it is known, so that the others cost no allocation.
	// The items of the record: the best one (after its discount) is
	// shown, the best few make the record (see record).
	bestItem, bestVal, bestRaw := -1, 0.0, 0.0
	var bestQV *qvec
	var bestSlot uint32
	vals := s.itemVals[:0]
	score := func(qv *qvec, slot uint32, j int, factor float64) {
		raw, _, _ := st.exactSums(qv, slot, nil)
		v := raw * factor
		vals = append(vals, v)
		if v > bestVal {
			bestItem, bestVal, bestRaw, bestQV, bestSlot = j, v, raw, qv, slot
		}
	}
	switch {
	case s.target == KindExpert:
		for j, is := range st.meta[slot].items {
			score(&s.qvItem, is, j, itemFactor(&st.meta[is], s.thisYear))
		}
	case len(s.itemQVs) > 0:
		for j := range s.itemQVs {
			score(&s.itemQVs[j], slot, j, s.itemFactors[j])
		}
	}
	rec := 0.0
	if len(vals) > 0 {
		rec = record(vals)
	}
	s.itemVals = vals
	var bestHits []featScore
	if detail && bestItem >= 0 {
		start := len(s.hits)
		st.exactSums(bestQV, bestSlot, &s.hits)
		bestHits = s.hits[start:len(s.hits):len(s.hits)]
	}
	r := s.evaluate(slot, text, concept, rec, detail)
	r.hits = hits
	r.item, r.itemScore, r.itemHits = bestItem, min(1, bestRaw), bestHits
	return r
}

// hitBufs keeps the memory of searches' hits from one search to the next
// (see search.release).
var hitBufs sync.Pool

// getHits returns an empty hits buffer, reused when one was released.
func getHits() []featScore {
	if b, ok := hitBufs.Get().(*[]featScore); ok {
		return (*b)[:0]
	}
	return make([]featScore, 0, 1024)
}

// maxPooledHits is the largest hits buffer kept for another search: the
// hits of hundreds of candidates explained are left to the collector.
const maxPooledHits = 1 << 14

// release gives the search's scratch memory back for the next search. It
// is called once the results no longer read it: the explanations keep
// none of it.
func (s *search) release() {
	if s.hits != nil && cap(s.hits) <= maxPooledHits {
		b := s.hits[:0]
		hitBufs.Put(&b)
	}
	s.hits = nil
}

// weightsOf is the weights of mode m (byMode); none for a mode the
// matcher does not know.
func (s *search) weightsOf(m Mode) weightVec {
	if i := modeIndex(m); i >= 0 {
		return s.byMode[i]
	}
	return weightVec{}
}

// setOptions validates the options of q and fills the search's rules,
// weights and filters.
func (s *search) setOptions(q *Query) error {
	mode, err := ParseMode(string(q.Mode))
	if err != nil {
		return err
	}
	w, err := resolveWeights(mode, q.Weights)
	if err != nil {
		return err
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		return fmt.Errorf("%w: limit %d is not between 1 and %d", ErrInvalidQuery, q.Limit, MaxLimit)
	}
	if q.Offset < 0 || q.Offset >= MaxLimit {
		return fmt.Errorf("%w: offset %d is not between 0 and %d", ErrInvalidQuery, q.Offset, MaxLimit-1)
	}
	if q.Language != "" && !q.Language.Valid() {
		return fmt.Errorf("%w: language %q is not en, fr or es", ErrInvalidQuery, q.Language)
	}
	now := q.Now
	if now.IsZero() {
		now = s.ix.clock()
	}
	s.w = w
	for _, m := range []Mode{ModeExchange, ModePeerReview, ModeTutoring} {
		s.byMode[modeIndex(m)], _ = resolveWeights(m, q.Weights) // the same overrides: valid if they were for mode
	}
	s.fixedMode = true
	s.thisYear = yearOf(dayOf(now))
	s.rules = pairRules{
		mode:        mode,
		requireLang: q.RequireSharedLanguage == nil || *q.RequireSharedLanguage,
		excludeHome: q.ExcludeHomeCountry,
		similar:     q.SimilarContext,
		today:       dayOf(now),
	}
	s.lang = langCode(q.Language)
	return nil
}

// setFilters resolves the region and country filters against the index.
func (s *search) setFilters(q *Query) {
	if r := strings.ToLower(strings.TrimSpace(q.Region)); r != "" {
		s.region = s.st.regions.find(r)
	}
	if c := strings.ToUpper(strings.TrimSpace(q.Country)); c != "" {
		s.country = s.st.countries.find(c)
	}
}
