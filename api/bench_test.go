package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"matchmaker/api"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// unlimited lifts the rate limits for the benchmarks, which send requests from
// one address faster than the default limits let one client (a benchmark
// that met them measured the 429 answers, or failed on them).
var unlimited = api.RateLimits{PerAddress: 1e9, AddressBurst: 1e9, PerKey: 1e9, KeyBurst: 1e9}

// BenchmarkListEndpoint measures GET /v1/experts and /v1/practices with 10,000 rows
// stored, 100 rows a page, on each database. Experts are the heaviest list: five
// join tables and the track record are read for every page. It reports the median
// and 99th percentile latency of one page, as well as the mean.
func BenchmarkListEndpoint(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db profilestest.DB
			if dbName == "sqlite" {
				db = profilestest.SQLiteDB(b, true)
			} else {
				db = profilestest.PostgresDB(b, true)
			}
			store := profilestest.OpenStore(b, db)
			seedRows(b, store, 10_000)
			// Statistics, as a database that has been in use has them: without
			// them PostgreSQL plans the IN lists of a page as sequential scans.
			if _, err := store.DB().ExecContext(context.Background(), "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			e := api.New(api.Config{Store: store, Logger: slog.New(slog.DiscardHandler), RateLimits: unlimited})
			for _, path := range []string{"/v1/experts?limit=100", "/v1/practices?limit=100", "/v1/experts?limit=100&language=fr&role=mayor"} {
				b.Run(path, func(b *testing.B) {
					lat := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						start := time.Now()
						rec := httptest.NewRecorder()
						e.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
						lat = append(lat, time.Since(start))
						if rec.Code != 200 {
							b.Fatalf("status %d: %s", rec.Code, rec.Body)
						}
					}
					b.StopTimer()
					slices.Sort(lat)
					b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
					b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				})
			}
		})
	}
}

// seedRows stores n experts and n practices over 200 cities, in one transaction.
func seedRows(b *testing.B, s *profiles.Store, n int) {
	b.Helper()
	ctx := context.Background()
	langs := [][]string{{"fr"}, {"en"}, {"es"}, {"fr", "en"}, {"es", "en"}}
	roles := profiles.Roles
	err := s.InTx(ctx, func(tx *profiles.Store) error {
		var cities []string
		for i := 0; i < 200; i++ {
			c, err := tx.CreateCity(ctx, profiles.CityInput{Name: fmt.Sprintf("City %d", i), Country: "FR", Region: "europe", Languages: langs[i%len(langs)]})
			if err != nil {
				return err
			}
			cities = append(cities, c.ID)
		}
		year := 2019
		for i := 0; i < n; i++ {
			city := cities[i%len(cities)]
			_, err := tx.CreateExpert(ctx, profiles.ExpertInput{
				Name: fmt.Sprintf("Expert %d", i), Role: roles[i%len(roles)], Country: "FR", CityID: &city,
				Languages: langs[i%len(langs)], Bio: "Responsable de la gestion des déchets et du tri à la source depuis dix ans.",
				Themes: []string{"waste", "circular_economy"}, Skills: []string{"source separation", "landfill management"},
				TrackRecord: []profiles.TrackRecordItem{{Title: "Plan directeur", Summary: "Pilotage du plan", Year: &year}, {Title: "Revue par les pairs"}},
			})
			if err != nil {
				return err
			}
			_, err = tx.CreatePractice(ctx, profiles.PracticeInput{
				CityID: city, Title: fmt.Sprintf("Practice %d", i), Language: "en", Themes: []string{"waste", "sdg11"},
				Description: "Door-to-door separate collection of household waste in dense neighbourhoods, with community sorting ambassadors.",
				Results:     "Recycling rate up from 12% to 31% in four years.",
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed: %v", err)
	}
}

// BenchmarkSuggestionsHTTP measures GET /v1/challenges/{id}/suggestions through a
// real HTTP server on loopback, with 100,000 synthetic documents indexed (half
// French, half English, about 150 words each) and challenges of about 50 distinct
// terms: what a client sees, JSON encoding and the evidence of the ten results
// included. The documents come from the matcher's corpus generator through a
// lookup, as the service gets them from its store.
func BenchmarkSuggestionsHTTP(b *testing.B) {
	cfg := matcher.CorpusConfig{Docs: 100_000, Seed: 7}
	docs := matcher.SyntheticCorpus(cfg)
	queries := matcher.SyntheticQueries(cfg, 200, 50)
	store := profilestest.OpenStore(b, profilestest.SQLiteDB(b, true))
	// The queries are stored as challenges and indexed under their IDs, as in
	// service, where every challenge the index knows is a stored row.
	storeQueries(b, store, "Bench", queries)
	all := append(slices.Clone(docs), queries...)
	byID := make(map[string]matcher.Doc, len(all))
	for _, d := range all {
		byID[d.ID] = d
	}
	lookup := func(id string) (matcher.Doc, bool) { d, ok := byID[id]; return d, ok }
	log := slog.New(slog.DiscardHandler)
	m := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), log, matcher.WithLookup(lookup))
	if err := m.Index().Build(all, nil); err != nil {
		b.Fatal(err)
	}
	follower := workflow.NewFollower(store, m, log, workflow.FollowerConfig{})
	if err := follower.StartAtHead(b.Context()); err != nil {
		b.Fatal(err)
	}
	go follower.Run(b.Context())
	srv := httptest.NewServer(api.New(api.Config{Store: store, Logger: log, Follower: follower, RateLimits: unlimited}))
	defer srv.Close()
	client := srv.Client()
	// The setup's garbage (the corpus, the index build) is collected now, not
	// counted in the first kind's CPU time.
	runtime.GC()
	for _, kind := range []string{"practices", "experts", "cities"} {
		b.Run(kind, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			cpu0 := processCPUSeconds()
			defer func() { b.ReportMetric((processCPUSeconds()-cpu0)*1e6/float64(b.N), "cpu-µs/op") }()
			for i := 0; i < b.N; i++ {
				url := fmt.Sprintf("%s/v1/challenges/%s/suggestions?kind=%s&require_shared_language=false", srv.URL, queries[i%len(queries)].ID, kind)
				start := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(start))
				if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"score"`)) {
					b.Fatalf("status %d: %.300s", resp.StatusCode, body)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// storeQueries stores synthetic challenge queries as the challenges of one new
// city, in one transaction, and gives each query the ID and city of its row.
func storeQueries(tb testing.TB, store *profiles.Store, city string, queries []matcher.Doc) {
	tb.Helper()
	ctx := context.Background()
	err := store.InTx(ctx, func(tx *profiles.Store) error {
		c, err := tx.CreateCity(ctx, profiles.CityInput{Name: city, Country: "FR", Region: "europe", Languages: []string{"fr", "en"}})
		if err != nil {
			return err
		}
		for i := range queries {
			q := &queries[i]
			ch, err := tx.CreateChallenge(ctx, profiles.ChallengeInput{CityID: c.ID, Title: q.Fields[0].Text,
				Description: q.Fields[1].Text, Language: string(q.Lang)})
			if err != nil {
				return err
			}
			q.ID, q.CityID = ch.ID, c.ID
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("store the challenge queries: %v", err)
	}
}

// processCPUSeconds is the CPU time (user and system) this process has used,
// client and server: on a shared machine it says what a request costs better
// than the wall time.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}
