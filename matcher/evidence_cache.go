package matcher

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"strings"
	"sync"
)

// evidenceCache keeps the evidence found in a document for a list of terms:
// the words of each term as written, and those of its best track-record
// item. A challenge is asked about many times between its edits, and each
// time the same documents come back with the same matched terms; finding
// their words again means getting the document's texts (a lookup in the
// caller's store) and scanning them, a tenth of a suggestion's time. An
// entry is keyed by the hash of the document's content (contentHash), so an
// edited document is scanned again: the index gives the hash of the version
// it scored, and an entry is stored under the hash of the version scanned.
//
// It holds two generations of at most maxEvidenceEntries entries: when the
// current one is full it becomes the previous one and the oldest is
// dropped, and an entry found in the previous one moves to the current one,
// so what is asked often stays.
type evidenceCache struct {
	mu        sync.Mutex
	cur, prev map[uint64]*evidence
}

// maxEvidenceEntries bounds a generation of the cache: about 1 KB an
// entry, a few tens of MB for both.
const maxEvidenceEntries = 16_384

// evidence is what fillEvidence found in one document for one pending
// explanation's terms. The key's parts are kept to tell a hash collision
// from a hit.
type evidence struct {
	docID     string
	hash      uint64
	lang      Lang
	terms     []string
	item      int
	itemTerms []string

	words [][]string // by term: the document's words for it
	// hasItem is set when the document holds the item; then the item's
	// title, year and words.
	hasItem   bool
	title     string
	year      int
	itemWords []string
}

// evidenceKey hashes what the evidence of p in the version hash of its
// document depends on.
func evidenceKey(seed maphash.Seed, p *pending, hash uint64) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	var buf [8]byte
	num := func(n uint64) {
		binary.LittleEndian.PutUint64(buf[:], n)
		h.Write(buf[:])
	}
	str := func(s string) {
		num(uint64(len(s)))
		h.WriteString(s)
	}
	str(p.docID)
	num(hash)
	str(string(p.lang))
	num(uint64(len(p.terms)))
	for _, t := range p.terms {
		str(t)
	}
	item, itemTerms := p.cachedItem()
	num(uint64(item + 1))
	num(uint64(len(itemTerms)))
	for _, t := range itemTerms {
		str(t)
	}
	return h.Sum64()
}

// cachedItem is the track-record item whose words the cache keeps for p:
// the document's own (an expert suggested), -1 for none. The items of the
// subject (Opportunities) are found in the subject, not cached.
func (p *pending) cachedItem() (int, []string) {
	if p.item < 0 || p.exp.TrackRecord == nil || !p.itemOfDoc {
		return -1, nil
	}
	return p.item, p.itemTerms
}

// matches reports whether e is the evidence of p in version hash.
func (e *evidence) matches(p *pending, hash uint64) bool {
	item, itemTerms := p.cachedItem()
	return e.docID == p.docID && e.hash == hash && e.lang == p.lang && e.item == item &&
		slices.Equal(e.terms, p.terms) && slices.Equal(e.itemTerms, itemTerms)
}

func (c *evidenceCache) get(key uint64, p *pending, hash uint64) *evidence {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.cur[key]; e != nil && e.matches(p, hash) {
		return e
	}
	if e := c.prev[key]; e != nil && e.matches(p, hash) {
		c.putLocked(key, e)
		return e
	}
	return nil
}

func (c *evidenceCache) put(key uint64, e *evidence) {
	c.mu.Lock()
	c.putLocked(key, e)
	c.mu.Unlock()
}

func (c *evidenceCache) putLocked(key uint64, e *evidence) {
	if c.cur == nil || len(c.cur) >= maxEvidenceEntries {
		c.prev, c.cur = c.cur, make(map[uint64]*evidence, 1024)
	}
	c.cur[key] = e
}

// cloneWords copies the words found, which are slices of the document's
// texts, so that an entry does not keep the texts alive: in three
// allocations whatever the number of words, since it is made for every
// document explained the first time.
func cloneWords(ws [][]string) [][]string {
	n, size := 0, 0
	for _, w := range ws {
		n += len(w)
		for _, s := range w {
			size += len(s)
		}
	}
	out := make([][]string, len(ws))
	flat := make([]string, 0, n)
	var text strings.Builder
	text.Grow(size)
	for i, w := range ws {
		if w == nil {
			continue
		}
		start := len(flat)
		for _, s := range w {
			flat = append(flat, s) // replaced below, once text is complete
			text.WriteString(s)
		}
		out[i] = flat[start:len(flat):len(flat)]
	}
	all := text.String()
	off := 0
	for i := range flat {
		l := len(flat[i])
		flat[i] = all[off : off+l]
		off += l
	}
	return out
}
