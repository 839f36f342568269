package matcher

import (
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// featTF is a feature of an analysed text and its weighted frequency: the
// sum of the weights of the fields it occurs in, one per occurrence.
type featTF struct {
	key string
	tf  float32
}

// analysedText is the features of one document, or of one track-record item.
type analysedText struct {
	terms    []featTF
	concepts []featTF
	termLen  float32 // weighted number of words
	conLen   float32 // weighted number of concept hits
	covered  float32 // weighted number of words inside concept hits
}

// coverage is the share of a text's words that its concept hits cover:
// how much of what it says the taxonomy knows.
func (t *analysedText) coverage() float64 {
	if t.termLen <= 0 {
		return 0
	}
	return min(1, float64(t.covered)/float64(t.termLen))
}

// coveredWords is the weighted number of words the hits of one text cover,
// each position once, with its longest hit: an expression that stands for
// two concepts gives two hits at the same position, and the thesaurus of
// the bridge (matched after the taxonomy, see WithBridge) may name a
// concept where the taxonomy named one already.
func coveredWords(hits []ConceptHit, w float32) float32 {
	n := float32(0)
	for i, c := range hits {
		longest := true
		for j, o := range hits {
			if j != i && o.Pos == c.Pos && (o.Words > c.Words || o.Words == c.Words && j < i) {
				longest = false
				break
			}
		}
		if longest {
			n += w * float32(c.Words)
		}
	}
	return n
}

// analysedDoc is a Doc after analysis, before it gets feature IDs.
type analysedDoc struct {
	lang  Lang
	text  analysedText
	items []analysedText
	// conceptKeys are the concepts found (in text order),
	// conceptSurfaces the words of the strongest hit of each (the first
	// of the strongest) and conceptWeights its weight.
	conceptKeys     []string
	conceptSurfaces []string
	conceptWeights  []float32
	// hash is the document's contentHash, set by Build and Upsert.
	hash uint64
}

// strongerHit keeps the hit c as the evidence of the concept key when it is
// stronger than the one kept.
func (ad *analysedDoc) strongerHit(key string, c ConceptHit) {
	for i := len(ad.conceptKeys) - 1; i >= 0; i-- {
		if ad.conceptKeys[i] == key {
			if float32(c.Weight) > ad.conceptWeights[i] {
				ad.conceptSurfaces[i], ad.conceptWeights[i] = strings.Clone(c.Surface), float32(c.Weight)
			}
			return
		}
	}
}

// docLang is the language of d's texts: the declared one, or the one
// detected on all its texts together (a short title alone says too little).
func docLang(d *Doc) Lang {
	if d.Lang.Valid() {
		return d.Lang
	}
	var b strings.Builder
	for _, f := range d.Fields {
		b.WriteString(f.Text)
		b.WriteString("\n\n")
	}
	for _, it := range d.TrackRecord {
		b.WriteString(it.Title)
		b.WriteString(". ")
		b.WriteString(it.Summary)
		b.WriteString("\n\n")
	}
	return DetectLanguage(b.String())
}

// textPart is one text of a document with its weight.
type textPart struct {
	name   string
	text   string
	weight float64
	item   int // the track-record item it belongs to, -1 for the profile
}

// docParts lists the texts of d with their weights: its fields, its skills
// (matched as words too: "source separation" should meet "tri à la source"
// through the lexicon) and, for an expert, each engagement of the track
// record.
func docParts(d *Doc) []textPart {
	parts := make([]textPart, 0, len(d.Fields)+2*len(d.TrackRecord)+1)
	for _, f := range d.Fields {
		if strings.TrimSpace(f.Text) != "" {
			parts = append(parts, textPart{f.Name, f.Text, fieldWeight(f), -1})
		}
	}
	if len(d.Skills) > 0 && (d.Kind == KindExpert || d.Kind == KindChallenge) {
		parts = append(parts, textPart{"skills", strings.Join(d.Skills, ". "), fieldWeights["skills"], -1})
	}
	if d.Kind == KindExpert {
		for i, it := range d.TrackRecord {
			if strings.TrimSpace(it.Title) != "" {
				parts = append(parts, textPart{"track_record.title", it.Title, trackTitleWeight, i})
			}
			if strings.TrimSpace(it.Summary) != "" {
				parts = append(parts, textPart{"track_record.summary", it.Summary, trackSummaryWeight, i})
			}
		}
	}
	return parts
}

// analyseScratch holds the maps analyseDoc counts features in. (Build
// counts by feature ID instead: see analyseDocIDs.)
type analyseScratch struct {
	terms, concepts map[string]float32
	items           []map[string]float32
	sorted          bool // sort the features by key
	// surfaces and conceptWords, when not nil, collect the words as
	// written of each term and concept (a query's evidence), and
	// conceptBest the weight of each concept's strongest hit.
	surfaces, conceptWords map[string][]string
	conceptBest            map[string]float64
}

func newAnalyseScratch() *analyseScratch {
	return &analyseScratch{terms: map[string]float32{}, concepts: map[string]float32{}}
}

// analyseDoc analyses the texts of d: the features of the whole document
// and, for an expert, of each track-record item on its own. With a nil
// scratch, features come sorted by key.
func analyseDoc(a *Analyzer, d *Doc, sc *analyseScratch) analysedDoc {
	if sc == nil {
		sc = newAnalyseScratch()
		sc.sorted = true
	}
	lang := docLang(d)
	ad := analysedDoc{lang: lang}
	clear(sc.terms)
	clear(sc.concepts)
	nItems := 0
	if d.Kind == KindExpert {
		nItems = len(d.TrackRecord)
		ad.items = make([]analysedText, nItems)
		for len(sc.items) < nItems {
			sc.items = append(sc.items, map[string]float32{})
		}
		for _, m := range sc.items[:nItems] {
			clear(m)
		}
	}
	for _, p := range docParts(d) {
		an := a.Analyze(p.text, lang)
		w := float32(p.weight)
		for _, t := range an.Tokens {
			if t.Term != "" {
				sc.terms[t.Term] += w
				if sc.surfaces != nil {
					sc.surfaces[t.Term] = addWord(sc.surfaces[t.Term], t.Surface)
				}
			}
		}
		ad.text.termLen += w * float32(len(an.Tokens))
		ad.text.covered += coveredWords(an.Concepts, w)
		for _, c := range an.Concepts {
			cw := w * float32(c.Weight)
			key := conceptPrefix + c.Concept
			if _, seen := sc.concepts[key]; !seen {
				// The first words of each concept are kept as its
				// evidence, copied so that the text can go.
				ad.conceptKeys = append(ad.conceptKeys, key)
				ad.conceptSurfaces = append(ad.conceptSurfaces, strings.Clone(c.Surface))
				ad.conceptWeights = append(ad.conceptWeights, float32(c.Weight))
			} else {
				ad.strongerHit(key, c)
			}
			sc.concepts[key] += cw
			ad.text.conLen += cw
			if sc.conceptWords != nil {
				sc.conceptWords[c.Concept] = addWord(sc.conceptWords[c.Concept], c.Surface)
				sc.conceptBest[c.Concept] = max(sc.conceptBest[c.Concept], c.Weight)
			}
		}
		if p.item >= 0 {
			m := sc.items[p.item]
			for _, t := range an.Tokens {
				if t.Term != "" {
					m[t.Term] += w
				}
			}
			ad.items[p.item].termLen += w * float32(len(an.Tokens))
		}
	}
	for _, th := range d.Themes {
		if th = strings.ToLower(strings.TrimSpace(th)); th != "" {
			sc.concepts[themePrefix+th] = 1
		}
	}
	ad.text.terms = mapFeats(sc.terms, sc.sorted)
	ad.text.concepts = mapFeats(sc.concepts, sc.sorted)
	for i := range nItems {
		ad.items[i].terms = mapFeats(sc.items[i], sc.sorted)
	}
	return ad
}

// mapFeats lists the features of m, sorted by key when sorted is set (a
// query's, whose sums must run in the same order every time).
func mapFeats(m map[string]float32, sorted bool) []featTF {
	if len(m) == 0 {
		return nil
	}
	out := make([]featTF, 0, len(m))
	for k, v := range m {
		out = append(out, featTF{k, v})
	}
	if sorted {
		slices.SortFunc(out, func(a, b featTF) int { return strings.Compare(a.key, b.key) })
	}
	return out
}

// idCounter sums weighted frequencies by feature ID for one document: a
// dense array indexed by ID and the list of the IDs touched, so that Build
// counts a word with an addition where a map of strings costs two lookups.
type idCounter struct {
	tf  []float32
	ids []uint32
}

func (c *idCounter) add(id uint32, w float32) {
	if int(id) >= len(c.tf) {
		c.tf = append(c.tf, make([]float32, int(id)+1-len(c.tf)+len(c.tf)/2)...)
	}
	if c.tf[id] == 0 { // weights are positive: 0 is "not seen yet"
		c.ids = append(c.ids, id)
	}
	c.tf[id] += w
}

// seen reports whether id was counted since the last take.
func (c *idCounter) seen(id uint32) bool { return int(id) < len(c.tf) && c.tf[id] != 0 }

// take appends the counted features to out and resets the counter.
func (c *idCounter) take(out []fidTF) []fidTF {
	for _, id := range c.ids {
		out = append(out, fidTF{id, c.tf[id]})
		c.tf[id] = 0
	}
	c.ids = c.ids[:0]
	return out
}

// buildAnalyzer is one Build worker's analysis: what analyseDoc does, with
// the features counted by ID (see idCounter), and with a memory of every
// word the worker has met. Text analysis is most of what a Build costs, and
// through Analyze a word costs three lookups by string: the analyser's word
// cache (under a lock shared by every worker), the ID of its term, and the
// lexicon's expressions that start with it. Here it costs one, in a table
// of the worker's own (see wordTable); the shared cache is asked once per
// distinct word, which keeps it warm for the queries that follow.
// Everything it holds is dropped with it at the end of the Build.
type buildAnalyzer struct {
	a    *Analyzer
	dict *localDict
	// words is, by language, what each lower-cased word gives (see
	// buildWord). Digits or not, the analysis of a word depends on its
	// lower-cased form only, so one table holds both kinds.
	words [numLangs]*wordTable
	// concepts and themes give the feature of a concept code and of a
	// declared theme as written, without building the prefixed key.
	concepts map[string]buildFeat
	themes   map[string]buildFeat

	terms, conceptTF, item idCounter

	// Scratch space reused from one text to the next.
	ws    []word
	first [][]*expression
	hits  []ConceptHit
	// arena holds the features of the documents analysed (see feats).
	arena []fidTF
}

// buildWord is what a lower-cased word of one language gives: its term,
// whether it is a stop word, the term's feature ID (not for a stop word)
// and the lexicon's expressions that start with the term.
type buildWord struct {
	term  string
	id    uint32
	stop  bool
	first []*expression
}

// buildFeat is a concept's or a theme's feature: its ID and dictionary key.
// ok is false for a theme that is blank once trimmed.
type buildFeat struct {
	id  uint32
	key string
	ok  bool
}

func newBuildAnalyzer(a *Analyzer, dict *buildDict) *buildAnalyzer {
	return &buildAnalyzer{a: a, dict: &localDict{d: dict, m: map[string]uint32{}},
		concepts: map[string]buildFeat{}, themes: map[string]buildFeat{}}
}

// word returns what the lower-cased word w gives in the language li, as
// analyzeWord would set it, from the worker's memory when it has it.
func (b *buildAnalyzer) word(w *word, li int) buildWord {
	t := b.words[li]
	if t == nil {
		t = newWordTable()
		b.words[li] = t
	}
	if bw, ok := t.get(w.lower); ok {
		return bw
	}
	var bw buildWord
	if w.flags&wDigit != 0 {
		bw.term = FoldAccents(w.lower) // numbers and codes are not stemmed
	} else {
		e := b.a.lookup(w.lower, li)
		bw.term, bw.stop = e.term, e.stop
	}
	if !bw.stop && bw.term != "" {
		bw.id = b.dict.id(bw.term)
	}
	if b.a.lex != nil {
		bw.first = b.a.lex.byFirst[li][bw.term]
	}
	t.put(strings.Clone(w.lower), bw)
	return bw
}

// text analyses one text in the known language li as Analyze does, adds
// the weight w of each of its terms to b.terms (and to item when it is not
// nil), and returns its number of tokens and its concept hits (valid until
// the next call).
func (b *buildAnalyzer) text(text string, li int, w float32, item *idCounter) (tokens int, hits []ConceptHit) {
	text = normalizeText(text)
	b.ws = tokenize(text, b.ws[:0])
	b.first = b.first[:0]
	for i := range b.ws {
		wd := &b.ws[i]
		var bw buildWord
		switch {
		case wd.flags&wTooLong != 0:
			wd.term, wd.stop = "", true
		case wd.flags&wElision != 0:
			wd.term, wd.stop = wd.lower, true
		case wd.flags&wPrefix != 0:
			wd.term, wd.stop = FoldAccents(wd.lower), true
			if b.a.lex != nil {
				bw.first = b.a.lex.byFirst[li][wd.term]
			}
		default:
			bw = b.word(wd, li)
			wd.term, wd.stop = bw.term, bw.stop
		}
		b.first = append(b.first, bw.first)
		if wd.stop {
			continue
		}
		tokens++
		if wd.term == "" {
			continue
		}
		b.terms.add(bw.id, w)
		if item != nil {
			item.add(bw.id, w)
		}
	}
	if b.a.lex != nil {
		b.hits = b.a.lex.matchFirst(text, b.ws, li, b.first, b.hits[:0])
	}
	return tokens, b.hits
}

// textUnknown is text for a text whose document's language is unknown:
// Analyze detects the language of each text on its own.
func (b *buildAnalyzer) textUnknown(text string, w float32, item *idCounter) (tokens int, hits []ConceptHit) {
	an := b.a.Analyze(text, "")
	for _, t := range an.Tokens {
		if t.Term == "" {
			continue
		}
		id := b.dict.id(t.Term)
		b.terms.add(id, w)
		if item != nil {
			item.add(id, w)
		}
	}
	return len(an.Tokens), an.Concepts
}

// concept returns the feature of a concept code.
func (b *buildAnalyzer) concept(code string) buildFeat {
	f, ok := b.concepts[code]
	if !ok {
		f.key = conceptPrefix + code
		f.id, f.ok = b.dict.id(f.key), true
		b.concepts[strings.Clone(code)] = f
	}
	return f
}

// theme returns the feature of a declared theme as written.
func (b *buildAnalyzer) theme(th string) buildFeat {
	f, ok := b.themes[th]
	if !ok {
		if norm := strings.ToLower(strings.TrimSpace(th)); norm != "" {
			f.key = themePrefix + norm
			f.id, f.ok = b.dict.id(f.key), true
		}
		b.themes[strings.Clone(th)] = f
	}
	return f
}

// feats returns an empty slice of capacity n carved from the worker's
// arena: the features of a hundred thousand documents then take a few
// dozen allocations instead of one or more a document, and go together
// once the postings are laid out.
func (b *buildAnalyzer) feats(n int) []fidTF {
	if cap(b.arena)-len(b.arena) < n {
		b.arena = make([]fidTF, 0, max(n, 1<<15))
	}
	lo := len(b.arena)
	b.arena = b.arena[:lo+n]
	return b.arena[lo : lo : lo+n]
}

// doc is analyseDoc for Build: the same features, in the same order and
// with the same sums, counted by ID into the builtDocs of the document and
// of its items.
func (b *buildAnalyzer) doc(d *Doc) (ad analysedDoc, doc builtDoc, items []builtDoc) {
	lang := docLang(d)
	ad.lang = lang
	li, known := langIndex(lang)
	if d.Kind == KindExpert && len(d.TrackRecord) > 0 {
		ad.items = make([]analysedText, len(d.TrackRecord))
		items = make([]builtDoc, len(d.TrackRecord))
	}
	cur := -1 // the item whose words b.item counts
	flush := func() {
		if cur >= 0 {
			items[cur] = builtDoc{seg: segItem, feats: b.item.take(b.feats(len(b.item.ids)))}
			items[cur].nTerm = len(items[cur].feats)
		}
	}
	for _, p := range docParts(d) {
		w := float32(p.weight)
		var item *idCounter
		if p.item >= 0 {
			if p.item != cur {
				flush()
				cur = p.item
			}
			item = &b.item
		}
		var tokens int
		var hits []ConceptHit
		if known {
			tokens, hits = b.text(p.text, li, w, item)
		} else {
			tokens, hits = b.textUnknown(p.text, w, item)
		}
		n := w * float32(tokens)
		ad.text.termLen += n
		ad.text.covered += coveredWords(hits, w)
		if p.item >= 0 {
			ad.items[p.item].termLen += n
		}
		for _, c := range hits {
			cw := w * float32(c.Weight)
			f := b.concept(c.Concept)
			if !b.conceptTF.seen(f.id) {
				// The first words of each concept are kept as its
				// evidence, copied so that the text can go.
				ad.conceptKeys = append(ad.conceptKeys, f.key)
				ad.conceptSurfaces = append(ad.conceptSurfaces, strings.Clone(c.Surface))
				ad.conceptWeights = append(ad.conceptWeights, float32(c.Weight))
			} else {
				ad.strongerHit(f.key, c)
			}
			b.conceptTF.add(f.id, cw)
			ad.text.conLen += cw
		}
	}
	flush()
	for _, th := range d.Themes {
		if f := b.theme(th); f.ok && !b.conceptTF.seen(f.id) {
			b.conceptTF.add(f.id, 1)
		}
	}
	doc.seg = segOf(d.Kind)
	doc.feats = b.terms.take(b.feats(len(b.terms.ids) + len(b.conceptTF.ids)))
	doc.nTerm = len(doc.feats)
	doc.feats = b.conceptTF.take(doc.feats)
	return ad, doc, items
}

// fidTF is a feature by ID with its weighted frequency, as Build keeps it
// between the analysis and the postings.
type fidTF struct {
	id uint32
	tf float32
}

// builtDoc is one document (or track-record item) waiting for its slot and
// postings: features by ID, words first (nTerm of them), then concepts and
// themes.
type builtDoc struct {
	seg   int
	feats []fidTF
	nTerm int
}

// buildDict gives feature IDs to the keys Build's workers find, in shards
// locked on their own so that workers rarely wait on each other. IDs are
// handed out in the order keys are first seen, which varies from run to
// run; nothing depends on it (sums run in key order).
type buildDict struct {
	seed   maphash.Seed
	next   atomic.Uint32
	shards [64]struct {
		mu sync.Mutex
		m  map[string]uint32
		_  [40]byte
	}
}

func newBuildDict() *buildDict {
	d := &buildDict{seed: maphash.MakeSeed()}
	for i := range d.shards {
		d.shards[i].m = map[string]uint32{}
	}
	return d
}

func (d *buildDict) id(key string) uint32 {
	sh := &d.shards[maphash.String(d.seed, key)%uint64(len(d.shards))]
	sh.mu.Lock()
	id, ok := sh.m[key]
	if !ok {
		id = d.next.Add(1) - 1
		sh.m[strings.Clone(key)] = id
	}
	sh.mu.Unlock()
	return id
}

// localDict is a worker's own copy of the IDs it has seen: most lookups
// end there, without a lock.
type localDict struct {
	d *buildDict
	m map[string]uint32
}

func (l *localDict) id(key string) uint32 {
	id, ok := l.m[key]
	if !ok {
		id = l.d.id(key)
		l.m[strings.Clone(key)] = id
	}
	return id
}

// build fills an empty state with docs. Workers analyse the texts and give
// their features IDs; this goroutine gives slots in document order, calls
// progress, then lays out the postings in one array per segment, each list
// a window sized exactly.
func (st *state) build(a *Analyzer, docs []Doc, workers int, progress func(done, total int)) error {
	// A later Doc with the same ID replaces an earlier one.
	last := make(map[string]int, len(docs))
	for i := range docs {
		last[docs[i].ID] = i
	}
	order := make([]int, 0, len(last))
	for i := range docs {
		if last[docs[i].ID] == i {
			order = append(order, i)
		}
	}
	total := len(order)

	type out struct {
		ad    analysedDoc
		doc   builtDoc
		items []builtDoc
	}
	outs := make([]out, total)
	st.ids = make(map[string]uint32, total)
	dict := newBuildDict()
	const chunk = 256
	var next atomic.Int64
	doneCh := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBuildAnalyzer(a, dict)
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= total {
					return
				}
				end := min(start+chunk, total)
				for i := start; i < end; i++ {
					o := &outs[i]
					o.ad, o.doc, o.items = b.doc(&docs[order[i]])
					o.ad.hash = contentHash(st.seed, &docs[order[i]])
				}
				doneCh <- end - start
			}
		}()
	}
	go func() { wg.Wait(); close(doneCh) }()
	done := 0
	for n := range doneCh {
		done += n
		if progress != nil {
			progress(done, total)
		}
	}
	if progress != nil && total == 0 {
		progress(0, 0)
	}

	// The dictionary, merged.
	nFeat := int(dict.next.Load())
	if nFeat > maxFeatures {
		return fmt.Errorf("%w: %d distinct words and concepts", ErrFull, nFeat)
	}
	st.names = make([]string, nFeat)
	st.dict = make(map[string]uint32, nFeat)
	for i := range dict.shards {
		for k, id := range dict.shards[i].m {
			st.names[id] = k
			st.dict[k] = id
		}
	}

	// Slots in document order, each expert's items right after it.
	nSlots := total
	for i := range outs {
		nSlots += len(outs[i].items)
	}
	if nSlots > maxSlots {
		return fmt.Errorf("%w: %d documents and engagements", ErrFull, nSlots)
	}
	st.hot = slices.Grow(st.hot, nSlots)
	st.parent = slices.Grow(st.parent, nSlots)
	st.meta = slices.Grow(st.meta, nSlots)
	st.kept = slices.Grow(st.kept, nSlots)
	var counts [numSegs][]int32
	for seg := range counts {
		counts[seg] = make([]int32, nFeat)
	}
	// jobs are the documents and items, by slot.
	jobs := make([]*builtDoc, 0, nSlots)
	for i := range outs {
		o := &outs[i]
		slot := st.addSlot(&docs[order[i]], &o.ad)
		if int(slot) != len(jobs) {
			panic("matcher: build slots out of order")
		}
		jobs = append(jobs, &o.doc)
		for _, f := range o.doc.feats {
			counts[o.doc.seg][f.id]++
		}
		for j := range o.items {
			jobs = append(jobs, &o.items[j])
			for _, f := range o.items[j].feats {
				counts[segItem][f.id]++
			}
		}
	}
	st.buildDF = counts
	// Rarity depends on the final counts only: computed once a feature
	// here, where impacts would compute it once a posting.
	for seg := range numSegs {
		idf := make([]float64, nFeat)
		for id, df := range counts[seg] {
			idf[id] = st.idfOf(RankTFIDF, seg, int(df))
		}
		st.buildIDF[seg] = idf
	}
	defer func() { st.buildDF, st.buildIDF = [numSegs][]int32{}, [numSegs][]float64{} }()

	// Impacts and forward lists, in parallel: each slot is one worker's.
	parallel(workers, len(jobs), func(lo, hi int) {
		n := 0
		for slot := lo; slot < hi; slot++ {
			n += len(jobs[slot].feats)
		}
		arena := make([]uint32, 0, n)
		var buf impactBuf
		for slot := lo; slot < hi; slot++ {
			bd := jobs[slot]
			imps := st.impacts(bd.seg, uint32(slot), bd.feats, bd.nTerm, &buf)
			start := len(arena)
			for j, f := range bd.feats {
				arena = append(arena, f.id<<impBits|uint32(imps[j]))
			}
			fwd := arena[start:len(arena):len(arena)]
			slices.Sort(fwd)
			st.meta[slot].fwd = fwd
			bd.feats = nil
		}
	})

	// Postings: one array per segment, each feature's list a window of it
	// with its exact capacity (few objects for the collector, no slack),
	// filled in slot order from the forward lists by workers that each own
	// a range of features.
	for seg := range numSegs {
		c := counts[seg]
		sum := 0
		for _, n := range c {
			sum += int(n)
		}
		arena := make([]uint32, sum)
		post := make([][]uint32, nFeat)
		off := 0
		for id, n := range c {
			if n > 0 {
				post[id] = arena[off : off : off+int(n)]
				off += int(n)
			}
		}
		st.segs[seg].post = post
		st.segs[seg].postCnt = sum
	}
	// Features are split so that each worker appends about as many
	// postings: the commonest words were seen first and have low IDs.
	bounds := make([]int, workers+1)
	for w := 1; w <= workers; w++ {
		bounds[w] = nFeat
	}
	totalPost, acc := 0, 0
	for seg := range numSegs {
		totalPost += st.segs[seg].postCnt
	}
	for f, w := 0, 1; f < nFeat && w < workers; f++ {
		for seg := range numSegs {
			acc += int(counts[seg][f])
		}
		for w < workers && acc >= totalPost*w/workers {
			bounds[w] = f + 1
			w++
		}
	}
	parallel(workers, workers, func(wlo, whi int) {
		for w := wlo; w < whi; w++ {
			fillPostings(st, bounds[w], bounds[w+1])
		}
	})
	return nil
}

// fillPostings appends, in slot order, the postings of the features in
// [lo, hi) from the forward lists.
func fillPostings(st *state, lo, hi int) {
	if lo >= hi {
		return
	}
	flo, fhi := uint32(lo)<<impBits, uint32(hi)<<impBits
	for slot := range st.meta {
		m := &st.meta[slot]
		fwd := m.fwd
		i, _ := slices.BinarySearch(fwd, flo)
		post := st.segs[m.seg].post
		for ; i < len(fwd) && fwd[i] < fhi; i++ {
			f := fwd[i] >> impBits
			post[f] = append(post[f], uint32(slot)<<impBits|fwd[i]&impMask)
		}
	}
}

// parallel splits [0, n) into ranges and calls fn on each from workers
// goroutines, returning when all are done.
func parallel(workers, n int, fn func(lo, hi int)) {
	workers = max(1, min(workers, n))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// addSlot gives d (and each of its track-record items) a slot, with its
// metadata, and counts it in its segment.
func (st *state) addSlot(d *Doc, ad *analysedDoc) uint32 {
	m, h := st.metaOf(d, ad.lang, true)
	m.termLen, m.conLen, m.hash = ad.text.termLen, ad.text.conLen, ad.hash
	m.cov = coverageCode(ad.text.coverage())
	if len(ad.conceptKeys) > 0 {
		m.concepts = make([]conceptSurface, len(ad.conceptKeys))
		for i, k := range ad.conceptKeys {
			m.concepts[i] = conceptSurface{st.feature(k), ad.conceptWeights[i], ad.conceptSurfaces[i]}
		}
	}
	slot := uint32(len(st.hot))
	st.hot = append(st.hot, h)
	st.meta = append(st.meta, m)
	st.parent = append(st.parent, slot)
	if st.keep {
		dc := *d
		st.kept = append(st.kept, &dc)
	} else {
		st.kept = append(st.kept, nil)
	}
	st.ids[d.ID] = slot
	if h.city != 0 {
		st.byCity[h.city] = append(st.byCity[h.city], slot)
	}
	seg := &st.segs[segOf(d.Kind)]
	seg.live++
	seg.sumLen[0] += float64(m.termLen)
	seg.sumLen[1] += float64(m.conLen)
	if len(ad.items) > 0 {
		items := make([]uint32, len(ad.items))
		for j := range ad.items {
			is := uint32(len(st.hot))
			items[j] = is
			st.hot = append(st.hot, hotSlot{city: h.city, country: h.country, region: h.region, flags: flLive | flItem | h.flags&flEligible})
			year := 0
			if j < len(d.TrackRecord) {
				year = min(max(d.TrackRecord[j].Year, 0), math.MaxUint16)
			}
			st.meta = append(st.meta, slotMeta{seg: segItem, lang: langCode(ad.lang), itemIdx: uint16(j), termLen: ad.items[j].termLen, year: uint16(year)})
			st.parent = append(st.parent, slot)
			st.kept = append(st.kept, nil)
			iseg := &st.segs[segItem]
			iseg.live++
			iseg.sumLen[0] += float64(ad.items[j].termLen)
		}
		st.meta[slot].items = items
	}
	return slot
}

// room reports whether ad fits in the index: slots for it and its items
// (after compaction if need be), IDs for its new features.
func (st *state) room(ad *analysedDoc) error {
	if len(st.hot)-st.dead+1+len(ad.items) > maxSlots {
		return fmt.Errorf("%w: %d slots", ErrFull, len(st.hot)-st.dead)
	}
	if len(st.names)+len(ad.text.terms)+len(ad.text.concepts) > maxFeatures {
		return fmt.Errorf("%w: %d distinct words and concepts", ErrFull, len(st.names))
	}
	return nil
}

// add puts an analysed document into a live state (Upsert): new slots at the
// end, postings appended, so that every list stays sorted by slot.
func (st *state) add(d *Doc, ad *analysedDoc) {
	if len(st.hot)+1+len(ad.items) > maxSlots {
		st.compact()
	}
	slot := st.addSlot(d, ad)
	seg := segOf(d.Kind)
	st.appendPostings(seg, slot, ad.text.terms, ad.text.concepts)
	for j, it := range ad.items {
		st.appendPostings(segItem, st.meta[slot].items[j], it.terms, nil)
	}
}

func (st *state) appendPostings(seg int, slot uint32, terms, concepts []featTF) {
	feats := make([]fidTF, 0, len(terms)+len(concepts))
	for _, f := range terms {
		feats = append(feats, fidTF{st.feature(f.key), f.tf})
	}
	for _, f := range concepts {
		feats = append(feats, fidTF{st.feature(f.key), f.tf})
	}
	s := &st.segs[seg]
	if n := len(st.names); len(s.post) < n {
		s.post = append(s.post, make([][]uint32, n-len(s.post))...)
	}
	imps := st.impacts(seg, slot, feats, len(terms), &impactBuf{})
	fwd := make([]uint32, len(feats))
	for j, f := range feats {
		s.post[f.id] = append(s.post[f.id], slot<<impBits|uint32(imps[j]))
		fwd[j] = f.id<<impBits | uint32(imps[j])
	}
	slices.Sort(fwd)
	st.meta[slot].fwd = fwd
	s.postCnt += len(feats)
}

// remove deletes the document id from a live state: its slots are marked
// dead (their postings stay until the next compaction and are skipped).
func (st *state) remove(id string) bool {
	slot, ok := st.ids[id]
	if !ok {
		return false
	}
	delete(st.ids, id)
	if c := st.hot[slot].city; c != 0 {
		st.byCity[c] = slices.DeleteFunc(st.byCity[c], func(s uint32) bool { return s == slot })
		if len(st.byCity[c]) == 0 {
			delete(st.byCity, c)
		}
	}
	st.kill(slot)
	for _, is := range st.meta[slot].items {
		st.kill(is)
		st.meta[is] = slotMeta{seg: segItem}
	}
	st.meta[slot] = slotMeta{seg: st.meta[slot].seg}
	st.kept[slot] = nil
	return true
}

func (st *state) kill(slot uint32) {
	m := &st.meta[slot]
	s := &st.segs[m.seg]
	s.live--
	s.sumLen[0] -= float64(m.termLen)
	s.sumLen[1] -= float64(m.conLen)
	// The dead postings stay until compaction; rarity must not count them.
	for _, f := range m.fwd {
		id := f >> impBits
		for int(id) >= len(s.deadDF) {
			s.deadDF = append(s.deadDF, make([]int32, len(st.names)-len(s.deadDF)+1)...)
		}
		s.deadDF[id]++
	}
	st.hot[slot].flags = 0
	st.dead++
}

// maybeCompact compacts when a quarter of the slots are dead: the dead
// postings cost time on every query that walks them.
func (st *state) maybeCompact() {
	if st.dead >= 16 && st.dead*4 > len(st.hot) {
		st.compact()
	}
}

// compact drops the dead slots and renumbers the live ones, in order, so
// that postings stay sorted.
func (st *state) compact() {
	remap := make([]uint32, len(st.hot))
	n := uint32(0)
	for s := range st.hot {
		if st.hot[s].flags&flLive != 0 {
			remap[s] = n
			n++
		} else {
			remap[s] = noID
		}
	}
	hot := make([]hotSlot, 0, n)
	meta := make([]slotMeta, 0, n)
	kept := make([]*Doc, 0, n)
	parent := make([]uint32, 0, n)
	for s := range st.hot {
		if remap[s] == noID {
			continue
		}
		m := st.meta[s]
		for j, is := range m.items {
			m.items[j] = remap[is]
		}
		hot = append(hot, st.hot[s])
		meta = append(meta, m)
		kept = append(kept, st.kept[s])
		parent = append(parent, remap[st.parent[s]])
	}
	st.hot, st.meta, st.kept, st.parent = hot, meta, kept, parent
	for id, s := range st.ids {
		st.ids[id] = remap[s]
	}
	for c, slots := range st.byCity {
		for i, s := range slots {
			slots[i] = remap[s]
		}
		st.byCity[c] = slots
	}
	for seg := range st.segs {
		sg := &st.segs[seg]
		sg.postCnt = 0
		for f, list := range sg.post {
			j := 0
			for _, p := range list {
				if ns := remap[p>>impBits]; ns != noID {
					list[j] = ns<<impBits | p&impMask
					j++
				}
			}
			list = list[:j]
			if cap(list) > 2*j+8 {
				list = append([]uint32(nil), list...)
			}
			if j == 0 {
				list = nil
			}
			sg.post[f] = list
			sg.postCnt += j
		}
		sg.deadDF = nil
	}
	st.dead = 0
}

// impacts computes the 8-bit impact of each feature of the document in
// slot: for BM25 its term-frequency part (saturated, length-normalised),
// for TF-IDF its weight in the unit-length document vector (see rankingOf).
// The first nTerm features are words, the rest concepts and themes; themes
// get the top impact (a theme is declared or not). buf is scratch space,
// reused from one document to the next.
func (st *state) impacts(seg int, slot uint32, feats []fidTF, nTerm int, buf *impactBuf) []uint8 {
	m := &st.meta[slot]
	out := buf.imps[:0]
	class := func(j int, f fidTF) int {
		if j < nTerm {
			return classTerm
		}
		return featClass(st.names[f.id], false)
	}
	// The TF-IDF weights, each computed once, and the norms of the
	// vectors by class.
	ws := buf.w[:0]
	var norms [2]float64
	for j, f := range feats {
		w := 0.0
		if c := class(j, f); c != classTheme && st.rankingOf(c) == RankTFIDF {
			w = tfidfWeight(f.tf, st.tfidfIDF(seg, f.id))
			norms[c] += w * w
		}
		ws = append(ws, w)
	}
	lens := [2]float64{math.Sqrt(norms[0]), math.Sqrt(norms[1])}
	for j, f := range feats {
		c := class(j, f)
		switch {
		case c == classTheme:
			out = append(out, impMask)
		case st.rankingOf(c) == RankTFIDF:
			out = append(out, encodeImpact(ws[j]/lens[c]))
		default:
			dl := float64(m.termLen)
			if c == classConcept {
				dl = float64(m.conLen)
			}
			v := bm25TF(float64(f.tf), dl, st.avgLen(seg, c))
			out = append(out, encodeImpact(v/(bm25K1+1)))
		}
	}
	buf.imps, buf.w = out, ws
	return out
}

// impactBuf is the scratch space of impacts.
type impactBuf struct {
	imps []uint8
	w    []float64
}

// tfidfIDF is the TF-IDF rarity of feature id in segment seg: from the
// table Build fills once for all (see state.buildIDF), else computed.
func (st *state) tfidfIDF(seg int, id uint32) float64 {
	if t := st.buildIDF[seg]; t != nil {
		return t[id]
	}
	return st.idf(RankTFIDF, seg, id)
}

// featClass is the class of a feature key.
func featClass(key string, term bool) int {
	switch {
	case term:
		return classTerm
	case strings.HasPrefix(key, themePrefix):
		return classTheme
	case strings.HasPrefix(key, conceptPrefix):
		return classConcept
	}
	return classTerm
}
