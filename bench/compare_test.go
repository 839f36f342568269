package bench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/bench"
	"matchmaker/matcher"
)

// The comparison of issue 3, part 9. Loading 100,000 documents into Bleve
// and PostgreSQL takes minutes, so everything here is skipped unless
// MATCHMAKER_BENCH_COMPARE=1; with it, PostgreSQL must answer at
// TEST_DATABASE_URL. Run it with
//
//	MATCHMAKER_BENCH_COMPARE=1 go test -run TestCompareQuality -bench BenchmarkCompare -benchtime 200x -count 3 -timeout 2h .
//
// The corpus and the queries are those of the matcher's own benchmarks
// (matcher/bench_test.go): matcher.SyntheticCorpus with seed 42 and 500
// challenges of about 50 distinct terms. MATCHMAKER_BENCH_DOCS sets another
// corpus size, for a quick try.

const (
	envCompare   = "MATCHMAKER_BENCH_COMPARE"
	envDocs      = "MATCHMAKER_BENCH_DOCS"
	envDSN       = "TEST_DATABASE_URL"
	defaultDSN   = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	benchSeed    = 42
	benchQueries = 500
	queryTerms   = 50
	topK         = 10
	// themesPath is the shipped taxonomy, the lexicon of the matcher's
	// benchmarks and evaluation.
	themesPath = "../profiles/themes.json"
)

// cleanups are run by TestMain once every test and benchmark is done: the
// engines are loaded once a process and shared by the runs of -count.
var (
	cleanupMu sync.Mutex
	cleanups  []func() error
)

func atExit(f func() error) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range slices.Backward(cleanups) {
		if err := f(); err != nil {
			fmt.Fprintln(os.Stderr, "cleanup:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func skipUnlessCompare(tb testing.TB) {
	tb.Helper()
	if os.Getenv(envCompare) != "1" {
		tb.Skipf("set %s=1 to compare with Bleve and PostgreSQL (loading takes minutes)", envCompare)
	}
}

func dsn() string {
	if v := os.Getenv(envDSN); v != "" {
		return v
	}
	return defaultDSN
}

// engine is one of the compared engines, loaded: search answers a
// challenge with the IDs of its topK best documents that pass the filter,
// best first.
type engine struct {
	name   string
	build  time.Duration // build or load, all included
	search func(ctx context.Context, q *matcher.Doc, f bench.Filter) ([]string, error)
}

// loadEngines builds the three engines over docs: the matcher as the
// service runs it (the shipped taxonomy as lexicon, texts left to a
// lookup), Bleve on disk under a temporary directory, PostgreSQL in a
// schema of its own. Their resources are released at exit. name tells
// the sets apart in the schema name and the log.
func loadEngines(tb testing.TB, name string, docs []matcher.Doc) []engine {
	ctx := context.Background()
	lex, err := loadThemeLexicon()
	if err != nil {
		tb.Fatal(err)
	}
	byID := make(map[string]int, len(docs))
	for i, d := range docs {
		byID[d.ID] = i
	}
	lookup := func(id string) (matcher.Doc, bool) {
		i, ok := byID[id]
		if !ok {
			return matcher.Doc{}, false
		}
		return docs[i], true
	}
	noSharedLanguage := false

	start := time.Now()
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex), matcher.WithLookup(lookup))
	if err := ix.Build(docs, nil); err != nil {
		tb.Fatal(err)
	}
	mBuild := time.Since(start)
	tb.Logf("%s: matcher built %d documents in %v", name, ix.Len(), mBuild)
	runtime.GC()

	dir, err := os.MkdirTemp("", "matchmaker-bleve-")
	if err != nil {
		tb.Fatal(err)
	}
	atExit(func() error { return os.RemoveAll(dir) })
	start = time.Now()
	bl, err := bench.OpenBleve(filepath.Join(dir, "index"))
	if err != nil {
		tb.Fatal(err)
	}
	atExit(bl.Close)
	if err := bl.Load(docs, 1000); err != nil {
		tb.Fatal(err)
	}
	bBuild := time.Since(start)
	tb.Logf("%s: bleve indexed and merged %d documents in %v (%.0f MB on disk)", name, len(docs), bBuild, float64(dirSize(dir))/1e6)
	runtime.GC()

	pg, err := bench.OpenPostgres(ctx, dsn(), fmt.Sprintf("bench_compare_%s_%d", name, os.Getpid()))
	if err != nil {
		tb.Fatalf("PostgreSQL at %s: %v", envDSN, err)
	}
	atExit(func() error { return pg.Drop(context.Background()) })
	start = time.Now()
	if err := pg.Load(ctx, docs); err != nil {
		tb.Fatal(err)
	}
	pBuild := time.Since(start)
	tb.Logf("%s: postgres loaded %d documents (COPY, GIN, ANALYZE) in %v", name, len(docs), pBuild)

	return []engine{
		// The matcher's own rules keep the challenge's city out.
		{name: "matcher", build: mBuild, search: func(_ context.Context, q *matcher.Doc, f bench.Filter) ([]string, error) {
			got, err := ix.Suggest(matcher.Query{Challenge: q, Kind: f.Kind, Language: f.Lang, Limit: topK,
				RequireSharedLanguage: &noSharedLanguage})
			if err != nil {
				return nil, err
			}
			ids := make([]string, len(got))
			for i, s := range got {
				ids[i] = s.ID
			}
			return ids, nil
		}},
		{name: "bleve", build: bBuild, search: func(ctx context.Context, q *matcher.Doc, f bench.Filter) ([]string, error) {
			return bl.Search(ctx, q, f, topK)
		}},
		{name: "pg_ts_rank", build: pBuild, search: func(ctx context.Context, q *matcher.Doc, f bench.Filter) ([]string, error) {
			return pg.Search(ctx, q, f, topK)
		}},
	}
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// loadedSet is a corpus with its engines, loaded once a process: -count
// runs the tests and benchmarks again, not the loading.
type loadedSet struct {
	once    sync.Once
	queries []matcher.Doc
	engines []engine
	failed  bool
}

var speedSet, evalEngines loadedSet

// load runs f once; a later call after a failed f fails too.
func (s *loadedSet) load(tb testing.TB, f func()) {
	tb.Helper()
	s.once.Do(func() {
		s.failed = true
		f()
		s.failed = false
	})
	if s.failed {
		tb.Fatal("the engines could not be loaded (see the first run)")
	}
}

func loadSpeedSet(b *testing.B) ([]matcher.Doc, []engine) {
	b.Helper()
	speedSet.load(b, func() {
		n := 100_000
		if v := os.Getenv(envDocs); v != "" {
			var err error
			if n, err = strconv.Atoi(v); err != nil || n <= 0 {
				b.Fatalf("%s=%q: want a positive number of documents", envDocs, v)
			}
		}
		cfg := matcher.CorpusConfig{Docs: n, Seed: benchSeed}
		docs := matcher.SyntheticCorpus(cfg)
		speedSet.queries = matcher.SyntheticQueries(cfg, benchQueries, queryTerms)
		speedSet.engines = loadEngines(b, "speed", docs)
	})
	return speedSet.queries, speedSet.engines
}

// BenchmarkCompare times a top-10 suggestion of practices for a challenge
// in each engine, one call at a time, over the same corpus and queries. It
// reports the p50 and p99 of the calls, the engine's build time, and the
// ratios of its p50 and p99 to the matcher's (the median of the matcher's
// runs so far in this process: with -count, each engine runs its rounds in
// a row).
func BenchmarkCompare(b *testing.B) {
	skipUnlessCompare(b)
	queries, engines := loadSpeedSet(b)
	ctx := context.Background()
	var m50, m99 []float64
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				q := &queries[i%len(queries)]
				f := bench.Filter{Kind: matcher.KindPractice, NotCity: q.CityID}
				start := time.Now()
				ids, err := e.search(ctx, q, f)
				lat = append(lat, time.Since(start))
				if err != nil || len(ids) == 0 {
					b.Fatalf("%s: %d results for %s, %v", e.name, len(ids), q.ID, err)
				}
			}
			b.StopTimer()
			p50, p99 := percentiles(lat)
			b.ReportMetric(p50, "p50-µs")
			b.ReportMetric(p99, "p99-µs")
			b.ReportMetric(e.build.Seconds(), "build-s")
			switch {
			case e.name == "matcher":
				if b.N > 1 { // not the probe run of one call
					m50, m99 = append(m50, p50), append(m99, p99)
				}
			case len(m50) > 0:
				b.ReportMetric(p50/median(m50), "p50-x-matcher")
				b.ReportMetric(p99/median(m99), "p99-x-matcher")
			}
		})
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentiles returns the p50 and p99 of lat in microseconds.
func percentiles(lat []time.Duration) (p50, p99 float64) {
	slices.Sort(lat)
	return float64(lat[len(lat)/2].Nanoseconds()) / 1e3, float64(lat[len(lat)*99/100].Nanoseconds()) / 1e3
}

// loadThemeLexicon builds the lexicon production builds from the shipped
// taxonomy (matcher.TaxonomyLexicon with matcher.ProductionBridge, the word
// translations), as the matcher's evaluation does.
func loadThemeLexicon() (*matcher.Lexicon, error) {
	b, err := os.ReadFile(themesPath)
	if err != nil {
		return nil, err
	}
	var themes []matcher.TaxonomyTheme
	if err := json.Unmarshal(b, &themes); err != nil {
		return nil, fmt.Errorf("parse %s: %w", themesPath, err)
	}
	return matcher.TaxonomyLexicon(themes, matcher.ProductionBridge)
}

// TestCompareQuality ranks the practices and the experts of the matcher's
// evaluation set for each of its challenges with each engine, over all
// languages and then for each language of the documents (the language=
// filter), as the matcher's TestEvaluation does, and reports nDCG@10,
// recall@10 and precision@5 side by side. It fails when Bleve or ts_rank
// ranks better than the matcher over all languages: the issue wants the
// matcher's quality at least as good as theirs.
func TestCompareQuality(t *testing.T) {
	skipUnlessCompare(t)
	es := loadEvalSet(t)
	evalEngines.load(t, func() { evalEngines.engines = loadEngines(t, "eval", es.docs) })
	engines := evalEngines.engines
	ctx := context.Background()
	kinds := []matcher.Kind{matcher.KindPractice, matcher.KindExpert}
	type scores struct {
		all, same, cross map[matcher.Kind]*evalScores
		pairs            map[string]*evalScores // "practice fr->en"
	}
	res := map[string]*scores{}
	pairKeys := map[string]bool{}
	for _, e := range engines {
		s := &scores{all: map[matcher.Kind]*evalScores{}, same: map[matcher.Kind]*evalScores{},
			cross: map[matcher.Kind]*evalScores{}, pairs: map[string]*evalScores{}}
		res[e.name] = s
		for _, kind := range kinds {
			s.all[kind], s.same[kind], s.cross[kind] = &evalScores{}, &evalScores{}, &evalScores{}
			for i := range es.challenges {
				ch := &es.challenges[i]
				for _, lang := range append([]matcher.Lang{""}, matcher.Languages()...) {
					ids, err := e.search(ctx, ch, bench.Filter{Kind: kind, Lang: lang, NotCity: ch.CityID})
					if err != nil {
						t.Fatalf("%s: %v", e.name, err)
					}
					m, ok := es.measure(ch.ID, kind, lang, ids)
					switch {
					case !ok:
					case lang == "":
						s.all[kind].add(m)
					default:
						key := fmt.Sprintf("%s %s->%s", kind, ch.Lang, lang)
						pairKeys[key] = true
						if s.pairs[key] == nil {
							s.pairs[key] = &evalScores{}
						}
						s.pairs[key].add(m)
						if lang == ch.Lang {
							s.same[kind].add(m)
						} else {
							s.cross[kind].add(m)
						}
					}
				}
			}
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "evaluation set: %d challenges, %d documents\n\n", len(es.challenges), len(es.docs))
	b.WriteString("| engine | kind | nDCG@10 all | recall@10 all | P@5 all | nDCG@10 same language | nDCG@10 cross-language |\n|---|---|---|---|---|---|---|\n")
	for _, kind := range kinds {
		for _, e := range engines {
			s := res[e.name]
			fmt.Fprintf(&b, "| %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f |\n", e.name, kind,
				s.all[kind].NDCG(), s.all[kind].Recall(), s.all[kind].P5(), s.same[kind].NDCG(), s.cross[kind].NDCG())
		}
	}
	b.WriteString("\n| pair (challenge->documents) | n |")
	for _, e := range engines {
		b.WriteString(" " + e.name + " nDCG@10 / recall@10 |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(engines)) + "\n")
	for _, key := range slices.Sorted(maps.Keys(pairKeys)) {
		fmt.Fprintf(&b, "| %s | %d |", key, res["matcher"].pairs[key].n)
		for _, e := range engines {
			p := res[e.name].pairs[key]
			fmt.Fprintf(&b, " %.3f / %.3f |", p.NDCG(), p.Recall())
		}
		b.WriteString("\n")
	}
	t.Log("\n" + b.String())

	for _, kind := range kinds {
		m := res["matcher"].all[kind].NDCG()
		for _, e := range engines[1:] {
			if o := res[e.name].all[kind].NDCG(); o > m {
				t.Errorf("%s: %s nDCG@10 %.3f above the matcher's %.3f", kind, e.name, o, m)
			}
		}
	}
}
