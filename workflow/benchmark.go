package workflow

import (
	"cmp"
	"context"
	"math"
	"slices"

	"matchmaker/profiles"
)

// Peer-review scoring: a round may carry a rubric; the members of each panel
// score the reviewed city on its criteria, and the round's benchmark compares the
// cities criterion by criterion.

// ScoreSheet is one panel member's scores of the reviewed city.
type ScoreSheet struct {
	ChallengeID string
	ExpertID    string
	Scores      []Score
}

// Score is one criterion's score on a sheet.
type Score struct {
	Criterion string
	Value     int
	Comment   string
}

// SaveScores records a panel member's scores of the reviewed city of the round
// with roundID and returns every score of that member for that city.
func (w *Workflows) SaveScores(ctx context.Context, roundID string, sheet ScoreSheet) ([]profiles.ReviewScore, error) {
	var fe fieldErrors
	if sheet.ChallengeID == "" {
		fe.add("challenge_id", "name the reviewed challenge")
	}
	if sheet.ExpertID == "" {
		fe.add("expert_id", "name the panel member who scores")
	}
	if len(sheet.Scores) == 0 {
		fe.add("scores", "give at least one criterion's score")
	}
	if err := fe.err(); err != nil {
		return nil, err
	}
	if _, err := w.store.FindRoundByID(ctx, roundID); err != nil {
		return nil, err
	}
	scores := make([]profiles.ReviewScore, len(sheet.Scores))
	for i, e := range sheet.Scores {
		scores[i] = profiles.ReviewScore{RoundID: roundID, ChallengeID: sheet.ChallengeID, ExpertID: sheet.ExpertID,
			Criterion: e.Criterion, Value: e.Value, Comment: e.Comment}
	}
	if err := w.store.SaveReviewScores(ctx, roundID, scores); err != nil {
		return nil, err
	}
	all, err := w.store.FindReviewScores(ctx, roundID)
	if err != nil {
		return nil, err
	}
	mine := slices.DeleteFunc(all, func(r profiles.ReviewScore) bool {
		return r.ChallengeID != sheet.ChallengeID || r.ExpertID != sheet.ExpertID
	})
	return orEmpty(mine), nil
}

// RoundBenchmark compares the reviewed cities of the round with id on its
// rubric; a round without a rubric is a *profiles.ConflictError.
func (w *Workflows) RoundBenchmark(ctx context.Context, id string) (Benchmark, error) {
	r, err := w.store.FindRoundByID(ctx, id)
	if err != nil {
		return Benchmark{}, err
	}
	if r.Rubric == nil {
		return Benchmark{}, conflict("the round has no rubric: its panels do not score the cities")
	}
	scores, err := w.store.FindReviewScores(ctx, r.ID)
	if err != nil {
		return Benchmark{}, err
	}
	return w.benchmark(ctx, r, scores)
}

// Benchmark compares the reviewed cities of a round on its rubric.
type Benchmark struct {
	RoundID  string               `json:"round_id"`
	Criteria []CriterionBenchmark `json:"criteria"`
	Cities   []CityBenchmark      `json:"cities"`
}

// CriterionBenchmark is one criterion across the round: its mean and each city's.
type CriterionBenchmark struct {
	profiles.Criterion
	Mean   *float64         `json:"mean"` // over every score of the round; null when nobody scored it
	Cities []CriterionScore `json:"cities"`
}

// CriterionScore is one city on one criterion.
type CriterionScore struct {
	ChallengeID string  `json:"challenge_id"`
	CityID      string  `json:"city_id"`
	Mean        float64 `json:"mean"`
	Min         int     `json:"min"`
	Max         int     `json:"max"`
	Scores      int     `json:"scores"`
	// VsRound is the city's mean minus the round's mean on this criterion.
	VsRound float64 `json:"vs_round"`
}

// CityBenchmark is one reviewed city across the rubric.
type CityBenchmark struct {
	ChallengeID string `json:"challenge_id"`
	CityID      string `json:"city_id"`
	CityName    string `json:"city_name"`
	// Overall is the mean of the city's criterion means, each put on 0..1 by
	// its scale, so that criteria with different scales weigh the same.
	Overall   float64            `json:"overall"`
	Rank      int                `json:"rank"`
	Reviewers int                `json:"reviewers"`
	Criteria  map[string]float64 `json:"criteria"`
	// Strongest and Weakest are the criteria where the city stands furthest
	// above and below the round's mean.
	Strongest string `json:"strongest,omitempty"`
	Weakest   string `json:"weakest,omitempty"`
}

// benchmark aggregates a round's scores per criterion and per city.
func (w *Workflows) benchmark(ctx context.Context, r profiles.ReviewRound, scores []profiles.ReviewScore) (Benchmark, error) {
	type key struct{ challenge, criterion string }
	type agg struct {
		sum, n   int
		min, max int
	}
	per := map[key]*agg{}
	byCrit := map[string]*agg{}
	reviewers := map[string]map[string]bool{}
	var challenges []string
	for _, sc := range scores {
		k := key{sc.ChallengeID, sc.Criterion}
		a := per[k]
		if a == nil {
			a = &agg{min: sc.Value, max: sc.Value}
			per[k] = a
		}
		a.sum, a.n = a.sum+sc.Value, a.n+1
		a.min, a.max = min(a.min, sc.Value), max(a.max, sc.Value)
		if byCrit[sc.Criterion] == nil {
			byCrit[sc.Criterion] = &agg{}
		}
		byCrit[sc.Criterion].sum += sc.Value
		byCrit[sc.Criterion].n++
		if reviewers[sc.ChallengeID] == nil {
			reviewers[sc.ChallengeID] = map[string]bool{}
			challenges = append(challenges, sc.ChallengeID)
		}
		reviewers[sc.ChallengeID][sc.ExpertID] = true
	}
	slices.Sort(challenges)
	cityOf := map[string]profiles.City{}
	for _, id := range challenges {
		ch, err := w.store.FindChallengeByID(ctx, id)
		if err != nil {
			continue // deleted since it was scored
		}
		if city, err := w.store.FindCityByID(ctx, ch.CityID); err == nil {
			cityOf[id] = city
		}
	}
	view := Benchmark{RoundID: r.ID, Criteria: []CriterionBenchmark{}, Cities: []CityBenchmark{}}
	cities := map[string]*CityBenchmark{}
	for _, id := range challenges {
		city := cityOf[id]
		cities[id] = &CityBenchmark{ChallengeID: id, CityID: city.ID, CityName: city.Name, Reviewers: len(reviewers[id]), Criteria: map[string]float64{}}
	}
	for _, cr := range r.Rubric.Criteria {
		cv := CriterionBenchmark{Criterion: cr, Cities: []CriterionScore{}}
		tot := byCrit[cr.Code]
		var roundMean float64
		if tot != nil && tot.n > 0 {
			roundMean = round6(float64(tot.sum) / float64(tot.n))
			cv.Mean = &roundMean
		}
		for _, id := range challenges {
			a := per[key{id, cr.Code}]
			if a == nil {
				continue
			}
			mean := round6(float64(a.sum) / float64(a.n))
			cv.Cities = append(cv.Cities, CriterionScore{ChallengeID: id, CityID: cities[id].CityID, Mean: mean, Min: a.min, Max: a.max, Scores: a.n, VsRound: round6(mean - roundMean)})
			cities[id].Criteria[cr.Code] = mean
		}
		slices.SortStableFunc(cv.Cities, func(a, b CriterionScore) int { return cmp.Compare(b.Mean, a.Mean) })
		view.Criteria = append(view.Criteria, cv)
	}
	for _, id := range challenges {
		cb := cities[id]
		sum, n := 0.0, 0
		best, worst := math.Inf(-1), math.Inf(1)
		for _, cr := range r.Rubric.Criteria {
			mean, ok := cb.Criteria[cr.Code]
			if !ok {
				continue
			}
			sum += (mean - float64(cr.Min)) / float64(cr.Max-cr.Min)
			n++
			var rm float64
			for _, cv := range view.Criteria {
				if cv.Code == cr.Code && cv.Mean != nil {
					rm = *cv.Mean
				}
			}
			rel := (mean - rm) / float64(cr.Max-cr.Min)
			if rel > best {
				best, cb.Strongest = rel, cr.Code
			}
			if rel < worst {
				worst, cb.Weakest = rel, cr.Code
			}
		}
		if n > 0 {
			cb.Overall = round6(sum / float64(n))
		}
		if n < 2 {
			cb.Strongest, cb.Weakest = "", ""
		}
		view.Cities = append(view.Cities, *cb)
	}
	slices.SortStableFunc(view.Cities, func(a, b CityBenchmark) int { return cmp.Compare(b.Overall, a.Overall) })
	for i := range view.Cities {
		view.Cities[i].Rank = i + 1
		if i > 0 && view.Cities[i].Overall == view.Cities[i-1].Overall {
			view.Cities[i].Rank = view.Cities[i-1].Rank
		}
	}
	return view, nil
}
