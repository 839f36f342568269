package assembly_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"matchmaker/matcher/assembly"
)

// TestSolvePanelProperties compares SolvePanel with brute force on random
// instances: the same optimum, panels that break no rule (checked by the
// test's own validator and by CheckPanel), alternates that keep every
// rule, and an *Infeasible only when brute force finds nothing.
func TestSolvePanelProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	iterations := 3000
	if testing.Short() {
		iterations = 500
	}
	feasible := 0
	for it := range iterations {
		cands := genCandidates(rng, 5+rng.IntN(10), "e")
		r := genPanelRules(rng, cands, 5)
		want, ok := brutePanel(r, cands)
		p, err := assembly.SolvePanel(r, cands)
		var inf *assembly.Infeasible
		switch {
		case err != nil && !errors.As(err, &inf):
			t.Fatalf("#%d %s: %v", it, describe(r), err)
		case err != nil && ok:
			t.Fatalf("#%d %s: infeasible (%v) but brute force finds %v", it, describe(r), err, want)
		case err != nil:
			if inf.Error() == "" {
				t.Fatalf("#%d: empty reason", it)
			}
			continue
		case !ok:
			t.Fatalf("#%d %s: panel %v but brute force finds none", it, describe(r), p.Members)
		}
		feasible++
		ids := make([]string, len(p.Members))
		sum := 0.0
		for i, s := range p.Members {
			ids[i] = s.ID
			sum += s.Score
			if i > 0 && s.Score > p.Members[i-1].Score {
				t.Fatalf("#%d: members not best first: %v", it, p.Members)
			}
		}
		if err := validPanel(r, cands, ids); err != nil {
			t.Fatalf("#%d %s: panel %v breaks a rule: %v", it, describe(r), ids, err)
		}
		if vs := assembly.CheckPanel(r, cands, ids); len(vs) > 0 {
			t.Fatalf("#%d: CheckPanel: %v", it, vs)
		}
		if sum != want || p.Objective != want {
			t.Fatalf("#%d %s: objective %v (members sum %v), brute force %v", it, describe(r), p.Objective, sum, want)
		}
		checkAlternates(t, it, r, cands, ids, p.Alternates)
		for _, a := range p.Alternates {
			swapped := make([]string, 0, len(ids))
			for _, id := range ids {
				if id == a.For {
					id = a.ID
				}
				swapped = append(swapped, id)
			}
			if err := validPanel(r, cands, swapped); err != nil {
				t.Fatalf("#%d %s: alternate %s for %s breaks a rule: %v", it, describe(r), a.ID, a.For, err)
			}
		}
	}
	t.Logf("%d feasible instances of %d", feasible, iterations)
	if feasible < iterations/5 {
		t.Fatalf("only %d feasible instances of %d: the generator is too strict", feasible, iterations)
	}
}

// checkAlternates checks that each member not pinned has, as alternate, the
// best-scored non-member whose swap keeps every rule (none when nobody).
func checkAlternates(t *testing.T, it int, r assembly.PanelRules, cands []assembly.Candidate, ids []string, alts []assembly.Alternate) {
	t.Helper()
	for k, m := range ids {
		if slices.Contains(r.Pinned, m) {
			continue
		}
		best, found := 0.0, false
		for _, c := range cands {
			if slices.Contains(ids, c.ID) {
				continue
			}
			swapped := slices.Clone(ids)
			swapped[k] = c.ID
			if validPanel(r, cands, swapped) == nil && (!found || c.Score > best) {
				best, found = c.Score, true
			}
		}
		i := slices.IndexFunc(alts, func(a assembly.Alternate) bool { return a.For == m })
		switch {
		case found && i < 0:
			t.Fatalf("#%d: no alternate for %s, brute force finds one scoring %v", it, m, best)
		case !found && i >= 0:
			t.Fatalf("#%d: alternate %v for %s, brute force finds none", it, alts[i], m)
		case found && alts[i].Score != best:
			t.Fatalf("#%d: alternate %v for %s, brute force finds one scoring %v", it, alts[i], m, best)
		}
	}
}

// TestSolveRoundMatchesBruteForce compares SolveRound with the enumeration
// of every assignment on small random rounds, in both fairness modes: the
// same number of panels, the same worst (worst_first) and total, proven
// optimal, every panel valid, capacities kept, every item either filled or
// explained.
func TestSolveRoundMatchesBruteForce(t *testing.T) {
	type shape struct {
		name                    string
		items, experts, maxSize int // items and experts: at least, plus up to 2 more
		iterations              int
	}
	shapes := []shape{{"small", 2, 6, 3, 1500}, {"larger", 3, 8, 4, 300}}
	for _, f := range []assembly.Fairness{assembly.FairnessTotal, assembly.FairnessWorstFirst} {
		for _, sh := range shapes {
			t.Run(string(f)+"/"+sh.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, uint64(len(f)*10+sh.items)))
				iterations := sh.iterations
				if testing.Short() {
					iterations /= 4
				}
				for it := range iterations {
					items := genRound(rng, sh.items+rng.IntN(3), sh.experts+rng.IntN(3), sh.maxSize)
					want := bruteRound(items, f == assembly.FairnessWorstFirst)
					res, err := assembly.SolveRound(context.Background(), items, f, nil)
					if err != nil {
						t.Fatalf("#%d: %v", it, err)
					}
					checkRound(t, it, items, res)
					got := roundValue{count: len(res.Panels), worst: res.Worst, total: res.Total}
					if f == assembly.FairnessTotal {
						got.worst = want.worst // not what total compares
					}
					if got != want || !res.Optimal {
						for _, item := range items {
							t.Logf("%s: %s", item.ChallengeID, describe(item.Rules))
						}
						t.Fatalf("#%d: got %+v (optimal %v), brute force %+v; panels %+v", it, got, res.Optimal, want, res.Panels)
					}
				}
			})
		}
	}
}

// checkRound checks a round's result against the rules without the
// solver: valid panels, capacities kept, every item accounted for once.
func checkRound(t *testing.T, it int, items []assembly.RoundItem, res assembly.RoundResult) {
	t.Helper()
	capacity := map[string]int{}
	for _, item := range items {
		for _, c := range item.Candidates {
			if v, ok := capacity[c.ID]; !ok || c.CapacityLeft < v {
				capacity[c.ID] = c.CapacityLeft
			}
		}
	}
	used := map[string]int{}
	seen := map[string]bool{}
	total := 0.0
	for _, p := range res.Panels {
		i := slices.IndexFunc(items, func(x assembly.RoundItem) bool { return x.ChallengeID == p.ChallengeID })
		if i < 0 || seen[p.ChallengeID] {
			t.Fatalf("#%d: panel for %q unknown or twice", it, p.ChallengeID)
		}
		seen[p.ChallengeID] = true
		ids := make([]string, len(p.Members))
		sum := 0.0
		for k, s := range p.Members {
			ids[k] = s.ID
			sum += s.Score
			used[s.ID]++
		}
		if err := validPanel(items[i].Rules, items[i].Candidates, ids); err != nil {
			t.Fatalf("#%d: panel %s %v breaks a rule: %v", it, p.ChallengeID, ids, err)
		}
		if sum != p.Objective {
			t.Fatalf("#%d: panel %s objective %v, members sum %v", it, p.ChallengeID, p.Objective, sum)
		}
		total += sum
	}
	for id, n := range used {
		if n > capacity[id] {
			t.Fatalf("#%d: %s sits on %d panels, capacity %d", it, id, n, capacity[id])
		}
	}
	for _, u := range res.Unfilled {
		if seen[u.ChallengeID] || u.Reason == nil || u.Reason.Error() == "" {
			t.Fatalf("#%d: unfilled %+v", it, u)
		}
		seen[u.ChallengeID] = true
	}
	if len(seen) != len(items) {
		t.Fatalf("#%d: %d items accounted for, %d given", it, len(seen), len(items))
	}
	if total != res.Total {
		t.Fatalf("#%d: total %v, panels sum %v", it, res.Total, total)
	}
}

// TestSolveTeamMatchesBruteForce: the smallest covering team with a lead,
// and the best objective at that size, as brute force finds them.
func TestSolveTeamMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	feasible := 0
	iterations := 2000
	if testing.Short() {
		iterations = 300
	}
	for it := range iterations {
		cands := genCandidates(rng, 4+rng.IntN(11), "t")
		r := assembly.TeamRules{MinSize: 1 + rng.IntN(2), Skills: testSkills[:1+rng.IntN(len(testSkills))], CityID: "dakar"}
		r.MaxSize = r.MinSize + rng.IntN(4)
		if rng.IntN(3) > 0 {
			r.LeadSeniority = "leadership"
		}
		if rng.IntN(2) == 0 {
			r.CityLanguages = []string{"fr", "en"}
		}
		if rng.IntN(4) == 0 {
			r.Pinned = []string{cands[rng.IntN(len(cands))].ID}
		}
		if rng.IntN(4) == 0 {
			r.Excluded = []string{cands[rng.IntN(len(cands))].ID}
		}
		size, want := bruteTeam(r, cands)
		if size > 0 {
			feasible++
		}
		team, err := assembly.SolveTeam(r, cands)
		var inf *assembly.Infeasible
		switch {
		case err != nil && !errors.As(err, &inf):
			t.Fatalf("#%d: %v", it, err)
		case err != nil && size > 0:
			t.Fatalf("#%d %+v: %v, brute force finds a team of %d", it, r, err, size)
		case err != nil:
			continue
		case size == 0:
			t.Fatalf("#%d %+v: team %+v, brute force finds none", it, r, team)
		case len(team.Members) != size || team.Objective != want:
			t.Fatalf("#%d %+v: %d members objective %v, brute force %d members %v", it, r, len(team.Members), team.Objective, size, want)
		}
		leads := 0
		var members []string
		for _, m := range team.Members {
			members = append(members, m.ID)
			if m.Lead {
				leads++
			}
		}
		if err := validTeam(r, cands, members); err != nil {
			t.Fatalf("#%d: team %v: %v", it, members, err)
		}
		for _, a := range team.Alternates {
			swapped := slices.Clone(members)
			swapped[slices.Index(members, a.For)] = a.ID
			if err := validTeam(r, cands, swapped); err != nil {
				t.Fatalf("#%d: alternate %s for %s: %v", it, a.ID, a.For, err)
			}
		}
		if (r.LeadSeniority != "") != (leads == 1) || len(team.Uncovered) != 0 {
			t.Fatalf("#%d: %d leads, uncovered %v", it, leads, team.Uncovered)
		}
	}
	t.Logf("%d feasible instances of %d", feasible, iterations)
	if feasible < iterations/5 {
		t.Fatalf("only %d feasible instances: the generator is too strict", feasible)
	}
}
