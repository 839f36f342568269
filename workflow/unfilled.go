package workflow

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"matchmaker/matcher/assembly"
)

// unfilledReason says why a challenge of a round got no panel, the way a single
// panel's 422 does (the rule, how many it requires and how many are eligible,
// and what removed the others), then what kept the experts with subject fit
// off: the pool is cut after the index's hard rules, so when it holds no
// eligible expert, none exists in the network.
func unfilledReason(inf *assembly.Infeasible, pl *pool) string {
	if inf == nil {
		return "no panel"
	}
	reason := inf.Error()
	if inf.Detail != "" && !strings.Contains(reason, inf.Detail) {
		reason += " (" + inf.Detail + ")"
	}
	if pl == nil || len(pl.cands) == 0 {
		if pl != nil {
			reason += "; no expert of the network has any subject fit with the challenge"
		}
		return reason
	}
	counts := map[string]int{}
	eligible := 0
	for _, c := range pl.cands {
		if c.Excluded == "" {
			eligible++
			continue
		}
		seen := map[string]bool{}
		for _, r := range pl.kept[c.ID] {
			if l := ruleLabel(r, pl); !seen[l] {
				seen[l] = true
				counts[l]++
			}
		}
	}
	if len(counts) == 0 {
		return reason
	}
	type tally struct {
		label string
		n     int
	}
	var ts []tally
	for l, n := range counts {
		ts = append(ts, tally{l, n})
	}
	slices.SortFunc(ts, func(a, b tally) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.label, b.label)
	})
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s: %d of %d", t.label, t.n, len(pl.cands)))
	}
	lead := fmt.Sprintf("%d of the %d experts with the best subject fit are eligible", eligible, len(pl.cands))
	if eligible == 0 {
		lead = fmt.Sprintf("no eligible expert with subject fit in the network (%d with the best fit looked at)", len(pl.cands))
	}
	return reason + "; " + lead + "; kept off: " + strings.Join(parts, ", ")
}

// ruleLabel names the hard rule behind one exclusion reason of the index or
// the secretariat, in the words of the secretariat.
func ruleLabel(r string, pl *pool) string {
	head, _, _ := strings.Cut(r, ":")
	switch {
	case strings.HasPrefix(r, "no shared working language"):
		return fmt.Sprintf("no working language of the city (%s)", strings.Join(pl.city.Languages, ", "))
	case strings.HasPrefix(r, "same country"):
		return fmt.Sprintf("from the city's own country (%s)", pl.city.Country)
	case strings.HasPrefix(r, "same city"):
		return "from the city itself"
	case strings.HasPrefix(r, "expert is paused"):
		return "paused"
	case strings.HasPrefix(r, "no capacity left"), strings.HasPrefix(r, "expert takes no engagement"):
		return "no capacity left"
	case strings.HasPrefix(r, "expert does not volunteer"):
		return "not volunteering for peer review"
	case strings.HasPrefix(r, "expert not available"):
		return "not available in the period"
	case strings.HasPrefix(r, "excluded by the secretariat"):
		return "excluded by the secretariat"
	}
	return head
}
