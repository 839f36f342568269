package profiles

import "time"

// Meta is what every stored row carries: an opaque ID, when it was created and
// last changed, and a version that grows by one on every change.
type Meta struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int64     `json:"version"`
	// ExternalRef is the reference the network knows the row by (its CRM's
	// or spreadsheet's key), set by an import; "" when it has none.
	ExternalRef string `json:"external_ref,omitempty"`
}

// Contact is private contact information for a city or an expert.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// IsZero reports whether no contact detail is set.
func (c Contact) IsZero() bool { return c == Contact{} }

// Regions are the seven world regions of the network.
var Regions = []string{"africa", "asia_pacific", "eurasia", "europe", "latin_america", "middle_east_west_asia", "north_america"}

// CityKinds are the kinds of local and regional governments in the network.
var CityKinds = []string{"city", "metropolis", "intermediary_city", "region", "association"}

// PracticeStatuses are the states of a practice.
var PracticeStatuses = []string{"draft", "published"}

// ChallengeStatuses are the states of a challenge.
var ChallengeStatuses = []string{"open", "matching", "closed"}

// Modes are the ways of learning the service proposes partners for.
var Modes = []string{"exchange", "peer_review", "tutoring"}

// Roles are the positions an expert can hold.
var Roles = []string{"mayor", "elected_official", "public_service_manager", "technical_officer", "academic", "consultant", "other"}

// Seniorities are the levels of responsibility of an expert.
var Seniorities = []string{"junior", "senior", "leadership"}

// City is a local or regional government of the network.
type City struct {
	Meta
	CityInput
}

// CityInput is the writable part of a city.
type CityInput struct {
	Name       string   `json:"name"`
	Country    string   `json:"country"`
	Region     string   `json:"region"`
	Population *int64   `json:"population,omitempty"`
	Kind       string   `json:"kind,omitempty"`
	Languages  []string `json:"languages"`
	Latitude   *float64 `json:"latitude,omitempty"`
	Longitude  *float64 `json:"longitude,omitempty"`
	Contact    *Contact `json:"contact,omitempty"`
}

// Period is a span of years; End is nil while the practice goes on.
type Period struct {
	Start *int `json:"start,omitempty"`
	End   *int `json:"end,omitempty"`
}

// Practice is an experience a city can share with others.
type Practice struct {
	Meta
	PracticeInput
}

// PracticeInput is the writable part of a practice.
type PracticeInput struct {
	CityID          string   `json:"city_id"`
	Title           string   `json:"title"`
	Description     string   `json:"description"`
	Language        string   `json:"language,omitempty"`
	Themes          []string `json:"themes"`
	Period          *Period  `json:"period,omitempty"`
	Results         string   `json:"results,omitempty"`
	LessonsLearned  string   `json:"lessons_learned,omitempty"`
	Transferability string   `json:"transferability,omitempty"`
	Status          string   `json:"status,omitempty"`
}

// Timeframe is a span of calendar dates (YYYY-MM-DD), either end may be open.
type Timeframe struct {
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
}

// Challenge is a need a city posts to find peers who can help.
type Challenge struct {
	Meta
	ChallengeInput
}

// ChallengeInput is the writable part of a challenge.
type ChallengeInput struct {
	CityID          string     `json:"city_id"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	Language        string     `json:"language,omitempty"`
	Themes          []string   `json:"themes"`
	Modes           []string   `json:"modes"`
	StrategicResult string     `json:"strategic_result,omitempty"`
	SkillsNeeded    []string   `json:"skills_needed"`
	Timeframe       *Timeframe `json:"timeframe,omitempty"`
	Status          string     `json:"status,omitempty"`
}

// TrackRecordItem is one past engagement or publication of an expert.
type TrackRecordItem struct {
	Title   string `json:"title"`
	Summary string `json:"summary,omitempty"`
	Year    *int   `json:"year,omitempty"`
}

// Expert is a practitioner who volunteers for exchanges, peer reviews or tutoring.
type Expert struct {
	Meta
	ExpertInput
}

// ExpertInput is the writable part of an expert's profile.
type ExpertInput struct {
	Name           string            `json:"name"`
	Role           string            `json:"role"`
	Seniority      string            `json:"seniority,omitempty"`
	CityID         *string           `json:"city_id,omitempty"`
	Country        string            `json:"country"`
	Languages      []string          `json:"languages"`
	Bio            string            `json:"bio,omitempty"`
	Themes         []string          `json:"themes"`
	Skills         []string          `json:"skills"`
	TrackRecord    []TrackRecordItem `json:"track_record"`
	Modes          []string          `json:"modes"`
	Capacity       *int              `json:"capacity,omitempty"`
	AvailableFrom  string            `json:"available_from,omitempty"`
	AvailableUntil string            `json:"available_until,omitempty"`
	Active         *bool             `json:"active,omitempty"`
	Contact        *Contact          `json:"contact,omitempty"`
}
