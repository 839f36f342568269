package matcher

import (
	"math"
	"slices"
	"time"
)

// An expert's track record speaks for them through its items, each matched
// on its own against the challenge. One item is thin evidence: a single
// past engagement that shares the challenge's words may be luck, a short
// title that happens to repeat them says little, and what someone did
// fifteen years ago is less what they know today. So the record's fit is
// not its best item's but a weighted mean of its best few, each item's
// similarity discounted for its age and for its length:
//
//	record   = Σ recordWeights[i] × item_(i) / Σ recordWeights    the best items first, missing ones 0
//	item     = similarity × recency × length
//	recency  = 1 / (1 + max(0, age − 1) / recencyHalfLife)      1 for this year's and last year's, ½ at 9 years; unknownRecency without a year
//	length   = min(1, √(words / fullItemWords))                  a four-word title reaches 0.7 at best
//
// An expert's text factor combines the fit of their whole profile (bio,
// skills and every item together) with that of their record (see
// textFit), and a record of several items on the subject counts more than
// one.

// recordWeights are the weights of the best, second and third items.
var recordWeights = [...]float64{1, 0.5, 0.25}

const (
	recencyHalfLife = 8   // years after which an item counts half, past the first
	unknownRecency  = 0.8 // an item with no year
	fullItemWords   = 12  // weighted words (a title's count 1.5) from which an item is not short
)

// recency is what an item of year counts, in thisYear.
func recency(year, thisYear int) float64 {
	if year <= 0 {
		return unknownRecency
	}
	age := max(0, thisYear-year-1)
	return 1 / (1 + float64(age)/recencyHalfLife)
}

// itemLength is what an item of words weighted words counts for its length.
func itemLength(words float32) float64 {
	return min(1, math.Sqrt(float64(words)/fullItemWords))
}

// itemFactor is the discount of an item (its slot metadata) in thisYear.
func itemFactor(m *slotMeta, thisYear int) float64 {
	return recency(int(m.year), thisYear) * itemLength(m.termLen)
}

// record aggregates the discounted similarities of an expert's items: the
// weighted mean of the best few (see recordWeights). vals is reordered.
func record(vals []float64) float64 {
	slices.SortFunc(vals, func(a, b float64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	sum, wsum := 0.0, 0.0
	for i, w := range recordWeights {
		if i < len(vals) {
			sum += w * min(1, vals[i])
		}
		wsum += w
	}
	return sum / wsum
}

// yearOf is the calendar year of a day number.
func yearOf(day int32) int {
	return time.Unix(int64(day)*86400, 0).UTC().Year()
}

// textFit is an expert's text factor from the fit of their whole profile
// (bio, skills and every item together) and that of their record (see
// record): the two are separate evidence of the same expertise, combined
// as a noisy-or, 1 − (1 − profile)(1 − record). It is never less than the
// better of the two, so a long bio about something else does not drown a
// record on the subject, nor an off-subject record a bio on it; and when
// both speak for the subject it is more than either, where taking the
// better alone threw the other away. Without a record it is the
// profile's fit.
func textFit(profile, rec float64) float64 {
	return 1 - (1-profile)*(1-rec)
}
