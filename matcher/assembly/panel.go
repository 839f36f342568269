package assembly

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// panelUnits is the resolution of SolvePanel: the best score is 2^40 units
// at most, so that panels whose objectives differ by less than about
// 1e-12 of the best score count as ties (broken by ID).
const panelUnits = 1 << 40

// SolvePanel returns the panel with the largest Objective among those that
// meet every rule of r: the exact optimum, found by branch and bound over
// the eligible candidates (see the package documentation). Among equally
// good panels the choice is deterministic: better-scored candidates, then
// smaller IDs, come first.
//
// It returns an *Infeasible naming the first rule that cannot be met, with
// numbers, when no panel exists, and an error wrapping ErrInvalidRules or
// ErrInvalidCandidates for input that makes no sense.
func SolvePanel(r PanelRules, cands []Candidate) (Panel, error) {
	m, err := buildModel(r, cands, newScale(maxScore(cands), panelUnits))
	if err != nil {
		return Panel{}, fmt.Errorf("solve panel: %w", err)
	}
	if m.pinErr != nil {
		inf := *m.pinErr
		inf.Detail = removedDetail(m.removed)
		return Panel{}, &inf
	}
	ch := newSearcher(m).solve(&query{minW: noMin})
	if !ch.ok {
		return Panel{}, m.diagnose()
	}
	p := Panel{Members: m.seats(ch.members)}
	for _, s := range p.Members {
		p.Objective += s.Score
	}
	if ch.lang >= 0 {
		p.Language = m.langNames[ch.lang]
	}
	p.Alternates = m.alternates(ch.members, p.Objective)
	// A guard, not a check of the search: a panel that breaks a rule is
	// never returned.
	if vs := CheckPanel(r, cands, seatIDs(p.Members)); len(vs) > 0 {
		return Panel{}, fmt.Errorf("solve panel: internal error: the panel breaks %s: %s", vs[0].Rule, vs[0].Detail)
	}
	return p, nil
}

func maxScore(cands []Candidate) float64 {
	best := 0.0
	for i := range cands {
		if s := cands[i].Score; validScore(s) && s > best {
			best = s
		}
	}
	return best
}

func seatIDs(seats []Seat) []string {
	ids := make([]string, len(seats))
	for i, s := range seats {
		ids[i] = s.ID
	}
	return ids
}

// seats lists members best score first, then by ID.
func (m *model) seats(members []int) []Seat {
	out := make([]Seat, len(members))
	for k, i := range members {
		out[k] = Seat{ID: m.cands[i].id, Score: m.cands[i].score}
	}
	sortSeats(out)
	return out
}

func sortSeats(s []Seat) {
	slices.SortFunc(s, func(a, b Seat) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// alternates finds, for each member not pinned, the best-scored non-member
// who could take the seat with every rule still met.
func (m *model) alternates(members []int, objective float64) []Alternate {
	var out []Alternate
	trial := make([]int, len(members))
	for k, mem := range members {
		if slices.Contains(m.pinned, mem) {
			continue
		}
		for i := range m.cands {
			if slices.Contains(members, i) {
				continue
			}
			copy(trial, members)
			trial[k] = i
			if _, ok := m.meets(trial); ok {
				c := &m.cands[i]
				out = append(out, Alternate{ID: c.id, Score: c.score, For: m.cands[mem].id,
					Objective: objective - m.cands[mem].score + c.score})
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b Alternate) int {
		if c := cmp.Compare(b.Objective, a.Objective); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ID, b.ID); c != 0 {
			return c
		}
		return cmp.Compare(a.For, b.For)
	})
	return out
}

// diagnose explains why the model has no panel: the first rule that the
// eligible pool cannot meet on its own, else the rules that conflict.
func (m *model) diagnose() *Infeasible {
	inf := m.diagnoseRule()
	inf.Detail = removedDetail(m.removed)
	return inf
}

func (m *model) diagnoseRule() *Infeasible {
	if m.pinErr != nil {
		inf := *m.pinErr
		return &inf
	}
	n := len(m.cands)
	if inf := m.diagnosePinned(); inf != nil {
		return inf
	}
	if n < m.size {
		return &Infeasible{Rule: "size", Kind: RuleSize, Required: m.size, Eligible: n}
	}
	for j, qmin := range m.quotaMin {
		cnt := 0
		for i := range m.cands {
			if m.cands[i].sig&(1<<j) != 0 {
				cnt++
			}
		}
		if cnt < qmin {
			return &Infeasible{Rule: "role quota " + m.quotaName[j], Kind: RuleRoleQuota, Required: qmin, Eligible: cnt,
				Subject: m.quotaList[j]}
		}
	}
	if m.minOther > 0 {
		others := 0
		for c := range m.countryNames {
			if m.isOther(int32(c)) {
				others++
			}
		}
		if others < m.minOther {
			return &Infeasible{Rule: m.otherCountriesName(), Kind: RuleOtherCountries, Required: m.minOther, Eligible: others,
				Reason: fmt.Sprintf("%d required, %d available among eligible experts", m.minOther, others)}
		}
	}
	if m.maxCountry > 0 || m.maxRegion > 0 {
		perCountry := make([]int, len(m.countryNames))
		capped := make(map[[2]int32]int) // (region, country) -> eligible experts
		for i := range m.cands {
			perCountry[m.cands[i].country]++
			capped[[2]int32{m.cands[i].region, m.cands[i].country}]++
		}
		fillC := 0
		for _, k := range perCountry {
			if m.maxCountry > 0 {
				k = min(k, m.maxCountry)
			}
			fillC += k
		}
		if fillC < m.size {
			return &Infeasible{Rule: "max per country", Kind: RuleMaxPerCountry, Required: m.size, Eligible: fillC,
				Reason: fmt.Sprintf("%d required, %d seats can be filled with at most %d per country (eligible experts come from %d countries)",
					m.size, fillC, m.maxCountry, len(m.countryNames))}
		}
		// Fill the regions with the countries' capped counts.
		perRegion := map[int32]int{}
		for key, k := range capped {
			if m.maxCountry > 0 {
				k = min(k, m.maxCountry)
			}
			perRegion[key[0]] += k
		}
		fillR := 0
		for _, k := range perRegion {
			if m.maxRegion > 0 {
				k = min(k, m.maxRegion)
			}
			fillR += k
		}
		if fillR < m.size {
			return &Infeasible{Rule: "max per region", Kind: RuleMaxPerRegion, Required: m.size, Eligible: fillR,
				Reason: fmt.Sprintf("%d required, %d seats can be filled with at most %d per region (eligible experts come from %d regions)",
					m.size, fillR, m.maxRegion, len(perRegion))}
		}
	}
	if m.commonLang {
		best := 0
		for l := range m.langNames {
			k := 0
			for i := range m.cands {
				if m.speaks(i, int32(l)) {
					k++
				}
			}
			best = max(best, k)
		}
		if best < m.size {
			return &Infeasible{Rule: "common language", Kind: RuleCommonLanguage, Required: m.size, Eligible: best,
				Reason: fmt.Sprintf("%d required, at most %d eligible experts share a language", m.size, best)}
		}
	}
	return m.diagnoseTogether()
}

func (m *model) otherCountriesName() string {
	if m.home >= 0 || m.rules.CityCountry != "" {
		return "countries other than " + normCountry(m.rules.CityCountry)
	}
	return "distinct countries"
}

// diagnosePinned checks the pinned experts alone against the caps and the
// common language.
func (m *model) diagnosePinned() *Infeasible {
	if len(m.pinned) < 2 {
		return nil
	}
	perC, perR := map[int32]int{}, map[int32]int{}
	for _, p := range m.pinned {
		c := &m.cands[p]
		perC[c.country]++
		perR[c.region]++
		if m.maxCountry > 0 && perC[c.country] > m.maxCountry {
			name := m.countryNames[c.country]
			if name == "" {
				name = "an unknown country"
			}
			return &Infeasible{Rule: "pinned experts", Kind: RulePinned, Required: m.maxCountry, Eligible: perC[c.country],
				Reason: fmt.Sprintf("%d from %s, at most %d per country", perC[c.country], name, m.maxCountry)}
		}
		if m.maxRegion > 0 && perR[c.region] > m.maxRegion {
			return &Infeasible{Rule: "pinned experts", Kind: RulePinned, Required: m.maxRegion, Eligible: perR[c.region],
				Reason: fmt.Sprintf("%d from one region, at most %d per region", perR[c.region], m.maxRegion)}
		}
	}
	if m.commonLang && len(newSearcher(m).languages(m.pinned)) == 0 {
		return &Infeasible{Rule: "pinned experts", Kind: RulePinned, Required: 1,
			Reason: "no language is spoken by all of them"}
	}
	return nil
}

// diagnoseTogether names the rules in play when each rule alone can be met
// but not all at once: the rules whose removal alone makes a panel
// possible, or every rule set when no single one does.
func (m *model) diagnoseTogether() *Infeasible {
	type relax struct {
		name string
		on   bool
		off  func(*model)
	}
	var rs []relax
	for j := range m.quotaMin {
		rs = append(rs, relax{"role quota " + m.quotaName[j], true, func(c *model) {
			c.quotaMin = slices.Clone(c.quotaMin)
			c.quotaMin[j] = 0
		}})
	}
	rs = append(rs,
		relax{fmt.Sprintf("at most %d per country", m.maxCountry), m.maxCountry > 0, func(c *model) { c.maxCountry = 0 }},
		relax{fmt.Sprintf("at most %d per region", m.maxRegion), m.maxRegion > 0, func(c *model) { c.maxRegion = 0 }},
		relax{fmt.Sprintf("%d %s", m.minOther, m.otherCountriesName()), m.minOther > 0, func(c *model) { c.minOther = 0 }},
		relax{"common language", m.commonLang, func(c *model) { c.commonLang = false }},
		relax{"pinned experts", len(m.pinned) > 0, func(c *model) { c.pinned = nil }},
	)
	var active, culprits []string
	for _, r := range rs {
		if !r.on {
			continue
		}
		active = append(active, r.name)
		c := *m
		r.off(&c)
		if newSearcher(&c).solve(&query{minW: noMin}).ok {
			culprits = append(culprits, r.name)
		}
	}
	reason := fmt.Sprintf("no panel of %d among %d eligible experts meets %s at once", m.size, len(m.cands), joinAnd(active))
	if len(culprits) > 0 && len(culprits) < len(active) {
		reason += fmt.Sprintf(" (dropping %s alone would allow one)", joinOr(culprits))
	}
	return &Infeasible{Rule: "rules together", Kind: RuleTogether, Required: m.size, Eligible: len(m.cands), Reason: reason}
}

func joinAnd(s []string) string { return joinWith(s, " and ") }
func joinOr(s []string) string  { return joinWith(s, " or ") }

func joinWith(s []string, last string) string {
	switch len(s) {
	case 0:
		return "the size"
	case 1:
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + last + s[len(s)-1]
}
