package matcher

import "hash/maphash"

// wordTable is what a Build worker remembers of the words of one language
// (see buildAnalyzer.word): a hash table with open addressing whose slots
// hold the word itself, up to wordKeyLen bytes, next to what it gives, in
// 64 bytes. A lookup costs one cache miss at most. In a Go map, the key
// is a string kept elsewhere, and comparing it was a second miss: the
// lookups of a Build's fifteen million words took a quarter of its time.
// Longer words, rare in the three languages, go to a map.
type wordTable struct {
	seed  maphash.Seed
	slots []wordSlot // a power of two of them
	n     int        // slots used
	long  map[string]buildWord
}

// wordKeyLen is the length of the longest word a wordTable slot holds:
// what fits in 64 bytes with the rest.
const wordKeyLen = 18

// wordSlot is a word and what it gives (see buildWord).
type wordSlot struct {
	term  string
	first []*expression
	id    uint32
	klen  uint8 // the length of the word plus one; 0 for an empty slot
	stop  bool
	key   [wordKeyLen]byte
}

func newWordTable() *wordTable {
	return &wordTable{seed: maphash.MakeSeed(), slots: make([]wordSlot, 256), long: map[string]buildWord{}}
}

// get returns what the word w gives, false when the table does not have it.
func (t *wordTable) get(w string) (buildWord, bool) {
	if len(w) > wordKeyLen {
		bw, ok := t.long[w]
		return bw, ok
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.String(t.seed, w) & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.klen == 0 {
			return buildWord{}, false
		}
		if int(s.klen) == len(w)+1 && string(s.key[:len(w)]) == w {
			return buildWord{term: s.term, id: s.id, stop: s.stop, first: s.first}, true
		}
	}
}

// put adds the word w, which the table does not have.
func (t *wordTable) put(w string, bw buildWord) {
	if len(w) > wordKeyLen {
		t.long[w] = bw
		return
	}
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]wordSlot, 2*len(old))
		for i := range old {
			if s := &old[i]; s.klen != 0 {
				t.insert(string(s.key[:s.klen-1]), s)
			}
		}
	}
	t.insert(w, &wordSlot{term: bw.term, first: bw.first, id: bw.id, stop: bw.stop})
	t.n++
}

// insert puts s in the first free slot from the one w hashes to.
func (t *wordTable) insert(w string, s *wordSlot) {
	s.klen = uint8(len(w) + 1)
	copy(s.key[:], w)
	mask := uint64(len(t.slots) - 1)
	i := maphash.String(t.seed, w) & mask
	for t.slots[i].klen != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = *s
}
