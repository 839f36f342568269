package assembly

import (
	"math"
	"slices"
)

// noMin disables the threshold of a query.
const noMin = math.MinInt64

// query asks a model for its best panel. adj are the weights maximised
// (the scores minus the round's prices); the threshold minW, when set,
// bears on the plain scores w.
type query struct {
	adj  []int64 // per cand; nil: the scores in units
	pins []int   // cand indices that must sit, beyond the model's pinned experts
	out  []bool  // per cand: may not sit; nil: none
	minW int64   // Σw of the panel must reach it; noMin: no threshold
}

// choice is the answer to a query.
type choice struct {
	members []int // cand indices
	value   int64 // Σ adj
	wsum    int64 // Σ w
	lang    int32 // the common language, -1 when not asked
	ok      bool
}

type closeRec struct {
	class int32
	prev  int64
}

// searcher is the exact branch and bound of one model, with its scratch
// space kept between queries.
//
// Candidates are tried in the order of their adjusted weight; a node is
// cut when the best completion bound cannot beat the best panel found. The
// bound is the smallest of the sum of the next best weights and, for each
// role quota still short of members, the best completion that takes
// enough of the quota's roles (exact for that quota alone). Candidates of
// the same class (country, region and quota signature) are
// interchangeable but for their weight: once a class member has been
// tried, the siblings that follow skip the class's lesser members (their
// panels are dominated by a panel already explored).
type searcher struct {
	m *model
	q *query

	pool   []int32
	moved  []int32
	merged []int32
	padj   []int64
	pw     []int64
	pre    []int64
	gPre   [][]int64
	nPre   [][]int64
	gRank  [][]int32
	topW   []int64 // (n+1)·(K+1): topW[pos·(K+1)+t] = the t best w of pool[pos:]
	kTop   int

	cntC, cntR []int8
	qcnt       []int
	distinct   int
	sum, wsum  int64
	chosen     []int32
	closed     []int64
	closeStack []closeRec
	classN     []int32
	minW       int64
	lang       int32

	found    bool
	best     int64
	bestSet  []int32
	bestW    int64
	bestLang int32
	nodes    int // work done: candidates read and search steps, for the round's budget
}

func newSearcher(m *model) *searcher {
	nq := len(m.quotaMin)
	return &searcher{
		m:      m,
		cntC:   make([]int8, len(m.countryNames)),
		cntR:   make([]int8, len(m.cands)+1),
		qcnt:   make([]int, nq),
		closed: make([]int64, m.nClass),
		gPre:   make([][]int64, nq),
		nPre:   make([][]int64, nq),
		gRank:  make([][]int32, nq),
	}
}

func (s *searcher) adj(i int) int64 {
	if s.q.adj != nil {
		return s.q.adj[i]
	}
	return s.m.cands[i].w
}

// solve returns the best panel for q, if any.
func (s *searcher) solve(q *query) choice {
	m := s.m
	s.q, s.found = q, false
	s.minW = q.minW
	pins := m.pinned
	if len(q.pins) > 0 {
		pins = slices.Clone(m.pinned)
		for _, p := range q.pins {
			if !slices.Contains(pins, p) {
				pins = append(pins, p)
			}
		}
	}
	if len(pins) > m.size {
		return choice{lang: -1}
	}
	for _, p := range pins {
		if q.out != nil && q.out[p] {
			return choice{lang: -1}
		}
	}
	if !m.commonLang {
		s.pass(pins, -1)
	} else {
		for _, l := range s.languages(pins) {
			s.pass(pins, l)
		}
	}
	if !s.found {
		return choice{lang: -1}
	}
	c := choice{value: s.best, wsum: s.bestW, lang: s.bestLang, ok: true, members: make([]int, 0, m.size)}
	c.members = append(c.members, pins...)
	for _, i := range s.bestSet {
		c.members = append(c.members, int(i))
	}
	if !m.commonLang {
		c.lang = -1
	}
	return c
}

// languages lists the languages a panel could share: those every pinned
// expert speaks (all when nobody is pinned), city languages first.
func (s *searcher) languages(pins []int) []int32 {
	m := s.m
	var ls []int32
	if len(pins) > 0 {
		for _, l := range m.cands[pins[0]].langs {
			all := true
			for _, p := range pins[1:] {
				all = all && m.speaks(p, l)
			}
			if all {
				ls = append(ls, l)
			}
		}
	} else {
		ls = make([]int32, len(m.langNames))
		for i := range ls {
			ls[i] = int32(i)
		}
	}
	slices.SortFunc(ls, func(a, b int32) int {
		if m.langBefore(a, b) {
			return -1
		}
		return 1
	})
	return ls
}

// pass searches the panels with the given pinned experts whose members all
// speak lang (any language when lang < 0), improving on the best found.
func (s *searcher) pass(pins []int, lang int32) {
	m, q := s.m, s.q
	need := m.size - len(pins)
	s.lang = lang
	// The pool: allowed candidates in the order of their adjusted weight.
	// The pool: allowed candidates in the order of their adjusted weight.
	// The model keeps them by score; only those whose weight moved (a
	// price) need sorting, then a merge.
	s.pool, s.moved = s.pool[:0], s.moved[:0]
	for i := range m.cands {
		if (q.out != nil && q.out[i]) || slices.Contains(pins, i) || (lang >= 0 && !m.speaks(i, lang)) {
			continue
		}
		if q.adj != nil && q.adj[i] != m.cands[i].w {
			s.moved = append(s.moved, int32(i))
			continue
		}
		s.pool = append(s.pool, int32(i))
	}
	if len(s.moved) > 0 {
		before := func(a, b int32) bool {
			if q.adj[a] != q.adj[b] {
				return q.adj[a] > q.adj[b]
			}
			if m.cands[a].w != m.cands[b].w {
				return m.cands[a].w > m.cands[b].w
			}
			return a < b
		}
		slices.SortFunc(s.moved, func(a, b int32) int {
			if before(a, b) {
				return -1
			}
			return 1
		})
		s.merged = s.merged[:0]
		i, j := 0, 0
		for i < len(s.pool) || j < len(s.moved) {
			if j == len(s.moved) || (i < len(s.pool) && before(s.pool[i], s.moved[j])) {
				s.merged = append(s.merged, s.pool[i])
				i++
			} else {
				s.merged = append(s.merged, s.moved[j])
				j++
			}
		}
		s.pool, s.merged = s.merged, s.pool
	}
	threshold := s.minW != noMin
	s.truncate(need, threshold)
	n := len(s.pool)
	s.nodes += len(m.cands) + 4*len(s.moved)
	if n < need {
		return
	}
	// Pinned experts first.
	clear(s.cntC)
	clear(s.cntR)
	clear(s.qcnt)
	s.distinct, s.sum, s.wsum = 0, 0, 0
	for _, p := range pins {
		if !s.take(p) {
			s.reset()
			return
		}
	}
	// Weights and bounds of the pool.
	s.padj, s.pw, s.pre = grow(s.padj, n), grow(s.pw, n), grow(s.pre, n+1)
	s.pre[0] = 0
	for k, i := range s.pool {
		s.padj[k], s.pw[k] = s.adj(int(i)), m.cands[i].w
		s.pre[k+1] = s.pre[k] + s.padj[k]
	}
	if s.found && s.sum+s.pre[need] <= s.best {
		s.reset()
		return
	}
	for j := range m.quotaMin {
		g, nn, r := s.gPre[j][:0], s.nPre[j][:0], s.gRank[j][:0]
		g, nn = append(g, 0), append(nn, 0)
		for k, i := range s.pool {
			r = append(r, int32(len(g)-1))
			if m.cands[i].sig&(1<<j) != 0 {
				g = append(g, g[len(g)-1]+s.padj[k])
			} else {
				nn = append(nn, nn[len(nn)-1]+s.padj[k])
			}
		}
		r = append(r, int32(len(g)-1))
		s.gPre[j], s.nPre[j], s.gRank[j] = g, nn, r
	}
	if threshold {
		s.buildTopW(need)
	}
	for i := range s.closed {
		s.closed[i] = math.MinInt64
	}
	s.closeStack = s.closeStack[:0]
	s.chosen = s.chosen[:0]
	s.dfs(0, need)
	s.reset()
}

func sign(d int64) int {
	if d < 0 {
		return -1
	}
	return 1
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// truncate keeps, in each class, the members that fewer than need better
// members of the class dominate: a panel takes at most need of them and
// would swap a dominated member for a free dominating one. With a
// threshold, domination also asks for a score at least as high.
func (s *searcher) truncate(need int, threshold bool) {
	m := s.m
	if need <= 0 {
		s.pool = s.pool[:0]
		return
	}
	kept := s.pool[:0]
	if !threshold {
		s.classN = grow(s.classN, m.nClass)
		clear(s.classN)
		for _, i := range s.pool {
			if c := m.cands[i].class; int(s.classN[c]) < need {
				s.classN[c]++
				kept = append(kept, i)
			}
		}
		s.pool = kept
		return
	}
	ws := make(map[int32][]int64, 16)
	for _, i := range s.pool {
		c := &m.cands[i]
		dominated := 0
		for _, w := range ws[c.class] {
			if w >= c.w {
				dominated++
			}
		}
		if dominated < need {
			ws[c.class] = append(ws[c.class], c.w)
			kept = append(kept, i)
		}
	}
	s.pool = kept
}

// buildTopW fills topW: for each suffix of the pool, the sums of its t best
// scores, t <= need.
func (s *searcher) buildTopW(need int) {
	n, k := len(s.pool), need
	s.kTop = k
	s.topW = grow(s.topW, (n+1)*(k+1))
	vals := make([]int64, 0, k+1) // the best w of the current suffix, descending
	for t := 0; t <= k; t++ {
		s.topW[n*(k+1)+t] = math.MinInt64 / 4 // not enough members
	}
	s.topW[n*(k+1)] = 0
	for pos := n - 1; pos >= 0; pos-- {
		w := s.pw[pos]
		at, _ := slices.BinarySearchFunc(vals, w, func(a, b int64) int {
			if a >= b {
				return -1
			}
			return 1
		})
		vals = slices.Insert(vals, at, w)
		if len(vals) > k {
			vals = vals[:k]
		}
		base := pos * (k + 1)
		s.topW[base] = 0
		sum := int64(0)
		for t := 1; t <= k; t++ {
			if t <= len(vals) {
				sum += vals[t-1]
				s.topW[base+t] = sum
			} else {
				s.topW[base+t] = math.MinInt64 / 4
			}
		}
	}
}

// reset undoes the pinned experts' counts.
func (s *searcher) reset() {
	clear(s.cntC)
	clear(s.cntR)
	clear(s.qcnt)
	s.distinct, s.sum, s.wsum = 0, 0, 0
}

// take adds candidate i to the counts; false when a cap breaks.
func (s *searcher) take(i int) bool {
	m := s.m
	c := &m.cands[i]
	s.cntC[c.country]++
	s.cntR[c.region]++
	if s.cntC[c.country] == 1 && m.isOther(c.country) {
		s.distinct++
	}
	for j := range s.qcnt {
		if c.sig&(1<<j) != 0 {
			s.qcnt[j]++
		}
	}
	s.sum += s.adj(i)
	s.wsum += c.w
	return (m.maxCountry == 0 || int(s.cntC[c.country]) <= m.maxCountry) &&
		(m.maxRegion == 0 || int(s.cntR[c.region]) <= m.maxRegion)
}

func (s *searcher) drop(i int) {
	m := s.m
	c := &m.cands[i]
	if s.cntC[c.country] == 1 && m.isOther(c.country) {
		s.distinct--
	}
	s.cntC[c.country]--
	s.cntR[c.region]--
	for j := range s.qcnt {
		if c.sig&(1<<j) != 0 {
			s.qcnt[j]--
		}
	}
	s.sum -= s.adj(i)
	s.wsum -= c.w
}

// bound is the best completion of need members from pool[pos:] given the
// quotas still short; false when the quotas cannot be met from there.
func (s *searcher) bound(pos, need int) (int64, bool) {
	m := s.m
	ub := s.pre[pos+need] - s.pre[pos]
	for j, qmin := range m.quotaMin {
		d := qmin - s.qcnt[j]
		if d <= 0 {
			continue
		}
		g, nn := s.gPre[j], s.nPre[j]
		r := int(s.gRank[j][pos])
		nr := pos - r
		best, ok := int64(0), false
		for t := d; t <= need; t++ {
			if r+t >= len(g) {
				break
			}
			if nr+need-t >= len(nn) {
				continue
			}
			v := g[r+t] - g[r] + nn[nr+need-t] - nn[nr]
			if !ok || v > best {
				best, ok = v, true
			}
		}
		if !ok {
			return 0, false
		}
		ub = min(ub, best)
	}
	return ub, true
}

func (s *searcher) dfs(pos, need int) {
	m := s.m
	if need == 0 {
		for j, qmin := range m.quotaMin {
			if s.qcnt[j] < qmin {
				return
			}
		}
		if s.distinct < m.minOther || s.wsum < s.minW {
			return
		}
		if !s.found || s.sum > s.best {
			s.found, s.best, s.bestW, s.bestLang = true, s.sum, s.wsum, s.lang
			s.bestSet = append(s.bestSet[:0], s.chosen...)
		}
		return
	}
	var reqSig uint32
	for j, qmin := range m.quotaMin {
		d := qmin - s.qcnt[j]
		if d > need {
			return
		}
		if d == need {
			reqSig |= 1 << j
		}
	}
	dOther := m.minOther - s.distinct
	if dOther > need {
		return
	}
	mustNew := dOther > 0 && dOther == need
	threshold := s.minW != noMin
	mark := len(s.closeStack)
	n := len(s.pool)
	for k := pos; k+need <= n; k++ {
		s.nodes++
		if s.found && s.sum+s.pre[k+need]-s.pre[k] <= s.best {
			break
		}
		ub, ok := s.bound(k, need)
		if !ok || (s.found && s.sum+ub <= s.best) {
			break
		}
		if threshold && s.wsum+s.topW[k*(s.kTop+1)+need] < s.minW {
			break
		}
		i := int(s.pool[k])
		c := &m.cands[i]
		if s.closed[c.class] >= c.w {
			continue
		}
		if c.sig&reqSig != reqSig ||
			(m.maxCountry > 0 && int(s.cntC[c.country]) >= m.maxCountry) ||
			(m.maxRegion > 0 && int(s.cntR[c.region]) >= m.maxRegion) ||
			(mustNew && (s.cntC[c.country] > 0 || !m.isOther(c.country))) {
			continue
		}
		s.take(i)
		s.chosen = append(s.chosen, int32(i))
		s.dfs(k+1, need-1)
		s.chosen = s.chosen[:len(s.chosen)-1]
		s.drop(i)
		prev := s.closed[c.class]
		s.closeStack = append(s.closeStack, closeRec{c.class, prev})
		if threshold {
			s.closed[c.class] = max(prev, c.w)
		} else {
			s.closed[c.class] = math.MaxInt64
		}
	}
	for len(s.closeStack) > mark {
		r := s.closeStack[len(s.closeStack)-1]
		s.closed[r.class] = r.prev
		s.closeStack = s.closeStack[:len(s.closeStack)-1]
	}
}
