package assembly_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"matchmaker/matcher/assembly"
)

// The benchmarks draw a synthetic network: experts in about 100 countries
// of 7 regions, speaking English, French or Spanish (and sometimes
// Portuguese or Arabic), with the roles in the proportions a network of
// local governments has (few mayors, many officers). A candidate's score
// is skewed: most are weak, a few fit well, and part of the fit is the
// expert's own standing, so that the same strong experts are wanted by
// many challenges and compete for their capacity.

type benchExpert struct {
	c       assembly.Candidate
	quality float64
}

var benchRoleWeights = []struct {
	role string
	w    float64
}{
	{"mayor", 0.06}, {"elected_official", 0.06}, {"public_service_manager", 0.2},
	{"technical_officer", 0.3}, {"academic", 0.18}, {"consultant", 0.12}, {"other", 0.08},
}

func benchExperts(rng *rand.Rand, n int) []benchExpert {
	out := make([]benchExpert, n)
	for i := range out {
		country := rng.IntN(100)
		c := assembly.Candidate{
			ID:           fmt.Sprintf("x%05d", i),
			Country:      fmt.Sprintf("C%02d", country),
			Region:       fmt.Sprintf("R%d", country%7),
			CityID:       fmt.Sprintf("city%04d", rng.IntN(5000)),
			Seniority:    []string{"junior", "senior", "leadership"}[rng.IntN(3)],
			CapacityLeft: 1 + rng.IntN(3),
		}
		u := rng.Float64()
		for _, rw := range benchRoleWeights {
			if u -= rw.w; u <= 0 {
				c.Role = rw.role
				break
			}
		}
		if c.Role == "" {
			c.Role = "other"
		}
		switch rng.IntN(10) {
		case 0, 1, 2, 3:
			c.Languages = []string{"en"}
		case 4, 5:
			c.Languages = []string{"fr", "en"}
		case 6, 7:
			c.Languages = []string{"es"}
		case 8:
			c.Languages = []string{"fr", "ar"}
		default:
			c.Languages = []string{"pt", "es", "en"}
		}
		out[i] = benchExpert{c: c, quality: math.Pow(rng.Float64(), 2)}
	}
	return out
}

// benchPool is the candidate list of one challenge: pool experts drawn at
// random, each with a skewed score mixing fit and standing.
func benchPool(rng *rand.Rand, experts []benchExpert, pool int) []assembly.Candidate {
	out := make([]assembly.Candidate, 0, pool)
	seen := map[int]bool{}
	for len(out) < pool {
		// Strong experts are more often among the best candidates.
		i := rng.IntN(len(experts))
		if rng.IntN(3) == 0 {
			i = int(float64(len(experts)) * math.Pow(rng.Float64(), 3))
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		c := experts[i].c
		c.Score = math.Round((0.5*math.Pow(rng.Float64(), 3)+0.5*experts[i].quality)*1e6) / 1e6
		out = append(out, c)
	}
	return out
}

func benchRules(rng *rand.Rand, quotas bool) assembly.PanelRules {
	country := rng.IntN(100)
	r := assembly.PanelRules{
		Size:          5,
		MaxPerCountry: 2,
		CityID:        fmt.Sprintf("city%04d", rng.IntN(5000)),
		CityCountry:   fmt.Sprintf("C%02d", country),
		CityLanguages: [][]string{{"en"}, {"fr", "en"}, {"es"}, {"en", "es"}}[rng.IntN(4)],
	}
	if quotas {
		r.RoleQuotas = []assembly.RoleQuota{
			{Roles: []string{"mayor", "elected_official"}, Min: 1},
			{Roles: []string{"public_service_manager"}, Min: 1},
		}
		r.MinOtherCountries = 3
	}
	return r
}

// BenchmarkPanel: one panel of 5 from 500 candidates, two role quotas, at
// most 2 per country, 3 other countries.
func BenchmarkPanel(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	experts := benchExperts(rng, 20000)
	const instances = 64
	pools := make([][]assembly.Candidate, instances)
	rules := make([]assembly.PanelRules, instances)
	for i := range pools {
		pools[i] = benchPool(rng, experts, 500)
		rules[i] = benchRules(rng, true)
	}
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := assembly.SolvePanel(rules[i%instances], pools[i%instances]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// benchRound is the round of the benchmark: 1,000 challenges of 5 seats
// over 20,000 experts, 100 candidates each, at most 2 per country, and on
// 40% of the challenges two role quotas and 3 other countries.
func benchRound(seed uint64) []assembly.RoundItem {
	rng := rand.New(rand.NewPCG(seed, 11))
	experts := benchExperts(rng, 20000)
	items := make([]assembly.RoundItem, 1000)
	for i := range items {
		items[i] = assembly.RoundItem{
			ChallengeID: fmt.Sprintf("ch%04d", i),
			Rules:       benchRules(rng, rng.IntN(10) < 4),
			Candidates:  benchPool(rng, experts, 100),
		}
	}
	return items
}

// BenchmarkRound: the round of benchRound in both fairness modes.
func BenchmarkRound(b *testing.B) {
	benchmarkRound(b, benchRound(1))
}

// BenchmarkRoundScarce: the same round over 5,000 experts with one
// engagement each, as many as the seats: which panels can be filled at
// all is then in question, and the search stops at its work budget.
func BenchmarkRoundScarce(b *testing.B) {
	rng := rand.New(rand.NewPCG(6, 11))
	experts := benchExperts(rng, 5000)
	for i := range experts {
		experts[i].c.CapacityLeft = 1
	}
	items := make([]assembly.RoundItem, 1000)
	for i := range items {
		items[i] = assembly.RoundItem{
			ChallengeID: fmt.Sprintf("ch%04d", i),
			Rules:       benchRules(rng, rng.IntN(10) < 4),
			Candidates:  benchPool(rng, experts, 100),
		}
	}
	benchmarkRound(b, items)
}

func benchmarkRound(b *testing.B, items []assembly.RoundItem) {
	for _, f := range []assembly.Fairness{assembly.FairnessTotal, assembly.FairnessWorstFirst} {
		b.Run(string(f), func(b *testing.B) {
			b.ReportAllocs()
			var res assembly.RoundResult
			for b.Loop() {
				var err error
				res, err = assembly.SolveRound(context.Background(), items, f, nil)
				if err != nil {
					b.Fatal(err)
				}
			}
			optimal := 0.0
			if res.Optimal {
				optimal = 1
			}
			b.ReportMetric(float64(len(res.Panels)), "panels")
			b.ReportMetric(res.Total, "total")
			b.ReportMetric(res.Worst, "worst")
			b.ReportMetric(optimal, "optimal")
			b.ReportMetric(res.TotalBound-res.Total, "gap")
			b.ReportMetric(float64(res.MaxPanels), "max-panels")
		})
	}
}

// BenchmarkTeam: the smallest team covering 6 skills with a lead, from 300
// candidates covering one to three skills each.
func BenchmarkTeam(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 9))
	skills := []string{"budget", "strategic plan", "performance monitoring", "participation", "procurement", "data"}
	experts := benchExperts(rng, 20000)
	const instances = 64
	pools := make([][]assembly.Candidate, instances)
	for i := range pools {
		pools[i] = benchPool(rng, experts, 300)
		for k := range pools[i] {
			c := &pools[i][k]
			c.Covers = nil
			for range 1 + rng.IntN(3) {
				if s := skills[rng.IntN(len(skills))]; !slices.Contains(c.Covers, s) {
					c.Covers = append(c.Covers, s)
				}
			}
		}
	}
	r := assembly.TeamRules{MinSize: 2, MaxSize: 5, Skills: skills, LeadSeniority: "leadership", CityLanguages: []string{"en", "fr"}}
	var lat []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if _, err := assembly.SolveTeam(r, pools[i%instances]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}
