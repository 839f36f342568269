package profiles

import (
	"encoding/json"
	"time"
)

// ProposalKinds are what a proposal assembles: a review panel of experts, a
// tutoring team of experts, or an exchange pairing with a partner city.
var ProposalKinds = []string{"panel", "team", "pairing"}

// The states of a proposal. A proposal is made ("proposed"), edited by the
// secretariat, sent ("invited"), answered by each invitee; it is "accepted"
// once every seat has accepted, "declined" when a seat is declined and no
// alternate is left; it then runs ("active") and ends "completed" or
// "cancelled".
const (
	ProposalProposed  = "proposed"
	ProposalInvited   = "invited"
	ProposalAccepted  = "accepted"
	ProposalDeclined  = "declined"
	ProposalActive    = "active"
	ProposalCompleted = "completed"
	ProposalCancelled = "cancelled"
)

// ProposalStatuses are the states of a proposal, in the order of its life.
var ProposalStatuses = []string{ProposalProposed, ProposalInvited, ProposalAccepted, ProposalDeclined, ProposalActive, ProposalCompleted, ProposalCancelled}

// proposalTransitions are the legal moves of a proposal's status; any other
// answers ErrConflict (409).
var proposalTransitions = map[string][]string{
	ProposalProposed: {ProposalInvited, ProposalCancelled},
	ProposalInvited:  {ProposalAccepted, ProposalDeclined, ProposalCancelled},
	ProposalAccepted: {ProposalActive, ProposalCancelled},
	ProposalDeclined: {},
	ProposalActive:   {ProposalCompleted, ProposalCancelled},
}

// CanMoveProposal reports whether a proposal may go from one status to another.
func CanMoveProposal(from, to string) bool {
	for _, s := range proposalTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// The states of one seat of a proposal. "withdrawn" is a member the
// secretariat swapped out or excluded before sending, or one replaced after
// a decline was answered; withdrawn and declined members stay listed so that
// the proposal keeps its history.
const (
	MemberProposed  = "proposed"
	MemberInvited   = "invited"
	MemberAccepted  = "accepted"
	MemberDeclined  = "declined"
	MemberWithdrawn = "withdrawn"
)

// MemberStatuses are the states of a member.
var MemberStatuses = []string{MemberProposed, MemberInvited, MemberAccepted, MemberDeclined, MemberWithdrawn}

// Proposal is a panel, a team or a pairing the service proposed for one
// challenge, as the secretariat edits and sends it.
type Proposal struct {
	Meta
	Kind        string  `json:"kind"`
	ChallengeID string  `json:"challenge_id"`
	CityID      string  `json:"city_id"` // the city of the challenge
	RoundID     *string `json:"round_id,omitempty"`
	Status      string  `json:"status"`
	// Rules are the rules the proposal was assembled under (a panel's size,
	// quotas and limits; a team's skills and period), as the API decoded
	// them: every edit and every replacement is checked against them again.
	Rules json.RawMessage `json:"rules"`
	// Objective is the sum of the scores of the seated members.
	Objective float64 `json:"objective"`
	// Language is the language common to the whole panel when the rules ask
	// for one.
	Language   string      `json:"language,omitempty"`
	Members    []Member    `json:"members"`
	Alternates []Alternate `json:"alternates"`
	Exclusions []Exclusion `json:"exclusions"`
}

// Member is one seat of a proposal: an expert, or, for a pairing, a partner
// city (PartnerCityID).
type Member struct {
	ExpertID      string `json:"expert_id,omitempty"`
	PartnerCityID string `json:"partner_city_id,omitempty"`
	Status        string `json:"status"`
	Pinned        bool   `json:"pinned,omitempty"`
	// Lead marks the leadership-level member who leads a tutoring team.
	Lead bool `json:"lead,omitempty"`
	// Skills are the required skills this member covers (teams).
	Skills      []string        `json:"skills,omitempty"`
	Score       float64         `json:"score"`
	Explanation json.RawMessage `json:"explanation,omitempty"`
	// Reason is why the member declined or was withdrawn.
	Reason     string     `json:"reason,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// Seated reports whether the member holds a seat: not declined or withdrawn.
func (m Member) Seated() bool { return m.Status != MemberDeclined && m.Status != MemberWithdrawn }

// Alternate is a candidate kept in reserve: the next best for a seat.
type Alternate struct {
	ExpertID      string          `json:"expert_id,omitempty"`
	PartnerCityID string          `json:"partner_city_id,omitempty"`
	Score         float64         `json:"score"`
	Explanation   json.RawMessage `json:"explanation,omitempty"`
	// For is the member this alternate would replace best ("" when it fits
	// any seat).
	For string `json:"for,omitempty"`
}

// Exclusion is an expert the secretariat keeps off a proposal, and why.
type Exclusion struct {
	ExpertID string `json:"expert_id"`
	Reason   string `json:"reason"`
}

// ProposalEvent is one timestamped entry of a proposal's history: a change of
// status, an edit, an answer, a replacement.
type ProposalEvent struct {
	At         time.Time `json:"at"`
	Type       string    `json:"type"` // "status", "edit", "answer", "replacement", "outcome"
	FromStatus string    `json:"from_status,omitempty"`
	ToStatus   string    `json:"to_status,omitempty"`
	ExpertID   string    `json:"expert_id,omitempty"`
	// Other is the second expert of an edit or a replacement (the one who
	// comes in).
	Other  string `json:"other_expert_id,omitempty"`
	Reason string `json:"reason,omitempty"`
	// ObjectiveBefore and ObjectiveAfter say how an edit or a replacement
	// moved the proposal's objective.
	ObjectiveBefore *float64 `json:"objective_before,omitempty"`
	ObjectiveAfter  *float64 `json:"objective_after,omitempty"`
	// Actor is who made the change, when known.
	Actor string `json:"actor,omitempty"`
}

// ProposalFilter selects proposals.
type ProposalFilter struct {
	ChallengeID string
	CityID      string
	ExpertID    string // proposals where the expert holds or held a seat
	// SentToExpertID selects the proposals sent to the expert: a seat of
	// theirs invited, accepted or declined (see SentToExpert).
	SentToExpertID string
	// PartyCityID selects the proposals a city is party to: those of its
	// challenges and the pairings sent to it as the partner.
	PartyCityID string
	RoundID     string
	Kind        string
	Status      string
	Page
}

// Outcome is what one side of a completed proposal records: what was applied,
// the lessons learned and a rating of the engagement from 1 to 5.
type Outcome struct {
	ID         string    `json:"id"`
	ProposalID string    `json:"proposal_id"`
	Side       string    `json:"side"`                // "city" or "expert"
	ExpertID   string    `json:"expert_id,omitempty"` // the expert who speaks, or is spoken of, when Side is "expert"
	Applied    string    `json:"applied"`
	Lessons    string    `json:"lessons_learned"`
	Rating     int       `json:"rating"`
	CreatedAt  time.Time `json:"created_at"`
}

// OutcomeSides are who can record an outcome.
var OutcomeSides = []string{"city", "expert"}

// Feedback sums up the completed engagements of one expert: how many, in
// which mode, and their ratings by the cities served.
type Feedback struct {
	ExpertID  string
	Completed int            // completed proposals where the expert held a seat
	ByMode    map[string]int // completed engagements by mode (panel: peer_review, team: tutoring, pairing: exchange)
	Rated     int            // ratings received from cities
	RatingSum int
}

// Decline is an expert's refusal of a challenge: the pair is never proposed
// again.
type Decline struct {
	ChallengeID string    `json:"challenge_id"`
	ExpertID    string    `json:"expert_id"`
	ProposalID  string    `json:"proposal_id"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
}

// The states of a review round.
const (
	RoundQueued  = "queued"
	RoundRunning = "running"
	RoundDone    = "done"
	RoundFailed  = "failed"
)

// ReviewRound is a job that assembles the panels of many challenges at once.
type ReviewRound struct {
	Meta
	Name     string  `json:"name"`
	Status   string  `json:"status"`
	Progress float64 `json:"progress"` // 0..1
	Fairness string  `json:"fairness"` // "total" or "worst_first"
	// Request is the round as it was asked (its challenges with their sizes
	// and quotas), kept so that a round interrupted by a restart can run
	// again.
	Request json.RawMessage `json:"request"`
	Rubric  *Rubric         `json:"rubric,omitempty"`
	Total   float64         `json:"total"`
	Worst   float64         `json:"worst"`
	Mean    float64         `json:"mean"`
	// Unfilled says, for each challenge that got no panel, why.
	Unfilled json.RawMessage `json:"unfilled,omitempty"`
	// Result says what the assembly proves of a done round's panels.
	Result *RoundResult `json:"result,omitempty"`
	Error  string       `json:"error,omitempty"`
}

// RoundResult is what the assembly proves of a round's panels: optimal for
// the round's fairness, or, when its search stopped at its work budget, how
// far from optimal they can be at most.
type RoundResult struct {
	// Optimal is true when no assignment of the experts fills more panels
	// or, filling as many, scores better (for worst_first: with a better
	// worst panel first).
	Optimal bool `json:"optimal"`
	// MaxPanels bounds the panels any assignment fills; the number of
	// panels when Optimal.
	MaxPanels int `json:"max_panels"`
	// TotalBound bounds the total any assignment filling as many panels
	// reaches; the round's total when Optimal.
	TotalBound float64 `json:"total_bound"`
}

// Rubric is how panel members score the reviewed cities of a round.
type Rubric struct {
	Criteria []Criterion `json:"criteria"`
}

// Criterion is one line of a rubric with its scale.
type Criterion struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Min   int    `json:"min"`
	Max   int    `json:"max"`
}

// ReviewScore is one panel member's score of the reviewed city on one
// criterion.
type ReviewScore struct {
	RoundID     string    `json:"round_id"`
	ChallengeID string    `json:"challenge_id"`
	ExpertID    string    `json:"expert_id"`
	Criterion   string    `json:"criterion"`
	Value       int       `json:"value"`
	Comment     string    `json:"comment,omitempty"`
	At          time.Time `json:"at"`
}
