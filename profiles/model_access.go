package profiles

import "time"

// The roles an API key can have. A city key is bound to one city and an expert
// key to one expert profile; an integration key is scoped to reading, or to
// reading and writing profiles.
const (
	RoleAdmin       = "admin"
	RoleSecretariat = "secretariat"
	RoleCity        = "city"
	RoleExpert      = "expert"
	RoleIntegration = "integration"
)

// KeyRoles are the roles of API keys.
var KeyRoles = []string{RoleAdmin, RoleSecretariat, RoleCity, RoleExpert, RoleIntegration}

// The scopes of an integration key.
const (
	ScopeRead      = "read"
	ScopeReadWrite = "read_write"
)

// KeyScopes are the scopes of an integration key.
var KeyScopes = []string{ScopeRead, ScopeReadWrite}

// APIKey is a key a client authenticates with. The secret itself is never
// stored: only its SHA-256 digest, and its first characters (Prefix) so that a
// person can tell their keys apart.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CityID    string     `json:"city_id,omitempty"`
	ExpertID  string     `json:"expert_id,omitempty"`
	Scope     string     `json:"scope,omitempty"` // integration keys only
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// KeyInput is what a new key is made of.
type KeyInput struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	CityID   string `json:"city_id,omitempty"`
	ExpertID string `json:"expert_id,omitempty"`
	Scope    string `json:"scope,omitempty"`
}

// AuditEntry is one write recorded in the append-only audit trail: who, what
// and when.
type AuditEntry struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	KeyID      string    `json:"key_id,omitempty"` // "" for an anonymous request
	Role       string    `json:"role,omitempty"`
	Actor      string    `json:"actor,omitempty"` // the key's name
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Resource   string    `json:"resource"`              // "cities", "proposals" …
	ResourceID string    `json:"resource_id,omitempty"` // the row written, when known
	Status     int       `json:"status"`
	RequestID  string    `json:"request_id,omitempty"`
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	KeyID      string
	Resource   string
	ResourceID string
	Method     string
	Since      time.Time // zero: no bound
	Until      time.Time
	Page
}

// StoredResponse is the first answer to a POST sent with an Idempotency-Key,
// replayed to every retry of the same request.
type StoredResponse struct {
	Scope    string // who sent it: a key ID, or the client address without a key
	Key      string // the Idempotency-Key
	Method   string
	Path     string
	BodyHash string // SHA-256 of the request body
	// Status is 0 while the first request is still being served.
	Status    int
	Header    map[string]string
	Body      []byte
	CreatedAt time.Time
	// CommittedAt is set, in the transaction of the guarded write, when that
	// write committed; ResultKind and ResultID name what it wrote ("city",
	// "practice", "challenge", "expert", "proposal", "round", "key").
	CommittedAt          *time.Time
	ResultKind, ResultID string
}

// ExpertExport is everything the service holds on one expert: the access right
// of the person.
type ExpertExport struct {
	Expert    Expert        `json:"expert"`
	Proposals []Proposal    `json:"proposals"` // where they hold or held a seat, or are an alternate
	Declines  []Decline     `json:"declines"`
	Outcomes  []Outcome     `json:"outcomes"` // recorded by them or about them
	Scores    []ReviewScore `json:"review_scores"`
	Keys      []APIKey      `json:"api_keys"`
	Audit     []AuditEntry  `json:"audit"` // writes made with their keys
}

// sentStatuses are the states of a seat whose holder was sent the proposal:
// invited, and then accepted or declined. A seat still "proposed", or
// "withdrawn" before sending, was never sent.
var sentStatuses = []string{MemberInvited, MemberAccepted, MemberDeclined}

// SentToExpert reports whether proposal p was ever sent to the expert: a seat
// of theirs was invited (and perhaps answered since). A panel the secretariat
// still edits, and the alternates kept in reserve, are the secretariat's
// alone; it is ProposalFilter.SentToExpertID.
func SentToExpert(p Proposal, expertID string) bool {
	return sentTo(p, func(m Member) bool { return m.ExpertID == expertID && expertID != "" })
}

// SentToPartner reports whether the pairing p was ever sent to the partner
// city cityID, as SentToExpert does for an expert.
func SentToPartner(p Proposal, cityID string) bool {
	return sentTo(p, func(m Member) bool { return m.PartnerCityID == cityID && cityID != "" })
}

func sentTo(p Proposal, is func(Member) bool) bool {
	for _, m := range p.Members {
		if is(m) {
			for _, s := range sentStatuses {
				if m.Status == s {
					return true
				}
			}
		}
	}
	return false
}
