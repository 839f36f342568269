package assembly

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// reason is a per-candidate hard rule a candidate breaks; the order of the
// constants is the order the rules are checked and reported in.
type reason int

const (
	reasonNone reason = iota
	reasonExcludedUpstream
	reasonExcludedHere
	reasonScore
	reasonCity
	reasonHome
	reasonPaused
	reasonUnavailable
	reasonDeclined
	reasonCapacity
	reasonLanguage
	numReasons
)

// kind is the Rule… constant of a reason.
func (r reason) kind() string {
	return [...]string{"", RuleExcluded, RuleExcluded, RuleScore, RuleCity, RuleHomeCountry,
		RulePaused, RuleUnavailable, RuleDeclined, RuleCapacity, RuleCityLanguage}[r]
}

// label is how a count of candidates removed by the rule reads in
// Infeasible.Detail: "5 from the reviewed country".
func (r reason) label() string {
	return [...]string{"", "excluded upstream", "excluded by the rules", "with an invalid score",
		"from the reviewed city", "from the reviewed country", "paused", "unavailable",
		"who declined before", "at capacity", "without a city language"}[r]
}

// candidateRules are the per-candidate hard rules of a panel or a team,
// normalised once.
type candidateRules struct {
	cityID   string
	home     string // normalised country nobody may come from; "" when allowed
	langs    []string
	excluded []string // sorted IDs
	what     string   // "panel" or "team", for messages
}

func panelCandidateRules(r PanelRules) candidateRules {
	cr := candidateRules{cityID: r.CityID, langs: normLangs(r.CityLanguages), excluded: sortedSet(r.Excluded), what: "panel"}
	if !r.AllowHomeCountry {
		cr.home = normCountry(r.CityCountry)
	}
	return cr
}

func teamCandidateRules(r TeamRules) candidateRules {
	return candidateRules{cityID: r.CityID, langs: normLangs(r.CityLanguages), excluded: sortedSet(r.Excluded), what: "team"}
}

// check returns every per-candidate rule c breaks, in reason order.
func (cr *candidateRules) check(c *Candidate, all bool) []reason {
	var out []reason
	add := func(r reason) bool {
		out = append(out, r)
		return !all
	}
	if c.Excluded != "" && add(reasonExcludedUpstream) {
		return out
	}
	if _, ok := slices.BinarySearch(cr.excluded, c.ID); ok && add(reasonExcludedHere) {
		return out
	}
	if !validScore(c.Score) && add(reasonScore) {
		return out
	}
	if cr.cityID != "" && c.CityID == cr.cityID && add(reasonCity) {
		return out
	}
	if cr.home != "" && normCountry(c.Country) == cr.home && add(reasonHome) {
		return out
	}
	if c.Paused && add(reasonPaused) {
		return out
	}
	if c.Unavailable && add(reasonUnavailable) {
		return out
	}
	if c.Declined && add(reasonDeclined) {
		return out
	}
	if c.CapacityLeft <= 0 && add(reasonCapacity) {
		return out
	}
	if len(cr.langs) > 0 && !speaksAny(c.Languages, cr.langs) && add(reasonLanguage) {
		return out
	}
	return out
}

// text is the plain-English reason a candidate breaks rule r.
func (cr *candidateRules) text(r reason, c *Candidate) string {
	switch r {
	case reasonExcludedUpstream:
		return c.Excluded
	case reasonExcludedHere:
		return "excluded from this " + cr.what
	case reasonScore:
		return fmt.Sprintf("invalid score %v", c.Score)
	case reasonCity:
		return "from the reviewed city"
	case reasonHome:
		return "from the reviewed country (" + cr.home + ")"
	case reasonPaused:
		return "paused"
	case reasonUnavailable:
		return "unavailable in the period"
	case reasonDeclined:
		return "declined this challenge before"
	case reasonCapacity:
		return "no capacity left"
	case reasonLanguage:
		return "speaks none of the city's languages (" + strings.Join(cr.langs, ", ") + ")"
	}
	return ""
}

// Eligible applies the per-candidate hard rules of a panel: not excluded
// (upstream or by r.Excluded), a valid score, not from the reviewed city,
// not from the reviewed country unless AllowHomeCountry, not paused,
// available, has not declined, has capacity left, speaks one of the city's
// languages. The reason of the first rule broken is in plain English
// ("from the reviewed city"); ok is true and reason empty otherwise.
func Eligible(r PanelRules, c Candidate) (ok bool, reason string) {
	cr := panelCandidateRules(r)
	if rs := cr.check(&c, false); len(rs) > 0 {
		return false, cr.text(rs[0], &c)
	}
	return true, ""
}

// removedDetail summarises how many candidates each rule removed, most
// first: "12 candidates not eligible: 5 from the reviewed country, 4
// without a city language, 3 at capacity". Empty when none was removed.
func removedDetail(counts [numReasons]int) string {
	total := 0
	var rs []reason
	for r := reasonNone + 1; r < numReasons; r++ {
		if counts[r] > 0 {
			total += counts[r]
			rs = append(rs, r)
		}
	}
	if total == 0 {
		return ""
	}
	sort.SliceStable(rs, func(i, j int) bool { return counts[rs[i]] > counts[rs[j]] })
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%d %s", counts[r], r.label())
	}
	noun := "candidates"
	if total == 1 {
		noun = "candidate"
	}
	return fmt.Sprintf("%d %s not eligible: %s", total, noun, strings.Join(parts, ", "))
}

func validScore(s float64) bool { return s >= 0 && !math.IsInf(s, 1) && !math.IsNaN(s) }

func normCountry(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
func normLang(s string) string    { return strings.ToLower(strings.TrimSpace(s)) }
func normRegion(s string) string  { return strings.ToLower(strings.TrimSpace(s)) }
func normRole(s string) string    { return strings.ToLower(strings.TrimSpace(s)) }

// normLangs normalises, drops empty entries and duplicates, keeping order.
func normLangs(ls []string) []string {
	var out []string
	for _, l := range ls {
		if l = normLang(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func speaksAny(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, normLang(h)) {
			return true
		}
	}
	return false
}

func sortedSet(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// validateCandidates reports an empty or repeated ID and invalid scores.
func validateCandidates(cands []Candidate) error {
	seen := make(map[string]struct{}, len(cands))
	var problems []string
	for i := range cands {
		c := &cands[i]
		switch {
		case c.ID == "":
			problems = append(problems, fmt.Sprintf("candidate %d: empty ID", i))
			continue
		case !validScore(c.Score):
			problems = append(problems, fmt.Sprintf("candidate %s: score %v is not a finite number >= 0", c.ID, c.Score))
		}
		if _, dup := seen[c.ID]; dup {
			problems = append(problems, fmt.Sprintf("candidate %s: listed twice", c.ID))
		}
		seen[c.ID] = struct{}{}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidCandidates, strings.Join(problems, "; "))
	}
	return nil
}

// validatePanelRules collects every problem of r.
func validatePanelRules(r PanelRules) error {
	var problems []string
	if r.Size < 2 || r.Size > 10 {
		problems = append(problems, fmt.Sprintf("size %d: must be 2 to 10", r.Size))
	}
	if len(r.RoleQuotas) > 30 {
		problems = append(problems, fmt.Sprintf("%d role quotas: at most 30", len(r.RoleQuotas)))
	}
	for i, q := range r.RoleQuotas {
		switch {
		case len(normRoles(q.Roles)) == 0:
			problems = append(problems, fmt.Sprintf("role quota %d: no role", i+1))
		case q.Min < 0:
			problems = append(problems, fmt.Sprintf("role quota %s: minimum %d is negative", quotaName(q), q.Min))
		case q.Min > r.Size && r.Size >= 2:
			problems = append(problems, fmt.Sprintf("role quota %s: minimum %d exceeds the panel size %d", quotaName(q), q.Min, r.Size))
		}
	}
	if r.MaxPerRegion < 0 {
		problems = append(problems, fmt.Sprintf("max per region %d: negative", r.MaxPerRegion))
	}
	if r.MaxPerCountry < 0 {
		problems = append(problems, fmt.Sprintf("max per country %d: negative", r.MaxPerCountry))
	}
	if r.MinOtherCountries < 0 || (r.MinOtherCountries > r.Size && r.Size >= 2) {
		problems = append(problems, fmt.Sprintf("min other countries %d: must be 0 to the panel size", r.MinOtherCountries))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidRules, strings.Join(problems, "; "))
	}
	return nil
}

func normRoles(roles []string) []string {
	var out []string
	for _, r := range roles {
		if r = normRole(r); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// quotaName reads "mayor or elected_official".
func quotaName(q RoleQuota) string { return strings.Join(normRoles(q.Roles), " or ") }
