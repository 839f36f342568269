package matcher

import (
	"fmt"
	"math"
	"slices"
	"strings"
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
	details  [numFactors]string
	reasons  []string
	excluded bool
}

// exclude records a reason the pair is excluded; msg is only called when
// the reason is to be written.
func (pe *pairEval) exclude(r *pairRules, msg func() string) {
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
		pe.exclude(r, func() string {
			return fmt.Sprintf("same city: the %s is from the challenge's own city %s", otName, st.cities.name(ch.h.city))
		})
	}
	if ot.h.flags&flEligible == 0 && !r.skipSubject {
		pe.exclude(r, func() string {
			if expert {
				return "expert is paused"
			}
			return fmt.Sprintf("%s is %s", otName, statusName(ot.m.seg, ot.m.status))
		})
	}
	if r.checkChallenge && ch.h.flags&flEligible == 0 {
		pe.exclude(r, func() string { return "challenge is " + statusName(segChallenge, ch.m.status) })
	}
	if expert && !r.skipSubject {
		switch {
		case ot.m.capacity <= 0:
			pe.exclude(r, func() string { return "expert takes no engagement (capacity 0)" })
		case ot.m.load >= ot.m.capacity:
			pe.exclude(r, func() string {
				return fmt.Sprintf("no capacity left: %d of %d engagements under way", ot.m.load, ot.m.capacity)
			})
		}
	}
	if expert && r.excludeHome && ch.h.country != 0 && ch.h.country == ot.h.country {
		pe.exclude(r, func() string {
			return "same country: the expert is from the challenge's own country " + st.countries.name(uint32(ot.h.country))
		})
	}
	if expert && ot.m.modes != 0 && ot.m.modes&modeBit(string(r.mode)) == 0 {
		pe.exclude(r, func() string {
			var ms []string
			for _, m := range []Mode{ModeExchange, ModePeerReview, ModeTutoring} {
				if ot.m.modes&modeBit(string(m)) != 0 {
					ms = append(ms, string(m))
				}
			}
			return fmt.Sprintf("expert does not volunteer for %s (volunteers for %s)", r.mode, strings.Join(ms, ", "))
		})
	}
	// A city and an expert with no language in common cannot work
	// together. Between cities it is a factor, not a rule: a documented
	// practice can be read in translation, and a French challenge must
	// see the Spanish practices that answer it.
	shared := sharedLang(ch.m.langs, ot.m.langs)
	if shared < 0 && r.requireLang && expert && len(ch.m.langs) > 0 && len(ot.m.langs) > 0 {
		pe.exclude(r, func() string {
			return fmt.Sprintf("no shared working language: challenge city works in %s; expert speaks %s",
				strings.Join(st.langNames(ch), ", "), strings.Join(st.langNames(ot), ", "))
		})
	}

	// Context factors.
	pe.vals[fThemes], pe.details[fThemes] = st.themeFit(ch.m.themes, ot.m.themes, r.withDetail)
	switch {
	case len(ch.m.langs) == 0 || len(ot.m.langs) == 0:
		pe.vals[fLanguage] = unknownFit
		if r.withDetail {
			pe.details[fLanguage] = "working languages not known"
		}
	case shared >= 0:
		pe.vals[fLanguage] = 1
		if r.withDetail {
			pe.details[fLanguage] = "shares " + st.langs.name(uint32(shared))
		}
	default:
		if r.withDetail {
			pe.details[fLanguage] = fmt.Sprintf("no language in common (%s / %s)",
				strings.Join(st.langNames(ch), ", "), strings.Join(st.langNames(ot), ", "))
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
			pe.details[fCapacity] = fmt.Sprintf("%d of %d engagements free", free, ot.m.capacity)
		}
	}
	v, det, ok := availability(ch.m, ot.m, r.today, r.withDetail)
	pe.vals[fAvailability], pe.details[fAvailability] = v, det
	if !ok {
		pe.exclude(r, func() string {
			_, det, _ := availability(ch.m, ot.m, r.today, true)
			return "expert not available: " + det
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
func (st *state) themeFit(a, b []uint16, detail bool) (float64, string) {
	if len(a) == 0 || len(b) == 0 {
		return 0, ""
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
		return v, ""
	}
	return v, fmt.Sprintf("%d of %d themes: %s", n, len(a), strings.Join(shared, ", "))
}

// skillFit is the share of the skills asked that the expert declares.
func (st *state) skillFit(asked, has []uint32, detail bool) (float64, string) {
	if len(asked) == 0 {
		if detail {
			return unknownFit, "no skills asked"
		}
		return unknownFit, ""
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
		return v, ""
	}
	if n == 0 {
		return v, fmt.Sprintf("none of the %d skills asked", len(asked))
	}
	return v, fmt.Sprintf("%d of %d skills asked: %s", n, len(asked), strings.Join(shared, ", "))
}

// roleFitOf is how well an expert's role and seniority suit the mode.
func (st *state) roleFitOf(m *slotMeta, r *pairRules) (float64, string) {
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
		return v, ""
	}
	if role == "" {
		role = "role not given"
	}
	if sen == "" {
		sen = "seniority not given"
	}
	return v, fmt.Sprintf("%s, %s, for %s", role, sen, r.mode)
}

// geoFit favours another country, or with r.similar the same region and
// size class.
func (st *state) geoFit(ch, ot sideRef, r *pairRules) (float64, string) {
	if r.similar {
		region, size := unknownFit, unknownFit
		var parts []string
		if ch.h.region != 0 && ot.h.region != 0 {
			if ch.h.region == ot.h.region {
				region = 1
				parts = append(parts, "same region "+st.regions.name(uint32(ot.h.region)))
			} else {
				region = 0
				parts = append(parts, "other region "+st.regions.name(uint32(ot.h.region)))
			}
		}
		if ch.m.sizeClass != 0 && ot.m.sizeClass != 0 {
			if ch.m.sizeClass == ot.m.sizeClass {
				size = 1
				parts = append(parts, "same size class "+sizeClasses[ot.m.sizeClass])
			} else {
				size = 0
				parts = append(parts, "other size class "+sizeClasses[ot.m.sizeClass])
			}
		}
		v := (region + size) / 2
		if !r.withDetail {
			return v, ""
		}
		if len(parts) == 0 {
			return v, "region and size not known"
		}
		return v, strings.Join(parts, "; ")
	}
	if ch.h.country == 0 || ot.h.country == 0 {
		if r.withDetail {
			return unknownFit, "country not known"
		}
		return unknownFit, ""
	}
	if ch.h.country == ot.h.country {
		if r.withDetail {
			return 0, "same country " + st.countries.name(uint32(ot.h.country))
		}
		return 0, ""
	}
	if r.withDetail {
		return 1, "other country " + st.countries.name(uint32(ot.h.country))
	}
	return 1, ""
}

// availabilityHorizon is the window an expert's availability is measured
// on when a challenge gives no end date: the next six months.
const availabilityHorizon = 182

// availability is the share of the challenge's timeframe (from today when
// it gives no start, for six months when it gives no end) that the expert
// is available for; ok is false when it is none.
func availability(ch, ex *slotMeta, today int32, detail bool) (float64, string, bool) {
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
		return v, "", v > 0
	}
	window := dayString(from) + " to " + dayString(until)
	var det string
	switch {
	case v >= 1:
		det = "available over " + window
	case v > 0:
		det = fmt.Sprintf("available for %.0f%% of %s", 100*v, window)
	case ex.until != noUntil && ex.until < from:
		det = fmt.Sprintf("available until %s; the challenge runs %s", dayString(ex.until), window)
	default:
		det = fmt.Sprintf("available from %s; the challenge runs %s", dayString(ex.from), window)
	}
	return v, det, v > 0
}
