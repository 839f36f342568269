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
func (ix *Index) subject(d *Doc) *subjectText {
	key := contentHash(ix.seed, d)
	c := &ix.subjects
	c.mu.Lock()
	t, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return t
	}
	t = analyseSubject(ix.an, d)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedSubjects {
		c.m = make(map[uint64]*subjectText)
	}
	c.m[key] = t
	c.mu.Unlock()
	return t
}
