package matcher

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Candidates limits.
const (
	// DefaultCandidates is the number of candidates when n is 0.
	DefaultCandidates = 100
	// MaxCandidates is the largest n of Candidates.
	MaxCandidates = 10_000
)

// Candidates ranks the experts for the challenge of q as Suggest does with
// q.Kind KindExpert, but returns up to n of them (0 is DefaultCandidates, at
// most MaxCandidates), each with its full explanation (contributions,
// matched words, concepts, themes, the best engagement of the track
// record): the pool from which review panels and tutoring teams are
// assembled. q.Mode matters as in Suggest (peer_review and tutoring weigh
// skills, role and capacity, and an expert who does not volunteer for the
// mode is excluded); q.Kind and q.Limit are ignored, filters apply.
//
// Only experts with some subject fit are returned: sharing a word, a
// concept or a declared theme with the challenge. Unlike Suggest, the
// postings of every word of the challenge are walked, however common, so
// that none of them is missed. For n=500 among 20,000 experts a call costs
// about 12 ms of CPU (BenchmarkCandidates20k): 5 to rank, 6 to find the
// words as written of 500 explanations, which is spread over the index's
// workers (WithWorkers), 1 to explain; 9 ms wall time on two shared cores.
// The cost grows with n, about linearly.
//
// With q.IncludeExcluded, the experts that a hard rule excludes (paused,
// no capacity left, no shared language, not available, not volunteering
// for the mode, from the challenge's own city) are returned too, at the
// rank their score would give them, with Explanation.Excluded set and the
// reasons: every one that scores at least as well as the last expert
// returned who is not excluded (all of them when no such expert was left
// out), the best n at most. The caller can thus tell how many of the
// candidates each rule removed. It returns the errors of Suggest, and one
// wrapping ErrInvalidQuery for n out of its bounds.
func (ix *Index) Candidates(q Query, n int) ([]Suggestion, error) {
	defer ix.observed("candidates", time.Now())
	if n == 0 {
		n = DefaultCandidates
	}
	if n < 0 || n > MaxCandidates {
		return nil, fmt.Errorf("candidates: %w: n %d is not between 1 and %d", ErrInvalidQuery, n, MaxCandidates)
	}
	q.Kind, q.Limit = KindExpert, 0
	subject, err := ix.challengeOf(&q)
	if err != nil {
		return nil, fmt.Errorf("candidates: %w", err)
	}
	if statuses[strings.ToLower(strings.TrimSpace(subject.Status))] == 3 {
		return nil, fmt.Errorf("candidates for %s: %w", subject.ID, ErrClosed)
	}
	text := ix.subjectOf(subject, !q.OneOff)

	ix.mu.RLock()
	s, err := ix.newSearch(&q, subject, text, KindExpert)
	if err != nil {
		ix.mu.RUnlock()
		return nil, fmt.Errorf("candidates: %w", err)
	}
	s.withExcluded = q.IncludeExcluded
	rs := s.candidates(n)
	out := make([]Suggestion, 0, len(rs))
	ps := make([]*pending, 0, len(rs))
	for i := range rs {
		p := s.explain(&rs[i])
		ps = append(ps, p)
		out = append(out, Suggestion{ID: s.st.meta[rs[i].slot].id, Kind: KindExpert, Score: p.exp.Score})
	}
	ix.mu.RUnlock()

	ix.fillEvidence(subject, ps)
	for i := range out {
		out[i].Explanation = *ps[i].exp
		out[i].Name, out[i].CityID = ps[i].name, ps[i].cityID
	}
	return out, nil
}

// candidates ranks the experts with some subject fit: the best n that may
// be suggested and, when s.withExcluded, the excluded ones that score at
// least as well as the last of them, each scored exactly with its detail,
// best first.
func (s *search) candidates(n int) []result {
	st := s.st
	acc := s.ix.getAcc(len(st.hot))
	defer s.ix.putAcc(acc)

	// No budget: every expert sharing anything with the challenge is
	// touched, so nothing is deferred.
	budget := math.MaxInt
	st.accumulate(acc, &s.qv, &budget, nil)
	first := len(acc.touched)
	st.accumulate(acc, &s.qvItem, &budget, nil)
	s.foldItems(acc, first)

	pool := s.ix.candidatePool(n)
	var kept, excluded []scoredCand
	for {
		left := s.collect(acc, pool)
		excluded = excluded[:0]
		var excl *[]scoredCand
		if s.withExcluded {
			excl = &excluded
		}
		kept = s.evaluateCandidates(acc, acc.cands, nil, nil, kept[:0], excl)
		if len(kept) >= n+exactMargin || !left {
			break
		}
		pool *= 4
	}
	byScore := func(a, b scoredCand) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.slot, b.slot)
	}
	slices.SortFunc(kept, byScore)
	cut := len(kept) > n // some expert who may be suggested is left out
	kept = kept[:min(len(kept), n+exactMargin)]

	results := make([]result, 0, len(kept))
	for _, c := range kept {
		results = append(results, s.exact(c.slot, true))
	}
	sortResults(st, results)
	results = results[:min(len(results), n)]
	if len(excluded) == 0 {
		return results
	}

	// The excluded experts down to the last one kept, on their quick
	// scores with a margin for the float32 sums, then exactly.
	floor := math.Inf(-1)
	if cut && len(results) > 0 {
		floor = results[len(results)-1].score
	}
	slices.SortFunc(excluded, byScore)
	var out []result
	for _, c := range excluded {
		if c.score < floor-1e-4 || len(out) >= n+exactMargin {
			break
		}
		if r := s.exact(c.slot, true); r.score >= floor {
			out = append(out, r)
		}
	}
	sortResults(st, out)
	out = out[:min(len(out), n)]
	results = append(results, out...)
	sortResults(st, results)
	return results
}
