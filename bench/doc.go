// Package bench holds the side-by-side comparison of issue 3, part 9: the
// matcher's in-memory index against Bleve (BM25, Snowball analysers) and
// PostgreSQL full-text search (to_tsvector, GIN, ts_rank), on the same
// synthetic corpus and queries (matcher.SyntheticCorpus), and their ranking
// quality on the matcher's evaluation set.
//
// It is a module of its own (matchmaker/bench) so that the service's go.mod
// carries neither Bleve nor its dependencies. The engines here are
// adapters: each loads matcher.Docs and answers a challenge with the IDs of
// its ten best practices. The benchmarks and the quality test live in
// compare_test.go and run only with MATCHMAKER_BENCH_COMPARE=1, since
// loading 100,000 documents into Bleve and PostgreSQL takes minutes.
//
// The service must not import this package.
package bench
