package assembly

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
	"strings"
)

// tcand is an eligible candidate of a team problem.
type tcand struct {
	id    string
	src   int
	score float64
	w     int64
	mask  uint64 // the required skills covered
	lead  bool
}

// teamProblem is a team problem read once.
type teamProblem struct {
	skills  []string
	all     uint64
	needLed bool
	cands   []tcand // eligible, best score first, then ID
	pinned  []int
	removed [numReasons]int
}

// SolveTeam returns the smallest tutoring team (at least MinSize members)
// that covers every required skill, has a member of LeadSeniority when it
// is set, and keeps every per-candidate hard rule (the reviewed city is
// out; its country is allowed); among the smallest teams, the one with the
// largest Objective, ties broken by score then ID. The search is exact: a
// branch and bound per team size, from the smallest.
//
// It returns an *Infeasible naming the skills nobody eligible covers, the
// missing lead, a pinned expert who cannot be on the team, or the size a
// covering team would need; and an error wrapping ErrInvalidRules or
// ErrInvalidCandidates for input that makes no sense.
func SolveTeam(r TeamRules, cands []Candidate) (Team, error) {
	if r.MinSize == 0 {
		r.MinSize = 2
	}
	if r.MaxSize == 0 {
		r.MaxSize = max(4, r.MinSize)
	}
	tp, err := readTeam(r, cands)
	if err != nil {
		return Team{}, fmt.Errorf("solve team: %w", err)
	}
	detail := removedDetail(tp.removed)
	fail := func(inf *Infeasible) (Team, error) {
		inf.Detail = detail
		return Team{}, inf
	}
	if inf := tp.pinProblem(r, cands); inf != nil {
		return fail(inf)
	}
	var have uint64
	anyLead := false
	for _, c := range tp.cands {
		have |= c.mask
		anyLead = anyLead || c.lead
	}
	if missing := tp.all &^ have; missing != 0 {
		var names, plain []string
		for i, s := range tp.skills {
			if missing&(1<<i) != 0 {
				names = append(names, fmt.Sprintf("%q", s))
				plain = append(plain, s)
			}
		}
		rule, reason := "skill "+names[0], "no eligible candidate covers it"
		if len(names) > 1 {
			rule, reason = "skills "+strings.Join(names, ", "), "no eligible candidate covers them"
		}
		return fail(&Infeasible{Rule: rule, Kind: RuleSkill, Required: 1, Eligible: 0, Reason: reason, Subject: strings.Join(plain, ", ")})
	}
	if tp.needLed && !anyLead {
		return fail(&Infeasible{Rule: "lead", Kind: RuleLead, Required: 1, Eligible: 0,
			Reason: fmt.Sprintf("no eligible candidate has the seniority %q", r.LeadSeniority)})
	}
	if len(tp.cands) < r.MinSize {
		return fail(&Infeasible{Rule: "size", Kind: RuleSize, Required: r.MinSize, Eligible: len(tp.cands)})
	}
	scale := newScale(maxScore(cands), panelUnits)
	for i := range tp.cands {
		tp.cands[i].w = scale.units(tp.cands[i].score)
	}
	from := max(r.MinSize, len(tp.pinned))
	for size := from; size <= r.MaxSize; size++ {
		if members, ok := tp.search(size); ok {
			return tp.team(members), nil
		}
	}
	// No team within MaxSize: how many members it would take.
	for size := r.MaxSize + 1; size <= min(len(tp.cands), len(tp.skills)+1+len(tp.pinned)); size++ {
		if _, ok := tp.search(size); ok {
			return fail(&Infeasible{Rule: "team size", Kind: RuleSize, Required: size, Eligible: r.MaxSize,
				Reason: fmt.Sprintf("covering every skill with a lead takes %d members, at most %d allowed", size, r.MaxSize)})
		}
	}
	return fail(&Infeasible{Rule: "rules together", Kind: RuleTogether, Required: r.MinSize, Eligible: len(tp.cands),
		Reason: "no team of eligible candidates covers every skill with a lead and the pinned experts"})
}

func readTeam(r TeamRules, cands []Candidate) (*teamProblem, error) {
	var problems []string
	if r.MinSize < 1 || r.MaxSize < r.MinSize || r.MaxSize > 10 {
		problems = append(problems, fmt.Sprintf("sizes %d to %d: want 1 <= min <= max <= 10", r.MinSize, r.MaxSize))
	}
	tp := &teamProblem{needLed: strings.TrimSpace(r.LeadSeniority) != ""}
	for _, s := range r.Skills {
		switch {
		case strings.TrimSpace(s) == "":
			problems = append(problems, "an empty skill")
		case !slices.Contains(tp.skills, s):
			tp.skills = append(tp.skills, s)
		}
	}
	if len(tp.skills) > 64 {
		problems = append(problems, fmt.Sprintf("%d skills: at most 64", len(tp.skills)))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidRules, strings.Join(problems, "; "))
	}
	if err := validateCandidates(cands); err != nil {
		return nil, err
	}
	tp.all = uint64(1)<<len(tp.skills) - 1
	if len(tp.skills) == 64 {
		tp.all = ^uint64(0)
	}
	cr := teamCandidateRules(r)
	lead := normRole(r.LeadSeniority)
	for i := range cands {
		c := &cands[i]
		if rs := cr.check(c, false); len(rs) > 0 {
			tp.removed[rs[0]]++
			continue
		}
		tc := tcand{id: c.ID, src: i, score: c.Score, lead: tp.needLed && normRole(c.Seniority) == lead}
		for j, s := range tp.skills {
			if slices.Contains(c.Covers, s) {
				tc.mask |= 1 << j
			}
		}
		tp.cands = append(tp.cands, tc)
	}
	slices.SortFunc(tp.cands, func(a, b tcand) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	return tp, nil
}

// pinProblem finds the pinned experts among the eligible candidates, or
// says why one cannot be on the team.
func (tp *teamProblem) pinProblem(r TeamRules, cands []Candidate) *Infeasible {
	cr := teamCandidateRules(r)
	for _, p := range sortedSet(r.Pinned) {
		i := slices.IndexFunc(tp.cands, func(c tcand) bool { return c.id == p })
		if i >= 0 {
			tp.pinned = append(tp.pinned, i)
			continue
		}
		rule := "pinned expert " + p
		j := slices.IndexFunc(cands, func(c Candidate) bool { return c.ID == p })
		if j < 0 {
			return &Infeasible{Rule: rule, Kind: RulePinned, Required: 1, Reason: "not among the candidates", Subject: p, Because: RuleUnknown}
		}
		rs := cr.check(&cands[j], false)
		return &Infeasible{Rule: rule, Kind: RulePinned, Required: 1, Reason: cr.text(rs[0], &cands[j]), Subject: p, Because: rs[0].kind()}
	}
	if len(tp.pinned) > r.MaxSize {
		return &Infeasible{Rule: "pinned experts", Kind: RulePinned, Required: r.MaxSize, Eligible: len(tp.pinned),
			Reason: fmt.Sprintf("%d pinned, at most %d members", len(tp.pinned), r.MaxSize)}
	}
	return nil
}

// teamSearch is the branch and bound for one team size.
type teamSearch struct {
	tp      *teamProblem
	pool    []int
	pre     []int64
	sufOr   []uint64
	sufLead []bool
	maxBits int
	chosen  []int
	found   bool
	best    int64
	bestSet []int
}

// search returns the best team of exactly size members.
func (tp *teamProblem) search(size int) ([]int, bool) {
	need := size - len(tp.pinned)
	if need < 0 {
		return nil, false
	}
	var covered uint64
	led := !tp.needLed
	sum := int64(0)
	for _, p := range tp.pinned {
		covered |= tp.cands[p].mask
		led = led || tp.cands[p].lead
		sum += tp.cands[p].w
	}
	s := &teamSearch{tp: tp}
	// Candidates with the same skills and lead status are interchangeable
	// but for the score: the best need of each suffice.
	type class struct {
		mask uint64
		lead bool
	}
	perClass := map[class]int{}
	for i := range tp.cands {
		c := &tp.cands[i]
		if slices.Contains(tp.pinned, i) {
			continue
		}
		k := class{c.mask, c.lead}
		if perClass[k] < need {
			perClass[k]++
			s.pool = append(s.pool, i)
		}
	}
	n := len(s.pool)
	if n < need {
		return nil, false
	}
	s.pre = make([]int64, n+1)
	s.sufOr = make([]uint64, n+1)
	s.sufLead = make([]bool, n+1)
	for k, i := range s.pool {
		s.pre[k+1] = s.pre[k] + tp.cands[i].w
		s.maxBits = max(s.maxBits, bits.OnesCount64(tp.cands[i].mask))
	}
	for k := n - 1; k >= 0; k-- {
		c := &tp.cands[s.pool[k]]
		s.sufOr[k] = s.sufOr[k+1] | c.mask
		s.sufLead[k] = s.sufLead[k+1] || c.lead
	}
	s.dfs(0, need, covered, led, sum)
	if !s.found {
		return nil, false
	}
	return append(slices.Clone(tp.pinned), s.bestSet...), true
}

func (s *teamSearch) dfs(pos, need int, covered uint64, led bool, sum int64) {
	tp := s.tp
	missing := tp.all &^ covered
	if need == 0 {
		if missing == 0 && led && (!s.found || sum > s.best) {
			s.found, s.best = true, sum
			s.bestSet = append(s.bestSet[:0], s.chosen...)
		}
		return
	}
	if bits.OnesCount64(missing) > need*s.maxBits {
		return
	}
	n := len(s.pool)
	var closed []uint64 // masks tried at this level (with their lead flag in the top bit)
	for k := pos; k+need <= n; k++ {
		if s.found && sum+s.pre[k+need]-s.pre[k] <= s.best {
			break
		}
		if s.sufOr[k]&missing != missing || (!led && !s.sufLead[k]) {
			break
		}
		i := s.pool[k]
		c := &tp.cands[i]
		key := c.mask
		if c.lead {
			key |= 1 << 63
		}
		// A lesser candidate of a class already tried is dominated.
		if slices.Contains(closed, key) && bits.Len64(tp.all) < 64 {
			continue
		}
		if need == 1 && (missing&^c.mask != 0 || (!led && !c.lead)) {
			continue
		}
		s.chosen = append(s.chosen, i)
		s.dfs(k+1, need-1, covered|c.mask, led || c.lead, sum+c.w)
		s.chosen = s.chosen[:len(s.chosen)-1]
		closed = append(closed, key)
	}
}

// valid says whether members cover every skill with a lead.
func (tp *teamProblem) valid(members []int) bool {
	var covered uint64
	led := !tp.needLed
	for _, i := range members {
		covered |= tp.cands[i].mask
		led = led || tp.cands[i].lead
	}
	return covered == tp.all && led
}

func (tp *teamProblem) team(members []int) Team {
	t := Team{Uncovered: []string{}}
	leadAt := -1
	slices.SortFunc(members, func(a, b int) int { return cmp.Compare(a, b) }) // best score first
	for k, i := range members {
		c := &tp.cands[i]
		m := TeamMember{ID: c.id, Score: c.score}
		for j, s := range tp.skills {
			if c.mask&(1<<j) != 0 {
				m.Covers = append(m.Covers, s)
			}
		}
		if c.lead && leadAt < 0 {
			leadAt, m.Lead = k, true
		}
		t.Members = append(t.Members, m)
		t.Objective += c.score
	}
	// Alternates: for each member not pinned, the best non-member whose
	// swap keeps every skill covered and a lead.
	trial := make([]int, len(members))
	for k, mem := range members {
		if slices.Contains(tp.pinned, mem) {
			continue
		}
		for i := range tp.cands {
			if slices.Contains(members, i) {
				continue
			}
			copy(trial, members)
			trial[k] = i
			if tp.valid(trial) {
				c := &tp.cands[i]
				t.Alternates = append(t.Alternates, Alternate{ID: c.id, Score: c.score, For: tp.cands[mem].id,
					Objective: t.Objective - tp.cands[mem].score + c.score})
				break
			}
		}
	}
	slices.SortFunc(t.Alternates, func(a, b Alternate) int {
		if c := cmp.Compare(b.Objective, a.Objective); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.For, b.For)
	})
	return t
}
