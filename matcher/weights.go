package matcher

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// This file is the one place where the weights of the score live: the
// factors, their weight in each mode and the bounds a request may move them
// within, the weights of the text fields, and the small tables that turn a
// role, a seniority or a city size into a number. Change them here, with
// the evaluation (eval_test.go) run before and after.

// Factor names one part of a score.
type Factor string

// The factors of a score. Every value is in [0, 1], but feedback's, in
// [-1, 1].
const (
	// FactorText is the similarity of the words (stems weighted by rarity:
	// TF-IDF cosine by default, see score_text.go), within a language.
	FactorText Factor = "text"
	// FactorConcepts is the similarity of the lexicon concepts the texts
	// speak of, across languages: the bridge between French, English and
	// Spanish, kept apart so that an explanation shows what it added.
	FactorConcepts Factor = "concepts"
	// FactorThemes is the overlap of the declared taxonomy themes.
	FactorThemes Factor = "themes"
	// FactorSkills is the share of the skills a challenge needs that an
	// expert declares.
	FactorSkills Factor = "skills"
	// FactorLanguage is 1 when both sides have a working language in
	// common. An expert without one is excluded unless the request allows
	// it, and then keeps interpretedFit; between cities it is 0 and only
	// lowers the score.
	FactorLanguage Factor = "language"
	// FactorRole is how well an expert's role and seniority fit the mode.
	FactorRole Factor = "role"
	// FactorGeography favours another country (learning travels best
	// between different contexts), or, on request, a similar context: the
	// same region and city size class.
	FactorGeography Factor = "geography"
	// FactorCapacity is the share of an expert's capacity still free.
	FactorCapacity Factor = "capacity"
	// FactorAvailability is the share of the challenge's timeframe the
	// expert is available for.
	FactorAvailability Factor = "availability"
	// FactorFeedback is what the network's own record says of an expert:
	// the ratings of their completed engagements, shrunk towards neutral
	// while they are few, counted fully for engagements in the query's
	// mode, and scaled by the expert's subject fit (see feedbackValue). Its
	// weight is not relative: see modeWeights.
	FactorFeedback Factor = "feedback"
	// FactorMorePractices is, for a city, the bonus of its second and third
	// best practices (see cityDepth). It is not weighted by mode.
	FactorMorePractices Factor = "more_practices"
	// FactorReciprocity is, for a partner city, the share of one direction
	// in the harmonic mean of both.
	FactorReciprocity Factor = "reciprocity"
)

// factors is the order in which factors are computed and listed.
var factors = [...]Factor{
	FactorText, FactorConcepts, FactorThemes, FactorSkills, FactorLanguage,
	FactorRole, FactorGeography, FactorCapacity, FactorAvailability, FactorFeedback,
}

const numFactors = len(factors)

// Indexes of the factors in weight vectors.
const (
	fText = iota
	fConcepts
	fThemes
	fSkills
	fLanguage
	fRole
	fGeography
	fCapacity
	fAvailability
	fFeedback
)

// weightVec is one weight per factor, in the order of factors.
type weightVec [numFactors]float64

// modeWeights are the weights of each mode. They are relative: the weights
// of the factors that apply to a pair are scaled to add up to 1 (a practice
// has no role, skills, capacity or availability), so that every score is in
// [0, 1]. The exchange column was checked on the evaluation set
// (eval_test.go): the subject factors (text, concepts, themes) carry it;
// geography and language barely move nDCG@10 there, as they should since
// relevance was judged by subject, and stay small enough not to push a good
// practice out of the top five.
//
//	factor        exchange  peer_review  tutoring   why
//	text            0.45      0.35        0.30      what the texts say is the best evidence of subject;
//	                                                less decisive when who the person is matters more
//	concepts        0.20      0.15        0.15      the same subject across languages, but coarser than
//	                                                words (a concept is a whole theme of the taxonomy)
//	themes          0.20      0.15        0.15      declared by people who know the subject; 0.25 ranked
//	                                                a little better still, but themes are broad
//	skills          0         0.10        0.10      reviewers and tutors must bring the skills asked
//	language        0.05      0.05        0.05      for experts a hard rule; the weight only orders pairs
//	                                                kept with require_shared_language=false, and
//	                                                practices a city cannot read without translation
//	role            0         0.10        0.15      peers review peers; tutoring toward a strategic
//	                                                result wants leadership (see roleFit)
//	geography       0.10      0.05        0         exchange favours other countries, reviews a little
//	                                                (independence), tutoring not at all
//	capacity        0         0.05        0.05      spread the load over the volunteers
//	availability    0         0           0.05      tutoring runs over months
//	feedback        0.03      0.03        0.03      experts only, and absolute (see below)
//
// Exchange puts no weight on role, capacity and availability: an exchange is
// between cities, an expert suggested for it is a contact, not a commitment.
//
// Feedback is the exception to relative weights. Its weight is the share of
// an expert's score it holds, the other factors sharing the rest (1 − 0.03
// by default), and its value is in [-1, 1]: it moves an expert's score by at
// most ±0.03 (±0.05 with the largest weight a request may set), and the
// score stays in [0, 1]. It is kept that small, and scaled by the subject
// fit (see feedbackValue), so that it orders experts who fit the subject
// about as well and never lifts one who fits it clearly less: the network's
// record of a few engagements says less than what the texts say about the
// subject at hand. It applies to experts suggested for a challenge only, not
// to the challenges ranked for an expert (Opportunities), where it would
// be the same for all of them.
var modeWeights = map[Mode]weightVec{
	//                text  concepts themes skills lang  role  geo   capa  avail feedback
	ModeExchange:   {0.45, 0.20, 0.20, 0, 0.05, 0, 0.10, 0, 0, 0.03},
	ModePeerReview: {0.35, 0.15, 0.15, 0.10, 0.05, 0.10, 0.05, 0.05, 0, 0.03},
	ModeTutoring:   {0.30, 0.15, 0.15, 0.10, 0.05, 0.15, 0, 0.05, 0.05, 0.03},
}

// weightBounds are the lower bounds of a weight a request may set. Text
// never goes to zero: a suggestion must be about the subject, whatever else
// counts.
var weightBounds = weightVec{0.05, 0, 0, 0, 0, 0, 0, 0, 0, 0}

// maxWeight is the upper bound of every weight but feedback's.
const maxWeight = 1.0

// weightMax are the upper bounds of a weight a request may set: feedback's
// stays small, so that it stays a tie-breaker among experts who fit the
// subject (see modeWeights).
var weightMax = weightVec{maxWeight, maxWeight, maxWeight, maxWeight, maxWeight, maxWeight, maxWeight, maxWeight, maxWeight, 0.05}

// absolute marks the factors whose weight is not scaled with the others
// (see modeWeights).
var absolute = [numFactors]bool{fFeedback: true}

// applies says which factors apply to a pair with a document of each kind:
// practices (and the cities they stand for) have no role, skills, capacity
// or availability; experts and challenges (Opportunities) have them all but
// feedback, which only an expert suggested for a challenge has.
var applies = map[Kind][numFactors]bool{
	KindPractice:  {true, true, true, false, true, false, true, false, false, false},
	KindCity:      {true, true, true, false, true, false, true, false, false, false},
	KindExpert:    {true, true, true, true, true, true, true, true, true, true},
	KindChallenge: {true, true, true, true, true, true, true, true, true, false},
}

// Feedback (see feedbackValue).
const (
	// feedbackPrior is how many neutral ratings (3 of 5) the mean rating
	// is shrunk with: one rating of 5 counts a third of the way, five
	// ratings five sevenths.
	feedbackPrior = 2
	// feedbackOtherMode is what an engagement in another mode than the
	// query's counts, against 1 for one in the same mode: a good tutor is
	// probably a good reviewer, but it has not been seen.
	feedbackOtherMode = 0.5
	// feedbackFullFit is the subject fit from which feedback has its full
	// effect; below it the effect shrinks in proportion, down to none for
	// an expert who does not fit the subject at all.
	feedbackFullFit = 0.5
)

// cityDepth are the shares of a city's second and third best practices
// added to its best one: a city with several practices on the subject has
// more to show, but one very good practice outweighs two fair ones.
var cityDepth = [2]float64{0.10, 0.05}

// DefaultWeights returns the weights of mode by factor, as a request would
// override them. The relative weights add up to 1; feedback's is absolute
// (see FactorFeedback) and comes on top.
func DefaultWeights(mode Mode) map[Factor]float64 {
	w, ok := modeWeights[mode]
	if !ok {
		w = modeWeights[ModeExchange]
	}
	m := make(map[Factor]float64, numFactors)
	for i, f := range factors {
		m[f] = w[i]
	}
	return m
}

// WeightBounds returns the bounds a request may set the weight of f within.
func WeightBounds(f Factor) (lo, hi float64, ok bool) {
	i := slices.Index(factors[:], f)
	if i < 0 {
		return 0, 0, false
	}
	return weightBounds[i], weightMax[i], true
}

// WeightError is a per-request weight that is unknown or out of its bounds.
type WeightError struct {
	Factor Factor
	Value  float64
	Min    float64
	Max    float64
	Known  bool // false when Factor is no factor
}

// Error names the bad weight and its bounds.
func (e *WeightError) Error() string {
	if !e.Known {
		names := make([]string, len(factors))
		for i, f := range factors {
			names[i] = string(f)
		}
		return fmt.Sprintf("unknown weight %q (one of %s)", e.Factor, strings.Join(names, ", "))
	}
	return fmt.Sprintf("weight %q is %v, out of bounds [%v, %v]", e.Factor, e.Value, e.Min, e.Max)
}

// Is makes errors.Is(err, ErrInvalidQuery) hold for a WeightError.
func (e *WeightError) Is(target error) bool { return target == ErrInvalidQuery }

// resolveWeights returns the weights of mode with the overrides applied,
// or a *WeightError for the first bad one in the order of factors (then
// the unknown names, sorted), so that the message is stable.
func resolveWeights(mode Mode, over map[Factor]float64) (weightVec, error) {
	w := modeWeights[mode]
	if len(over) == 0 {
		return w, nil
	}
	for i, f := range factors {
		v, ok := over[f]
		if !ok {
			continue
		}
		if math.IsNaN(v) || v < weightBounds[i] || v > weightMax[i] {
			return w, &WeightError{Factor: f, Value: v, Min: weightBounds[i], Max: weightMax[i], Known: true}
		}
		w[i] = v
	}
	var unknown []string
	for f := range over {
		if !slices.Contains(factors[:], f) {
			unknown = append(unknown, string(f))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return w, &WeightError{Factor: Factor(unknown[0])}
	}
	return w, nil
}

// effective scales the relative weights of the factors that apply to kind
// to add up to 1, less the absolute weights that apply (feedback), and
// zeroes the others.
func (w weightVec) effective(kind Kind) weightVec {
	ap := applies[kind]
	sum, abs := 0.0, 0.0
	for i := range w {
		switch {
		case !ap[i]:
		case absolute[i]:
			abs += w[i]
		default:
			sum += w[i]
		}
	}
	var e weightVec
	if sum == 0 {
		return e
	}
	for i := range w {
		switch {
		case !ap[i]:
		case absolute[i]:
			e[i] = w[i]
		default:
			e[i] = w[i] / sum * (1 - abs)
		}
	}
	return e
}

// fieldWeights are the default weights of the text fields, by name. A
// title is a summary written with care; results and lessons say what a
// practice achieved, the strategic result what a tutoring is for. An
// unknown name weighs 1.
var fieldWeights = map[string]float64{
	"title":            2,
	"strategic_result": 1.5,
	"skills":           1.5,
	"description":      1,
	"bio":              1,
	"results":          1,
	"lessons_learned":  0.8,
	"transferability":  0.8,
}

// Weights of a track-record item's texts, in the item and in the whole
// profile.
const (
	trackTitleWeight   = 1.5
	trackSummaryWeight = 1
)

// maxFieldWeight bounds Field.Weight.
const maxFieldWeight = 5

// fieldWeight is the weight of f.
func fieldWeight(f Field) float64 {
	if f.Weight > 0 {
		return min(f.Weight, maxFieldWeight)
	}
	if w, ok := fieldWeights[f.Name]; ok {
		return w
	}
	return 1
}

// roleFit is how well a role suits each mode, in [0, 1]. Peer review is
// done by peers: managers and elected people review the work of their
// counterparts. Tutoring toward a strategic result is a leadership matter
// (the seed: "usually at leadership level"). Exchange is practice sharing:
// the people who ran the practice count most.
var roleFit = map[Mode]map[string]float64{
	ModeExchange: {
		"technical_officer": 1, "public_service_manager": 1, "mayor": 0.8, "elected_official": 0.8,
		"academic": 0.7, "consultant": 0.5, "other": 0.5,
	},
	ModePeerReview: {
		"public_service_manager": 1, "mayor": 1, "elected_official": 0.9, "technical_officer": 0.8,
		"academic": 0.7, "consultant": 0.4, "other": 0.4,
	},
	ModeTutoring: {
		"mayor": 1, "public_service_manager": 1, "elected_official": 0.9, "technical_officer": 0.6,
		"academic": 0.6, "consultant": 0.4, "other": 0.3,
	},
}

// seniorityFit is how well a seniority suits each mode, in [0, 1].
var seniorityFit = map[Mode]map[string]float64{
	ModeExchange:   {"junior": 0.6, "senior": 1, "leadership": 1},
	ModePeerReview: {"junior": 0.3, "senior": 0.9, "leadership": 1},
	ModeTutoring:   {"junior": 0.1, "senior": 0.6, "leadership": 1},
}

// Shares of role and seniority in FactorRole. Tutoring weighs seniority
// more: the seed asks for leadership level.
var roleShare = map[Mode]float64{ModeExchange: 0.5, ModePeerReview: 0.5, ModeTutoring: 0.4}

// unknownFit is the value of a role, seniority, country or size class that
// one side does not declare: neither a reward nor a penalty.
const unknownFit = 0.5

// interpretedFit is the language factor's value for an expert who shares
// no working language with the city when the query does not require one
// (require_shared_language=false): the work can go through an interpreter
// or a third language, so the pair keeps most of the factor, and an expert
// who speaks the city's language still comes first among equals. Chosen on
// the tuning half of the evaluation set (eval_test.go): 0 (the same as
// when one is required) gave experts nDCG@10 0.967, 0.25 and 0.5 0.972,
// 0.75 0.985, 1 (no preference at all) 0.980.
const interpretedFit = 0.75

// SizeClass returns the size class of a city of population inhabitants,
// after the network's own categories: "small" (under 50,000),
// "intermediary" (50,000 to 1 million, UCLG's intermediary cities),
// "metropolis" (1 million or more), "" when unknown.
func SizeClass(population int64) string {
	switch {
	case population <= 0:
		return ""
	case population < 50_000:
		return "small"
	case population < 1_000_000:
		return "intermediary"
	}
	return "metropolis"
}
