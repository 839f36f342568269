package matcher

import (
	"math"
	"slices"
)

// sideRef is one side of a pair as the rules see it: its metadata, its
// kind and, for a query subject that may not be indexed, its working
// languages as given (the index knows only those it has seen).
type sideRef struct {
	m     *slotMeta
	h     hotSlot
	kind  Kind
	langs []string // nil: the names of m.langs
}

// langNames are the working languages of a side, for messages.
func (st *state) langNames(s sideRef) []string {
	if s.langs != nil {
		return s.langs
	}
	out := make([]string, 0, len(s.m.langs))
	for _, l := range s.m.langs {
		out = append(out, st.langs.name(uint32(l)))
	}
	return out
}

// pairRules says what to check of a pair and how.
type pairRules struct {
	mode        Mode
	requireLang bool
	excludeHome bool
	similar     bool
	today       int32
	// skipSubject is set in Opportunities: the other side is the expert
	// who asks, whose own pause and load do not hide challenges from them.
	skipSubject bool
	// checkChallenge is set when the challenge side is the candidate
	// (Opportunities), which must be open; the challenge that asks for
	// suggestions may be open or matching.
	checkChallenge bool
	withDetail     bool
	// quick only decides whether the pair is excluded and scores it: no
	// message is written.
	quick bool
}

// pairEval is the context part of a pair's evaluation: the factor values
// other than text and concepts, their details and the exclusion reasons.
type pairEval struct {
	vals     [numFactors]float64
	details  [numFactors][]Reason
	reasons  []Reason
	excluded bool
}

// exclude records a reason the pair is excluded; msg is only called when
// the reason is to be written.
func (pe *pairEval) exclude(r *pairRules, msg func() Reason) {
	pe.excluded = true
	if !r.quick {
		pe.reasons = append(pe.reasons, msg())
	}
}

// evalPair evaluates the context of a pair: ch is the challenge side, ot
// the other (a practice, an expert, or another challenge's city through a
// practice). It sets every factor but text and concepts.
func (st *state) evalPair(ch, ot sideRef, r *pairRules, pe *pairEval) {
	expert := ot.kind == KindExpert
	otName := string(ot.kind)

	// Hard rules.
	if ch.h.city != 0 && ch.h.city == ot.h.city {
		pe.exclude(r, func() Reason {
			return reason(ReasonSameCity, typedArg("Kind", ArgKind, otName), typedArg("City", ArgCity, st.cities.name(ch.h.city)))
		})
	}
	if ot.h.flags&flEligible == 0 && !r.skipSubject {
		pe.exclude(r, func() Reason {
			if expert {
				return reason(ReasonPaused)
			}
			return reason(ReasonStatus, typedArg("Kind", ArgKind, otName), typedArg("Status", ArgStatus, statusName(ot.m.seg, ot.m.status)))
		})
	}
	if r.checkChallenge && ch.h.flags&flEligible == 0 {
		pe.exclude(r, func() Reason {
			return reason(ReasonChallengeStatus, typedArg("Status", ArgStatus, statusName(segChallenge, ch.m.status)))
		})
	}
	if expert && !r.skipSubject {
		switch {
		case ot.m.capacity <= 0:
			pe.exclude(r, func() Reason { return reason(ReasonNoCapacity) })
		case ot.m.load >= ot.m.capacity:
			pe.exclude(r, func() Reason {
				return reason(ReasonCapacityFull, intArg("Load", int(ot.m.load)), intArg("Capacity", int(ot.m.capacity)))
			})
		}
	}
	if expert && r.excludeHome && ch.h.country != 0 && ch.h.country == ot.h.country {
		pe.exclude(r, func() Reason {
			return reason(ReasonSameCountry, textArg("Country", st.countries.name(uint32(ot.h.country))))
		})
	}
	if expert && ot.m.modes != 0 && ot.m.modes&modeBit(string(r.mode)) == 0 {
		pe.exclude(r, func() Reason {
			var ms []string
			for _, m := range []Mode{ModeExchange, ModePeerReview, ModeTutoring} {
				if ot.m.modes&modeBit(string(m)) != 0 {
					ms = append(ms, string(m))
				}
			}
			return reason(ReasonMode, typedArg("Mode", ArgMode, string(r.mode)), typedArg("Modes", ArgModes, ms))
		})
	}
	// A city and an expert with no language in common cannot work
	// together. Between cities it is a factor, not a rule: a documented
	// practice can be read in translation, and a French challenge must
	// see the Spanish practices that answer it.
	shared := sharedLang(ch.m.langs, ot.m.langs)
	if shared < 0 && r.requireLang && expert && len(ch.m.langs) > 0 && len(ot.m.langs) > 0 {
		pe.exclude(r, func() Reason {
			return reason(ReasonNoSharedLanguage, typedArg("CityLanguages", ArgList, st.langNames(ch)), typedArg("ExpertLanguages", ArgList, st.langNames(ot)))
		})
	}

	// Context factors.
	pe.vals[fThemes], pe.details[fThemes] = st.themeFit(ch.m.themes, ot.m.themes, r.withDetail)
	switch {
	case len(ch.m.langs) == 0 || len(ot.m.langs) == 0:
		pe.vals[fLanguage] = unknownFit
		if r.withDetail {
			pe.details[fLanguage] = reasons1(reason(ReasonLanguagesUnknown))
		}
	case shared >= 0:
		pe.vals[fLanguage] = 1
		if r.withDetail {
			pe.details[fLanguage] = reasons1(reason(ReasonSharedLanguage, textArg("Language", st.langs.name(uint32(shared)))))
		}
	case expert && !r.requireLang:
		pe.vals[fLanguage] = interpretedFit
		if r.withDetail {
			pe.details[fLanguage] = reasons1(reason(ReasonNoLanguageAllowed, typedArg("Challenge", ArgList, st.langNames(ch)), typedArg("Other", ArgList, st.langNames(ot)), typedArg("Kept", ArgNumber, interpretedFit)))
		}
	default:
		if r.withDetail {
			pe.details[fLanguage] = reasons1(reason(ReasonNoLanguage, typedArg("Challenge", ArgList, st.langNames(ch)), typedArg("Other", ArgList, st.langNames(ot))))
		}
	}
	pe.vals[fGeography], pe.details[fGeography] = st.geoFit(ch, ot, r)
	if !expert {
		return
	}
	pe.vals[fSkills], pe.details[fSkills] = st.skillFit(ch.m.skills, ot.m.skills, r.withDetail)
	pe.vals[fRole], pe.details[fRole] = st.roleFitOf(ot.m, r)
	if ot.m.capacity > 0 {
		free := max(0, ot.m.capacity-ot.m.load)
		pe.vals[fCapacity] = float64(free) / float64(ot.m.capacity)
		if r.withDetail {
			pe.details[fCapacity] = reasons1(reason(ReasonCapacityFree, intArg("Free", int(free)), intArg("Capacity", int(ot.m.capacity))))
		}
	}
	v, det, ok := availability(ch.m, ot.m, r.today, r.withDetail)
	pe.vals[fAvailability], pe.details[fAvailability] = v, det
	if !ok {
		pe.exclude(r, func() Reason {
			_, det, _ := availability(ch.m, ot.m, r.today, true)
			code := ReasonUnavailableFrom
			if det[0].Code == ReasonAvailableUntil {
				code = ReasonUnavailableUntil
			}
			return Reason{Code: code, Args: det[0].Args}
		})
	}
}

// sharedLang returns a language both sides work in (the challenge side's
// first one in its order), -1 when none.
func sharedLang(a, b []uint16) int {
	for _, x := range a {
		if slices.Contains(b, x) {
			return int(x)
		}
	}
	return -1
}

// themeFit is the overlap of declared themes, |A∩B| / sqrt(|A|·|B|): a
// document that declares every theme does not match everything.
func (st *state) themeFit(a, b []uint16, detail bool) (float64, []Reason) {
	if len(a) == 0 || len(b) == 0 {
		return 0, nil
	}
	var shared []string
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
			if detail {
				shared = append(shared, st.themes.name(uint32(x)))
			}
		}
	}
	v := float64(n) / math.Sqrt(float64(len(a)*len(b)))
	if !detail || n == 0 {
		return v, nil
	}
	return v, reasons1(reason(ReasonThemes, intArg("Count", n), intArg("Of", len(a)), typedArg("Themes", ArgThemes, shared)))
}

// skillFit is the share of the skills asked that the expert declares.
func (st *state) skillFit(asked, has []uint32, detail bool) (float64, []Reason) {
	if len(asked) == 0 {
		if detail {
			return unknownFit, reasons1(reason(ReasonNoSkillsAsked))
		}
		return unknownFit, nil
	}
	var shared []string
	n := 0
	for _, x := range asked {
		if slices.Contains(has, x) {
			n++
			if detail {
				shared = append(shared, st.skills.name(x))
			}
		}
	}
	v := float64(n) / float64(len(asked))
	if !detail {
		return v, nil
	}
	if n == 0 {
		return v, reasons1(reason(ReasonNoSkills, intArg("Of", len(asked))))
	}
	return v, reasons1(reason(ReasonSkills, intArg("Count", n), intArg("Of", len(asked)), typedArg("Skills", ArgList, shared)))
}

// roleFitOf is how well an expert's role and seniority suit the mode.
func (st *state) roleFitOf(m *slotMeta, r *pairRules) (float64, []Reason) {
	role, sen := st.roles.name(uint32(m.role)), st.roles.name(uint32(m.seniority))
	rv, ok := roleFit[r.mode][role]
	if !ok {
		rv = unknownFit
	}
	sv, ok := seniorityFit[r.mode][sen]
	if !ok {
		sv = unknownFit
	}
	share := roleShare[r.mode]
	v := share*rv + (1-share)*sv
	if !r.withDetail {
		return v, nil
	}
	return v, reasons1(reason(ReasonRole, typedArg("Role", ArgRole, role), typedArg("Seniority", ArgSeniority, sen), typedArg("Mode", ArgMode, string(r.mode))))
}

// geoFit favours another country, or with r.similar the same region and
// size class.
func (st *state) geoFit(ch, ot sideRef, r *pairRules) (float64, []Reason) {
	if r.similar {
		region, size := unknownFit, unknownFit
		var parts []Reason
		if ch.h.region != 0 && ot.h.region != 0 {
			code := ReasonOtherRegion
			region = 0
			if ch.h.region == ot.h.region {
				code, region = ReasonSameRegion, 1
			}
			if r.withDetail {
				parts = append(parts, reason(code, typedArg("Region", ArgRegion, st.regions.name(uint32(ot.h.region)))))
			}
		}
		if ch.m.sizeClass != 0 && ot.m.sizeClass != 0 {
			code := ReasonOtherSize
			size = 0
			if ch.m.sizeClass == ot.m.sizeClass {
				code, size = ReasonSameSize, 1
			}
			if r.withDetail {
				parts = append(parts, reason(code, typedArg("Size", ArgSize, sizeClasses[ot.m.sizeClass])))
			}
		}
		v := (region + size) / 2
		if !r.withDetail {
			return v, nil
		}
		if len(parts) == 0 {
			return v, reasons1(reason(ReasonContextUnknown))
		}
		return v, parts
	}
	if ch.h.country == 0 || ot.h.country == 0 {
		if r.withDetail {
			return unknownFit, reasons1(reason(ReasonCountryUnknown))
		}
		return unknownFit, nil
	}
	if ch.h.country == ot.h.country {
		if r.withDetail {
			return 0, reasons1(reason(ReasonSameCountryGeo, textArg("Country", st.countries.name(uint32(ot.h.country)))))
		}
		return 0, nil
	}
	if r.withDetail {
		return 1, reasons1(reason(ReasonOtherCountry, textArg("Country", st.countries.name(uint32(ot.h.country)))))
	}
	return 1, nil
}

// availabilityHorizon is the window an expert's availability is measured
// on when a challenge gives no end date: the next six months.
const availabilityHorizon = 182

// availability is the share of the challenge's timeframe (from today when
// it gives no start, for six months when it gives no end) that the expert
// is available for; ok is false when it is none.
func availability(ch, ex *slotMeta, today int32, detail bool) (float64, []Reason, bool) {
	from, until := ch.from, ch.until
	if from == noFrom {
		from = today
	}
	if until == noUntil {
		until = from + availabilityHorizon
	}
	if until < from {
		until = from
	}
	lo, hi := max(from, ex.from), min(until, ex.until)
	span := float64(until-from) + 1
	v := 0.0
	if hi >= lo {
		v = (float64(hi-lo) + 1) / span
	}
	if !detail {
		return v, nil, v > 0
	}
	wFrom, wTo := typedArg("From", ArgDate, dayString(from)), typedArg("To", ArgDate, dayString(until))
	var det Reason
	switch {
	case v >= 1:
		det = reason(ReasonAvailableOver, wFrom, wTo)
	case v > 0:
		det = reason(ReasonAvailablePartly, typedArg("Share", ArgPercent, v), wFrom, wTo)
	case ex.until != noUntil && ex.until < from:
		det = reason(ReasonAvailableUntil, typedArg("Until", ArgDate, dayString(ex.until)), wFrom, wTo)
	default:
		det = reason(ReasonAvailableFrom, typedArg("Available", ArgDate, dayString(ex.from)), wFrom, wTo)
	}
	return v, reasons1(det), v > 0
}
