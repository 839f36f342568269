package matcher

import "sync"

// subjectCache keeps the analysis of the challenges asked about, by the hash
// of what the analysis reads (contentHash): a challenge is asked about many
// times between its edits, and analysing its texts again each time (the
// stem guard, the concepts, the bridge's translations) was a third of a
// suggestion's time. An edited challenge hashes differently, so an entry is
// never stale; the cache is dropped whole when it is full.
type subjectCache struct {
	mu sync.Mutex
	m  map[uint64]*subjectText
}

// maxCachedSubjects bounds the cache: far more than the open challenges of a
// network, and a few MB at most.
const maxCachedSubjects = 4096

// subject returns the analysis of the subject d, from the cache when d's
// content was analysed before. The analysis is shared: nothing changes it
// once made.
func (ix *Index) subject(d *Doc) *subjectText { return ix.subjectOf(d, true) }

// subjectOf is subject, keeping a new analysis only when keep is set: a
// subject asked about once (Query.OneOff) is not kept, so that a stream of
// them (a search page's words) does not empty the cache of the challenges
// asked about again and again.
func (ix *Index) subjectOf(d *Doc, keep bool) *subjectText {
	key := contentHash(ix.seed, d)
	c := &ix.subjects
	c.mu.Lock()
	t, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return t
	}
	t = analyseSubject(ix.an, d)
	if !keep {
		return t
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSubjects {
		c.m = make(map[uint64]*subjectText)
	}
	c.m[key] = t
	c.mu.Unlock()
	return t
}

// subjectIDs are the feature IDs of an analysed subject's keys (its terms,
// concepts and translations) in one state of the index, noID for a key the
// state does not know: a subject asked about again costs no lookup in the
// dictionary of every word of the index. A feature's ID never changes in a
// state, and a key unknown stays unknown until the state learns new
// features, so the IDs hold as long as the state and its number of features
// are the same.
type subjectIDs struct {
	gen, names                  uint64 // state.gen and len(state.names) when found
	terms, concepts, translated []uint32
}

// idsIn returns the feature IDs of t's keys in st, under the index's lock
// (read or write).
func (t *subjectText) idsIn(st *state) *subjectIDs {
	old := t.ids.Load()
	if old != nil && old.gen == st.gen && old.names == uint64(len(st.names)) {
		return old
	}
	// In the same state with new features, the keys found keep their IDs:
	// only those it did not know are looked up again.
	var prev subjectIDs
	if old != nil && old.gen == st.gen {
		prev = *old
	}
	find := func(known []uint32, n int, key func(i int) string) []uint32 {
		ids := make([]uint32, n)
		for i := range ids {
			if known != nil && known[i] != noID {
				ids[i] = known[i]
			} else if id, ok := st.dict[key(i)]; ok {
				ids[i] = id
			} else {
				ids[i] = noID
			}
		}
		return ids
	}
	ids := &subjectIDs{gen: st.gen, names: uint64(len(st.names)),
		terms:      find(prev.terms, len(t.terms), func(i int) string { return t.terms[i].key }),
		concepts:   find(prev.concepts, len(t.concepts), func(i int) string { return t.concepts[i].key }),
		translated: find(prev.translated, len(t.translated), func(i int) string { return t.translated[i].key }),
	}
	t.ids.Store(ids)
	return ids
}
