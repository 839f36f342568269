package assembly

import (
	"math"
	"slices"
)

// flowResult is the flow's assignment (a panel per item, possibly short
// or breaking rules the flow does not hold) and the experts' prices.
type flowResult struct {
	panels [][]int
	lambda []int64
}

// flowItem is one item's part of the network.
type flowItem struct {
	node   int32
	supply int
	pins   []int
	attach []int32 // per cand: the node its arc leaves from, -1 when pinned or out
	arc    []int32 // per cand: its arc to the expert, -1 when none
}

// flow solves the round's flow relaxation for the items inFlow, with the
// experts' capacities rem:
//
//	item --(Size minus pins)--> item,region --(MaxPerRegion)--> item,country --(MaxPerCountry)-->
//	  --(1, cost −(bonus+w))--> expert --(capacity left)--> sink
//
// plus an arc item → sink for the seats left empty (cost 0). The bonus per
// seat (B/Size) makes filling seats come first. Levels whose cap is 0 (no
// limit) are left out. Pinned experts are assigned beforehand; an item
// whose pins do not fit is left out (it will get its panel another way).
//
// The prices are the capacity duals: λe = max(0, π(sink) − π(e)). An
// expert with no capacity left gets the smallest price at which no item in
// the flow would want them.
func (rd *round) flow(fx *fixings, inFlow []bool, rem []int32, prog func(float64)) (*flowResult, error) {
	nIt := len(rd.items)
	rem = slices.Clone(rem)
	fis := make([]*flowItem, nIt)
	for c, it := range rd.items {
		if !inFlow[c] {
			continue
		}
		pins := it.m.pinned
		if len(fx.pins[c]) > 0 {
			pins = slices.Clone(pins)
			for _, k := range fx.pins[c] {
				if !slices.Contains(pins, k) {
					pins = append(pins, k)
				}
			}
		}
		if !rd.pinsFit(it, pins, rem) {
			continue
		}
		for _, k := range pins {
			rem[it.gid[k]]--
		}
		fis[c] = &flowItem{pins: pins, supply: it.m.size - len(pins)}
	}
	g := &flowGraph{}
	sink := g.addNode(0)
	expNode := make([]int32, len(rd.capa))
	for i := range expNode {
		expNode[i] = -1
	}
	for c, fi := range fis {
		if fi == nil {
			continue
		}
		it := rd.items[c]
		m := it.m
		fi.node = g.addNode(0)
		fi.attach = make([]int32, len(m.cands))
		fi.arc = make([]int32, len(m.cands))
		regionNode := map[int32]int32{}
		countryNode := map[int32]int32{}
		pinC, pinR := map[int32]int{}, map[int32]int{}
		for _, k := range fi.pins {
			pinC[m.cands[k].country]++
			pinR[m.cands[k].region]++
		}
		attachOf := func(k int) int32 {
			cd := &m.cands[k]
			top := fi.node
			if m.maxRegion > 0 {
				v, ok := regionNode[cd.region]
				if !ok {
					v = g.addNode(0)
					g.addArc(fi.node, v, int32(m.maxRegion-pinR[cd.region]), 0)
					regionNode[cd.region] = v
				}
				top = v
			}
			if m.maxCountry > 0 {
				v, ok := countryNode[cd.country]
				if !ok {
					v = g.addNode(0)
					g.addArc(top, v, int32(m.maxCountry-pinC[cd.country]), 0)
					countryNode[cd.country] = v
				}
				top = v
			}
			return top
		}
		out := fx.outs[c]
		for k := range m.cands {
			fi.attach[k], fi.arc[k] = -1, -1
			if slices.Contains(fi.pins, k) || (out != nil && out[k]) {
				continue
			}
			fi.attach[k] = attachOf(k)
			e := it.gid[k]
			if rem[e] <= 0 {
				continue
			}
			cost := -(it.bSeat + m.cands[k].w)
			if expNode[e] < 0 {
				expNode[e] = g.addNode(0)
				g.addArc(expNode[e], sink, rem[e], 0)
				g.pi[expNode[e]] = cost
			}
			g.pi[expNode[e]] = min(g.pi[expNode[e]], cost)
			fi.arc[k] = g.addArc(fi.attach[k], expNode[e], 1, cost)
		}
		g.addArc(fi.node, sink, int32(fi.supply), 0)
	}
	// Initial potentials: 0 on the item side, the cheapest arc in on an
	// expert, the cheapest expert (or 0) on the sink: every reduced cost
	// is >= 0.
	for _, v := range expNode {
		if v >= 0 {
			g.pi[sink] = min(g.pi[sink], g.pi[v])
		}
	}
	done := 0
	for c, fi := range fis {
		if fi == nil {
			continue
		}
		if done%32 == 0 {
			if err := rd.ctx.Err(); err != nil {
				return nil, err
			}
			prog(float64(c) / float64(nIt))
		}
		done++
		for u := 0; u < fi.supply; u++ {
			if !g.shortest(fi.node, sink) {
				break
			}
			g.augment(sink)
		}
	}
	res := &flowResult{panels: make([][]int, nIt), lambda: make([]int64, len(rd.capa))}
	for c, fi := range fis {
		if fi == nil {
			continue
		}
		p := slices.Clone(fi.pins)
		for k, a := range fi.arc {
			if a >= 0 && g.capa[a] == 0 {
				p = append(p, k)
			}
		}
		slices.Sort(p)
		res.panels[c] = p
	}
	piSink := g.pi[sink]
	ext := make([]int64, len(rd.capa))
	for e := range ext {
		ext[e] = math.MaxInt64
		if v := expNode[e]; v >= 0 {
			res.lambda[e] = min(max(0, piSink-g.pi[v]), rd.maxPrice())
		}
	}
	for c, fi := range fis {
		if fi == nil {
			continue
		}
		it := rd.items[c]
		for k, a := range fi.attach {
			if e := it.gid[k]; a >= 0 && expNode[e] < 0 {
				ext[e] = min(ext[e], g.pi[a]-(it.bSeat+it.m.cands[k].w))
			}
		}
	}
	for e, v := range ext {
		if v != math.MaxInt64 {
			res.lambda[e] = min(max(0, piSink-v), rd.maxPrice())
		}
	}
	return res, nil
}

// pinsFit reports whether the pinned experts have capacity left and keep
// to the item's caps.
func (rd *round) pinsFit(it *roundItem, pins []int, rem []int32) bool {
	m := it.m
	perC, perR := map[int32]int{}, map[int32]int{}
	for _, k := range pins {
		if rem[it.gid[k]] <= 0 {
			return false
		}
		cd := &m.cands[k]
		perC[cd.country]++
		perR[cd.region]++
		if (m.maxCountry > 0 && perC[cd.country] > m.maxCountry) || (m.maxRegion > 0 && perR[cd.region] > m.maxRegion) {
			return false
		}
	}
	// The same expert pinned twice on different items is counted by rem
	// as the caller consumes it item by item.
	return true
}
