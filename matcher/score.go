package matcher

import (
	"math"
	"slices"
	"strings"
	"sync/atomic"
)

// subjectText is the analysed text of the side that asks (a challenge, or
// an expert in Opportunities): its features with their weighted frequency
// and the words as written, for the evidence.
type subjectText struct {
	lang     Lang
	cov      float64 // the share of its words concept hits cover
	terms    []featTF
	concepts []featTF // concepts and declared themes
	items    []analysedText
	// surfaces are the words as written, by term; conceptWords the words
	// that triggered each concept.
	surfaces     map[string][]string
	conceptWords map[string][]string
	conceptBest  map[string]float64 // the weight of each concept's strongest hit
	itemYears    []int              // the year of each track-record item
	translated   []translatedTerm   // the words' translations (see Bridge)
	// ids are the feature IDs of the keys in the state last asked (see
	// idsIn): the analysis is shared by the queries on the subject.
	ids atomic.Pointer[subjectIDs]
}

// analyseSubject analyses the side that asks, keeping its words.
func analyseSubject(a *Analyzer, d *Doc) *subjectText {
	sc := newAnalyseScratch()
	sc.sorted = true
	sc.surfaces, sc.conceptWords, sc.conceptBest = map[string][]string{}, map[string][]string{}, map[string]float64{}
	ad := analyseDoc(a, d, sc)
	var years []int
	for _, it := range d.TrackRecord {
		years = append(years, it.Year)
	}
	return &subjectText{itemYears: years, lang: ad.lang, cov: ad.text.coverage(), terms: ad.text.terms, concepts: ad.text.concepts, items: ad.items,
		surfaces: sc.surfaces, conceptWords: sc.conceptWords, conceptBest: sc.conceptBest,
		translated: a.translateQuery(ad.lang, ad.text.terms, sc.surfaces)}
}

// maxWords is how many different spellings of one term evidence lists.
const maxWords = 4

// addWord adds w to ws unless it is there (ignoring case) or ws is full.
func addWord(ws []string, w string) []string {
	if len(ws) >= maxWords {
		return ws
	}
	for _, x := range ws {
		if strings.EqualFold(x, w) {
			return ws
		}
	}
	return append(ws, w)
}

// qfeat is one feature of a query vector: its ID, class and weight, the
// weight already divided by the query's norm, so that a document's factor
// value is the sum of weight × decoded impact over the features it holds.
type qfeat struct {
	id    uint32
	class int
	w     float64
	df    int
	spec  float64 // a concept's specificity (see conceptFeats)
}

// qvec is a query prepared for one segment: rarity is that segment's.
type qvec struct {
	seg     int
	feats   []qfeat
	nThemes int // declared themes of the query
}

// prepare weighs the subject's features for segment seg. A word that no
// document of the segment holds has no postings, but it still counts in
// the norm, with the rarity of a word seen nowhere: the text factor says
// how much of what the challenge says a document covers, and a practice
// that shares one word of fifty with it must not look like a full match
// because the other forty-nine are rare.
//
// ids, when not nil, are the feature IDs of terms and concepts in st (see
// subjectIDs); else they are looked up. spare is how many features the
// caller may add (its translations): the features are allocated once.
func (st *state) prepare(terms, concepts []featTF, ids *subjectIDs, seg, spare int) qvec {
	qv := qvec{seg: seg, feats: make([]qfeat, 0, len(terms)+len(concepts)+spare)}
	var norm [2]float64
	add := func(f featTF, term bool, i int) {
		class := featClass(f.key, term)
		if class == classTheme {
			qv.nThemes++
		}
		var id uint32
		var known bool
		switch {
		case ids == nil:
			id, known = st.dict[f.key]
		case term:
			id = ids.terms[i]
			known = id != noID
		default:
			id = ids.concepts[i]
			known = id != noID
		}
		df := 0
		if known {
			df = st.df(seg, id)
		}
		if class == classTheme {
			if df > 0 {
				qv.feats = append(qv.feats, qfeat{id: id, class: class, w: 1, df: df})
			}
			return
		}
		r := st.rankingOf(class)
		idf := st.idfOf(r, seg, df)
		var w float64
		if r == RankTFIDF {
			w = tfidfWeight(f.tf, idf)
			norm[class] += w * w
		} else {
			w = idf * bm25QTF(float64(f.tf))
			norm[class] += w
		}
		if df > 0 {
			qv.feats = append(qv.feats, qfeat{id: id, class: class, w: w, df: df})
		}
	}
	for i, f := range terms {
		add(f, true, i)
	}
	for i, f := range concepts {
		add(f, false, i)
	}
	// In the order of feature IDs: forward lists are merged with it.
	sortFeats(qv.feats, func(f *qfeat) uint64 { return uint64(f.id) })
	for i := range qv.feats {
		f := &qv.feats[i]
		if f.class == classTheme {
			continue
		}
		if st.rankingOf(f.class) == RankTFIDF {
			f.w /= math.Sqrt(norm[f.class])
		} else {
			f.w *= impactScale(RankBM25) / norm[f.class]
		}
	}
	return qv
}

// itemVec is the query vector for experts' track-record items: the words
// of qv (prepared for the experts' profiles) with the same weights, looked
// up in the items' postings. An engagement is scored on the scale of a
// whole profile, so that the best of the two means something: weighed by
// the few words the items hold, one shared common word would look like a
// strong match.
func (st *state) itemVec(qv *qvec) qvec {
	iv := qvec{seg: segItem, feats: make([]qfeat, 0, len(qv.feats))}
	for _, f := range qv.feats {
		if f.class != classTerm {
			continue
		}
		if df := st.df(segItem, f.id); df > 0 {
			f.df = df
			iv.feats = append(iv.feats, f)
		}
	}
	return iv
}

// accEntry is a document's running sums during accumulation: 4 bytes, so
// that the dense array, one entry per slot, stays in the processor's
// cache (at 130,000 slots, 520 KB: walking postings is random access into
// it). The text sum is kept in fixed point (accTextScale units, saturating
// at 8, beyond the 1 a factor is capped at): it only chooses the
// candidates, which are scored exactly after. The concept sum and an
// expert's best item live in side arrays, read only where the flags say
// they were written.
type accEntry struct {
	text uint16
	gen  uint8
	tf   uint8 // the themes shared (accThemes bits, saturating) and the flags
}

// accTextScale is the unit of accEntry.text: 1/8192 of a text sum.
const accTextScale = 8192

// accEntry flags, above the theme count.
const (
	accThemes  uint8 = 1<<6 - 1
	accConcept uint8 = 1 << 6 // concept[slot] holds this query's sum
	accItem    uint8 = 1 << 7 // item[slot] holds this query's best item
)

// textSum is the text sum of the entry.
func (e accEntry) textSum() float32 { return float32(e.text) * (1.0 / accTextScale) }

// themes is how many of the query's themes the entry's document holds.
func (e accEntry) themes() uint8 { return e.tf & accThemes }

// accumulator is the dense array of running sums, one entry per slot,
// pooled: a generation number tells the entries of this query from stale
// ones, so it is cleared only when the generation wraps.
type accumulator struct {
	gen     uint8
	ent     []accEntry
	concept []float32
	item    []float32
	touched []uint32
	cands   []cand
	// defDoc and defItem are the deferred features of the query and of
	// the items (see evaluateCandidates).
	defDoc, defItem featSet
	// Scratch space kept from one query to the next, so that a query
	// allocates none of it: the order in which accumulate walks the
	// features, the features it defers (of the query and of the items),
	// and the candidates evaluated.
	order       []qfeat
	deferredBuf [2][]qfeat
	scored      []scoredCand
}

// cand is a candidate document with its partial score.
type cand struct {
	slot  uint32
	score float32
}

func (ix *Index) getAcc(n int) *accumulator {
	a, _ := ix.accs.Get().(*accumulator)
	if a == nil {
		a = &accumulator{}
	}
	if len(a.ent) < n {
		n += n / 8
		a.ent, a.concept, a.item = make([]accEntry, n), make([]float32, n), make([]float32, n)
		a.gen = 0
	}
	a.gen++
	if a.gen == 0 { // wrapped: stale entries could look current
		clear(a.ent)
		a.gen = 1
	}
	a.touched = a.touched[:0]
	a.cands = a.cands[:0]
	return a
}

// conceptOf reads the concept sum of a touched slot.
func (acc *accumulator) conceptOf(slot uint32) float32 {
	if acc.ent[slot].tf&accConcept != 0 {
		return acc.concept[slot]
	}
	return 0
}

// textOf is the text sum of slot in this query, 0 when it was not touched.
func (acc *accumulator) textOf(slot uint32) float32 {
	if e := acc.ent[slot]; e.gen == acc.gen {
		return e.textSum()
	}
	return 0
}

func (ix *Index) putAcc(a *accumulator) { ix.accs.Put(a) }

// postingsBudget bounds the postings a query walks to find candidates
// (measured at 100,000 documents: the same top ten as walking every
// posting for practices, 98.8% of it for experts, in half the time).
// Query features are walked rarest first; those left when the budget is
// spent (the commonest words, which weigh least) are only looked up for
// the candidates found, in their forward lists. It keeps a query's cost flat
// as the index grows, at the price of missing a document that shares
// nothing with the query but common words, which would rank low anyway.
//
// A query on practices (and on cities, ranked by their practices) walks
// seven tenths of it (budgetFor): at 100,000 documents, 500 challenges
// with the production lexicon found the same share of an exhaustive walk's
// top ten with 14,000 postings as with 20,000 (practices 0.9676, cities
// 0.9924), for a tenth less of a query's CPU. An expert query walks the
// profiles and the track-record items on one budget, and loses at 14,000
// (0.9766 instead of 0.9806): it keeps the whole.
const postingsBudget = 20_000

// budgetFor is the postings budget of a query on target (see
// postingsBudget).
func (ix *Index) budgetFor(target Kind) int {
	if target == KindPractice {
		return ix.budget / 10 * 7
	}
	return ix.budget
}

// accumulate walks the postings of qv's features into acc, within budget,
// and returns the features left for the forward lists, sorted by ID.
//
// The deferred features are appended to into (their memory is reused).
func (st *state) accumulate(acc *accumulator, qv *qvec, budget *int, into []qfeat) []qfeat {
	// Concepts and themes first (few, and the only bridge across
	// languages), then words rarest first.
	// A concept or a theme held by more than a sixteenth of the documents
	// says little more than a common word: it waits its turn (a broad
	// theme shared by thousands of documents would make them all
	// candidates, to be ranked on words anyway).
	n := st.segs[qv.seg].live
	order := append(acc.order[:0], qv.feats...)
	acc.order = order
	sortFeats(order, func(f *qfeat) uint64 {
		k := uint64(min(f.df, 1<<30))
		if f.class == classTerm || f.df > n/16 {
			k |= 1 << 31
		}
		return k
	})
	deferred := into[:0]
	for _, f := range order {
		list := st.postings(qv.seg, f.id)
		if len(list) > *budget && len(acc.touched) > 0 {
			deferred = append(deferred, f)
			continue
		}
		*budget -= len(list)
		switch f.class {
		case classTerm:
			acc.addText(list, float32(f.w))
		case classConcept:
			acc.addConcept(list, float32(f.w))
		default:
			acc.addTheme(list)
		}
	}
	sortFeats(deferred, func(f *qfeat) uint64 { return uint64(f.id) })
	return deferred
}

// sortFeats sorts fs by key, stably: a query's features are sorted several
// times a question, and sorting 32-bit keys with their positions as plain
// integers costs a fraction of sorting the features with a comparison
// function. key must fit in 32 bits.
func sortFeats(fs []qfeat, key func(*qfeat) uint64) {
	var buf [128]uint64
	keys := buf[:0]
	sorted := true
	for i := range fs {
		k := key(&fs[i])<<32 | uint64(i)
		sorted = sorted && (i == 0 || k > keys[i-1])
		keys = append(keys, k)
	}
	if sorted {
		return
	}
	slices.Sort(keys)
	var tmp [128]qfeat
	src := append(tmp[:0], fs...)
	for i, k := range keys {
		fs[i] = src[uint32(k)]
	}
}

// impactTable32 is impactTable in float32, for the accumulation loops.
var impactTable32 = func() (t [impMask + 1]float32) {
	for i := range t {
		t[i] = float32(impactTable[i])
	}
	return t
}()

// The accumulation loops, one per class so that the innermost loop does
// one thing: they are where a query spends most of its time.

func (acc *accumulator) addText(list []uint32, w float32) {
	ent, gen := acc.ent, acc.gen
	q := w * accTextScale
	// Without a branch on whether the entry is new to this query: whether
	// it is decides nothing the processor can guess (a query touches a
	// document first on any of its words), and mispredicting it cost more
	// than the writes done either way. A stale entry is read as zero, and
	// its slot is written to touched, which keeps it only when it was new.
	touched := slices.Grow(acc.touched, len(list))
	n := len(touched)
	touched = touched[:cap(touched)]
	for _, p := range list {
		s := p >> impBits
		e := ent[s]
		keep := uint32(1<<32 - 1) // all ones when e is this query's
		if e.gen != gen {
			keep = 0
		}
		touched[n] = s
		n += int(1 - keep&1)
		text := uint32(e.text)&keep + uint32(q*impactTable32[p&impMask])
		ent[s] = accEntry{text: uint16(min(text, 1<<16-1)), gen: gen, tf: e.tf & uint8(keep)}
	}
	acc.touched = touched[:n]
}

func (acc *accumulator) addConcept(list []uint32, w float32) {
	ent, gen, con := acc.ent, acc.gen, acc.concept
	for _, p := range list {
		s := p >> impBits
		e := &ent[s]
		if e.gen != gen {
			*e = accEntry{gen: gen}
			acc.touched = append(acc.touched, s)
		}
		if e.tf&accConcept == 0 {
			e.tf |= accConcept
			con[s] = 0
		}
		con[s] += w * impactTable32[p&impMask]
	}
}

func (acc *accumulator) addTheme(list []uint32) {
	ent, gen := acc.ent, acc.gen
	for _, p := range list {
		e := &ent[p>>impBits]
		if e.gen != gen {
			*e = accEntry{gen: gen}
			acc.touched = append(acc.touched, p>>impBits)
		}
		if e.tf&accThemes != accThemes {
			e.tf++
		}
	}
}

// featScore is one feature's share of a document's factor value.
type featScore struct {
	id    uint32
	class int
	v     float64
}

// exactSums scores one slot against qv from the slot's forward list: the
// same sums as accumulation, in float64 and in the order of feature IDs,
// so that Explain and Suggest agree to the last digit. When hits is not
// nil the matched features are appended to it.
func (st *state) exactSums(qv *qvec, slot uint32, hits *[]featScore) (text, concept, theme float64) {
	fwd := st.meta[slot].fwd
	i := 0
	for _, f := range qv.feats {
		for i < len(fwd) && fwd[i]>>impBits < f.id {
			i++
		}
		if i == len(fwd) {
			break
		}
		if fwd[i]>>impBits != f.id {
			continue
		}
		v := f.w * impactTable[fwd[i]&impMask]
		switch f.class {
		case classTerm:
			text += v
		case classConcept:
			concept += v
		default:
			theme++
			v = 1
		}
		if hits != nil {
			*hits = append(*hits, featScore{f.id, f.class, v})
		}
	}
	return text, concept, theme
}
