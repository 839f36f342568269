package matcher

import "slices"

// The sentences of an explanation are data: the matcher says what it found
// (a stable code and the values it speaks of) and a door says it in the
// reader's language, from a message catalogue (see workflow.Reasons). The
// matcher writes no sentence itself, so that a French city officer and an
// English integration read the same reasons, and a reason's values (a theme,
// a count, a date) can be shown as each reader writes them.

// ReasonCode names one kind of sentence. Codes are stable: a client may
// act on them, and the catalogue holds one message per code (see
// ReasonCodes).
type ReasonCode string

// The reasons a hard rule excludes a pair (Explanation.Exclusions).
const (
	// ReasonSameCity: the document is from the challenge's own city (City).
	ReasonSameCity ReasonCode = "excluded.same_city"
	// ReasonPaused: the expert takes no engagement for now.
	ReasonPaused ReasonCode = "excluded.paused"
	// ReasonStatus: the document (Kind) may not be suggested in its Status
	// (a draft practice, a closed challenge).
	ReasonStatus ReasonCode = "excluded.status"
	// ReasonChallengeStatus: the challenge is not open (Status), in
	// Opportunities.
	ReasonChallengeStatus ReasonCode = "excluded.challenge_status"
	// ReasonNoCapacity: the expert takes no engagement at all (capacity 0).
	ReasonNoCapacity ReasonCode = "excluded.no_capacity"
	// ReasonCapacityFull: Load of Capacity engagements under way.
	ReasonCapacityFull ReasonCode = "excluded.capacity_full"
	// ReasonSameCountry: the expert is from the challenge's Country.
	ReasonSameCountry ReasonCode = "excluded.same_country"
	// ReasonMode: the expert does not volunteer for Mode, only for Modes.
	ReasonMode ReasonCode = "excluded.mode"
	// ReasonNoSharedLanguage: the city works in CityLanguages, the expert
	// speaks ExpertLanguages.
	ReasonNoSharedLanguage ReasonCode = "excluded.language"
	// ReasonUnavailableUntil: the expert is available Until a day before the
	// challenge's window, From to To.
	ReasonUnavailableUntil ReasonCode = "excluded.unavailable_until"
	// ReasonUnavailableFrom: the expert is available from a day
	// (Available) after the challenge's window, From to To.
	ReasonUnavailableFrom ReasonCode = "excluded.unavailable_from"
	// ReasonCityNoPractice: the city has no practice in the index.
	ReasonCityNoPractice ReasonCode = "excluded.city_no_practice"
	// ReasonCityBest: no practice of the city may be suggested; Practice is
	// its best one.
	ReasonCityBest ReasonCode = "excluded.city_best"
)

// The details of contributions (Contribution.Reasons).
const (
	// ReasonWords: Count words in common.
	ReasonWords ReasonCode = "text.words"
	// ReasonRecordWords: the text factor came from the expert's track
	// record, whose best item shares Count words.
	ReasonRecordWords ReasonCode = "text.record"
	// ReasonRecordItem is ReasonRecordWords with the best item's Title.
	ReasonRecordItem ReasonCode = "text.record_item"
	// ReasonConcepts: the Concepts both texts speak of.
	ReasonConcepts ReasonCode = "concepts.shared"
	// ReasonThemes: Count of Of declared Themes in common.
	ReasonThemes ReasonCode = "themes.shared"
	// ReasonNoSkillsAsked: the challenge asks for no skill.
	ReasonNoSkillsAsked ReasonCode = "skills.none_asked"
	// ReasonNoSkills: the expert has none of the Of skills asked.
	ReasonNoSkills ReasonCode = "skills.none"
	// ReasonSkills: Count of Of skills asked, the Skills.
	ReasonSkills ReasonCode = "skills.shared"
	// ReasonLanguagesUnknown: a side's working languages are not known.
	ReasonLanguagesUnknown ReasonCode = "language.unknown"
	// ReasonSharedLanguage: both sides work in Language.
	ReasonSharedLanguage ReasonCode = "language.shared"
	// ReasonNoLanguage: no language in common between Challenge's and
	// Other's languages.
	ReasonNoLanguage ReasonCode = "language.none"
	// ReasonNoLanguageAllowed is ReasonNoLanguage for an expert when the
	// query does not require a shared language: the pair keeps Kept of
	// the factor (see interpretedFit).
	ReasonNoLanguageAllowed ReasonCode = "language.none_allowed"
	// ReasonRole: the expert's Role and Seniority for Mode.
	ReasonRole ReasonCode = "role.fit"
	// Geography: the same or another Region, size class (Size) or
	// Country; or nothing known of them.
	ReasonSameRegion       ReasonCode = "geography.same_region"
	ReasonOtherRegion      ReasonCode = "geography.other_region"
	ReasonSameSize         ReasonCode = "geography.same_size"
	ReasonOtherSize        ReasonCode = "geography.other_size"
	ReasonContextUnknown   ReasonCode = "geography.context_unknown"
	ReasonCountryUnknown   ReasonCode = "geography.country_unknown"
	ReasonSameCountryGeo   ReasonCode = "geography.same_country"
	ReasonOtherCountry     ReasonCode = "geography.other_country"
	ReasonCapacityFree     ReasonCode = "capacity.free"
	ReasonAvailableOver    ReasonCode = "availability.full"
	ReasonAvailablePartly  ReasonCode = "availability.partial"
	ReasonAvailableUntil   ReasonCode = "availability.until"
	ReasonAvailableFrom    ReasonCode = "availability.from"
	ReasonFeedbackNone     ReasonCode = "feedback.none"
	ReasonFeedbackUnrated  ReasonCode = "feedback.unrated"
	ReasonFeedbackRatedBy  ReasonCode = "feedback.rated_after"
	ReasonRatedOnce        ReasonCode = "feedback.rating_one"
	ReasonRatedAverage     ReasonCode = "feedback.rating_average"
	ReasonEngagementsAll   ReasonCode = "feedback.engagements_all"
	ReasonEngagementsNone  ReasonCode = "feedback.engagements_none"
	ReasonEngagementsSome  ReasonCode = "feedback.engagements_some"
	ReasonFeedbackNoEffect ReasonCode = "feedback.no_effect"
	ReasonFeedbackPartial  ReasonCode = "feedback.partial"
	// ReasonMorePractices: a city's next Practices on the subject.
	ReasonMorePractices ReasonCode = "more_practices.list"
	// ReasonTheirPractices and ReasonYourPractices: the two directions of a
	// partnership, each answering Challenge.
	ReasonTheirPractices ReasonCode = "reciprocity.theirs"
	ReasonYourPractices  ReasonCode = "reciprocity.yours"
)

// How the weights given became a pair's (Explanation.Scaling).
const (
	// ReasonWeightsKept: the weights given add up to Sum over the factors
	// that apply to Target: kept as given.
	ReasonWeightsKept ReasonCode = "scaling.kept"
	// ReasonWeightsScaled: they add up to Sum, each scaled by Scale to add
	// up to Total.
	ReasonWeightsScaled ReasonCode = "scaling.scaled"
	// ReasonTrustWhole, ReasonTrustNone and ReasonTrustPartial: the share
	// of the concepts' Weight the evidence for them keeps (Share), from the
	// taxonomy's coverage of each text (Query, Doc) and the specificity of
	// the shared concepts (Specificity).
	ReasonTrustWhole   ReasonCode = "scaling.trust_whole"
	ReasonTrustNone    ReasonCode = "scaling.trust_none"
	ReasonTrustPartial ReasonCode = "scaling.trust_partial"
)

// reasonCodes are every code the matcher writes, in the order above.
var reasonCodes = []ReasonCode{
	ReasonSameCity, ReasonPaused, ReasonStatus, ReasonChallengeStatus, ReasonNoCapacity, ReasonCapacityFull,
	ReasonSameCountry, ReasonMode, ReasonNoSharedLanguage, ReasonUnavailableUntil, ReasonUnavailableFrom,
	ReasonCityNoPractice, ReasonCityBest,
	ReasonWords, ReasonRecordWords, ReasonRecordItem, ReasonConcepts, ReasonThemes, ReasonNoSkillsAsked,
	ReasonNoSkills, ReasonSkills, ReasonLanguagesUnknown, ReasonSharedLanguage, ReasonNoLanguage,
	ReasonNoLanguageAllowed, ReasonRole,
	ReasonSameRegion, ReasonOtherRegion, ReasonSameSize, ReasonOtherSize, ReasonContextUnknown,
	ReasonCountryUnknown, ReasonSameCountryGeo, ReasonOtherCountry, ReasonCapacityFree, ReasonAvailableOver,
	ReasonAvailablePartly, ReasonAvailableUntil, ReasonAvailableFrom, ReasonFeedbackNone, ReasonFeedbackUnrated,
	ReasonFeedbackRatedBy, ReasonRatedOnce, ReasonRatedAverage, ReasonEngagementsAll,
	ReasonEngagementsNone, ReasonEngagementsSome, ReasonFeedbackNoEffect, ReasonFeedbackPartial,
	ReasonMorePractices, ReasonTheirPractices, ReasonYourPractices,
	ReasonWeightsKept, ReasonWeightsScaled, ReasonTrustWhole, ReasonTrustNone, ReasonTrustPartial,
}

// ReasonCodes returns every code the matcher may write, so that a door can
// check its catalogue says each one.
func ReasonCodes() []ReasonCode { return slices.Clone(reasonCodes) }

// Reason is one sentence of an explanation as data: what it says (Code)
// and the values it says it of (Args), for a door to put in words in the
// reader's language.
type Reason struct {
	Code ReasonCode `json:"code"`
	Args []Arg      `json:"args,omitempty"`
}

// ArgType says what an Arg holds and so how a door writes it.
type ArgType string

// The types of arguments.
const (
	// ArgInt is a whole number (Value int).
	ArgInt ArgType = "int"
	// ArgNumber is a number written with 3 significant digits (Value
	// float64); ArgNumber4 with 4; ArgDecimal2 with 2 decimals.
	ArgNumber   ArgType = "number"
	ArgNumber4  ArgType = "number4"
	ArgDecimal2 ArgType = "decimal2"
	// ArgPercent is a share from 0 to 1 (Value float64), written as a
	// whole percentage.
	ArgPercent ArgType = "percent"
	// ArgRating is a mean rating from 1 to 5 (Value float64), one decimal
	// at most.
	ArgRating ArgType = "rating"
	// ArgText is written as it is (Value string): an ID, a country or
	// language code, a skill, a title.
	ArgText ArgType = "text"
	// ArgList is a list written as it is (Value []string).
	ArgList ArgType = "list"
	// ArgDate is a day, YYYY-MM-DD (Value string).
	ArgDate ArgType = "date"
	// ArgTheme is a theme's code (Value string), and ArgThemes a list of
	// them (Value []string): a door writes their labels.
	ArgTheme  ArgType = "theme"
	ArgThemes ArgType = "themes"
	// ArgMode is a mode (Value string) and ArgModes a list of them.
	ArgMode  ArgType = "mode"
	ArgModes ArgType = "modes"
	// ArgKind is a kind of document (Value string): "practice", "expert".
	ArgKind ArgType = "kind"
	// ArgKindArticle is a kind with its indefinite article ("a practice").
	ArgKindArticle ArgType = "kind_article"
	// ArgStatus is a status (Value string): "draft", "closed".
	ArgStatus ArgType = "status"
	// ArgRole is an expert's role or seniority (Value string, "" when not
	// given); a door writes their names.
	ArgRole      ArgType = "role"
	ArgSeniority ArgType = "seniority"
	// ArgRegion is one of the network's regions (Value string) and
	// ArgSize a city size class.
	ArgRegion ArgType = "region"
	ArgSize   ArgType = "size_class"
	// ArgCity is a city's ID (Value string): a door writes its name.
	ArgCity ArgType = "city"
	// ArgScores is a list of practices with their scores (Value
	// []PracticeMatch).
	ArgScores ArgType = "scores"
	// ArgReason is a reason inside a reason (Value Reason).
	ArgReason ArgType = "reason"
)

// Arg is one value of a reason: its name in the sentence, its type and the
// value itself.
type Arg struct {
	Name  string  `json:"name"`
	Type  ArgType `json:"type"`
	Value any     `json:"value"`
}

// Arg returns the value of the argument name, nil when the reason has none.
func (r Reason) Arg(name string) any {
	for _, a := range r.Args {
		if a.Name == name {
			return a.Value
		}
	}
	return nil
}

// reason builds a Reason from name, type, value triples.
func reason(code ReasonCode, args ...Arg) Reason { return Reason{Code: code, Args: args} }

func intArg(name string, v int) Arg              { return Arg{name, ArgInt, v} }
func textArg(name string, v string) Arg          { return Arg{name, ArgText, v} }
func typedArg(name string, t ArgType, v any) Arg { return Arg{name, t, v} }

// reasons1 is a one-reason list.
func reasons1(r Reason) []Reason { return []Reason{r} }

// HasReason reports whether rs holds a reason with code.
func HasReason(rs []Reason, code ReasonCode) bool {
	return slices.ContainsFunc(rs, func(r Reason) bool { return r.Code == code })
}
