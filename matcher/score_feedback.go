package matcher

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
func feedbackValue(fb *feedbackStats, mode Mode, eff *weightVec, vals *[numFactors]float64, detail bool) (float64, []Reason) {
	if fb.rated == 0 {
		if !detail {
			return 0, nil
		}
		if fb.completed == 0 {
			return 0, reasons1(reason(ReasonFeedbackNone))
		}
		return 0, reasons1(reason(ReasonFeedbackUnrated, typedArg("Engagements", ArgReason, engagementsReason(fb, mode))))
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
		return v, nil
	}
	mean := float64(int(float64(fb.ratingSum)/n*10+0.5)) / 10
	rating := reason(ReasonRatedOnce, typedArg("Mean", ArgRating, mean))
	if fb.rated != 1 {
		rating = reason(ReasonRatedAverage, typedArg("Mean", ArgRating, mean), intArg("Count", int(fb.rated)))
	}
	first := rating
	if fb.completed > 0 {
		first = reason(ReasonFeedbackRatedBy, typedArg("Engagements", ArgReason, engagementsReason(fb, mode)), typedArg("Rating", ArgReason, rating))
	}
	out := []Reason{first}
	switch {
	case fit == 0:
		out = append(out, reason(ReasonFeedbackNoEffect))
	case fit < 1:
		out = append(out, reason(ReasonFeedbackPartial, typedArg("Share", ArgPercent, fit)))
	}
	return v, out
}

// engagementsReason says how many engagements an expert completed and how
// many in mode: "2 completed tutoring engagements", "5 completed
// engagements, 3 in peer review".
func engagementsReason(fb *feedbackStats, mode Mode) Reason {
	n := int(fb.completed)
	in := 0
	if i := modeIndex(mode); i >= 0 {
		in = min(int(fb.byMode[i]), n)
	}
	m := typedArg("Mode", ArgMode, string(mode))
	switch in {
	case n:
		return reason(ReasonEngagementsAll, intArg("Count", n), m)
	case 0:
		return reason(ReasonEngagementsNone, intArg("Count", n), m)
	}
	return reason(ReasonEngagementsSome, intArg("Count", n), intArg("In", in), m)
}
