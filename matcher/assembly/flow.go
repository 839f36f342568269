package assembly

// flowGraph is a min-cost flow network with integer costs, solved by
// successive shortest paths: each unit goes from a node with supply to the
// sink along a shortest path of the residual network, found by Dijkstra on
// reduced costs. Potentials keep every residual arc's reduced cost >= 0,
// which is what makes each augmentation optimal whatever node it starts
// from; only the nodes a search settles get their potential updated, so a
// search costs what it explores, usually one challenge's pool and the
// challenges its contested experts sit on.
type flowGraph struct {
	head []int32
	next []int32
	to   []int32
	capa []int32
	cost []int64
	pi   []int64

	dist  []int64
	from  []int32 // arc by which a node was reached
	stamp []uint32
	done  []uint32
	epoch uint32
	heap  []heapItem
	seen  []int32 // nodes settled by the last search
}

type heapItem struct {
	d int64
	v int32
}

func (g *flowGraph) addNode(pi int64) int32 {
	g.head = append(g.head, -1)
	g.pi = append(g.pi, pi)
	return int32(len(g.head) - 1)
}

// addArc adds u→v and its reverse (at the index xor 1); it returns the
// forward arc.
func (g *flowGraph) addArc(u, v int32, capa int32, cost int64) int32 {
	a := int32(len(g.to))
	g.to = append(g.to, v, u)
	g.capa = append(g.capa, capa, 0)
	g.cost = append(g.cost, cost, -cost)
	g.next = append(g.next, g.head[u], g.head[v])
	g.head[u], g.head[v] = a, a+1
	return a
}

func (g *flowGraph) reduced(a int32, u int32) int64 { return g.cost[a] + g.pi[u] - g.pi[g.to[a]] }

// shortest runs Dijkstra from s until t is settled and updates the
// potentials of the settled nodes; false when t cannot be reached.
func (g *flowGraph) shortest(s, t int32) bool {
	n := len(g.head)
	if len(g.dist) < n {
		g.dist = make([]int64, n)
		g.from = make([]int32, n)
		g.stamp = make([]uint32, n)
		g.done = make([]uint32, n)
	}
	g.epoch++
	if g.epoch == 0 {
		clear(g.stamp)
		clear(g.done)
		g.epoch = 1
	}
	ep := g.epoch
	g.heap = g.heap[:0]
	g.seen = g.seen[:0]
	g.dist[s], g.stamp[s], g.from[s] = 0, ep, -1
	g.push(heapItem{0, s})
	reached := false
	for len(g.heap) > 0 {
		it := g.pop()
		u := it.v
		if g.done[u] == ep || it.d != g.dist[u] {
			continue
		}
		g.done[u] = ep
		g.seen = append(g.seen, u)
		if u == t {
			reached = true
			break
		}
		for a := g.head[u]; a >= 0; a = g.next[a] {
			if g.capa[a] <= 0 {
				continue
			}
			v := g.to[a]
			if g.done[v] == ep {
				continue
			}
			d := it.d + g.reduced(a, u)
			if g.stamp[v] != ep || d < g.dist[v] {
				g.stamp[v], g.dist[v], g.from[v] = ep, d, a
				g.push(heapItem{d, v})
			}
		}
	}
	if !reached {
		return false
	}
	// π(v) += min(d(v), D) − D: only settled nodes move.
	D := g.dist[t]
	for _, v := range g.seen {
		g.pi[v] += g.dist[v] - D
	}
	return true
}

// augment pushes one unit along the path found to t.
func (g *flowGraph) augment(t int32) {
	for v := t; g.from[v] >= 0; {
		a := g.from[v]
		g.capa[a]--
		g.capa[a^1]++
		v = g.to[a^1]
	}
}

func (g *flowGraph) push(it heapItem) {
	g.heap = append(g.heap, it)
	i := len(g.heap) - 1
	for i > 0 {
		p := (i - 1) / 2
		if g.heap[p].d <= it.d {
			break
		}
		g.heap[i] = g.heap[p]
		i = p
	}
	g.heap[i] = it
}

func (g *flowGraph) pop() heapItem {
	top := g.heap[0]
	last := g.heap[len(g.heap)-1]
	g.heap = g.heap[:len(g.heap)-1]
	n := len(g.heap)
	i := 0
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && g.heap[c+1].d < g.heap[c].d {
			c++
		}
		if last.d <= g.heap[c].d {
			break
		}
		g.heap[i] = g.heap[c]
		i = c
	}
	if n > 0 {
		g.heap[i] = last
	}
	return top
}
