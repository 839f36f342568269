package matcher

import (
	"math"
	"slices"
	"strings"
)

// The concept factor is a bridge between languages, and a coarse one: a
// concept is a whole theme of the taxonomy. On texts the taxonomy covers
// well (a challenge on household waste, practices on waste) a shared
// concept is strong evidence of a shared subject; on texts it hardly
// covers (a research abstract, a subject the taxonomy does not name) the
// concepts found are a word here and there, and a fixed weight on them
// drags a good text score down with noise. So the concept factor keeps its
// weight only in proportion to the evidence for it, its trust, and gives
// the rest to the text factor:
//
//	trust    = min(coverage(challenge), coverage(document)) × min(1, Σ specificity of the shared concepts)
//	coverage = min(1, share of a text's words inside concept hits / coverageFull)
//	weight of concepts = w_concepts × trust;  weight of text = w_text + w_concepts × (1 − trust)
//
// A pair the taxonomy does not cover at all (no concept on one side, or
// none shared) scores exactly as text alone would with the concepts' weight
// added to it: never worse than text alone. Specificity is IDF-like: a
// concept held by specificShare of the documents compared, or fewer,
// counts fully, one held by all of them not at all (sdg11 in a network of
// cities says little).
const (
	// coverageFull is the share of a text's words that concept hits must
	// cover for its concepts to be trusted fully. Chosen on the tuning
	// half of the evaluation set (0.05, 0.10 and 0.15 tried: practices
	// nDCG@10 0.929, 0.921, 0.919), where the practices' median coverage
	// is 17% and the tenth percentile 4%.
	coverageFull = 0.05
	// specificShare is the document frequency under which a concept is
	// fully specific.
	specificShare = 0.25
	// specificPrior is a number of documents taken to hold none of the
	// query's concepts: in a small index, where every document may hold
	// a concept, rarity says nothing yet and a concept counts as specific.
	specificPrior = 12
)

// coverageTrust is the trust one side's coverage allows.
func coverageTrust(cov float64) float64 { return min(1, max(0, cov/coverageFull)) }

// specificity is how telling a concept held by df of n documents is, in
// [0, 1].
func specificity(n, df int) float64 {
	if df <= 0 {
		return 0
	}
	v := math.Log(float64(n+specificPrior+1)/float64(df+1)) / math.Log(1/specificShare)
	return min(1, max(0, v))
}

// trust is the evidence the concept factor of one pair rests on.
type trust struct {
	value    float64 // the share of its weight the concept factor keeps
	covQ     float64 // coverage of the side that asks
	covD     float64 // coverage of the document
	evidence float64 // sum of the specificities of the shared concepts
}

// minRecognisable is the weight a concept's strongest hit in a text must
// have for a reader to recognise the concept there: a lexicon term of full
// weight (a label or synonym of the taxonomy) is, a weak one (a word with
// several senses, a probable translation) is not. A shared concept counts
// as evidence for the concept factor, and is shown, only when it is
// recognisable in both texts; its weaker hits still add to the factor's
// value, as much as they weigh.
const minRecognisable = 0.5

// conceptFeats are the query's concept features with their specificity in
// the target segment, sorted by ID: 0 for a concept the subject does not
// name recognisably (see minRecognisable).
func (st *state) conceptFeats(qv *qvec, best map[string]float64) []qfeat {
	var out []qfeat
	n := st.segs[qv.seg].live
	for _, f := range qv.feats {
		if f.class == classConcept {
			if best[strings.TrimPrefix(st.names[f.id], conceptPrefix)] >= minRecognisable {
				f.spec = specificity(n, f.df)
			}
			out = append(out, f)
		}
	}
	return out
}

// recognisable reports whether the document's strongest hit of concept id
// is recognisable (see minRecognisable).
func (m *slotMeta) recognisable(id uint32) bool {
	for _, c := range m.concepts {
		if c.id == id {
			return c.w >= minRecognisable
		}
	}
	return false
}

// trustOf is the trust of the concept factor between the subject and the
// document in slot.
func (s *search) trustOf(slot uint32) trust {
	m := &s.st.meta[slot]
	t := trust{covQ: s.text.cov, covD: coverageOf(m.cov)}
	if len(s.qConcepts) == 0 || t.covQ == 0 || t.covD == 0 {
		return t
	}
	fwd := m.fwd
	for _, f := range s.qConcepts {
		i, _ := slices.BinarySearch(fwd, f.id<<impBits)
		if i < len(fwd) && fwd[i]>>impBits == f.id && f.spec > 0 && m.recognisable(f.id) {
			t.evidence += f.spec
		}
	}
	t.value = min(coverageTrust(t.covQ), coverageTrust(t.covD)) * min(1, t.evidence)
	return t
}

// shiftConcepts moves the share of the concept weight that trust does not
// keep to the text factor.
func (w *weightVec) shiftConcepts(t float64) {
	moved := w[fConcepts] * (1 - t)
	w[fConcepts] -= moved
	w[fText] += moved
}

// trustReason says what the concept weight rests on; false when the
// concepts weigh nothing.
func trustReason(t trust, given float64) (Reason, bool) {
	if given == 0 {
		return Reason{}, false
	}
	args := make([]Arg, 0, 5) // room for the share, without a second allocation
	args = append(args, typedArg("Weight", ArgNumber, given), typedArg("Query", ArgPercent, t.covQ),
		typedArg("Doc", ArgPercent, t.covD), typedArg("Specificity", ArgDecimal2, t.evidence))
	switch {
	case t.value >= 1:
		return Reason{ReasonTrustWhole, args}, true
	case t.value <= 0:
		return Reason{ReasonTrustNone, args}, true
	}
	return Reason{ReasonTrustPartial, append(args, typedArg("Share", ArgPercent, t.value))}, true
}
