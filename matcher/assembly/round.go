package assembly

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// RoundItem is one challenge of a review round: its panel rules and its
// candidates. The same expert (same ID) may be a candidate of many items.
type RoundItem struct {
	ChallengeID string
	Rules       PanelRules
	Candidates  []Candidate
}

// Fairness says what a round maximises after the number of filled panels.
type Fairness string

// The fairness modes of SolveRound.
const (
	// FairnessTotal maximises the sum of the panels' objectives.
	FairnessTotal Fairness = "total"
	// FairnessWorstFirst maximises the worst panel's objective first,
	// then the sum (the PeerReview4All idea).
	FairnessWorstFirst Fairness = "worst_first"
)

// RoundPanel is the panel of one challenge of a round.
type RoundPanel struct {
	ChallengeID string
	Members     []Seat // best score first
	Objective   float64
	Language    string // the common language, when the rules ask for one
}

// RoundResult is a round's assignment. Worst, Mean and SeatMean are over
// the filled panels (0 when none).
type RoundResult struct {
	Panels   []RoundPanel // one per item that got a full panel, in item order
	Unfilled []Unfilled   // the items without a panel, in item order, each with its reason
	Total    float64      // sum of the panels' objectives
	Worst    float64      // smallest panel objective
	Mean     float64      // mean panel objective
	SeatMean float64      // mean score of a seat
	// Optimal is true when the result is proven optimal for the Fairness
	// (see the package documentation); false when the search stopped at
	// its work budget, the result then being the best found, within the
	// bounds below.
	Optimal bool
	// MaxPanels is an upper bound on the number of panels any assignment
	// fills; len(Panels) when Optimal.
	MaxPanels int
	// TotalBound is an upper bound on Total among the assignments filling
	// as many panels (for worst_first: with the same Worst) when
	// MaxPanels == len(Panels), else on any assignment's total; Total
	// when Optimal.
	TotalBound float64
}

// Unfilled is an item of a round that got no panel, and why.
type Unfilled struct {
	ChallengeID string
	Reason      *Infeasible
}

// roundItem is a RoundItem read: its model, its candidates' expert
// numbers, and what it can do alone.
type roundItem struct {
	id    string
	m     *model
	s     *searcher
	gid   []int32 // per cand: expert number
	alone *Infeasible
	best  int64 // Σw of its best panel alone
	bSeat int64 // the flow's bonus per filled seat
	adj   []int64
}

// round is a round problem: items, experts and their capacities, in units.
type round struct {
	ctx      context.Context
	items    []*roundItem
	active   []int // items that can get a panel alone
	expIDs   []string
	expPairs [][]pair // per expert: the active items where they are eligible
	capa     []int32
	bigB     int64 // value of filling a panel: more than any total of objectives
	minW     int64 // threshold on each filled panel's Σw (worst_first), or noMin
	sc       scale
	prog     *progress
	maxNodes int
	work     int // Σ pool sizes of the active items
	calls    int // panel searches made
	units    int // their work: candidates read and nodes explored
	budget   int // work allowed, for the whole round
	goal     int64
	// the incumbent
	incVal  int64
	incSol  [][]int
	hasInc  bool
	bestUB  int64
	limited bool
}

// pair is an expert's place in an item: the item and the cand.
type pair struct{ c, k int32 }

// fixings are the branching decisions of a node: experts that must sit on
// (and so fill) an item's panel, or may not.
type fixings struct {
	pins [][]int
	outs [][]bool
}

// SolveRound assembles the panels of many challenges at once, each expert
// sitting on at most CapacityLeft panels in all and on every panel at most
// once. It maximises first the number of filled panels, then, by f, the
// total objective (FairnessTotal, the default when f is "") or the worst
// panel's objective and then the total (FairnessWorstFirst). Every panel
// returned meets its rules; an item without a panel is in Unfilled with
// an *Infeasible: its own rules' diagnosis when it has no panel even
// alone, else a "round capacity" reason.
//
// progress, when not nil, is called with (done, total) at most about 100
// times, done growing to total; ctx cancels the search (ctx.Err() is
// returned). Invalid rules or candidates give an error wrapping
// ErrInvalidRules or ErrInvalidCandidates that names the challenge.
func SolveRound(ctx context.Context, items []RoundItem, f Fairness, progress func(done, total int)) (RoundResult, error) {
	if f == "" {
		f = FairnessTotal
	}
	if f != FairnessTotal && f != FairnessWorstFirst {
		return RoundResult{}, fmt.Errorf("solve round: %w: fairness %q: want %q or %q", ErrInvalidRules, f, FairnessTotal, FairnessWorstFirst)
	}
	prog := newProgress(progress, len(items))
	rd, err := newRound(ctx, items, prog)
	if err != nil {
		return RoundResult{}, fmt.Errorf("solve round: %w", err)
	}
	prog.at(0.1)
	sol, proven, ub, err := rd.solve(noMin, 0, 0.1, 0.6)
	if err != nil {
		return RoundResult{}, err
	}
	if f == FairnessWorstFirst {
		sol, proven, ub, err = rd.worstFirst(sol, proven, ub)
		if err != nil {
			return RoundResult{}, err
		}
	}
	res := rd.result(sol, proven, ub)
	// A guard, not a check of the search: an assignment that breaks a rule
	// is never returned.
	if err := guardRound(items, res, rd); err != nil {
		return RoundResult{}, fmt.Errorf("solve round: internal error: %w", err)
	}
	prog.at(1)
	return res, nil
}

// guardRound checks every panel with CheckPanel and every expert's load.
func guardRound(items []RoundItem, res RoundResult, rd *round) error {
	byID := make(map[string]int, len(items))
	for i, it := range items {
		byID[it.ChallengeID] = i
	}
	load := map[string]int32{}
	for _, p := range res.Panels {
		it := items[byID[p.ChallengeID]]
		ids := seatIDs(p.Members)
		if vs := CheckPanel(it.Rules, it.Candidates, ids); len(vs) > 0 {
			return fmt.Errorf("challenge %s: the panel breaks %s: %s", p.ChallengeID, vs[0].Rule, vs[0].Detail)
		}
		for _, id := range ids {
			load[id]++
		}
	}
	for e, id := range rd.expIDs {
		if load[id] > rd.capa[e] {
			return fmt.Errorf("expert %s sits on %d panels, capacity %d", id, load[id], rd.capa[e])
		}
	}
	return nil
}

func newRound(ctx context.Context, items []RoundItem, prog *progress) (*round, error) {
	rd := &round{ctx: ctx, minW: noMin, prog: prog}
	seen := map[string]bool{}
	sumSize, sumCands := 0, 0
	best := 0.0
	for _, it := range items {
		if it.ChallengeID == "" {
			return nil, fmt.Errorf("%w: an item has no challenge ID", ErrInvalidRules)
		}
		if seen[it.ChallengeID] {
			return nil, fmt.Errorf("%w: challenge %s: listed twice", ErrInvalidRules, it.ChallengeID)
		}
		seen[it.ChallengeID] = true
		sumSize += max(it.Rules.Size, 0)
		sumCands += len(it.Candidates)
		best = max(best, maxScore(it.Candidates))
	}
	// Units: every sum the search makes (B times the panels, the flow's
	// potentials along a path through every node) stays below 2^62.
	nodes := float64(len(items) + 2*sumCands + 2)
	maxUnits := min(float64(panelUnits), math.Ldexp(1, 62)/(float64(sumSize+1)*(nodes+2)))
	if maxUnits < 1<<12 {
		return nil, fmt.Errorf("%w: the round is too large (%d items, %d candidates)", ErrInvalidRules, len(items), sumCands)
	}
	rd.sc = newScale(best, maxUnits)
	expNum := map[string]int32{}
	for i, it := range items {
		if err := rd.ctx.Err(); err != nil {
			return nil, err
		}
		m, err := buildModel(it.Rules, it.Candidates, rd.sc)
		if err != nil {
			return nil, fmt.Errorf("challenge %s: %w", it.ChallengeID, err)
		}
		ri := &roundItem{id: it.ChallengeID, m: m, s: newSearcher(m), gid: make([]int32, len(m.cands)), adj: make([]int64, len(m.cands))}
		for k := range m.cands {
			c := &it.Candidates[m.cands[k].src]
			e, ok := expNum[c.ID]
			if !ok {
				e = int32(len(rd.expIDs))
				expNum[c.ID] = e
				rd.expIDs = append(rd.expIDs, c.ID)
				rd.capa = append(rd.capa, int32(min(c.CapacityLeft, len(items))))
			}
			rd.capa[e] = min(rd.capa[e], int32(min(c.CapacityLeft, len(items))))
			ri.gid[k] = e
		}
		if m.pinErr != nil {
			inf := *m.pinErr
			inf.Detail = removedDetail(m.removed)
			ri.alone = &inf
		} else if ch := ri.s.solve(&query{minW: noMin}); !ch.ok {
			ri.alone = m.diagnose()
		} else {
			ri.best = ch.wsum
			rd.active = append(rd.active, i)
		}
		rd.items = append(rd.items, ri)
		prog.at(0.1 * float64(i+1) / float64(len(items)))
	}
	rd.expPairs = make([][]pair, len(rd.expIDs))
	for _, c := range rd.active {
		for k, e := range rd.items[c].gid {
			rd.expPairs[e] = append(rd.expPairs[e], pair{int32(c), int32(k)})
		}
	}
	rd.bigB = 1
	for _, i := range rd.active {
		rd.bigB += rd.items[i].best
	}
	// The work budget, in candidates read and search steps: the
	// benchmark's round (1,000 challenges) uses about 3 million for the
	// total and 8 million for worst_first, 16 million with a common
	// language; a round where experts are so scarce that the number of
	// panels is in question could spend far more on a proof that may not
	// come. 20 to 100 ns a unit on the development machine.
	rd.budget = 40_000_000 + 60_000*len(rd.active)
	for _, i := range rd.active {
		rd.items[i].bSeat = rd.bigB / int64(rd.items[i].m.size)
	}
	return rd, nil
}

// resetSearch starts a search for a threshold (and a goal).
func (rd *round) resetSearch(minW, goal int64) {
	rd.minW, rd.goal = minW, goal
	rd.hasInc, rd.incSol, rd.incVal = false, nil, 0
	rd.bestUB = math.MaxInt64
	rd.limited = false
	work := 1
	for _, i := range rd.active {
		work += len(rd.items[i].m.cands)
	}
	rd.work = work
	rd.maxNodes = max(2000, min(100000, 50_000_000/work))
}

// solve finds the best assignment with every filled panel's Σw >= minW.
// With a goal > 0 it only looks for an assignment worth goal or more, and
// stops at the first. It returns the best solution found, whether the
// search was complete (the solution is then optimal, or, with a goal
// not reached, no assignment reaches the goal), and an upper bound on the
// value of any assignment.
func (rd *round) solve(minW, goal int64, p0, p1 float64) ([][]int, bool, int64, error) {
	rd.resetSearch(minW, goal)
	fx := &fixings{pins: make([][]int, len(rd.items)), outs: make([][]bool, len(rd.items))}
	ev, err := rd.evaluate(fx, rootEffort, p0, p0+(p1-p0)*0.8)
	if err != nil {
		return nil, false, 0, err
	}
	rd.bestUB = ev.ub
	if !ev.infeasible && !rd.done(ev.ub) {
		t := newTree(rd, fx, ev)
		if err := t.search(); err != nil {
			return nil, false, 0, err
		}
		rd.limited = rd.limited || t.limited
	}
	rd.prog.at(p1)
	if !rd.hasInc {
		rd.incSol, rd.incVal, rd.hasInc = make([][]int, len(rd.items)), 0, true
	}
	proven := !rd.limited
	ub := rd.bestUB
	if proven && goal == 0 {
		ub = rd.incVal
	}
	return rd.incSol, proven, ub, nil
}

// done reports whether a node with bound ub needs no more search: it
// cannot beat the incumbent or reach the goal, or the goal is reached.
func (rd *round) done(ub int64) bool {
	if rd.goal > 0 && (ub < rd.goal || (rd.hasInc && rd.incVal >= rd.goal)) {
		return true
	}
	return rd.hasInc && ub <= rd.incVal
}

// spent reports whether the search has used its budget of panel
// searches; the search then stops where it is, with the best found.
func (rd *round) spent() bool {
	if rd.units > rd.budget {
		rd.limited = true
		return true
	}
	return false
}

// offer records a feasible solution when it beats the incumbent.
func (rd *round) offer(sol [][]int, val int64) {
	if !rd.hasInc || val > rd.incVal {
		rd.hasInc, rd.incVal = true, val
		rd.incSol = make([][]int, len(sol))
		for i, p := range sol {
			rd.incSol[i] = slices.Clone(p)
		}
	}
}

// evalResult is what a node's evaluation learnt.
type evalResult struct {
	ub         int64
	best       []int64 // the options' values
	q          [][]int // the oracle panels at the last prices
	lambda     []int64
	infeasible bool
}

// evaluate bounds a node and looks for good solutions in it.
//
// The bound is Lagrangian (see prices): any price vector gives one. The
// prices start from the duals of the flow relaxation (capacities and the
// caps per country and region, which a flow holds exactly), are refined
// by exact minimisation along single experts' prices and by subgradient
// steps, and the smallest bound met is kept.
//
// The solutions: the flow's panels where they meet every rule, with the
// other items fitted around them; then, at the refined prices, each
// item's best panel with the over-used experts handed to the items that
// would lose most without them (repair), each item then improved alone
// with the experts left (polish).
func (rd *round) evaluate(fx *fixings, effort int, p0, p1 float64) (*evalResult, error) {
	ev := &evalResult{ub: math.MaxInt64}
	// Branching pins beyond an expert's capacity: nothing here.
	pinned := make([]int32, len(rd.capa))
	for c := range rd.items {
		if len(fx.pins[c]) > 0 && rd.items[c].alone != nil {
			ev.infeasible = true
			return ev, nil
		}
		for _, k := range fx.pins[c] {
			e := rd.items[c].gid[k]
			if pinned[e]++; pinned[e] > rd.capa[e] {
				ev.infeasible = true
				return ev, nil
			}
		}
	}
	at := func(x float64) { rd.prog.at(p0 + (p1-p0)*x) }
	inFlow := make([]bool, len(rd.items))
	for _, c := range rd.active {
		inFlow[c] = true
	}
	fr, err := rd.flow(fx, inFlow, rd.capa, func(x float64) { at(0.4 * x) })
	if err != nil {
		return nil, err
	}
	pr := newPrices(rd, fx, fr.lambda)
	if ok, err := pr.refresh(); err != nil || !ok {
		ev.infeasible = err == nil
		return ev, err
	}
	closed := func() bool { return rd.done(ev.ub) || rd.spent() }
	best := pr.snapshot()
	ev.ub = pr.bound()
	if err := rd.flowPrimal(fx, fr, pr); err != nil {
		return nil, err
	}
	at(0.5)
	try := func() error {
		sol, err := pr.repair()
		if err != nil || sol == nil {
			return err
		}
		if sol, err = rd.polish(fx, sol); err != nil {
			return err
		}
		rd.offer(sol, rd.value(sol))
		return nil
	}
	if !closed() {
		if err := pr.coordinate(4); err != nil {
			return nil, err
		}
		if ok, err := pr.refresh(); err != nil || !ok {
			return ev, err
		}
		if ub := pr.bound(); ub < ev.ub {
			ev.ub, best = ub, pr.snapshot()
		}
		if err := try(); err != nil {
			return nil, err
		}
	}
	theta, stall := 1.0, 0
	cur := pr.bound()
	for it := 0; it < effort && !closed(); it++ {
		at(0.5 + 0.45*float64(it)/float64(effort))
		target := ev.ub - max(ev.ub/100000, 1)
		if rd.hasInc {
			target = rd.incVal
		}
		if !pr.subgradient(theta, cur, target) {
			break
		}
		if ok, err := pr.refresh(); err != nil || !ok {
			return ev, err
		}
		if it%8 == 7 {
			if err := pr.coordinate(2); err != nil {
				return nil, err
			}
			if ok, err := pr.refresh(); err != nil || !ok {
				return ev, err
			}
		}
		cur = pr.bound()
		if cur < ev.ub {
			ev.ub, best, stall = cur, pr.snapshot(), 0
		} else if stall++; stall >= 4 {
			theta, stall = theta/2, 0
		}
		if it%8 == 7 {
			if err := try(); err != nil {
				return nil, err
			}
		}
	}
	pr.restore(best)
	if !closed() {
		if err := try(); err != nil {
			return nil, err
		}
	}
	ev.q, ev.lambda, ev.best = pr.q, pr.lambda, pr.best
	return ev, nil
}

// flowPrimal offers the flow's panels that meet every rule, the other
// items taking their best option at the flow's prices when capacity
// allows, else their best panel among the experts left.
func (rd *round) flowPrimal(fx *fixings, fr *flowResult, pr *prices) error {
	used := make([]int32, len(rd.capa))
	sol := make([][]int, len(rd.items))
	var others []int
	for _, c := range rd.active {
		if !rd.validFlowPanel(c, fx, fr.panels[c]) {
			others = append(others, c)
			continue
		}
		sol[c] = fr.panels[c]
		for _, k := range sol[c] {
			used[rd.items[c].gid[k]]++
		}
	}
	for _, c := range others {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
		p, ok := rd.fit(c, fx, pr.lambda, pr.q[c], used)
		if !ok {
			return nil
		}
		sol[c] = p
	}
	rd.offer(sol, rd.value(sol))
	return nil
}

// oracle returns item c's best option at prices lambda: its value (0 for
// unfilled, B + Σ(w − λ) for a panel) and the panel (nil for unfilled).
// Extra outs (per cand) may be given. ok is false when a pin forces a
// panel and none exists.
func (rd *round) oracle(c int, fx *fixings, lambda []int64, extraOut []bool) (int64, []int, bool) {
	rd.calls++
	it := rd.items[c]
	for k := range it.adj {
		it.adj[k] = it.m.cands[k].w - lambda[it.gid[k]]
	}
	out := fx.outs[c]
	if extraOut != nil {
		if out != nil {
			for k := range extraOut {
				extraOut[k] = extraOut[k] || out[k]
			}
		}
		out = extraOut
	}
	before := it.s.nodes
	ch := it.s.solve(&query{adj: it.adj, pins: fx.pins[c], out: out, minW: rd.minW})
	rd.units += it.s.nodes - before
	forced := len(fx.pins[c]) > 0
	switch {
	case !ch.ok && forced:
		return 0, nil, false
	case !ch.ok:
		return 0, nil, true
	case forced || rd.bigB+ch.value > 0:
		p := slices.Clone(ch.members)
		slices.Sort(p)
		return rd.bigB + ch.value, p, true
	}
	return 0, nil, true
}

// fit gives item c a panel within the capacity left by used: its oracle
// panel p when it fits, else its best panel among the experts with
// capacity left, else none (nil) when that is allowed.
func (rd *round) fit(c int, fx *fixings, lambda []int64, p []int, used []int32) ([]int, bool) {
	it := rd.items[c]
	if p != nil && fits(it, p, used, rd.capa) {
		for _, k := range p {
			used[it.gid[k]]++
		}
		return p, true
	}
	out := make([]bool, len(it.m.cands))
	for k, e := range it.gid {
		out[k] = used[e] >= rd.capa[e]
	}
	_, q, ok := rd.oracle(c, fx, lambda, out)
	if !ok {
		return nil, false
	}
	for _, k := range q {
		used[it.gid[k]]++
	}
	return q, true
}

// withinCapacity reports whether a solution keeps every capacity.
func (rd *round) withinCapacity(sol [][]int) bool {
	used := make([]int32, len(rd.capa))
	for c, p := range sol {
		for _, k := range p {
			e := rd.items[c].gid[k]
			if used[e]++; used[e] > rd.capa[e] {
				return false
			}
		}
	}
	return true
}

func fits(it *roundItem, p []int, used, capa []int32) bool {
	for _, k := range p {
		if e := it.gid[k]; used[e] >= capa[e] {
			return false
		}
	}
	return true
}

// priced is an option's value at prices lambda.
func (rd *round) priced(c int, p []int, lambda []int64) int64 {
	if p == nil {
		return 0
	}
	it := rd.items[c]
	v := rd.bigB
	for _, k := range p {
		v += it.m.cands[k].w - lambda[it.gid[k]]
	}
	return v
}

// value is a solution's worth: B and Σw per filled panel.
func (rd *round) value(sol [][]int) int64 {
	v := int64(0)
	for c, p := range sol {
		if p == nil {
			continue
		}
		v += rd.bigB
		for _, k := range p {
			v += rd.items[c].m.cands[k].w
		}
	}
	return v
}

// validFlowPanel checks a flow panel against every rule of its item.
func (rd *round) validFlowPanel(c int, fx *fixings, p []int) bool {
	it := rd.items[c]
	if len(p) != it.m.size {
		return false
	}
	for _, k := range fx.pins[c] {
		if !slices.Contains(p, k) {
			return false
		}
	}
	if rd.minW != noMin {
		w := int64(0)
		for _, k := range p {
			w += it.m.cands[k].w
		}
		if w < rd.minW {
			return false
		}
	}
	_, ok := it.m.meets(p)
	return ok
}

// result turns a solution into the caller's terms.
func (rd *round) result(sol [][]int, proven bool, ub int64) RoundResult {
	res := RoundResult{Optimal: proven}
	used := make([]int32, len(rd.capa))
	for c, p := range sol {
		for _, k := range p {
			used[rd.items[c].gid[k]]++
		}
	}
	seats, filled := 0, int64(0)
	for c, it := range rd.items {
		p := sol[c]
		if p == nil {
			res.Unfilled = append(res.Unfilled, Unfilled{ChallengeID: it.id, Reason: rd.unfilledReason(c, used)})
			continue
		}
		filled++
		lang, _ := it.m.meets(p)
		rp := RoundPanel{ChallengeID: it.id, Members: it.m.seats(p)}
		if lang >= 0 {
			rp.Language = it.m.langNames[lang]
		}
		for _, s := range rp.Members {
			rp.Objective += s.Score
		}
		seats += len(p)
		res.Total += rp.Objective
		if len(res.Panels) == 0 || rp.Objective < res.Worst {
			res.Worst = rp.Objective
		}
		res.Panels = append(res.Panels, rp)
	}
	if n := len(res.Panels); n > 0 {
		res.Mean = res.Total / float64(n)
		res.SeatMean = res.Total / float64(seats)
	}
	res.TotalBound, res.MaxPanels = res.Total, len(res.Panels)
	if !proven {
		res.MaxPanels = int(min(int64(len(rd.active)), ub/rd.bigB))
		if res.MaxPanels == len(res.Panels) {
			res.TotalBound = max(res.Total, float64(ub-filled*rd.bigB)/rd.sc.k)
		} else {
			// More panels might be filled: the only bound left on a
			// total is every item's best panel alone.
			res.TotalBound = max(res.Total, float64(rd.bigB-1)/rd.sc.k)
		}
	}
	return res
}

// unfilledReason explains why an item got no panel.
func (rd *round) unfilledReason(c int, used []int32) *Infeasible {
	it := rd.items[c]
	if it.alone != nil {
		return it.alone
	}
	left := 0
	for _, e := range it.gid {
		if used[e] < rd.capa[e] {
			left++
		}
	}
	inf := &Infeasible{Rule: "round capacity", Kind: RuleRoundCapacity, Required: it.m.size, Eligible: left}
	if left < it.m.size {
		inf.Reason = fmt.Sprintf("%d required, %d eligible experts have capacity left after the other panels of the round", it.m.size, left)
	} else {
		inf.Reason = fmt.Sprintf("the %d eligible experts with capacity left after the other panels of the round cannot form a panel that meets the rules", left)
		if rd.minW != noMin {
			inf.Reason = strings.TrimSuffix(inf.Reason, " that meets the rules") + " that meets the rules and the round's worst-panel level"
		}
	}
	inf.Detail = removedDetail(it.m.removed)
	return inf
}

// progress calls the caller's function when the integer percentage of
// work done grows: at most 101 calls.
type progress struct {
	f     func(done, total int)
	total int
	last  int
}

func newProgress(f func(done, total int), total int) *progress {
	return &progress{f: f, total: total, last: -1}
}

func (p *progress) at(frac float64) {
	if p == nil || p.f == nil {
		return
	}
	pct := int(math.Floor(min(max(frac, 0), 1) * 100))
	if pct <= p.last {
		return
	}
	p.last = pct
	p.f(pct*p.total/100, p.total)
}

// worstFirst raises the worst panel's objective as far as it goes while
// keeping as many filled panels as sol, then maximises the total at that
// level. A level T is reachable when some assignment fills as many panels,
// each with Σw >= T (a search that stops at the first such assignment, or
// proves there is none). The search tries the largest possible worst
// first (the count-th best panel any item has alone), then bisects; each
// reachable level lifts the floor to the worst actually achieved.
func (rd *round) worstFirst(sol [][]int, proven bool, ub int64) ([][]int, bool, int64, error) {
	count := countFilled(sol)
	if count == 0 {
		return sol, proven, ub, nil
	}
	var bests []int64
	for _, c := range rd.active {
		bests = append(bests, rd.items[c].best)
	}
	slices.SortFunc(bests, func(a, b int64) int { return sign(b - a) })
	hi := bests[count-1]
	lo := rd.worst(sol)
	exact := proven
	goal := int64(count) * rd.bigB
	p0 := 0.6
	var witness [][]int
	// The largest possible level first; then one step above the worst
	// achieved, until a level cannot be reached: each reached level
	// lifts the floor to the worst actually achieved, and only the last
	// try has to prove a negative.
	for t := hi; lo < hi; t = lo + 1 {
		p1 := p0 + (0.9-p0)/4
		s, pr, _, err := rd.solve(t, goal, p0, p1)
		if err != nil {
			return nil, false, 0, err
		}
		p0 = p1
		if countFilled(s) >= count {
			lo, witness = rd.worst(s), s
			continue
		}
		if t == hi {
			exact = exact && pr
			hi--
			continue
		}
		// Not reachable, proven when the search was complete.
		exact = exact && pr
		break
	}
	if lo == rd.worst(sol) {
		// The first assignment already has the best worst panel, and the
		// best total for it.
		rd.minW = lo
		return sol, exact && proven, ub, nil
	}
	s, pr, u, err := rd.solve(lo, 0, p0, 0.95)
	if err != nil {
		return nil, false, 0, err
	}
	if rd.value(s) < rd.value(witness) {
		// A search cut short by its budget: the probe's assignment is
		// better.
		s, pr = witness, false
	}
	return s, exact && pr, u, nil
}

func countFilled(sol [][]int) int {
	n := 0
	for _, p := range sol {
		if p != nil {
			n++
		}
	}
	return n
}

// worst is the smallest Σw of a filled panel.
func (rd *round) worst(sol [][]int) int64 {
	w := int64(math.MaxInt64)
	for c, p := range sol {
		if p == nil {
			continue
		}
		s := int64(0)
		for _, k := range p {
			s += rd.items[c].m.cands[k].w
		}
		w = min(w, s)
	}
	return w
}

// rootEffort is the number of subgradient steps at the root.
const rootEffort = 48
