package assembly

import (
	"errors"
	"fmt"
)

// Candidate is an expert as the assembly sees them for one challenge: the
// fit score computed upstream by the match index and the attributes the
// hard rules look at.
type Candidate struct {
	ID        string
	Score     float64  // fit to the challenge, >= 0, higher is better
	Role      string   // mayor, elected_official, public_service_manager, technical_officer, academic, consultant, other
	Seniority string   // junior, senior, leadership ("" unknown)
	CityID    string   // "" when not affiliated
	Country   string   // ISO alpha-2; "" unknown (a country of its own for the caps, never an "other country")
	Region    string   // "" unknown (a region of its own for the caps)
	Languages []string // ISO 639-1
	// Covers lists the required skills (as given in TeamRules.Skills)
	// this candidate covers; teams only.
	Covers []string
	// CapacityLeft is how many engagements the expert can still take;
	// <= 0 means none. In a round it bounds the number of panels the
	// expert sits on.
	CapacityLeft int
	Unavailable  bool   // not available in the period (hard rule)
	Paused       bool   // hard rule
	Declined     bool   // declined this challenge before (hard rule)
	Excluded     string // non-empty: kept out upstream, with this reason (hard rule)
}

// RoleQuota asks for at least Min members whose Role is one of Roles.
type RoleQuota struct {
	Roles []string
	Min   int
}

// PanelRules are the hard rules of one review panel. Every panel the
// package returns meets all of them.
type PanelRules struct {
	Size              int // 2..10
	RoleQuotas        []RoleQuota
	MaxPerRegion      int // 0: no limit
	MaxPerCountry     int // 0: no limit
	MinOtherCountries int // at least this many distinct member countries other than CityCountry
	CityID            string
	CityCountry       string // nobody from it unless AllowHomeCountry
	AllowHomeCountry  bool
	CityLanguages     []string // every member speaks at least one of them (no rule when empty)
	// CommonLanguage additionally asks for one language spoken by every
	// member. It may be any language; among equally good panels one
	// sharing a city language is preferred (Panel.Language says which).
	CommonLanguage bool
	Pinned         []string // must be on the panel
	Excluded       []string // never on the panel
}

// Panel is an optimal panel: the members maximise Objective under the
// rules.
type Panel struct {
	Members []Seat // best score first
	// Alternates holds, for each member that is not pinned, the best
	// non-member who could take that seat with every rule still met
	// (fewer when nobody can), best Objective first.
	Alternates []Alternate
	Objective  float64 // sum of member scores, the quantity maximised
	Language   string  // the language every member speaks, when CommonLanguage
}

// Seat is one member of a panel or round panel.
type Seat struct {
	ID    string
	Score float64
}

// Alternate is a non-member who could replace the member For with every
// rule still met; Objective is the panel's objective after that swap.
type Alternate struct {
	ID        string
	Score     float64
	For       string
	Objective float64
}

// The rule kinds of a Violation and of Infeasible.Kind. The HTTP layer may
// switch on them; the texts meant for people are in the details.
const (
	RuleSize           = "size"
	RuleRoleQuota      = "role quota"
	RuleMaxPerRegion   = "max per region"
	RuleMaxPerCountry  = "max per country"
	RuleOtherCountries = "other countries"
	RuleCommonLanguage = "common language"
	RulePinned         = "pinned"
	RuleUnknown        = "unknown expert"
	RuleDuplicate      = "duplicate"
	RuleSkill          = "skill"
	RuleLead           = "lead"
	RuleTogether       = "rules together"
	RuleRoundCapacity  = "round capacity"
	RuleRules          = "rules"
	// The per-candidate rules (see Eligible).
	RuleExcluded     = "excluded"
	RuleScore        = "score"
	RuleCity         = "reviewed city"
	RuleHomeCountry  = "reviewed country"
	RulePaused       = "paused"
	RuleUnavailable  = "unavailable"
	RuleDeclined     = "declined"
	RuleCapacity     = "capacity"
	RuleCityLanguage = "city language"
)

// Violation is one broken rule of a member list (see CheckPanel).
// ExpertID names the member concerned, when the rule is about one.
type Violation struct {
	Rule     string // one of the Rule… kinds
	ExpertID string
	Detail   string // human-readable
}

// Infeasible explains why no panel or team satisfies the rules, with
// numbers. Error() is one line, "<Rule>: <Reason>", or "<Rule>: N required,
// M eligible" when Reason is empty, for instance
//
//	role quota mayor or elected_official: 1 required, 0 eligible
//	countries other than SN: 3 required, 2 available among eligible experts
//	pinned expert X: from the reviewed city
//
// Detail is a second line on how the pool was narrowed ("12 candidates not
// eligible: 5 from the reviewed country, 4 without a city language, 3 at
// capacity"); it is not part of Error().
type Infeasible struct {
	Rule     string // the rule as people name it: "size", "role quota mayor", "pinned expert X", …
	Required int
	Eligible int
	Detail   string
	Kind     string // one of the Rule… kinds, for programs
	Reason   string // when set, Error() reads "Rule: Reason"
	// Subject is what the rule names, for programs that word it
	// themselves: the expert of a pinned expert's rule, the roles of a
	// quota (comma-separated), the skills no candidate covers.
	Subject string
	// Because is, for a pinned expert who cannot sit, the Rule… kind of the
	// first rule they break (RuleUnknown when they are no candidate).
	Because string
}

// Error reads "<Rule>: <Reason>" or "<Rule>: N required, M eligible".
func (e *Infeasible) Error() string {
	if e.Reason != "" {
		return e.Rule + ": " + e.Reason
	}
	return fmt.Sprintf("%s: %d required, %d eligible", e.Rule, e.Required, e.Eligible)
}

// ErrInvalidRules is wrapped by the errors returned for rules that make no
// sense (a size of 12, a negative cap, a quota larger than the panel…),
// as opposed to rules that simply cannot be met (*Infeasible).
var ErrInvalidRules = errors.New("invalid rules")

// ErrInvalidCandidates is wrapped by the errors returned for candidate
// lists that cannot be read: an empty or repeated ID, a score that is not
// a finite number >= 0.
var ErrInvalidCandidates = errors.New("invalid candidates")

// TeamRules are the hard rules of a tutoring team.
type TeamRules struct {
	MinSize, MaxSize int      // 0 means the default, 2 and 4
	Skills           []string // required skills; Candidate.Covers lists which of these a candidate covers
	CityID           string   // nobody from the city (the home country is allowed for tutoring)
	CityCountry      string
	CityLanguages    []string // every member speaks at least one of them (no rule when empty)
	LeadSeniority    string   // e.g. "leadership": at least one member with this seniority leads
	Pinned, Excluded []string
}

// Team is the smallest team covering every skill with a lead; among the
// smallest, the one with the largest Objective.
type Team struct {
	Members    []TeamMember // best score first
	Objective  float64      // sum of scores
	Uncovered  []string     // always empty on success
	Alternates []Alternate  // as for panels: for each member not pinned, best Objective first
}

// TeamMember is one member of a team: the required skills they cover and
// whether they lead it (exactly one member leads when TeamRules.LeadSeniority
// is set: the best-scored member with that seniority).
type TeamMember struct {
	ID     string
	Score  float64
	Covers []string
	Lead   bool
}
