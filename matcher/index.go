package matcher

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"maps"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Index is the in-memory match index: practices, experts (with each
// engagement of their track record) and challenges, ready to be scored
// against a challenge or an expert. It is built once from the store at
// start (Build) and kept current on every write (Upsert, Delete). It is safe
// for concurrent use: any number of suggestions run while one write waits
// for them, and a write holds the lock only to add postings, never while it
// analyses a text.
//
// The index keeps no full text unless asked to (see WithLookup): what it
// needs for scoring is a few bytes a word (postings of integer term IDs with
// an 8-bit weight, and each document's list of its terms). The evidence of
// the few suggestions returned (the words as each side wrote them) is found
// by looking their words up again in their texts, which the index either
// keeps or gets from the caller's lookup function; only the words that
// triggered each concept are kept, since finding them again takes a full
// analysis.
type Index struct {
	an      *Analyzer
	ranking Ranking
	lookup  func(id string) (Doc, bool)
	clock   func() time.Time
	workers int
	observe func(query string, took time.Duration)
	budget  int          // postingsBudget; tests change it to measure what it costs
	pool    int          // minCandidates; benchmarks change it to measure what it costs
	seed    maphash.Seed // of contentHash, the same for every state

	mu sync.RWMutex
	st *state
	// While a Build runs, the writes made meanwhile are kept in journal
	// and replayed on the new content before it is swapped in.
	building int
	journal  []journalOp

	accs sync.Pool // *accumulator

	subjects subjectCache
	evidence evidenceCache
}

// journalOp is a write made while a Build runs: an upsert (doc set) or a
// delete.
type journalOp struct {
	id  string
	doc *Doc
	ad  *analysedDoc
}

// Option configures an Index.
type Option func(*Index)

// WithLookup makes the index ask lookup for the texts of a document when it
// needs them (the evidence of a suggestion, a challenge given by ID) instead
// of keeping every Doc in memory. lookup must be safe for concurrent use and
// answer false for an unknown ID. With a store behind it, this is how the
// index stays under 1.5 KB a document.
func WithLookup(lookup func(id string) (Doc, bool)) Option {
	return func(ix *Index) { ix.lookup = lookup }
}

// WithRanking picks the weighting of words: RankTFIDF (the default,
// chosen on the evaluation set) or RankBM25.
func WithRanking(r Ranking) Option {
	return func(ix *Index) { ix.ranking = r }
}

// WithClock sets the clock that gives today's date to the availability
// rules when a query does not: tests and golden files pin it.
func WithClock(now func() time.Time) Option {
	return func(ix *Index) { ix.clock = now }
}

// WithWorkers sets how many goroutines analyse texts during Build, and
// find the evidence of Candidates' long lists; 0 or less is GOMAXPROCS.
func WithWorkers(n int) Option {
	return func(ix *Index) { ix.workers = n }
}

// WithQueryObserver makes the index tell observe how long each query took,
// named by its kind: "suggest", "explain", "opportunities", "partners",
// "candidates" (the long lists panels, teams and rounds choose from) or
// "group". observe is called on the query's goroutine and must be quick and
// safe for concurrent use (a Prometheus histogram's Observe is both).
func WithQueryObserver(observe func(query string, took time.Duration)) Option {
	return func(ix *Index) { ix.observe = observe }
}

// observed reports a query's duration to the observer, if any: deferred as
// defer ix.observed("suggest", time.Now()).
func (ix *Index) observed(query string, start time.Time) {
	if ix.observe != nil {
		ix.observe(query, time.Since(start))
	}
}

// NewIndex returns an empty index whose texts are analysed by a.
func NewIndex(a *Analyzer, opts ...Option) *Index {
	ix := &Index{an: a, ranking: RankTFIDF, clock: time.Now, budget: postingsBudget, pool: minCandidates, seed: maphash.MakeSeed()}
	for _, o := range opts {
		o(ix)
	}
	if ix.workers <= 0 {
		ix.workers = runtime.GOMAXPROCS(0)
	}
	ix.st = newState(ix.ranking, ix.lookup == nil, ix.seed)
	return ix
}

// Len returns the number of documents in the index (practices, experts and
// challenges; track-record items are not counted).
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.st.ids)
}

// Build replaces the content of the index with docs. It analyses the texts
// on all cores, calls progress (if not nil) from one goroutine as documents
// are done, then swaps the new content in: suggestions keep running on the
// old content meanwhile, and the Upserts and Deletes made meanwhile are
// applied to the new content too, so that a service may build its index
// from the store while it already accepts writes. A later Doc with the ID
// of an earlier one replaces it. It returns an error, and changes nothing,
// when a Doc is invalid.
func (ix *Index) Build(docs []Doc, progress func(done, total int)) error {
	for i := range docs {
		if err := checkDoc(&docs[i]); err != nil {
			return fmt.Errorf("build index: %w", err)
		}
	}
	ix.mu.Lock()
	ix.building++
	ix.mu.Unlock()
	st := newState(ix.ranking, ix.lookup == nil, ix.seed)
	err := st.build(ix.an, docs, ix.workers, progress)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.building--; ix.building == 0 {
		defer func() { ix.journal = nil }()
	}
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	for _, op := range ix.journal {
		if op.doc == nil {
			st.remove(op.id)
			continue
		}
		if err := st.room(op.ad); err != nil {
			return fmt.Errorf("build index: replay %s: %w", op.id, err)
		}
		st.remove(op.id)
		st.add(op.doc, op.ad)
	}
	st.maybeCompact()
	ix.st = st
	return nil
}

// Upsert adds d to the index or replaces the document with its ID.
//
// What it costs depends on what changed. When the texts, skills, themes,
// declared language, kind and city are those already indexed (a change of
// Load, Capacity, Feedback, Paused, Status, availability, role, working
// languages …), the document's metadata is replaced in place: hashing its
// texts and a few map lookups, a few microseconds for a page of text, with
// no analysis and no new slot. Otherwise the texts are analysed (tens of
// microseconds to a millisecond, before the lock is taken) and the
// document gets a new slot, the old one left for the next compaction.
func (ix *Index) Upsert(d Doc) error {
	if err := checkDoc(&d); err != nil {
		return fmt.Errorf("upsert %s: %w", d.ID, err)
	}
	hash := contentHash(ix.seed, &d)
	if ix.refresh(&d, hash) {
		return nil
	}
	ad := analyseDoc(ix.an, &d, nil)
	ad.hash = hash
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.st.room(&ad); err != nil {
		return fmt.Errorf("upsert %s: %w", d.ID, err)
	}
	ix.st.remove(d.ID)
	ix.st.add(&d, &ad)
	ix.st.maybeCompact()
	if ix.building > 0 {
		ix.journal = append(ix.journal, journalOp{id: d.ID, doc: &d, ad: &ad})
	}
	return nil
}

// refresh replaces the metadata of d in place when its analysis would be
// the one indexed (see Upsert) and reports whether it did. While a Build
// runs it does not: the journal replays analysed documents.
func (ix *Index) refresh(d *Doc, hash uint64) bool {
	ix.mu.RLock()
	same := ix.building == 0 && ix.st.sameContent(d, hash)
	ix.mu.RUnlock()
	if !same { // the common case of a real edit: no write lock
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return ix.building == 0 && ix.st.refresh(d, hash)
}

// contentHash hashes what the postings of d depend on: its kind, declared
// language, fields, skills, track record and themes. Two versions of a
// document with the same hash are analysed alike.
func contentHash(seed maphash.Seed, d *Doc) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var buf [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.WriteString(s)
	}
	num := func(n uint64) {
		binary.LittleEndian.PutUint64(buf[:], n)
		h.Write(buf[:])
	}
	str(string(d.Kind))
	str(string(d.Lang))
	num(uint64(len(d.Fields)))
	for _, f := range d.Fields {
		str(f.Name)
		str(f.Text)
		num(math.Float64bits(f.Weight))
	}
	num(uint64(len(d.Skills)))
	for _, sk := range d.Skills {
		str(sk)
	}
	num(uint64(len(d.TrackRecord)))
	for _, it := range d.TrackRecord {
		str(it.Title)
		str(it.Summary)
		num(uint64(max(it.Year, 0))) // an item's slot keeps its year
	}
	num(uint64(len(d.Themes)))
	for _, th := range d.Themes {
		str(th)
	}
	return h.Sum64()
}

// Doc returns the document the index holds under id, of any kind: the Doc
// it keeps or, with WithLookup, what the lookup returns for it. false when
// the index holds no document id (a city is not a document). The Doc is a
// copy: changing it changes nothing in the index.
func (ix *Index) Doc(id string) (Doc, bool) {
	ix.mu.RLock()
	_, indexed := ix.st.ids[id]
	var d Doc
	ok := false
	if indexed && ix.lookup == nil {
		d, ok = ix.docByID(ix.st, id)
	}
	ix.mu.RUnlock()
	if indexed && ix.lookup != nil {
		d, ok = ix.lookup(id)
	}
	if !ok {
		return Doc{}, false
	}
	return cloneDoc(d), true
}

// KindOf returns the kind of the document the index holds under id; false
// when it holds none. A lookup (see WithLookup) asks it which of its
// tables to read.
func (ix *Index) KindOf(id string) (Kind, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.st.ids[id]
	if !ok {
		return "", false
	}
	return segKind(ix.st.meta[slot].seg), true
}

// cloneDoc copies d with its slices and map.
func cloneDoc(d Doc) Doc {
	d.Fields = slices.Clone(d.Fields)
	d.TrackRecord = slices.Clone(d.TrackRecord)
	d.Themes = slices.Clone(d.Themes)
	d.Languages = slices.Clone(d.Languages)
	d.Modes = slices.Clone(d.Modes)
	d.Skills = slices.Clone(d.Skills)
	d.Feedback.ByMode = maps.Clone(d.Feedback.ByMode)
	return d
}

// Delete removes the document with id; it reports whether there was one.
func (ix *Index) Delete(id string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ok := ix.st.remove(id)
	ix.st.maybeCompact()
	if ix.building > 0 {
		ix.journal = append(ix.journal, journalOp{id: id})
	}
	return ok
}

// checkDoc reports what makes d unfit for the index.
func checkDoc(d *Doc) error {
	switch {
	case strings.TrimSpace(d.ID) == "":
		return fmt.Errorf("%w: empty id", ErrInvalidDoc)
	case d.Kind != KindPractice && d.Kind != KindExpert && d.Kind != KindChallenge:
		return fmt.Errorf("%w: %s: kind %q is not practice, expert or challenge", ErrInvalidDoc, d.ID, d.Kind)
	}
	for _, f := range d.Fields {
		if f.Weight < 0 {
			return fmt.Errorf("%w: %s: field %q has a negative weight", ErrInvalidDoc, d.ID, f.Name)
		}
	}
	return nil
}

// docByID returns the Doc of id: from the lookup when there is one (the
// caller then holds no lock: a lookup may be slow), else the one the index
// keeps (the caller holds the read lock). false when there is none.
func (ix *Index) docByID(st *state, id string) (Doc, bool) {
	if ix.lookup != nil {
		return ix.lookup(id)
	}
	if s, ok := st.ids[id]; ok && st.kept[s] != nil {
		return *st.kept[s], true
	}
	return Doc{}, false
}

// Name returns the name the index keeps for document id (Doc.Name: a
// practice's or a challenge's title, an expert's name), without reading the
// document; false when it holds no document id.
func (ix *Index) Name(id string) (string, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	s, ok := ix.st.ids[id]
	if !ok || int(s) >= len(ix.st.meta) {
		return "", false
	}
	return ix.st.meta[s].name, true
}
