//go:build unix

package matcher_test

import (
	"context"
	"testing"
	"time"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
)

// BenchmarkRoundEndToEnd is a review round the way the service runs one, without
// the database: 1,000 challenges and 20,000 experts in the index, the best 100
// candidates of each challenge from the index in peer_review mode (with their
// explanations), then the round assembled by matcher/assembly with five seats a
// panel under a role quota and a cap per country. It reports the two phases.
//
// rules-after-cut is how rounds gathered their pools before: the best 100 by
// subject fit, the language and home-country rules applied by the assembly
// after the cut. rules-before-cut is how the service gathers them now: the
// index applies those rules first (ExcludeHomeCountry, the shared language),
// so that the 100 are eligible ones.
func BenchmarkRoundEndToEnd(b *testing.B) {
	b.Run("rules-after-cut", func(b *testing.B) { benchmarkRoundEndToEnd(b, false) })
	b.Run("rules-before-cut", func(b *testing.B) { benchmarkRoundEndToEnd(b, true) })
}

func benchmarkRoundEndToEnd(b *testing.B, rulesFirst bool) {
	const challenges, experts, pool = 1_000, 20_000, 100
	docs := matcher.SyntheticCorpus(matcher.CorpusConfig{Docs: experts, Seed: 7, ExpertShare: 1})
	queries := matcher.SyntheticQueries(matcher.CorpusConfig{Docs: experts, Seed: 7}, challenges, 50)
	docs = append(docs, queries...)
	ix := matcher.NewIndex(matcher.NewAnalyzer(matcher.NewLexicon(nil)))
	if err := ix.Build(docs, nil); err != nil {
		b.Fatal(err)
	}
	keep := false
	b.ResetTimer()
	var gather, solve time.Duration
	for range b.N {
		start := time.Now()
		items := make([]assembly.RoundItem, 0, challenges)
		for _, q := range queries {
			mq := matcher.Query{ChallengeID: q.ID, Kind: matcher.KindExpert, Mode: matcher.ModePeerReview, RequireSharedLanguage: &keep}
			if rulesFirst {
				mq.RequireSharedLanguage, mq.ExcludeHomeCountry = nil, true
			}
			sugs, err := ix.Candidates(mq, pool)
			if err != nil {
				b.Fatal(err)
			}
			cands := make([]assembly.Candidate, 0, len(sugs))
			for _, s := range sugs {
				d, _ := ix.Doc(s.ID)
				cands = append(cands, assembly.Candidate{ID: s.ID, Score: s.Score, Role: d.Role, Seniority: d.Seniority,
					CityID: d.CityID, Country: d.Country, Region: d.Region, Languages: d.Languages, CapacityLeft: d.Capacity})
			}
			items = append(items, assembly.RoundItem{ChallengeID: q.ID, Candidates: cands, Rules: assembly.PanelRules{
				Size: 5, MaxPerCountry: 2, CityID: q.CityID, CityCountry: q.Country, CityLanguages: q.Languages,
				RoleQuotas: []assembly.RoleQuota{{Roles: []string{"mayor", "elected_official", "public_service_manager"}, Min: 1}},
			}})
		}
		mid := time.Now()
		res, err := assembly.SolveRound(context.Background(), items, assembly.FairnessTotal, nil)
		if err != nil {
			b.Fatal(err)
		}
		gather += mid.Sub(start)
		solve += time.Since(mid)
		b.ReportMetric(float64(len(res.Panels)), "panels")
	}
	b.ReportMetric(gather.Seconds()/float64(b.N), "gather-s")
	b.ReportMetric(solve.Seconds()/float64(b.N), "solve-s")
}
