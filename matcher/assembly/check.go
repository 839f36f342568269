package assembly

import (
	"fmt"
	"slices"
)

// CheckPanel lists every rule of r that the member list breaks, for the
// secretariat's edits (swap, pin, exclude): unknown or repeated members,
// each member's per-candidate rules (see Eligible), the size, each role
// quota, the caps per country and per region, the other countries, the
// common language and the pinned experts missing. It is written
// independently of the solver, in the plainest way. An empty result means
// the panel is valid. Invalid rules give one violation of kind RuleRules.
func CheckPanel(r PanelRules, cands []Candidate, members []string) []Violation {
	if err := validatePanelRules(r); err != nil {
		return []Violation{{Rule: RuleRules, Detail: err.Error()}}
	}
	var vs []Violation
	add := func(rule, id, format string, args ...any) {
		vs = append(vs, Violation{Rule: rule, ExpertID: id, Detail: fmt.Sprintf(format, args...)})
	}
	byID := make(map[string]*Candidate, len(cands))
	for i := range cands {
		if _, dup := byID[cands[i].ID]; !dup {
			byID[cands[i].ID] = &cands[i]
		}
	}
	cr := panelCandidateRules(r)
	var panel []*Candidate
	var seen []string
	for _, id := range members {
		if slices.Contains(seen, id) {
			add(RuleDuplicate, id, "%s is on the panel twice", id)
			continue
		}
		seen = append(seen, id)
		c, ok := byID[id]
		if !ok {
			add(RuleUnknown, id, "%s is not among the candidates", id)
			continue
		}
		for _, rs := range cr.check(c, true) {
			add(rs.kind(), id, "%s: %s", id, cr.text(rs, c))
		}
		panel = append(panel, c)
	}
	if len(members) != r.Size {
		add(RuleSize, "", "%d members, the panel has %d seats", len(members), r.Size)
	}
	for _, q := range r.RoleQuotas {
		roles := normRoles(q.Roles)
		n := 0
		for _, c := range panel {
			if slices.Contains(roles, normRole(c.Role)) {
				n++
			}
		}
		if n < q.Min {
			add(RuleRoleQuota, "", "role quota %s: %d required, %d on the panel", quotaName(q), q.Min, n)
		}
	}
	countries := map[string]int{}
	regions := map[string]int{}
	var order, regionOrder []string
	for _, c := range panel {
		k, g := normCountry(c.Country), normRegion(c.Region)
		if countries[k] == 0 {
			order = append(order, k)
		}
		if regions[g] == 0 {
			regionOrder = append(regionOrder, g)
		}
		countries[k]++
		regions[g]++
	}
	if r.MaxPerCountry > 0 {
		for _, k := range order {
			if countries[k] > r.MaxPerCountry {
				add(RuleMaxPerCountry, "", "%d members from %s, at most %d per country", countries[k], orUnknown(k, "an unknown country"), r.MaxPerCountry)
			}
		}
	}
	if r.MaxPerRegion > 0 {
		for _, g := range regionOrder {
			if regions[g] > r.MaxPerRegion {
				add(RuleMaxPerRegion, "", "%d members from %s, at most %d per region", regions[g], orUnknown(g, "an unknown region"), r.MaxPerRegion)
			}
		}
	}
	if r.MinOtherCountries > 0 {
		home := normCountry(r.CityCountry)
		others := 0
		for _, k := range order {
			if k != "" && k != home {
				others++
			}
		}
		if others < r.MinOtherCountries {
			name := "distinct countries"
			if home != "" {
				name = "countries other than " + home
			}
			add(RuleOtherCountries, "", "%s: %d required, %d on the panel", name, r.MinOtherCountries, others)
		}
	}
	if r.CommonLanguage && len(panel) > 0 && commonLanguage(panel, normLangs(r.CityLanguages)) == "" {
		add(RuleCommonLanguage, "", "no language is spoken by every member")
	}
	for _, p := range sortedSet(r.Pinned) {
		if !slices.Contains(members, p) {
			add(RulePinned, p, "%s is pinned but not on the panel", p)
		}
	}
	return vs
}

func orUnknown(s, unknown string) string {
	if s == "" {
		return unknown
	}
	return s
}

// commonLanguage returns a language every member speaks, a city language
// when one qualifies, else the first by name; "" when none.
func commonLanguage(panel []*Candidate, cityLangs []string) string {
	shared := normLangs(panel[0].Languages)
	for _, c := range panel[1:] {
		ls := normLangs(c.Languages)
		shared = slices.DeleteFunc(shared, func(l string) bool { return !slices.Contains(ls, l) })
	}
	for _, l := range cityLangs {
		if slices.Contains(shared, l) {
			return l
		}
	}
	slices.Sort(shared)
	if len(shared) == 0 {
		return ""
	}
	return shared[0]
}
