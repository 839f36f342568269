package api

import (
	"bytes"
	"encoding/json"
	"testing"

	"matchmaker/matcher"
)

// BenchmarkEncodeSuggestions encodes lists of ten explained suggestions
// (practices, experts, cities: about 26 KB each) as the API answers them,
// with encodeFast (what the service runs) and, beside it, with
// encoding/json, which writes the same bytes.
//
//	go test ./api -run '^$' -bench EncodeSuggestions -benchmem -count 5
func BenchmarkEncodeSuggestions(b *testing.B) {
	cfg := matcher.CorpusConfig{Docs: 2_000, Seed: 7}
	ix := matcher.NewIndex(matcher.NewAnalyzer(nil))
	if err := ix.Build(matcher.SyntheticCorpus(cfg), nil); err != nil {
		b.Fatal(err)
	}
	qs := matcher.SyntheticQueries(cfg, 1, 50)
	var lists []suggestionList
	for _, k := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert, matcher.KindCity} {
		got, err := ix.Suggest(matcher.Query{Challenge: &qs[0], Kind: k})
		if err != nil || len(got) == 0 {
			b.Fatalf("%s: %d suggestions, %v", k, len(got), err)
		}
		lists = append(lists, suggestionList{Items: got, Total: len(got)})
	}
	var buf bytes.Buffer
	for _, enc := range []struct {
		name string
		f    func(*bytes.Buffer, any) error
	}{
		{"encoding_json", func(buf *bytes.Buffer, v any) error { return json.NewEncoder(buf).Encode(v) }},
		{"goccy_go_json", func(buf *bytes.Buffer, v any) error { return encodeFast(buf, v, "") }},
	} {
		b.Run(enc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := range b.N {
				buf.Reset()
				if err := enc.f(&buf, lists[i%len(lists)]); err != nil {
					b.Fatal(err)
				}
				n += buf.Len()
			}
			b.SetBytes(int64(n / b.N))
		})
	}
}
