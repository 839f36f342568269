//go:build unix

package matcher_test

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"matchmaker/matcher"
)

// The benchmarks of Candidates, Group and metadata-only upserts, on the
// synthetic corpus of bench_test.go:
//
//	go test ./matcher -run '^$' -bench 'Candidates20k|Group2k|UpsertExpert' -benchtime 200x -benchmem

// expertCorpus is 25,000 documents of which 20,000 experts (with three
// engagements each), indexed with their texts left to a lookup.
var expertCorpus = sync.OnceValues(func() (*matcher.Index, *benchCorpus) {
	cfg := matcher.CorpusConfig{Docs: 25_000, Seed: benchSeed, ExpertShare: 0.8, ChallengeShare: 0.1}
	c := &benchCorpus{docs: matcher.SyntheticCorpus(cfg), queries: matcher.SyntheticQueries(cfg, 200, 50), byID: map[string]int{}}
	for i, d := range c.docs {
		c.byID[d.ID] = i
	}
	ix := matcher.NewIndex(matcher.NewAnalyzer(benchLexicon()), matcher.WithLookup(c.lookup))
	if err := ix.Build(c.docs, nil); err != nil {
		panic(err)
	}
	return ix, c
})

// BenchmarkCandidates20k ranks 500 experts of 20,000 for a challenge in
// tutoring mode, each explained with its evidence; with the excluded ones
// (half of the experts share no language with the challenge's city).
func BenchmarkCandidates20k(b *testing.B) {
	for _, tc := range []struct {
		name     string
		excluded bool
	}{{"n500", false}, {"n500-with-excluded", true}} {
		b.Run(tc.name, func(b *testing.B) {
			ix, c := expertCorpus()
			lat := make([]time.Duration, 0, b.N)
			returned := 0
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			b.ResetTimer()
			for i := range b.N {
				q := matcher.Query{Challenge: &c.queries[i%len(c.queries)], Mode: matcher.ModeTutoring, IncludeExcluded: tc.excluded}
				start := time.Now()
				got, err := ix.Candidates(q, 500)
				lat = append(lat, time.Since(start))
				if err != nil || len(got) == 0 {
					b.Fatalf("candidates: %d, %v", len(got), err)
				}
				returned += len(got)
			}
			b.StopTimer()
			reportLatency(b, lat)
			b.ReportMetric(float64(returned)/float64(b.N), "returned")
			// The CPU time says what a call costs whatever else runs on the
			// machine (evidence is found on all cores).
			b.ReportMetric((cpuSeconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkGroup2k groups 2,000 practices.
func BenchmarkGroup2k(b *testing.B) {
	docs := matcher.SyntheticCorpus(matcher.CorpusConfig{Docs: 2500, Seed: benchSeed, ExpertShare: 0.01, ChallengeShare: 0.01})
	ix := matcher.NewIndex(matcher.NewAnalyzer(benchLexicon()))
	if err := ix.Build(docs, nil); err != nil {
		b.Fatal(err)
	}
	var ids []string
	for _, d := range docs {
		if d.Kind == matcher.KindPractice && len(ids) < 2000 {
			ids = append(ids, d.ID)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := ix.Group(ids, 0.25); err != nil {
			b.Fatal(err)
		}
	}
}

var bioEdits atomic.Int64

// BenchmarkUpsertExpert compares an Upsert that changes an expert's load
// and feedback (done in place) with one that changes the bio (analysed
// again), in the index of 20,000 experts.
func BenchmarkUpsertExpert(b *testing.B) {
	ix, c := expertCorpus()
	var experts []matcher.Doc
	for _, d := range c.docs {
		if d.Kind == matcher.KindExpert && len(experts) < 1000 {
			experts = append(experts, d)
		}
	}
	b.Run("load-and-feedback", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			d := experts[i%len(experts)]
			d.Load = i % 2
			d.Feedback = matcher.Feedback{Completed: i % 7, Rated: i % 5, RatingSum: 4 * (i % 5)}
			if err := ix.Upsert(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bio", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			d := experts[i%len(experts)]
			// A new text every time, across runs too: the same one again
			// would be updated in place.
			d.Fields = []matcher.Field{{Name: "bio", Text: d.Fields[0].Text + " " + strconv.Itoa(int(bioEdits.Add(1)))}}
			if err := ix.Upsert(d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
