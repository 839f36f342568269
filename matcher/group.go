package matcher

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Group is a set of indexed documents that speak of the same subject, for
// comparing practices side by side (see Index.Group).
type Group struct {
	// IDs are the members, the most central first: the one most similar,
	// on average, to the others.
	IDs []string `json:"ids"`
	// Terms are the words the members share most, as written, up to
	// maxGroupTerms: held by two members and a quarter of them at least,
	// the largest sum of weights first (a rare word counts more than a
	// common one). A group of one shows its own strongest words.
	Terms []string `json:"terms"`
	// Concepts are the labels of the lexicon concepts the members share
	// (as for Terms), in the language most of them are written in, up to
	// maxGroupTerms.
	Concepts []string `json:"concepts"`
	// Cohesion is the mean similarity of two members, in [0, 1]; 1 for a
	// group of one.
	Cohesion float64 `json:"cohesion"`
}

// Group limits.
const (
	// MaxGroupDocs is the largest number of documents Group takes: it
	// holds two similarity matrices of n² / 2 numbers (36 MB at 3,000).
	MaxGroupDocs = 3000
	// maxGroupTerms bounds the words and concepts a group lists.
	maxGroupTerms = 8
)

// Group groups the indexed documents ids (practices, typically; any kind
// will do) by the similarity of their texts, for comparison: documents on
// the same subject end together, whatever their language. The similarity
// of two documents is a weighted mean of the cosines of their word vectors
// (stems weighted by rarity, within a language), of their concept vectors
// (across languages) and the overlap of their declared themes, weighted as
// groupWeights says, over the parts either document has. Groups are formed
// by average-linkage agglomerative clustering: the two groups whose
// documents are the most similar on average are merged, again and again,
// until no two groups have an average similarity of at least
// minSimilarity (documents with nothing in common are never merged). 0.2
// to 0.3 gives groups on one subject; higher values, tighter groups.
//
// The result is the same for the same documents in any order: groups come
// largest first, then the most cohesive, then by their first ID. 2,000
// documents take about 100 ms (at most MaxGroupDocs). Unknown IDs give
// ErrNotFound, wrapped with the first of them; minSimilarity outside
// [0, 1] gives ErrInvalidQuery.
func (ix *Index) Group(ids []string, minSimilarity float64) ([]Group, error) {
	defer ix.observed("group", time.Now())
	if math.IsNaN(minSimilarity) || minSimilarity < 0 || minSimilarity > 1 {
		return nil, fmt.Errorf("group: %w: min similarity %v is not between 0 and 1", ErrInvalidQuery, minSimilarity)
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > MaxGroupDocs {
		return nil, fmt.Errorf("group: %w: %d documents, at most %d", ErrInvalidQuery, len(ids), MaxGroupDocs)
	}
	if len(ids) == 0 {
		return []Group{}, nil
	}
	ix.mu.RLock()
	st := ix.st // feature IDs are this state's, even if a Build swaps it
	docs, err := st.groupDocs(ids)
	ix.mu.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("group: %w", err)
	}
	sim := similarities(docs)
	clusters := averageLinkage(sim.clone(), len(docs), float32(minSimilarity))
	out := make([]Group, 0, len(clusters))
	for _, members := range clusters {
		out = append(out, ix.describeGroup(st, docs, members, sim))
	}
	slices.SortStableFunc(out, func(a, b Group) int {
		if c := cmp.Compare(len(b.IDs), len(a.IDs)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Cohesion, a.Cohesion); c != 0 {
			return c
		}
		return strings.Compare(a.IDs[0], b.IDs[0])
	})
	return out, nil
}

// groupWeights are the shares of words, concepts and declared themes in
// the similarity of two documents of Group: about those of the exchange
// mode's subject factors (see modeWeights), concepts a little more, since
// they alone bridge languages and a group may mix them.
var groupWeights = [numClasses]float64{classTerm: 0.5, classConcept: 0.3, classTheme: 0.2}

// groupDoc is one document of Group: its features by class, normalised to
// unit length, with their keys' IDs.
type groupDoc struct {
	id    string
	lang  Lang
	feats []groupFeat
	has   [numClasses]bool
}

type groupFeat struct {
	id    uint32
	class uint8
	v     float32
}

// groupDocs reads the vectors of ids from the forward lists, under the read
// lock.
func (st *state) groupDocs(ids []string) ([]groupDoc, error) {
	docs := make([]groupDoc, len(ids))
	for i, id := range ids {
		slot, ok := st.ids[id]
		if !ok {
			return nil, fmt.Errorf("document %s: %w", id, ErrNotFound)
		}
		m := &st.meta[slot]
		d := &docs[i]
		d.id, d.lang = id, langOf(m.lang)
		d.feats = make([]groupFeat, 0, len(m.fwd))
		var norms [numClasses]float64
		for _, f := range m.fwd {
			fid := f >> impBits
			class := featClass(st.names[fid], false)
			v := impactTable[f&impMask]
			switch {
			case class == classTheme:
				v = 1
			case st.rankingOf(class) == RankBM25:
				// BM25 impacts leave rarity out: put it back.
				v *= st.idf(RankTFIDF, int(m.seg), fid)
			}
			norms[class] += v * v
			d.feats = append(d.feats, groupFeat{fid, uint8(class), float32(v)})
		}
		for j := range d.feats {
			f := &d.feats[j]
			f.v = float32(float64(f.v) / math.Sqrt(norms[f.class]))
			d.has[f.class] = true
		}
	}
	return docs, nil
}

// triangle is a symmetric matrix without its diagonal: sim(i, j), i < j.
type triangle struct {
	n int
	v []float32
}

func newTriangle(n int) triangle { return triangle{n: n, v: make([]float32, n*(n-1)/2)} }

// at is the index of (i, j), i != j.
func (t triangle) at(i, j int) int {
	if i > j {
		i, j = j, i
	}
	return i*(2*t.n-i-1)/2 + j - i - 1
}

func (t triangle) get(i, j int) float32 { return t.v[t.at(i, j)] }

func (t triangle) clone() triangle { return triangle{n: t.n, v: slices.Clone(t.v)} }

// similarities computes the similarity of every pair of docs. Each feature
// lists the documents holding it; each document then adds its products
// with the later documents of its features' lists into a dense row, so that
// the work is one multiply-add per pair sharing a feature, in cache.
func similarities(docs []groupDoc) triangle {
	n := len(docs)
	t := newTriangle(n)
	type entry struct {
		doc int32
		v   float32
	}
	lists := map[uint32][]entry{}
	// where[i][k] is the place of docs[i]'s k-th feature in its list.
	where := make([][]int32, n)
	for i := range docs {
		where[i] = make([]int32, len(docs[i].feats))
		for k, f := range docs[i].feats {
			where[i][k] = int32(len(lists[f.id]))
			lists[f.id] = append(lists[f.id], entry{int32(i), f.v * float32(groupWeights[f.class])})
		}
	}
	row := make([]float32, n)
	for i := range docs {
		for k, f := range docs[i].feats {
			list := lists[f.id]
			for _, e := range list[where[i][k]+1:] {
				row[e.doc] += f.v * e.v
			}
		}
		for j := i + 1; j < n; j++ {
			if row[j] == 0 {
				continue
			}
			den := 0.0
			for c, w := range groupWeights {
				if docs[i].has[c] || docs[j].has[c] {
					den += w
				}
			}
			t.v[t.at(i, j)] = min(1, row[j]/float32(den))
			row[j] = 0
		}
	}
	return t
}

// averageLinkage clusters n items of similarity sim (which it overwrites)
// by average linkage, merging while two clusters have a similarity of at
// least minSim and above 0, and returns the clusters' members, each
// sorted. It follows chains of nearest neighbours (Murtagh's NN-chain):
// average linkage is reducible, so the merges are those of the greedy
// algorithm, in O(n²) time instead of O(n³). A pair of mutual nearest
// neighbours under the threshold is final: with average linkage no later
// merge can bring either closer to anything.
func averageLinkage(sim triangle, n int, minSim float32) [][]int {
	size := make([]int, n)
	members := make([][]int, n)
	for i := range n {
		size[i], members[i] = 1, []int{i}
	}
	const (
		open = iota
		merged
		final
	)
	state := make([]uint8, n)
	next := 0 // the lowest open cluster, to start a chain
	var chain []int
	for {
		if len(chain) == 0 {
			for next < n && state[next] != open {
				next++
			}
			if next == n {
				break
			}
			chain = append(chain, next)
		}
		a := chain[len(chain)-1]
		prev := -1
		if len(chain) >= 2 {
			prev = chain[len(chain)-2]
		}
		// The nearest open neighbour of a; on a tie, the previous link
		// of the chain (so that it ends), then the lowest index.
		b, sb := -1, float32(-1)
		for k := range n {
			if k == a || state[k] != open {
				continue
			}
			if s := sim.get(a, k); s > sb || s == sb && k == prev {
				b, sb = k, s
			}
		}
		switch {
		case b < 0: // a is the last one open
			state[a] = final
			chain = chain[:0]
		case b != prev:
			chain = append(chain, b)
		case sb >= minSim && sb > 0:
			chain = chain[:len(chain)-2]
			lo, hi := min(a, b), max(a, b)
			wl, wh := float32(size[lo]), float32(size[hi])
			for k := range n {
				if k == lo || k == hi || state[k] != open {
					continue
				}
				i := sim.at(lo, k)
				sim.v[i] = (wl*sim.v[i] + wh*sim.get(hi, k)) / (wl + wh)
			}
			size[lo] += size[hi]
			members[lo] = append(members[lo], members[hi]...)
			members[hi] = nil
			state[hi] = merged
		default:
			state[a], state[b] = final, final
			chain = chain[:len(chain)-2]
		}
	}
	var out [][]int
	for i := range n {
		if state[i] != merged {
			slices.Sort(members[i])
			out = append(out, members[i])
		}
	}
	return out
}

// describeGroup turns the members of one cluster into a Group: the most
// central first, the words and concepts they share, their cohesion.
func (ix *Index) describeGroup(st *state, docs []groupDoc, members []int, sim triangle) Group {
	g := Group{IDs: make([]string, 0, len(members)), Terms: []string{}, Concepts: []string{}, Cohesion: 1}
	central := make([]float64, len(members))
	total := 0.0
	for x, i := range members {
		for _, j := range members {
			if i != j {
				central[x] += float64(sim.get(i, j))
			}
		}
		total += central[x]
	}
	if n := len(members); n > 1 {
		g.Cohesion = round6(total / float64(n*(n-1)))
	}
	pos := make([]int, len(members)) // places in members, the most central first
	for x := range pos {
		pos[x] = x
	}
	slices.SortStableFunc(pos, func(a, b int) int {
		if c := cmp.Compare(central[b], central[a]); c != 0 {
			return c
		}
		return strings.Compare(docs[members[a]].id, docs[members[b]].id)
	})
	order := make([]int, len(members))
	for x, p := range pos {
		order[x] = members[p]
		g.IDs = append(g.IDs, docs[members[p]].id)
	}

	// The features most members hold, the strongest first.
	type shared struct {
		id    uint32
		class uint8
		n     int
		w     float64
	}
	byID := map[uint32]*shared{}
	var all []*shared
	langs := map[Lang]int{}
	for _, i := range members {
		langs[docs[i].lang]++
		for _, f := range docs[i].feats {
			if f.class == classTheme {
				continue
			}
			s := byID[f.id]
			if s == nil {
				s = &shared{id: f.id, class: f.class}
				byID[f.id] = s
				all = append(all, s)
			}
			s.n++
			s.w += float64(f.v)
		}
	}
	// Shared: held by two members and a quarter of them at least. The
	// most telling first: the largest sum of weights, which favours the
	// words many members hold and the rare ones over the common ones.
	minHolders := min(len(members), max(2, (len(members)+3)/4))
	all = slices.DeleteFunc(all, func(s *shared) bool { return s.n < minHolders })
	slices.SortFunc(all, func(a, b *shared) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	lang := English
	best := 0
	for _, l := range Languages() {
		if langs[l] > best {
			lang, best = l, langs[l]
		}
	}

	ix.mu.RLock() // st.names grows under the write lock
	var terms []string
	for _, s := range all {
		name := st.names[s.id]
		switch {
		case s.class == classTerm && len(terms) < maxGroupTerms:
			terms = append(terms, name)
		case s.class == classConcept && len(g.Concepts) < maxGroupTerms:
			g.Concepts = append(g.Concepts, ix.an.Lexicon().Label(strings.TrimPrefix(name, conceptPrefix), lang))
		}
	}
	ix.mu.RUnlock()

	// The words as written, from the most central members on.
	written := map[string]string{}
	memo := &termMemo{}
	for _, i := range order {
		if len(written) == len(terms) {
			break
		}
		d, ok := ix.fetch(docs[i].id)
		if !ok {
			continue
		}
		var want []string
		for _, t := range terms {
			if _, done := written[t]; !done {
				want = append(want, t)
			}
		}
		for j, ws := range ix.scanWords(&d, docs[i].lang, want, -1, memo) {
			if len(ws) > 0 {
				written[want[j]] = ws[0]
			}
		}
	}
	for _, t := range terms {
		if w, ok := written[t]; ok {
			g.Terms = append(g.Terms, w)
		} else {
			g.Terms = append(g.Terms, t)
		}
	}
	return g
}
