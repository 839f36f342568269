package matcher

import (
	"errors"
	"fmt"
	"time"
)

// Kind is what a document of the index is, or what a suggestion points to.
type Kind string

// The kinds of documents. Practices, experts and challenges are indexed;
// cities are not documents of their own: they are reached through their
// practices (suggestions) and their challenges (partners).
const (
	// KindPractice is an experience a city documents and can share.
	KindPractice Kind = "practice"
	// KindExpert is a practitioner volunteering for exchanges, reviews or
	// tutoring.
	KindExpert Kind = "expert"
	// KindChallenge is a need a city posts.
	KindChallenge Kind = "challenge"
	// KindCity is a city, in results only.
	KindCity Kind = "city"
)

// ParseKind converts "practice", "practices", "expert", "experts", "city",
// "cities", "challenge" or "challenges" into a Kind: the HTTP layer takes the
// plural (?kind=practices) and the explanations speak the singular.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "practice", "practices":
		return KindPractice, nil
	case "expert", "experts":
		return KindExpert, nil
	case "city", "cities":
		return KindCity, nil
	case "challenge", "challenges":
		return KindChallenge, nil
	}
	return "", fmt.Errorf("%w: unknown kind %q (practices, experts or cities)", ErrInvalidQuery, s)
}

// Mode is a way of learning; each has its own weights (see weights.go).
type Mode string

// The modes of the network, as the seed names them.
const (
	// ModeExchange is learning by exchange between cities.
	ModeExchange Mode = "exchange"
	// ModePeerReview is a group of peers examining a city's work.
	ModePeerReview Mode = "peer_review"
	// ModeTutoring is peers supporting one city toward a strategic result.
	ModeTutoring Mode = "tutoring"
)

// ParseMode converts a mode name into a Mode; "" is ModeExchange, the
// default of a suggestion request.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", ModeExchange:
		return ModeExchange, nil
	case ModePeerReview, ModeTutoring:
		return Mode(s), nil
	}
	return "", fmt.Errorf("%w: unknown mode %q (exchange, peer_review or tutoring)", ErrInvalidQuery, s)
}

// Field is one text of a document. Name says what it is ("title",
// "description", "results", "bio" …) and picks its default weight from
// fieldWeights: a word of a title says more about a document than a word of
// its description.
type Field struct {
	Name   string
	Text   string
	Weight float64 // 0 means the default weight of Name; otherwise in (0, 5]
}

// TrackItem is one past engagement or publication of an expert. Each item is
// matched on its own as well as inside the whole profile, so that an expert
// whose one engagement fits a challenge exactly is not drowned by a long bio
// about something else; the best-matching item is shown as evidence.
type TrackItem struct {
	Title   string
	Summary string
	Year    int // 0 when unknown
}

// Doc is what the index knows of a practice, an expert or a challenge: the
// caller (the HTTP layer) converts each store row into a Doc. Fields that do
// not apply to a kind are left empty.
type Doc struct {
	ID   string
	Kind Kind // KindPractice, KindExpert or KindChallenge
	// Name is what a list shows of the document: a practice's or a
	// challenge's title, an expert's name. Suggestions carry it; it is not
	// matched (the title is also a field).
	Name   string
	CityID string
	// Lang is the declared language of the texts; "" has it detected.
	Lang Lang
	// Fields are the texts. Experts put their bio (and skills) here, their
	// track record goes in TrackRecord.
	Fields      []Field
	TrackRecord []TrackItem
	// Themes are the codes of the taxonomy the document declares.
	Themes []string
	// Languages are working languages (ISO 639-1): those of the city for a
	// practice or a challenge, those spoken for an expert. Empty means the
	// language of the texts.
	Languages []string
	Country   string // ISO 3166-1 alpha-2
	Region    string // one of the network's seven regions
	// Population is that of the city; it gives the size class (see
	// SizeClass). 0 when unknown.
	Population int64
	Role       string   // experts: mayor, public_service_manager …
	Seniority  string   // experts: junior, senior, leadership
	Modes      []string // experts: the modes they volunteer for (empty: any)
	Skills     []string // experts: their skills; challenges: the skills needed
	// Capacity is how many engagements an expert takes at once and Load how
	// many are under way: an expert with Load >= Capacity is excluded.
	Capacity int
	Load     int
	// Feedback is the record of an expert's completed engagements and
	// the ratings they received (FactorFeedback); ignored for other kinds.
	Feedback Feedback
	// From and Until are dates (YYYY-MM-DD, either may be empty): when an
	// expert is available, or the timeframe of a challenge.
	From, Until string
	// Paused is true for an expert who takes no engagement for now (the
	// store's active=false): such an expert is never suggested.
	Paused bool
	// Status is "draft" or "published" for a practice, "open", "matching" or
	// "closed" for a challenge; "" is published or open. Only published
	// practices and open challenges are suggested.
	Status string
}

// Feedback is what the network's record says of an expert's past
// engagements: how many were completed, in which modes, and the ratings
// received. Its zero value is an expert with no record yet, which neither
// helps nor hurts. The index keeps it in 16 bytes: counts above 65,535 are
// capped.
type Feedback struct {
	// Completed is the number of completed engagements. When ByMode adds
	// up to more, its sum is taken.
	Completed int
	// ByMode are the completed engagements by mode ("exchange",
	// "peer_review", "tutoring"); other keys are ignored.
	ByMode map[string]int
	// Rated is the number of ratings received and RatingSum their sum,
	// each rating from 1 (poor) to 5 (excellent); a sum outside
	// [Rated, 5·Rated] is brought back into it.
	Rated     int
	RatingSum int
}

// Query is a request for suggestions. Its zero value with a challenge set
// asks for the ten best practices in exchange mode.
type Query struct {
	// ChallengeID names the indexed challenge to find matches for. When
	// Challenge is set it is used instead, so that a caller that has just
	// read the row saves a lookup (and a challenge can be tried before it
	// is stored).
	ChallengeID string
	Challenge   *Doc
	// OneOff says that Challenge is asked about once (the words of a
	// search): its analysis is not kept for the next query, where a
	// challenge's is.
	OneOff bool

	Kind Kind // what to suggest: KindPractice (default), KindExpert or KindCity
	// Mode is the way of learning whose weights and rules apply; "" is the
	// challenge's first mode (exchange when it names none).
	Mode  Mode
	Limit int // how many suggestions; 0 is DefaultLimit, at most MaxLimit
	// Offset skips the best Offset suggestions: the page of a list that
	// starts there. A list is ranked MaxLimit deep: Offset + Limit is cut
	// to MaxLimit.
	Offset int

	// Region, Country and Language keep only the suggestions from that
	// region, that country or written in that language.
	Region   string
	Country  string
	Language Lang

	// RequireSharedLanguage, when set to false, keeps the experts who have
	// no working language in common with the challenge's city
	// (interpretation is arranged); nil means true. Between cities a
	// missing common language only lowers the score (FactorLanguage).
	RequireSharedLanguage *bool
	// ExcludeHomeCountry excludes the experts of the country of the
	// challenge's city, as a review panel's hard rule does unless the
	// secretariat allows it, so that a pool is cut among eligible experts.
	ExcludeHomeCountry bool
	// SimilarContext favours partners of the same region and city size
	// class instead of other countries.
	SimilarContext bool
	// Weights overrides the mode's weights, factor by factor, within the
	// bounds of weights.go.
	Weights map[Factor]float64
	// Now is today for the availability rules; zero means the index's
	// clock.
	Now time.Time
	// IncludeExcluded, only honoured by Candidates, also returns the
	// experts that a hard rule excludes, with Explanation.Excluded set
	// and the reasons, so that the caller can tell how many candidates
	// each rule removed.
	IncludeExcluded bool
}

// Query limits.
const (
	// DefaultLimit is the number of suggestions when Query.Limit is 0.
	DefaultLimit = 10
	// MaxLimit is the largest Query.Limit.
	MaxLimit = 100
)

// Page is one page of a ranked list: its suggestions, best first, and how
// many the whole list holds (Total, at most MaxLimit: a list is ranked that
// deep). Total is exact when every document that shares a word, a concept
// or a theme with the subject was evaluated; when more were left out of
// the evaluated pool it is MaxLimit, and a rule may still leave fewer.
type Page struct {
	Items []Suggestion
	Total int
}

// Suggestion is one ranked result: a practice, an expert, a city or a
// challenge, with its score and why.
type Suggestion struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Name is the title of a practice or a challenge, the name of an
	// expert or a city, so that a list needs no second request per item:
	// the index keeps it (Doc.Name), whatever its mode; "" when the caller
	// gave none (a city's is given by the caller).
	Name string `json:"name,omitempty"`
	// CityID is the city of a practice, a challenge or an expert, and
	// CityName its name (given by the caller: the index knows cities by ID
	// only); both empty for a city.
	CityID      string      `json:"city_id,omitempty"`
	CityName    string      `json:"city_name,omitempty"`
	Score       float64     `json:"score"`
	Explanation Explanation `json:"explanation"`
}

// Explanation says why a suggestion has its score. The contributions add up
// to the score exactly, in decimal: each is rounded to ScoreDecimals and the
// score is their sum. "query" is the side that asked (the challenge; the
// expert in Opportunities), "doc" the side suggested.
type Explanation struct {
	Mode  Mode    `json:"mode"`
	Score float64 `json:"score"`
	// Excluded is true when a hard rule keeps the pair out of suggestions;
	// the reasons say which, and the score is then what it would be.
	Excluded bool `json:"excluded"`
	// Exclusions are the rules that exclude the pair, as data; a door puts
	// them in words in ExclusionReasons, in the reader's language.
	Exclusions       []Reason       `json:"exclusions,omitempty"`
	ExclusionReasons []string       `json:"exclusion_reasons,omitempty"`
	Contributions    []Contribution `json:"contributions"`
	// Scaling says how the weights given (the mode's, or those of the
	// request) became the weights of the contributions: scaled to add up
	// to 1 over the factors that apply, and the share of the concept
	// factor's weight its evidence does not support moved to the text. A
	// door puts it in words in WeightScaling.
	Scaling       []Reason `json:"scaling,omitempty"`
	WeightScaling string   `json:"weight_scaling,omitempty"`
	// MatchedTerms are the shared words, the most telling first, as each
	// side wrote them.
	MatchedTerms []TermMatch `json:"matched_terms,omitempty"`
	// SharedConcepts are the concepts of the lexicon both texts speak of,
	// with the words that triggered them on each side: the bridge between
	// languages.
	SharedConcepts []ConceptMatch `json:"shared_concepts,omitempty"`
	// SharedThemes are the taxonomy codes both sides declare.
	SharedThemes []string `json:"shared_themes,omitempty"`
	// TrackRecord is the expert's engagement that matched best.
	TrackRecord *TrackRecordMatch `json:"track_record,omitempty"`
	// Practices are, for a city, its practices that made its score, the
	// best first; its evidence above is that of the best.
	Practices []PracticeMatch `json:"practices,omitempty"`
	// Directions are, for a partner city, the two directions of the
	// exchange, each explained.
	Directions []Direction `json:"directions,omitempty"`
}

// Contribution is what one factor adds to the score: Weight × Value, rounded.
// Reasons say what the value rests on, as data; a door puts them in words in
// Detail ("shares fr", "other country SN"), in the reader's language.
type Contribution struct {
	Factor Factor `json:"factor"`
	// GivenWeight is the factor's weight as given: the mode's, or the
	// request's when it sets one. Weight is what it became for the pair
	// (see Explanation.WeightScaling).
	GivenWeight  float64  `json:"given_weight"`
	Weight       float64  `json:"weight"`
	Value        float64  `json:"value"`
	Contribution float64  `json:"contribution"`
	Reasons      []Reason `json:"reasons,omitempty"`
	Detail       string   `json:"detail,omitempty"`
}

// TermMatch is a word both sides use: its index term and the words that
// stand for it on each side, as written.
type TermMatch struct {
	Term       string   `json:"term"`
	Weight     float64  `json:"weight"` // its share of the text factor, 0..1
	QueryWords []string `json:"query_words"`
	DocWords   []string `json:"doc_words"`
}

// ConceptMatch is a concept both sides speak of, with the words that
// triggered it on each side.
type ConceptMatch struct {
	Concept    string   `json:"concept"`
	QueryWords []string `json:"query_words"`
	DocWords   []string `json:"doc_words"`
}

// TrackRecordMatch is the expert's best-matching engagement.
type TrackRecordMatch struct {
	Index int     `json:"index"` // in Doc.TrackRecord
	Title string  `json:"title"`
	Year  int     `json:"year,omitempty"`
	Score float64 `json:"score"` // its text similarity, 0..1
	// Record is the fit of the whole record: the weighted mean of the
	// best few items, each discounted for its age and its length (see
	// record), 0..1. The text factor takes it when it beats the profile.
	Record float64  `json:"record_score"`
	Words  []string `json:"words,omitempty"`
}

// PracticeMatch is one practice of a suggested city with its own score.
type PracticeMatch struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// Direction is one side of a reciprocal exchange: the practices of
// AnsweringCity answer the challenge ChallengeID of the other city.
type Direction struct {
	ChallengeID   string      `json:"challenge_id"`
	ChallengeCity string      `json:"challenge_city_id"`
	AnsweringCity string      `json:"answering_city_id"`
	Score         float64     `json:"score"`
	Explanation   Explanation `json:"explanation"`
}

// Errors of the index. The HTTP layer maps ErrNotFound to 404 and
// ErrInvalidQuery to 400; both come wrapped with details.
var (
	// ErrNotFound is returned for an unknown challenge, expert, document
	// or city.
	ErrNotFound = errors.New("not found")
	// ErrInvalidQuery is returned for a query option out of its domain
	// (mode, kind, limit, language, a weight: see WeightError).
	ErrInvalidQuery = errors.New("invalid query")
	// ErrInvalidDoc is returned by Build and Upsert for a Doc with no ID
	// or a kind that is not indexed.
	ErrInvalidDoc = errors.New("invalid document")
	// ErrClosed is returned when suggestions are asked for a closed
	// challenge: the HTTP layer answers 409.
	ErrClosed = errors.New("challenge is closed")
	// ErrFull is returned when a write would take the index past its
	// limits: 16.7 million slots (documents and engagements, live or
	// awaiting compaction) or 16.7 million distinct words and concepts.
	ErrFull = errors.New("index full")
)
