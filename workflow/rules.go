package workflow

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// The rules a proposal is assembled under are domain values: a panel's size,
// quotas and limits, a team's skills and period, a pairing's partner. A proposal
// keeps them (profiles.Proposal.Rules holds their JSON) and every edit and
// replacement is checked against them again. Their JSON is the form proposals
// have always stored, so rules stored before this type existed decode as they
// are; decoding is tolerant of fields it does not know (decodeRules).

// Panel and team limits.
const (
	DefaultPanelSize = 5
	MinPanelSize     = 2
	MaxPanelSize     = 10
	DefaultTeamMin   = 2
	DefaultTeamMax   = 4
	MaxTeamSize      = 6
	MaxSkills        = 12
	MaxReasonLen     = 500
	MaxListed        = 50 // pinned or excluded experts in one proposal's rules
)

// RoleQuota asks for at least Min members whose role is one of Roles.
type RoleQuota struct {
	Roles []string `json:"roles"`
	Min   int      `json:"min"`
}

// Exclusion keeps an expert off a proposal, with the reason (a conflict of
// interest, for one).
type Exclusion struct {
	ExpertID string `json:"expert_id"`
	Reason   string `json:"reason,omitempty"`
}

// PanelRules are the rules of a review panel.
type PanelRules struct {
	// Size is the number of seats; DefaultPanelSize when nil.
	Size              *int        `json:"size,omitempty"`
	RoleQuotas        []RoleQuota `json:"role_quotas,omitempty"`
	MaxPerRegion      int         `json:"max_per_region,omitempty"`
	MaxPerCountry     int         `json:"max_per_country,omitempty"`
	MinOtherCountries int         `json:"min_other_countries,omitempty"`
	AllowHomeCountry  bool        `json:"allow_home_country,omitempty"`
	CommonLanguage    bool        `json:"common_language,omitempty"`
	Pinned            []string    `json:"pinned,omitempty"`
	Excluded          []Exclusion `json:"excluded,omitempty"`
}

// SizeOrDefault is the panel's number of seats.
func (r PanelRules) SizeOrDefault() int {
	if r.Size == nil {
		return DefaultPanelSize
	}
	return *r.Size
}

// TeamRules are the rules of a tutoring team.
type TeamRules struct {
	// StrategicResult is what the tutoring is for; the challenge's own when
	// empty.
	StrategicResult string `json:"strategic_result,omitempty"`
	// Skills are the skills the team must cover; derived from the challenge
	// when empty.
	Skills   []string            `json:"skills,omitempty"`
	MinSize  *int                `json:"min_size,omitempty"`
	MaxSize  *int                `json:"max_size,omitempty"`
	Period   *profiles.Timeframe `json:"period,omitempty"`
	Pinned   []string            `json:"pinned,omitempty"`
	Excluded []Exclusion         `json:"excluded,omitempty"`
}

// PairingRules are the rules of an exchange pairing: the partner city, the best
// suggested one when empty.
type PairingRules struct {
	PartnerCityID string `json:"partner_city_id,omitempty"`
}

// decodeRules reads the stored rules of a proposal into v. Fields it does not
// know are ignored, so that rules stored by an earlier or later version read.
func decodeRules(p profiles.Proposal, v any) error {
	if len(p.Rules) == 0 {
		return nil
	}
	if err := json.Unmarshal(p.Rules, v); err != nil {
		return fmt.Errorf("proposal %s rules: %w", p.ID, err)
	}
	return nil
}

// normalize checks panel rules, prefix naming where they sit ("" for a panel,
// "challenges[3]." in a round), and fills in the default size.
func (r *PanelRules) normalize(fe *fieldErrors, prefix string) {
	if r.Size == nil {
		n := DefaultPanelSize
		r.Size = &n
	}
	size := *r.Size
	if size < MinPanelSize || size > MaxPanelSize {
		fe.add(prefix+"size", "must be between %d and %d, not %d", MinPanelSize, MaxPanelSize, size)
	}
	total := 0
	for i, q := range r.RoleQuotas {
		f := fmt.Sprintf("%srole_quotas[%d]", prefix, i)
		if len(q.Roles) == 0 {
			fe.add(f+".roles", "name at least one role (%s)", strings.Join(profiles.Roles, ", "))
		}
		for j, role := range q.Roles {
			if !slices.Contains(profiles.Roles, role) {
				fe.add(fmt.Sprintf("%s.roles[%d]", f, j), "unknown role %q (one of %s)", role, strings.Join(profiles.Roles, ", "))
			}
		}
		if q.Min < 1 || q.Min > MaxPanelSize {
			fe.add(f+".min", "must be between 1 and the panel size, not %d", q.Min)
		}
		total += q.Min
	}
	if total > size && size >= MinPanelSize {
		fe.add(prefix+"role_quotas", "the quotas ask for %d members, more than the panel size %d", total, size)
	}
	for _, c := range []struct {
		name string
		v    int
	}{{"max_per_region", r.MaxPerRegion}, {"max_per_country", r.MaxPerCountry}} {
		if c.v < 0 || c.v > MaxPanelSize {
			fe.add(prefix+c.name, "must be between 0 (no limit) and %d, not %d", MaxPanelSize, c.v)
		}
	}
	if r.MinOtherCountries < 0 || r.MinOtherCountries > size {
		fe.add(prefix+"min_other_countries", "must be between 0 and the panel size %d, not %d", size, r.MinOtherCountries)
	}
	checkIDs(fe, prefix+"pinned", r.Pinned)
	if len(r.Pinned) > size {
		fe.add(prefix+"pinned", "%d experts pinned on a panel of %d", len(r.Pinned), size)
	}
	checkExclusions(fe, prefix+"excluded", r.Excluded, r.Pinned)
}

// clone copies the rules' lists, so that a round's defaults are not shared.
func (r PanelRules) clone() PanelRules {
	r.RoleQuotas = slices.Clone(r.RoleQuotas)
	r.Pinned = slices.Clone(r.Pinned)
	r.Excluded = slices.Clone(r.Excluded)
	if r.Size != nil {
		n := *r.Size
		r.Size = &n
	}
	return r
}

// checkIDs checks a list of expert IDs: bounded, no blanks, no repeats.
func checkIDs(fe *fieldErrors, field string, ids []string) {
	if len(ids) > MaxListed {
		fe.add(field, "at most %d experts, not %d", MaxListed, len(ids))
	}
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			fe.add(fmt.Sprintf("%s[%d]", field, i), "must be an expert ID")
		case seen[id]:
			fe.add(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice", id)
		}
		seen[id] = true
	}
}

func checkExclusions(fe *fieldErrors, field string, xs []Exclusion, pinned []string) {
	if len(xs) > MaxListed {
		fe.add(field, "at most %d experts, not %d", MaxListed, len(xs))
	}
	for i, x := range xs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if strings.TrimSpace(x.ExpertID) == "" {
			fe.add(f+".expert_id", "must be an expert ID")
		}
		if slices.Contains(pinned, x.ExpertID) {
			fe.add(f+".expert_id", "%s is both pinned and excluded", x.ExpertID)
		}
		if len([]rune(x.Reason)) > MaxReasonLen {
			fe.add(f+".reason", "at most %d characters", MaxReasonLen)
		}
	}
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func validDate(s string) bool {
	if !dateRE.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// normalize checks team rules and fills in the default sizes.
func (r *TeamRules) normalize(fe *fieldErrors) {
	if r.MinSize == nil {
		n := DefaultTeamMin
		r.MinSize = &n
	}
	if r.MaxSize == nil {
		n := max(DefaultTeamMax, *r.MinSize)
		r.MaxSize = &n
	}
	if *r.MinSize < 1 || *r.MinSize > MaxTeamSize {
		fe.add("min_size", "must be between 1 and %d, not %d", MaxTeamSize, *r.MinSize)
	}
	if *r.MaxSize < 1 || *r.MaxSize > MaxTeamSize {
		fe.add("max_size", "must be between 1 and %d, not %d", MaxTeamSize, *r.MaxSize)
	} else if *r.MaxSize < *r.MinSize {
		fe.add("max_size", "must be at least min_size (%d), not %d", *r.MinSize, *r.MaxSize)
	}
	if len([]rune(r.StrategicResult)) > 4000 {
		fe.add("strategic_result", "at most 4000 characters")
	}
	if len(r.Skills) > MaxSkills {
		fe.add("skills", "at most %d skills, not %d", MaxSkills, len(r.Skills))
	}
	seen := map[string]bool{}
	for i, sk := range r.Skills {
		sk = strings.TrimSpace(sk)
		r.Skills[i] = sk
		switch {
		case sk == "":
			fe.add(fmt.Sprintf("skills[%d]", i), "must not be empty")
		case len([]rune(sk)) > 200:
			fe.add(fmt.Sprintf("skills[%d]", i), "at most 200 characters")
		case seen[strings.ToLower(sk)]:
			fe.add(fmt.Sprintf("skills[%d]", i), "%q is listed twice", sk)
		}
		seen[strings.ToLower(sk)] = true
	}
	if r.Period != nil {
		if r.Period.From != "" && !validDate(r.Period.From) {
			fe.add("period.from", "must be a date such as 2027-01-31, not %q", r.Period.From)
		}
		if r.Period.Until != "" && !validDate(r.Period.Until) {
			fe.add("period.until", "must be a date such as 2027-12-31, not %q", r.Period.Until)
		}
		if validDate(r.Period.From) && validDate(r.Period.Until) && r.Period.Until < r.Period.From {
			fe.add("period.until", "ends before the period starts (%s)", r.Period.From)
		}
	}
	checkIDs(fe, "pinned", r.Pinned)
	if len(r.Pinned) > *r.MaxSize {
		fe.add("pinned", "%d experts pinned on a team of at most %d", len(r.Pinned), *r.MaxSize)
	}
	checkExclusions(fe, "excluded", r.Excluded, r.Pinned)
}

// assemblyPanel converts panel rules into the assembly's rules for the
// challenge's city.
func (r PanelRules) assembly(city profiles.City) assembly.PanelRules {
	out := assembly.PanelRules{
		Size: r.SizeOrDefault(), MaxPerRegion: r.MaxPerRegion, MaxPerCountry: r.MaxPerCountry,
		MinOtherCountries: r.MinOtherCountries, CityID: city.ID, CityCountry: city.Country,
		AllowHomeCountry: r.AllowHomeCountry, CityLanguages: city.Languages, CommonLanguage: r.CommonLanguage,
		Pinned: r.Pinned,
	}
	for _, q := range r.RoleQuotas {
		out.RoleQuotas = append(out.RoleQuotas, assembly.RoleQuota{Roles: q.Roles, Min: q.Min})
	}
	for _, x := range r.Excluded {
		out.Excluded = append(out.Excluded, x.ExpertID)
	}
	return out
}

// assembly converts team rules into the assembly's rules.
func (r TeamRules) assembly(city profiles.City) assembly.TeamRules {
	lo, hi := DefaultTeamMin, DefaultTeamMax
	if r.MinSize != nil {
		lo = *r.MinSize
	}
	if r.MaxSize != nil {
		hi = *r.MaxSize
	}
	out := assembly.TeamRules{MinSize: lo, MaxSize: max(lo, hi), Skills: r.Skills, CityID: city.ID,
		CityCountry: city.Country, CityLanguages: city.Languages, LeadSeniority: "leadership", Pinned: r.Pinned}
	for _, x := range r.Excluded {
		out.Excluded = append(out.Excluded, x.ExpertID)
	}
	return out
}

// exclusionMap gives the reason of each excluded expert.
func exclusionMap(xs []Exclusion) map[string]string {
	m := make(map[string]string, len(xs))
	for _, x := range xs {
		m[x.ExpertID] = x.Reason
	}
	return m
}

func exclusionsOf(xs []Exclusion) []profiles.Exclusion {
	out := make([]profiles.Exclusion, 0, len(xs))
	for _, x := range xs {
		out = append(out, profiles.Exclusion{ExpertID: x.ExpertID, Reason: x.Reason})
	}
	return out
}
