package matcher_test

import (
	"sync"
	"testing"
	"time"

	"matchmaker/matcher"
)

// TestQueryObserver: every query of the index reports its kind and how long it
// took to the observer, errors included.
func TestQueryObserver(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	ix := newTestIndex(t, fixture(), matcher.WithQueryObserver(func(query string, took time.Duration) {
		if took < 0 {
			t.Errorf("%s took %v", query, took)
		}
		mu.Lock()
		seen[query]++
		mu.Unlock()
	}))
	q := matcher.Query{ChallengeID: "c1"}
	ix.Suggest(q)
	ix.Suggest(matcher.Query{ChallengeID: "nobody"})
	ix.Explain(q, "p-en")
	ix.Candidates(matcher.Query{ChallengeID: "c1", Kind: matcher.KindExpert}, 5)
	ix.Opportunities("e1", matcher.Query{})
	ix.Partners("lyon", matcher.Query{})
	ix.Group([]string{"p-en"}, 0.2)
	want := map[string]int{"suggest": 2, "explain": 1, "candidates": 1, "opportunities": 1, "partners": 1, "group": 1}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("%s observed %d times, want %d (all: %v)", k, seen[k], n, seen)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("observed %v", seen)
	}
}
