package matcher_test

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"matchmaker/matcher"
)

// TestExpertiseBenchmark measures how well the matcher orders the papers a
// researcher judged themselves expert on, from their track record: the
// gold standard of Stelmakh, Wieting, Xi, Neubig and Shah, "A Gold Standard
// Dataset for the Reviewer Assignment Problem" (TMLR 2025,
// github.com/niharshah/goldstandard-reviewer-paper-match). 58 researchers
// rated their expertise (1 to 5) in reviewing up to 10 papers each. Each
// researcher is an expert whose track record holds their own papers (the 20
// most recent, title, abstract and year, the rated papers left out), each
// rated paper a peer-review challenge. The loss is the weighted share of a
// researcher's pairs of papers ordered against their own judgement (weight:
// the difference of their ratings; a tie counts half): lower is better. The
// paper reports, on the same protocol with profiles of 20 papers, TF-IDF
// 0.26, TPMS 0.28, SPECTER 0.27, SPECTER2 0.21.
//
// The ratings are CC BY 4.0; the papers' titles and abstracts are Semantic
// Scholar's and their authors', licensed to nobody here, so they are not in
// this repository: the test runs on a copy of the dataset's data folder
// named by MATCHER_EXPERTISE_DIR, and is skipped without one (see
// docs/matching.md for the command).
func TestExpertiseBenchmark(t *testing.T) {
	dir := os.Getenv("MATCHER_EXPERTISE_DIR")
	if dir == "" {
		t.Skip("MATCHER_EXPERTISE_DIR names no copy of the gold standard's data folder")
	}
	type paper struct {
		Title, Abstract string
		Year            int
	}
	papers := map[string]paper{}
	readPaper := func(id string) (paper, bool) {
		if p, ok := papers[id]; ok {
			return p, p.Title != ""
		}
		var p paper
		if b, err := os.ReadFile(filepath.Join(dir, "papers", id+".json")); err == nil {
			_ = json.Unmarshal(b, &p)
		}
		papers[id] = p
		return p, p.Title != ""
	}
	f, err := os.Open(filepath.Join(dir, "evaluations.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type rating struct {
		paper  string
		rating float64
	}
	ratings := map[string][]rating{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 21 {
			continue
		}
		for i := 1; i <= 10; i++ {
			v, err := strconv.ParseFloat(cols[10+i], 64)
			if cols[i] == "" || err != nil {
				continue
			}
			if _, ok := readPaper(cols[i]); ok {
				ratings[cols[0]] = append(ratings[cols[0]], rating{cols[i], v})
			}
		}
	}
	var docs []matcher.Doc
	seen := map[string]bool{}
	for who, rs := range ratings {
		var prof struct {
			Papers []struct {
				PaperID string `json:"paperId"`
			} `json:"papers"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "participants", who+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &prof); err != nil {
			t.Fatal(err)
		}
		rated := map[string]bool{}
		for _, r := range rs {
			rated[r.paper] = true
		}
		var items []matcher.TrackItem
		for _, pp := range prof.Papers {
			if p, ok := readPaper(pp.PaperID); ok && !rated[pp.PaperID] {
				items = append(items, matcher.TrackItem{Title: p.Title, Summary: p.Abstract, Year: p.Year})
			}
		}
		slices.SortStableFunc(items, func(a, b matcher.TrackItem) int { return cmp.Compare(b.Year, a.Year) })
		items = items[:min(len(items), 20)]
		docs = append(docs, matcher.Doc{ID: "r" + who, Kind: matcher.KindExpert, Lang: matcher.English, Languages: []string{"en"},
			Modes: []string{"peer_review"}, Capacity: 1, TrackRecord: items})
		for _, r := range rs {
			if seen[r.paper] {
				continue
			}
			seen[r.paper] = true
			p := papers[r.paper]
			docs = append(docs, matcher.Doc{ID: "p" + r.paper, Kind: matcher.KindChallenge, Lang: matcher.English, Languages: []string{"en"},
				Modes: []string{"peer_review"}, Fields: []matcher.Field{{Name: "title", Text: p.Title}, {Name: "description", Text: p.Abstract}}})
		}
	}
	lex, err := loadThemeLexicon()
	if err != nil {
		t.Fatal(err)
	}
	// The profiles were crawled in May 2022.
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex), matcher.WithClock(func() time.Time { return time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC) }))
	if err := ix.Build(docs, nil); err != nil {
		t.Fatal(err)
	}
	rankers := []struct {
		name string
		of   func(matcher.Explanation) float64
	}{
		{"explain score (peer review)", func(e matcher.Explanation) float64 { return e.Score }},
		{"text factor", func(e matcher.Explanation) float64 { return factorValue(e, matcher.FactorText) }},
		{"concept factor", func(e matcher.Explanation) float64 { return factorValue(e, matcher.FactorConcepts) }},
		{"track record (best three items)", func(e matcher.Explanation) float64 {
			if e.TrackRecord == nil {
				return 0
			}
			return e.TrackRecord.Record
		}},
		{"best item alone", func(e matcher.Explanation) float64 {
			if e.TrackRecord == nil {
				return 0
			}
			return e.TrackRecord.Score
		}},
	}
	// Text alone: the same papers as one text, the expert's bio, with no
	// track record, ranked by the text factor (plain TF-IDF of the profile).
	var plainDocs []matcher.Doc
	for _, d := range docs {
		if d.Kind == matcher.KindExpert {
			var parts []string
			for _, it := range d.TrackRecord {
				parts = append(parts, it.Title+". "+it.Summary)
			}
			d.Fields, d.TrackRecord = []matcher.Field{{Name: "bio", Text: strings.Join(parts, "\n\n")}}, nil
		}
		plainDocs = append(plainDocs, d)
	}
	plain := matcher.NewIndex(matcher.NewAnalyzer(lex), matcher.WithClock(func() time.Time { return time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC) }))
	if err := plain.Build(plainDocs, nil); err != nil {
		t.Fatal(err)
	}
	no := false
	loss, weight := make([]float64, len(rankers)+1), 0.0
	pairs := 0
	for who, rs := range ratings {
		preds := make([][]float64, len(rs))
		for i, r := range rs {
			got, err := ix.Explain(matcher.Query{ChallengeID: "p" + r.paper, Kind: matcher.KindExpert, RequireSharedLanguage: &no}, "r"+who)
			if err != nil {
				t.Fatal(err)
			}
			for _, rk := range rankers {
				preds[i] = append(preds[i], rk.of(got.Explanation))
			}
			got, err = plain.Explain(matcher.Query{ChallengeID: "p" + r.paper, Kind: matcher.KindExpert, RequireSharedLanguage: &no}, "r"+who)
			if err != nil {
				t.Fatal(err)
			}
			preds[i] = append(preds[i], factorValue(got.Explanation, matcher.FactorText))
		}
		for i := range rs {
			for j := i + 1; j < len(rs); j++ {
				d := rs[i].rating - rs[j].rating
				if d == 0 {
					continue
				}
				w := max(d, -d)
				weight += w
				pairs++
				for k := range loss {
					p := preds[i][k] - preds[j][k]
					switch {
					case p == 0:
						loss[k] += w / 2
					case (p > 0) != (d > 0):
						loss[k] += w
					}
				}
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d researchers, %d pairs judged\n\n| ranking | weighted pairwise loss |\n|---|---|\n", len(ratings), pairs)
	for k, rk := range rankers {
		fmt.Fprintf(&b, "| %s | %.3f |\n", rk.name, loss[k]/weight)
	}
	fmt.Fprintf(&b, "| text alone (the papers as a bio, no record) | %.3f |\n", loss[len(rankers)]/weight)
	t.Log("\n" + b.String())
}

// factorValue is the value of factor f in an explanation, 0 when absent.
func factorValue(e matcher.Explanation, f matcher.Factor) float64 {
	for _, c := range e.Contributions {
		if c.Factor == f {
			return c.Value
		}
	}
	return 0
}
