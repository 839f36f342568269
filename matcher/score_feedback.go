package matcher

import (
	"fmt"
	"strconv"
	"strings"
)

// feedbackValue is the value of FactorFeedback for the expert m in mode, in
// [-1, 1], with the subject factors of the pair already in vals and eff the
// pair's effective weights:
//
//	value   = fit × inMode × quality
//	quality = (RatingSum − 3·Rated) / (2·(Rated + feedbackPrior))
//	inMode  = (engagements in mode + ½ · the others) / engagements
//	fit     = min(1, subject / feedbackFullFit)
//
// quality is the mean rating mapped from 1..5 to -1..1 and shrunk towards
// neutral (3) as if feedbackPrior neutral ratings had been given: one
// rating of 5 gives 1/3, five give 5/7, twenty 10/11; ratings under 3 give
// a negative value. inMode is 1 when every completed engagement was in the
// query's mode, ½ when none was (or none is recorded). subject is the
// weighted mean of text, concepts and themes as the mode weighs them: an
// expert who does not fit the subject gets nothing from feedback, good or
// bad, and one who fits it from half way gets it all. The contribution,
// weight × value, is at most ±0.03 with the default weight; a penalty never
// takes more than the subject factors gave, so that a score stays ≥ 0.
// With no rating the value is 0, whatever the engagements.
func feedbackValue(fb *feedbackStats, mode Mode, eff *weightVec, vals *[numFactors]float64, detail bool) (float64, string) {
	if fb.rated == 0 {
		if !detail {
			return 0, ""
		}
		if fb.completed == 0 {
			return 0, "no completed engagement yet"
		}
		return 0, engagementsPhrase(fb, mode) + ", not rated yet"
	}
	subject := eff[fText]*vals[fText] + eff[fConcepts]*vals[fConcepts] + eff[fThemes]*vals[fThemes]
	subjW := eff[fText] + eff[fConcepts] + eff[fThemes]
	fit := 0.0
	if subjW > 0 {
		fit = min(1, subject/subjW/feedbackFullFit)
	}
	n := float64(fb.rated)
	quality := (float64(fb.ratingSum) - 3*n) / (2 * (n + feedbackPrior))
	share := feedbackOtherMode
	if i := modeIndex(mode); i >= 0 && fb.completed > 0 {
		in := float64(min(fb.byMode[i], fb.completed))
		share = (in + feedbackOtherMode*(float64(fb.completed)-in)) / float64(fb.completed)
	}
	v := fit * share * quality
	if w := eff[fFeedback]; w > 0 && w*v < -subject {
		v = -subject / w
	}
	if !detail {
		return v, ""
	}
	var b strings.Builder
	if fb.completed > 0 {
		b.WriteString(engagementsPhrase(fb, mode))
		b.WriteString(", ")
	}
	mean := float64(fb.ratingSum) / n
	if fb.rated == 1 {
		fmt.Fprintf(&b, "rated %s (1 rating)", formatRating(mean))
	} else {
		fmt.Fprintf(&b, "rated %s on average (%d ratings)", formatRating(mean), fb.rated)
	}
	switch {
	case fit == 0:
		b.WriteString("; no effect without subject fit")
	case fit < 1:
		fmt.Fprintf(&b, "; %.0f%% of its effect at this subject fit", 100*fit)
	}
	return v, b.String()
}

// engagementsPhrase says how many engagements an expert completed and how
// many in mode: "2 completed tutoring engagements", "5 completed
// engagements, 3 in peer review".
func engagementsPhrase(fb *feedbackStats, mode Mode) string {
	n := int(fb.completed)
	in := 0
	if i := modeIndex(mode); i >= 0 {
		in = min(int(fb.byMode[i]), n)
	}
	name := strings.ReplaceAll(string(mode), "_", " ")
	plural := "s"
	if n == 1 {
		plural = ""
	}
	switch in {
	case n:
		return fmt.Sprintf("%d completed %s engagement%s", n, name, plural)
	case 0:
		return fmt.Sprintf("%d completed engagement%s, none in %s", n, plural, name)
	}
	return fmt.Sprintf("%d completed engagements, %d in %s", n, in, name)
}

// formatRating writes a mean rating with one decimal at most: "5", "4.3".
func formatRating(v float64) string {
	return strconv.FormatFloat(float64(int(v*10+0.5))/10, 'f', -1, 64)
}
