// Package assembly assembles review panels, review rounds (many panels at
// once) and tutoring teams under hard rules, from candidates whose fit
// scores were computed upstream.
//
// It imports no project package (neither matcher nor profiles, neither bun
// nor echo), only the standard library: callers hand it plain values and
// get plain values back, so that it can be tested and benchmarked alone.
//
// # Hard rules
//
// No output ever breaks a hard rule. The per-candidate rules (Eligible)
// remove candidates before any search; the panel rules (size, role quotas,
// caps per country and per region, other countries, common language,
// pinned and excluded experts) and, in a round, the experts' capacities
// are constraints of the searches; and every panel returned is checked
// again by CheckPanel, written independently, before it leaves the
// package. When nothing meets the rules the answer is an *Infeasible that
// names the rule and gives the numbers, never a bare "no solution".
//
// A candidate with an empty Country or Region is from an unknown country
// or region: the unknowns count together for the caps, and an unknown
// country is never one of the "other countries".
//
// # What is exact
//
// Scores are compared in integer units: the best score of a problem is
// 2^40 units (in a large round, down to about 2^31), so that sums, bounds
// and flows are exact; scores closer than a unit count as equal, and ties
// are broken by score, then by ID, so that the same input always gives the
// same output. Scores that are multiples of a power of two (k/64) convert
// without rounding.
//
// SolvePanel returns the exact optimum. It is a depth-first branch and
// bound over the eligible candidates in score order. A node is cut when
// the best completion cannot beat the best panel found; the bound is the
// smaller of the next best scores' sum and, for each role quota still
// short, the best completion taking enough of the quota's roles (exact for
// that quota alone). Candidates of the same country, region and role
// signature are interchangeable but for their score, so only the best few
// of each such class are kept and, once one was tried, the lesser ones are
// skipped. CommonLanguage is solved as one search per language (city
// languages first, so that they win ties), each cut by the best panel so
// far. The panel benchmark (500 candidates, size 5, two quotas, caps)
// takes about 0.3 ms, most of it reading the candidates.
//
// SolveTeam returns the exact smallest team and, at that size, the best
// one: a branch and bound per size, from the smallest.
//
// SolveRound maximises, lexicographically, the number of filled panels,
// then the total of the panels' objectives (FairnessTotal) or the worst
// panel's objective and then the total (FairnessWorstFirst). When
// RoundResult.Optimal is true the result is proven optimal for that order:
// an upper bound meets the assignment returned. The bound is Lagrangian:
// with a price on each expert's capacity, no assignment is worth more than
// the capacities' total price plus, for every challenge, its best panel at
// those prices under all its own rules, found by the exact panel search.
// The prices start as the duals of a min-cost flow (successive shortest
// paths, Dijkstra with potentials) that holds the capacities and the caps
// per country and region exactly, as the laminar chain expert →
// (challenge, country) → (challenge, region) → challenge; role quotas,
// other countries and the common language do not fit a flow with those
// caps, which is why the panels' own searches carry them. The prices are
// then refined by exact moves along one price at a time and by subgradient
// steps. Assignments come from the flow's panels that meet every rule,
// and from the best panels at the refined prices with over-used experts
// handed to the challenges that would lose most without them. What gap
// remains is closed by a branch and bound at fixed prices that decides,
// pair by pair, whether an expert sits on a challenge's panel.
//
// Worst-first raises the worst panel: it tries the largest possible worst
// (the count-th best panel any challenge has alone), then one step above
// the worst achieved, until a level cannot be reached; each level is
// reached by an actual assignment or proven out of reach by the same
// bound, and the total is then maximised at the best level.
//
// The round's search has a work budget, counted in search steps so that
// it stays deterministic. On every random round tested against brute force
// (thousands of rounds of 2 to 5 challenges) and on the benchmark's round
// (1,000 challenges, 20,000 experts, 5 seats, quotas and caps) the result
// is proven optimal in both modes, the latter in well under a second. When
// the budget runs out (rounds where experts are so scarce that the number
// of panels that can be filled is itself in doubt) the result is the best
// assignment found, valid in every rule, with Optimal false, MaxPanels an
// upper bound on the panels any assignment fills and TotalBound an upper
// bound on the total.
//
// # Capacity in a round
//
// An expert sits on at most CapacityLeft panels of the round and on a
// panel at most once. The same ID is the same expert across challenges;
// when their CapacityLeft disagree the smallest counts.
package assembly
