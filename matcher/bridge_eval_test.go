package matcher_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"matchmaker/matcher"
)

// bridgeVariant is one way of adding the bridge to the taxonomy's lexicon.
type bridgeVariant struct {
	name  string
	parts matcher.BridgeParts // 0: no bridge
}

var bridgeVariants = []bridgeVariant{
	{"taxonomy", 0},
	{"+thesaurus", matcher.BridgeThesaurus},
	{"+translations", matcher.BridgeTranslations},
	{"+both", matcher.BridgeAll},
}

// bridgeEval is what the evaluation measured for each variant: the full
// configuration; the words alone (no concepts, no themes) with the
// translations if the variant has them; and the bridge without the
// taxonomy (words and the thesaurus's concepts, no themes), which stands
// for texts on subjects the taxonomy does not cover.
type bridgeEval struct {
	full, words, alone map[string]evalResult
}

// measureBridge measures each variant on the whole of the own set (both
// halves: the bridge was chosen on it before the set was split; never on
// the fresh set).
func measureBridge(t *testing.T) bridgeEval {
	es := loadEvalSet(t, filepath.Join("testdata", "eval"))
	full := evalConfig{"tfidf full", matcher.RankTFIDF, true, nil}
	words := evalConfig{"tfidf words", matcher.RankTFIDF, true, wordsOnly}
	alone := evalConfig{"tfidf +concepts", matcher.RankTFIDF, true, withConcepts}
	res := bridgeEval{full: map[string]evalResult{}, words: map[string]evalResult{}, alone: map[string]evalResult{}}
	for _, v := range bridgeVariants {
		// The taxonomy's lexicon with the variant's parts, by the
		// constructor production calls.
		l, err := loadTaxonomyLexicon(v.parts)
		if err != nil {
			t.Fatalf("the shipped taxonomy: %v", err)
		}
		wl := matcher.NewLexicon(nil)
		if v.parts != 0 {
			wl = wl.WithBridge(newBridge(t, v.parts))
		}
		res.full[v.name] = runEval(t, es, evalIndex(t, es, full, l), full, es.challenges)
		res.words[v.name] = runEval(t, es, evalIndex(t, es, words, wl), words, es.challenges)
		res.alone[v.name] = runEval(t, es, evalIndex(t, es, alone, wl), alone, es.challenges)
	}
	return res
}

// TestBridgeEvaluation measures what the bridge (EuroVoc concepts, word
// translations) adds to the taxonomy's lexicon on the evaluation set, by
// language pair, and holds the parts production uses (api.NewLexicon) to
// their promise: better across languages, no worse within one.
//
// Set MATCHER_BRIDGE_REPORT to a file name to have the tables written there
// as Markdown.
func TestBridgeEvaluation(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation: not in -short")
	}
	res := measureBridge(t)
	report := bridgeReport(res)
	t.Log("\n" + report)
	if path := os.Getenv("MATCHER_BRIDGE_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Production uses the translations (api.ProductionBridge). Measured:
	// across languages, words only, practices 0.561 -> 0.776 and experts
	// 0.471 -> 0.720; full configuration 0.938 -> 0.940 and 0.853 ->
	// 0.859; within one language unchanged (0.959 -> 0.958, 0.897).
	const used = "+translations"
	for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
		base, got := res.words["taxonomy"], res.words[used]
		if gain := got.get(kind, "cross").NDCG() - base.get(kind, "cross").NDCG(); gain < 0.15 {
			t.Errorf("%s, words only: the translations add %.3f nDCG@10 across languages, under 0.15", kind, gain)
		}
		for name, rs := range map[string]map[string]evalResult{"words only": res.words, "full": res.full} {
			base, got := rs["taxonomy"], rs[used]
			if b, g := sameLangNDCG(base, kind), sameLangNDCG(got, kind); g < b-0.01 {
				t.Errorf("%s, %s: the translations lower nDCG@10 within one language from %.3f to %.3f", kind, name, b, g)
			}
			if b, g := base.get(kind, "cross").NDCG(), got.get(kind, "cross").NDCG(); g < b-0.005 {
				t.Errorf("%s, %s: the translations lower nDCG@10 across languages from %.3f to %.3f", kind, name, b, g)
			}
		}
	}
}

// bridgeReport writes the measures as Markdown tables.
func bridgeReport(res bridgeEval) string {
	var b strings.Builder
	for _, part := range []struct {
		title string
		rs    map[string]evalResult
	}{
		{"Full configuration (TF-IDF, concepts, themes, context)", res.full},
		{"Words only (TF-IDF; translations added to the challenge's words where the variant has them)", res.words},
		{"The bridge without the taxonomy (TF-IDF words and the thesaurus's concepts where the variant has them; no themes, no context)", res.alone},
	} {
		fmt.Fprintf(&b, "### %s, nDCG@10\n\n| pair | n |", part.title)
		for _, v := range bridgeVariants {
			b.WriteString(" " + v.name + " |")
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---|", len(bridgeVariants)) + "\n")
		base := part.rs[bridgeVariants[0].name]
		var keys []string
		for k := range base.scores {
			if strings.Contains(k, "->") {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "| %s | %d |", k, base.scores[k].n)
			for _, v := range bridgeVariants {
				fmt.Fprintf(&b, " %.3f |", part.rs[v.name].scores[k].NDCG())
			}
			b.WriteString("\n")
		}
		for _, kind := range []matcher.Kind{matcher.KindPractice, matcher.KindExpert} {
			for _, row := range []struct {
				name string
				get  func(r evalResult) float64
			}{
				{"all languages", func(r evalResult) float64 { return r.get(kind, "all").NDCG() }},
				{"cross-language", func(r evalResult) float64 { return r.get(kind, "cross").NDCG() }},
				{"same language", func(r evalResult) float64 { return sameLangNDCG(r, kind) }},
			} {
				fmt.Fprintf(&b, "| **%s, %s** | |", kind, row.name)
				for _, v := range bridgeVariants {
					fmt.Fprintf(&b, " %.3f |", row.get(part.rs[v.name]))
				}
				b.WriteString("\n")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// sameLangNDCG is the nDCG@10 of the same-language pairs of a kind.
func sameLangNDCG(r evalResult, kind matcher.Kind) float64 {
	return r.get(kind, "same").NDCG()
}
