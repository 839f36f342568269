//go:build unix

package matcher_test

import (
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"matchmaker/matcher"
)

// The benchmarks of the speed targets, on a synthetic corpus (see
// corpus.go): half French, half English, about 150 words a document, 80%
// practices, 10% experts with three engagements each, 10% challenges; the
// queries are challenges of about 50 distinct content words, scored with
// the lexicon of the shipped taxonomy. Run them with
//
//	go test ./matcher -run '^$' -bench Suggest100k -benchtime 2000x -benchmem -count 3
//	go test ./matcher -run '^$' -bench 'Build100k|IndexMemory100k' -benchtime 1x -count 3
//	MATCHER_BENCH_1M=1 go test ./matcher -run '^$' -bench Suggest1M -benchtime 1000x -timeout 60m
//
// (the last needs about 8 GB and a few minutes). Latencies are reported as
// p50 and p99 of the individual calls, in microseconds, evidence included.

const benchSeed = 42

type benchCorpus struct {
	docs    []matcher.Doc
	queries []matcher.Doc
	byID    map[string]int
}

var corpora sync.Map // size -> *benchCorpus

func corpus(n int) *benchCorpus {
	if c, ok := corpora.Load(n); ok {
		return c.(*benchCorpus)
	}
	cfg := matcher.CorpusConfig{Docs: n, Seed: benchSeed}
	c := &benchCorpus{docs: matcher.SyntheticCorpus(cfg), queries: matcher.SyntheticQueries(cfg, 500, 50)}
	c.byID = make(map[string]int, n)
	for i, d := range c.docs {
		c.byID[d.ID] = i
	}
	corpora.Store(n, c)
	return c
}

// lookup is the caller's store in the benchmarks: the index keeps no text.
func (c *benchCorpus) lookup(id string) (matcher.Doc, bool) {
	i, ok := c.byID[id]
	if !ok {
		return matcher.Doc{}, false
	}
	return c.docs[i], true
}

// benchBuilt is an index of the benchmarks with what building it cost.
type benchBuilt struct {
	ix     *matcher.Index
	took   time.Duration
	perDoc float64 // heap bytes a document, the analyser's word cache included
}

var indexes sync.Map // size -> *benchBuilt

func benchIndex(b *testing.B, n int) (*matcher.Index, *benchCorpus) {
	ix, c, _ := benchIndexBuilt(b, n)
	return ix, c
}

func benchIndexBuilt(b *testing.B, n int) (*matcher.Index, *benchCorpus, *benchBuilt) {
	c := corpus(n)
	if bb, ok := indexes.Load(n); ok {
		return bb.(*benchBuilt).ix, c, bb.(*benchBuilt)
	}
	before := heapInUse()
	start := time.Now()
	ix := matcher.NewIndex(matcher.NewAnalyzer(benchLexicon()), matcher.WithLookup(c.lookup))
	if err := ix.Build(c.docs, nil); err != nil {
		b.Fatal(err)
	}
	bb := &benchBuilt{ix: ix, took: time.Since(start)}
	bb.perDoc = float64(heapInUse()-before) / float64(ix.Len())
	indexes.Store(n, bb)
	return ix, c, bb
}

// benchLexicon is the lexicon of the evaluation, the one production builds
// (the shipped taxonomy with matcher.ProductionBridge, the translations),
// when it can be read, so that queries find concepts and translations as in
// production; else the test lexicon with the same parts of the bridge.
func benchLexicon() *matcher.Lexicon {
	if lex, err := loadThemeLexicon(); err == nil {
		return lex
	}
	b, err := matcher.NewBridge(matcher.ProductionBridge)
	if err != nil {
		panic(err)
	}
	return testLexicon().WithBridge(b)
}

func BenchmarkBuild100k(b *testing.B) { benchBuild(b, 100_000) }

func benchBuild(b *testing.B, n int) {
	c := corpus(n)
	a := matcher.NewAnalyzer(benchLexicon())
	b.ReportAllocs()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for range b.N {
		ix := matcher.NewIndex(a, matcher.WithLookup(c.lookup))
		if err := ix.Build(c.docs, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
	// The CPU time says what the build costs whatever else runs on the
	// machine: the wall time is about it divided by the cores.
	b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/build")
}

// cpuSeconds is the CPU time (user and system) the process has used. The
// runtime's own CPU metrics count the time its threads wait for a core as
// used, which on a shared machine is most of it.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func BenchmarkSuggest100k(b *testing.B) {
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert, matcher.KindCity} {
		b.Run(string(kind), func(b *testing.B) { benchSuggest(b, 100_000, kind) })
	}
}

// BenchmarkSuggest1M is BenchmarkSuggest100k/practice on a million
// documents; it also reports the build time and the index's heap per
// document at that size.
func BenchmarkSuggest1M(b *testing.B) {
	if os.Getenv("MATCHER_BENCH_1M") == "" {
		b.Skip("set MATCHER_BENCH_1M=1 to run the million-document benchmark")
	}
	_, _, built := benchIndexBuilt(b, 1_000_000)
	benchSuggest(b, 1_000_000, matcher.KindPractice)
	b.ReportMetric(built.took.Seconds(), "build-s")
	b.ReportMetric(built.perDoc, "B/doc")
}

func benchSuggest(b *testing.B, n int, kind matcher.Kind) {
	ix, c := benchIndex(b, n)
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	defer func() { b.ReportMetric((cpuSeconds()-cpu0)*1e6/float64(b.N), "cpu-µs/op") }()
	for i := range b.N {
		q := matcher.Query{Challenge: &c.queries[i%len(c.queries)], Kind: kind}
		start := time.Now()
		got, err := ix.Suggest(q)
		lat = append(lat, time.Since(start))
		if err != nil || len(got) == 0 {
			b.Fatalf("suggest: %d results, %v", len(got), err)
		}
	}
	b.StopTimer()
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkIndexMemory100k reports the heap the index holds, per document,
// with the texts left to the caller's lookup (the production set-up) and
// with the index keeping them. The analyser's word cache, shared by every
// index of the process, is warmed first and not counted.
func BenchmarkIndexMemory100k(b *testing.B) {
	c := corpus(100_000)
	a := matcher.NewAnalyzer(benchLexicon())
	warm := matcher.NewIndex(a, matcher.WithLookup(c.lookup))
	if err := warm.Build(c.docs, nil); err != nil {
		b.Fatal(err)
	}
	warm = nil
	for _, keep := range []bool{false, true} {
		name := "lookup"
		if keep {
			name = "kept-docs"
		}
		b.Run(name, func(b *testing.B) {
			var perDoc float64
			for range b.N {
				before := heapInUse()
				var opts []matcher.Option
				if !keep {
					opts = append(opts, matcher.WithLookup(c.lookup))
				}
				ix := matcher.NewIndex(a, opts...)
				if err := ix.Build(c.docs, nil); err != nil {
					b.Fatal(err)
				}
				after := heapInUse()
				perDoc = float64(after-before) / float64(ix.Len())
				runtime.KeepAlive(ix)
			}
			b.ReportMetric(perDoc, "B/doc")
		})
	}
}

func heapInUse() uint64 {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestBenchCorpusShape checks what the benchmarks claim of their corpus: the
// words a document and the distinct terms of a query.
func TestBenchCorpusShape(t *testing.T) {
	cfg := matcher.CorpusConfig{Docs: 2000, Seed: benchSeed}
	docs := matcher.SyntheticCorpus(cfg)
	a := matcher.NewAnalyzer(nil)
	words := 0
	for _, d := range docs {
		for _, f := range d.Fields {
			words += len(splitWords(f.Text))
		}
		for _, it := range d.TrackRecord {
			words += len(splitWords(it.Title)) + len(splitWords(it.Summary))
		}
	}
	avg := float64(words) / float64(len(docs))
	if avg < 140 || avg > 160 {
		t.Errorf("%.0f words a document, want about 150", avg)
	}
	qs := matcher.SyntheticQueries(cfg, 50, 50)
	distinct := 0
	for _, q := range qs {
		seen := map[string]bool{}
		for _, f := range q.Fields {
			for _, tok := range a.Analyze(f.Text, q.Lang).Tokens {
				seen[tok.Term] = true
			}
		}
		distinct += len(seen)
	}
	if avg := float64(distinct) / float64(len(qs)); avg < 40 || avg > 60 {
		t.Errorf("%.0f distinct terms a query, want about 50", avg)
	} else {
		t.Logf("%.0f words a document, %.1f distinct terms a query", float64(words)/float64(len(docs)), avg)
	}
	fr := 0
	for _, d := range docs {
		if d.Lang == matcher.French {
			fr++
		}
	}
	if fr != len(docs)/2 {
		t.Errorf("%d French documents of %d", fr, len(docs))
	}
}

func splitWords(s string) []string { return strings.Fields(s) }
