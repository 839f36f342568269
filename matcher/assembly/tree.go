package assembly

import "slices"

// tree is the branch and bound that closes the gap the root leaves, at
// the root's prices. A node fixes some (expert, item) pairs: the expert
// sits on the item's panel (which the item then must fill), or does not.
// Its bound is UB(λ) under those fixings, λ fixed: only the items whose
// fixings change are solved again, so a node costs one or two panel
// searches. At a node the items' best options either over-use an expert
// (branch: the user that would lose most keeps them, or does not) or form
// an assignment, offered as a solution; what then separates it from the
// bound is the price of capacity left unused, and the node branches on
// giving such an expert to an item that could take them, or lowers their
// price when no item can.
type tree struct {
	rd       *round
	fx       *fixings
	lam      []int64
	q        [][]int
	best     []int64
	demand   []int32
	ub       int64
	nodes    int
	maxNodes int
	limited  bool
	repriced int
}

// treeState is what repricing a node replaces (never mutated in place:
// adopt swaps slices).
type treeState struct {
	lam    []int64
	q      [][]int
	best   []int64
	demand []int32
	ub     int64
}

func (t *tree) state() treeState {
	return treeState{t.lam, t.q, t.best, t.demand, t.ub}
}

func (t *tree) adopt(s treeState) {
	t.lam, t.q, t.best, t.demand, t.ub = s.lam, s.q, s.best, s.demand, s.ub
}

// shouldReprice says whether a node gets prices of its own: always in
// small rounds, where it is cheap; in large ones only while the bound is
// off by a whole panel (the root's prices then say little about the
// nodes), a few times.
func (t *tree) shouldReprice() bool {
	rd := t.rd
	if rd.work <= 20000 {
		return true
	}
	return rd.hasInc && t.ub-rd.incVal >= rd.bigB/2 && t.repriced < 20
}

// reprice refines the prices for the node's fixings (exact moves along
// single prices, then subgradient steps), adopts them when they lower the
// bound, and tries the repair at them. false when the node has no
// solution.
func (t *tree) reprice() (bool, error) {
	rd := t.rd
	t.repriced++
	pr := newPrices(rd, t.fx, slices.Clone(t.lam))
	if ok, err := pr.refresh(); err != nil || !ok {
		return false, err
	}
	best, bestUB := pr.snapshot(), pr.bound()
	tryRepair := func() error {
		sol, err := pr.repair()
		if err != nil || sol == nil {
			return err
		}
		if sol, err = rd.polish(t.fx, sol); err != nil {
			return err
		}
		if rd.withinCapacity(sol) {
			rd.offer(sol, rd.value(sol))
		}
		return nil
	}
	if err := tryRepair(); err != nil {
		return false, err
	}
	theta, stall := 1.0, 0
	cur := bestUB
	for it := 0; it < 12 && !rd.done(bestUB) && !rd.spent(); it++ {
		if it%4 == 0 {
			if err := pr.coordinate(2); err != nil {
				return false, err
			}
		} else {
			target := bestUB - max(bestUB/100000, 1)
			if rd.hasInc {
				target = rd.incVal
			}
			if !pr.subgradient(theta, cur, target) {
				break
			}
		}
		if ok, err := pr.refresh(); err != nil || !ok {
			return false, err
		}
		if cur = pr.bound(); cur < bestUB {
			best, bestUB, stall = pr.snapshot(), cur, 0
		} else if stall++; stall >= 3 {
			theta, stall = theta/2, 0
		}
	}
	if bestUB < t.ub {
		pr.restore(best)
		if err := tryRepair(); err != nil {
			return false, err
		}
		demand := make([]int32, len(rd.capa))
		for _, c := range rd.active {
			for _, k := range best.q[c] {
				demand[rd.items[c].gid[k]]++
			}
		}
		t.adopt(treeState{best.lambda, best.q, best.best, demand, bestUB})
	}
	return true, nil
}

func newTree(rd *round, fx *fixings, ev *evalResult) *tree {
	t := &tree{rd: rd, fx: fx, lam: slices.Clone(ev.lambda), q: slices.Clone(ev.q), best: slices.Clone(ev.best),
		demand: make([]int32, len(rd.capa)), ub: ev.ub, maxNodes: rd.maxNodes}
	for _, c := range rd.active {
		for _, k := range t.q[c] {
			t.demand[rd.items[c].gid[k]]++
		}
	}
	return t
}

// undo restores an item's option and fixings.
type undo struct {
	c    int
	q    []int
	best int64
	pins []int
	outs []bool
}

// fix applies a fixing to item c and solves it again; false when the item
// is left without a panel it must have.
func (t *tree) fix(c, k int, in bool, log *[]undo) bool {
	rd := t.rd
	*log = append(*log, undo{c: c, q: t.q[c], best: t.best[c], pins: t.fx.pins[c], outs: t.fx.outs[c]})
	if in {
		t.fx.pins[c] = append(slices.Clone(t.fx.pins[c]), k)
	} else {
		o := make([]bool, len(rd.items[c].m.cands))
		if t.fx.outs[c] != nil {
			copy(o, t.fx.outs[c])
		}
		o[k] = true
		t.fx.outs[c] = o
	}
	v, q, ok := rd.oracle(c, t.fx, t.lam, nil)
	if !ok {
		t.setOption(c, nil, 0)
		return false
	}
	t.setOption(c, q, v)
	return true
}

func (t *tree) setOption(c int, q []int, v int64) {
	it := t.rd.items[c]
	for _, k := range t.q[c] {
		t.demand[it.gid[k]]--
	}
	t.ub += v - t.best[c]
	t.q[c], t.best[c] = q, v
	for _, k := range q {
		t.demand[it.gid[k]]++
	}
}

func (t *tree) rollback(log []undo) {
	for i := len(log) - 1; i >= 0; i-- {
		u := log[i]
		t.fx.pins[u.c], t.fx.outs[u.c] = u.pins, u.outs
		t.setOption(u.c, u.q, u.best)
	}
}

func (t *tree) search() error {
	if t.nodes++; t.nodes > t.maxNodes {
		t.limited = true
		return nil
	}
	rd := t.rd
	if t.nodes%256 == 0 {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
	}
	if rd.done(t.ub) {
		return nil
	}
	if rd.spent() {
		t.limited = true
		return nil
	}
	if t.shouldReprice() {
		saved := t.state()
		defer t.adopt(saved)
		ok, err := t.reprice()
		if err != nil || !ok {
			return err
		}
		if rd.done(t.ub) {
			return nil
		}
	}
	// An over-used expert: the user that would lose most without them
	// keeps them, or does not.
	if e := t.overUsed(); e >= 0 {
		return t.splitOver(e)
	}
	// An assignment: offer it; the gap left is unused priced capacity.
	rd.offer(t.q, rd.value(t.q))
	var lowered []struct {
		e int
		l int64
	}
	defer func() {
		for _, x := range lowered {
			t.setPrice(x.e, x.l)
		}
	}()
	for e := range t.lam {
		if t.lam[e] == 0 || t.demand[e] >= rd.capa[e] {
			continue
		}
		if rd.done(t.ub) {
			return nil
		}
		c, k, ok := t.bestTaker(e)
		if ok {
			return t.split(c, k)
		}
		lowered = append(lowered, struct {
			e int
			l int64
		}{e, t.lam[e]})
		t.setPrice(e, 0)
	}
	if rd.done(t.ub) {
		return nil
	}
	// Nothing left to split, and the bound still above: cannot happen
	// with exact arithmetic, kept as a safety net.
	t.limited = true
	return nil
}

// setPrice changes a price at a node where no item that could take the
// expert is free: their users' values move with it, nobody else's.
func (t *tree) setPrice(e int, l int64) {
	rd := t.rd
	d := l - t.lam[e]
	t.lam[e] = l
	t.ub += int64(rd.capa[e]) * d
	for _, pr := range rd.expPairs[e] {
		if slices.Contains(t.q[pr.c], int(pr.k)) {
			t.best[pr.c] -= d
			t.ub -= d
		}
	}
}

func (t *tree) overUsed() int {
	bestE, bestOver := -1, int32(0)
	for e, d := range t.demand {
		if over := d - t.rd.capa[e]; over > bestOver {
			bestE, bestOver = e, over
		}
	}
	return bestE
}

// splitOver branches on an over-used expert e.
func (t *tree) splitOver(e int) error {
	rd := t.rd
	pinned := 0
	type user struct {
		c, k int
		loss int64
	}
	var users []user
	for _, pr := range rd.expPairs[e] {
		c, k := int(pr.c), int(pr.k)
		if !slices.Contains(t.q[c], k) {
			continue
		}
		if slices.Contains(t.fx.pins[c], k) {
			pinned++
			continue
		}
		out := make([]bool, len(rd.items[c].m.cands))
		out[k] = true
		loss := int64(1) << 62
		if v, _, ok := rd.oracle(c, t.fx, t.lam, out); ok {
			loss = t.best[c] - v
		}
		users = append(users, user{c, k, loss})
	}
	if pinned > int(rd.capa[e]) {
		return nil
	}
	var log []undo
	defer func() { t.rollback(log) }()
	if pinned == int(rd.capa[e]) {
		// Every other user drops them.
		for _, u := range users {
			if !t.fix(u.c, u.k, false, &log) {
				return nil
			}
		}
		return t.search()
	}
	slices.SortStableFunc(users, func(a, b user) int { return sign(b.loss - a.loss) })
	return t.split(users[0].c, users[0].k)
}

// split explores pin(e on c) then out(e from c).
func (t *tree) split(c, k int) error {
	for _, in := range []bool{true, false} {
		var log []undo
		ok := t.fix(c, k, in, &log)
		var err error
		if ok {
			err = t.search()
		}
		t.rollback(log)
		if err != nil || t.limited {
			return err
		}
	}
	return nil
}

// bestTaker finds the free item that loses least by taking expert e.
func (t *tree) bestTaker(e int) (int, int, bool) {
	rd := t.rd
	bc, bk, bestLoss := -1, -1, int64(0)
	for _, pr := range rd.expPairs[e] {
		c, k := int(pr.c), int(pr.k)
		if slices.Contains(t.q[c], k) || slices.Contains(t.fx.pins[c], k) || (t.fx.outs[c] != nil && t.fx.outs[c][k]) {
			continue
		}
		loss := int64(1) << 62
		if v, q, ok := rd.oracleWith(c, t.fx, t.lam, k); ok && q != nil {
			loss = t.best[c] - v
		}
		if bc < 0 || loss < bestLoss {
			bc, bk, bestLoss = c, k, loss
		}
	}
	return bc, bk, bc >= 0
}
