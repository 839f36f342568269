package matcher

import (
	"fmt"
	"runtime"
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
	budget  int // postingsBudget; tests change it to measure what it costs

	mu sync.RWMutex
	st *state
	// While a Build runs, the writes made meanwhile are kept in journal
	// and replayed on the new content before it is swapped in.
	building int
	journal  []journalOp

	accs sync.Pool // *accumulator
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

// WithWorkers sets how many goroutines analyse texts during Build; 0 or
// less is GOMAXPROCS.
func WithWorkers(n int) Option {
	return func(ix *Index) { ix.workers = n }
}

// NewIndex returns an empty index whose texts are analysed by a.
func NewIndex(a *Analyzer, opts ...Option) *Index {
	ix := &Index{an: a, ranking: RankTFIDF, clock: time.Now, budget: postingsBudget}
	for _, o := range opts {
		o(ix)
	}
	if ix.workers <= 0 {
		ix.workers = runtime.GOMAXPROCS(0)
	}
	ix.st = newState(ix.ranking, ix.lookup == nil)
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
	st := newState(ix.ranking, ix.lookup == nil)
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

// Upsert adds d to the index or replaces the document with its ID. The
// texts are analysed before the lock is taken.
func (ix *Index) Upsert(d Doc) error {
	if err := checkDoc(&d); err != nil {
		return fmt.Errorf("upsert %s: %w", d.ID, err)
	}
	ad := analyseDoc(ix.an, &d, nil)
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
