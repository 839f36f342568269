package assembly

import (
	"math"
	"slices"
)

// prices is the Lagrangian side of a node: a price λe >= 0 per expert,
// each item's best option at those prices (found by the exact panel
// search, cached until a price in its pool moves) and the bound they give:
//
//	UB(λ) = Σe cap_e·λe + Σc max(unfilled, B + Σ(w − λ) of c's best panel)
//
// No assignment is worth more than UB(λ), for any λ >= 0.
type prices struct {
	rd     *round
	fx     *fixings
	lambda []int64
	q      [][]int // per item: best option at lambda (nil: unfilled)
	best   []int64 // per item: its value
	fresh  []bool  // per item: q and best are up to date
	demand []int32 // per expert: items whose q uses them
}

func newPrices(rd *round, fx *fixings, lambda []int64) *prices {
	n := len(rd.items)
	return &prices{rd: rd, fx: fx, lambda: lambda, q: make([][]int, n), best: make([]int64, n),
		fresh: make([]bool, n), demand: make([]int32, len(rd.capa))}
}

// refresh brings every item's option up to date; false when an item with
// a branching pin has no panel (the node is empty).
func (p *prices) refresh() (bool, error) {
	rd := p.rd
	for i, c := range rd.active {
		if p.fresh[c] {
			continue
		}
		if i%64 == 0 {
			if err := rd.ctx.Err(); err != nil {
				return false, err
			}
		}
		v, q, ok := rd.oracle(c, p.fx, p.lambda, nil)
		if !ok {
			return false, nil
		}
		p.set(c, q, v)
	}
	return true, nil
}

// set replaces item c's option.
func (p *prices) set(c int, q []int, v int64) {
	it := p.rd.items[c]
	for _, k := range p.q[c] {
		p.demand[it.gid[k]]--
	}
	p.q[c], p.best[c], p.fresh[c] = q, v, true
	for _, k := range q {
		p.demand[it.gid[k]]++
	}
}

// setPrice moves an expert's price and marks the items concerned stale.
func (p *prices) setPrice(e int, l int64) {
	if p.lambda[e] == l {
		return
	}
	p.lambda[e] = l
	for _, pr := range p.rd.expPairs[e] {
		p.fresh[pr.c] = false
	}
}

// bound is UB(λ); every item must be fresh. Prices stay below 2B (see
// maxPrice), so the terms are bounded; a sum that could still overflow
// saturates, which keeps it an upper bound.
func (p *prices) bound() int64 {
	ub, mag := int64(0), 0.0
	for e, l := range p.lambda {
		t := int64(p.rd.capa[e]) * l
		ub += t
		mag += float64(t)
	}
	for _, c := range p.rd.active {
		ub += p.best[c]
		mag += math.Abs(float64(p.best[c]))
	}
	if mag > 1<<61 {
		return math.MaxInt64 / 4
	}
	return ub
}

// maxPrice caps prices: no expert is worth more to any item than a whole
// panel (B plus its objective, under 2B), so higher prices never lower
// the bound, and the cap keeps every sum within int64.
func (rd *round) maxPrice() int64 { return 2 * rd.bigB }

// coordinate minimises the bound along one expert's price at a time, for
// the experts whose demand and price disagree (over-used, or priced with
// capacity to spare). With the other prices fixed, item c where e is
// eligible is worth max(A_c, B_c − λe), A_c its best option without e and
// B_c its best panel with e before e's price; the bound cap_e·λe +
// Σc max(A_c, B_c − λe) is smallest at the (cap_e+1)-th largest B_c − A_c,
// or 0.
func (p *prices) coordinate(sweeps int) error {
	rd := p.rd
	type option struct {
		a, b   int64
		pa, pb []int
		okA    bool
		okB    bool
	}
	var opts []option
	var diffs []int64
	for sweep := 0; sweep < sweeps; sweep++ {
		changed := false
		for e := range rd.capa {
			if !(p.demand[e] > rd.capa[e] || (p.lambda[e] > 0 && p.demand[e] < rd.capa[e])) {
				continue
			}
			if rd.spent() {
				return nil
			}
			if err := rd.ctx.Err(); err != nil {
				return err
			}
			pairs := rd.expPairs[e]
			for _, pr := range pairs {
				if !p.fresh[pr.c] {
					v, q, ok := rd.oracle(int(pr.c), p.fx, p.lambda, nil)
					if !ok {
						return nil
					}
					p.set(int(pr.c), q, v)
				}
			}
			opts, diffs = opts[:0], diffs[:0]
			for _, pr := range pairs {
				c, k := int(pr.c), int(pr.k)
				var o option
				switch {
				case p.fx.outs[c] != nil && p.fx.outs[c][k]:
					o = option{a: p.best[c], pa: p.q[c], okA: true}
				case slices.Contains(p.q[c], k):
					o.b, o.pb, o.okB = p.best[c]+p.lambda[e], p.q[c], true
					out := make([]bool, len(rd.items[c].m.cands))
					out[k] = true
					o.a, o.pa, o.okA = rd.oracle(c, p.fx, p.lambda, out)
				default:
					o.a, o.pa, o.okA = p.best[c], p.q[c], true
					if v, q, ok := rd.oracleWith(c, p.fx, p.lambda, k); ok && q != nil {
						o.b, o.pb, o.okB = v+p.lambda[e], q, true
					}
				}
				opts = append(opts, o)
				switch {
				case o.okB && o.okA:
					diffs = append(diffs, o.b-o.a)
				case o.okB:
					diffs = append(diffs, rd.maxPrice()) // e is needed there
				}
			}
			slices.SortFunc(diffs, func(a, b int64) int { return sign(b - a) })
			nl := int64(0)
			if int(rd.capa[e]) < len(diffs) {
				nl = min(max(0, diffs[rd.capa[e]]), rd.maxPrice())
			}
			if nl == p.lambda[e] {
				continue
			}
			changed = true
			p.lambda[e] = nl
			for i, pr := range pairs {
				c, o := int(pr.c), opts[i]
				switch {
				case o.okB && (!o.okA || o.b-nl > o.a):
					p.set(c, o.pb, o.b-nl)
				case o.okA:
					p.set(c, o.pa, o.a)
				}
			}
		}
		if !changed {
			break
		}
	}
	return nil
}

// subgradient takes a step against the bound's subgradient (cap_e −
// demand_e), of Polyak's length towards target.
func (p *prices) subgradient(theta float64, ub, target int64) bool {
	rd := p.rd
	norm := 0.0
	for e := range p.lambda {
		g := float64(rd.capa[e] - p.demand[e])
		if g < 0 || p.lambda[e] > 0 {
			norm += g * g
		}
	}
	if norm == 0 {
		return false
	}
	t := theta * float64(ub-target) / norm
	moved := false
	for e := range p.lambda {
		g := float64(rd.capa[e] - p.demand[e])
		if g == 0 || (g > 0 && p.lambda[e] == 0) {
			continue
		}
		l := int64(min(max(0, float64(p.lambda[e])-math.Round(t*g)), float64(rd.maxPrice())))
		if l != p.lambda[e] {
			p.setPrice(e, l)
			moved = true
		}
	}
	return moved
}

// repair turns the options at the current prices into an assignment:
// while an expert is over-used, the items using them keep them in the
// order of what losing them would cost, and the others take their best
// option without them. nil when an item with a branching pin is left
// without a panel.
func (p *prices) repair() ([][]int, error) {
	rd := p.rd
	sol := make([][]int, len(rd.items))
	val := make([]int64, len(rd.items))
	outs := make([][]bool, len(rd.items))
	for _, c := range rd.active {
		sol[c], val[c] = p.q[c], p.best[c]
	}
	used := make([]int32, len(rd.capa))
	for _, c := range rd.active {
		for _, k := range sol[c] {
			used[rd.items[c].gid[k]]++
		}
	}
	type user struct {
		c, k int
		loss int64
		p    []int
		v    int64
		ok   bool
	}
	for guard := 0; guard < 4*len(rd.capa)+len(rd.items); guard++ {
		if err := rd.ctx.Err(); err != nil {
			return nil, err
		}
		if rd.spent() {
			return nil, nil
		}
		e := -1
		for i, u := range used {
			if u > rd.capa[i] {
				e = i
				break
			}
		}
		if e < 0 {
			return sol, nil
		}
		var users []user
		for _, pr := range rd.expPairs[e] {
			c, k := int(pr.c), int(pr.k)
			if !slices.Contains(sol[c], k) {
				continue
			}
			o := outs[c]
			if o == nil {
				o = make([]bool, len(rd.items[c].m.cands))
				outs[c] = o
			}
			ex := slices.Clone(o)
			ex[k] = true
			u := user{c: c, k: k}
			u.v, u.p, u.ok = rd.oracle(c, p.fx, p.lambda, ex)
			if !u.ok {
				u.loss = math.MaxInt64
			} else {
				u.loss = val[c] - p.lambda[e] - u.v
			}
			users = append(users, u)
		}
		slices.SortStableFunc(users, func(a, b user) int { return sign(b.loss - a.loss) })
		for _, u := range users[rd.capa[e]:] {
			if !u.ok {
				return nil, nil
			}
			for _, k := range sol[u.c] {
				used[rd.items[u.c].gid[k]]--
			}
			outs[u.c][u.k] = true
			sol[u.c], val[u.c] = u.p, u.v
			for _, k := range sol[u.c] {
				used[rd.items[u.c].gid[k]]++
			}
		}
	}
	return nil, nil
}

// polish improves an assignment item by item: each item takes its best
// panel (at true scores) among its own members and the experts with
// capacity to spare, until no item gains.
func (rd *round) polish(fx *fixings, sol [][]int) ([][]int, error) {
	used := make([]int32, len(rd.capa))
	for c, p := range sol {
		for _, k := range p {
			used[rd.items[c].gid[k]]++
		}
	}
	zero := make([]int64, len(rd.capa))
	for pass := 0; pass < 3; pass++ {
		improved := false
		for _, c := range rd.active {
			if err := rd.ctx.Err(); err != nil {
				return nil, err
			}
			if rd.spent() {
				return sol, nil
			}
			it := rd.items[c]
			out := make([]bool, len(it.m.cands))
			for k, e := range it.gid {
				out[k] = used[e] >= rd.capa[e] && !slices.Contains(sol[c], k)
			}
			v, q, ok := rd.oracle(c, fx, zero, out)
			if !ok || v <= rd.priced(c, sol[c], zero) {
				continue
			}
			for _, k := range sol[c] {
				used[it.gid[k]]--
			}
			sol[c] = q
			for _, k := range q {
				used[it.gid[k]]++
			}
			improved = true
		}
		if !improved {
			break
		}
	}
	return sol, nil
}

// oracleWith is the oracle with cand k pinned on item c (the item then
// has a panel or nothing).
func (rd *round) oracleWith(c int, fx *fixings, lambda []int64, k int) (int64, []int, bool) {
	saved := fx.pins[c]
	fx.pins[c] = append(slices.Clone(saved), k)
	v, p, ok := rd.oracle(c, fx, lambda, nil)
	fx.pins[c] = saved
	return v, p, ok
}

// snapshot is a copy of the prices and the options they give.
type snapshot struct {
	lambda []int64
	q      [][]int
	best   []int64
}

func (p *prices) snapshot() snapshot {
	return snapshot{slices.Clone(p.lambda), slices.Clone(p.q), slices.Clone(p.best)}
}

// restore returns to a snapshot taken with every item fresh.
func (p *prices) restore(s snapshot) {
	copy(p.lambda, s.lambda)
	copy(p.q, s.q)
	copy(p.best, s.best)
	clear(p.demand)
	for _, c := range p.rd.active {
		p.fresh[c] = true
		for _, k := range p.q[c] {
			p.demand[p.rd.items[c].gid[k]]++
		}
	}
}
