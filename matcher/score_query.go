package matcher

import (
	"fmt"
	"strings"
	"time"
)

// Suggest ranks the practices, experts or cities (q.Kind) that fit the
// challenge of q, best first, each with its explanation. Pairs that a hard
// rule excludes are left out: the challenge's own city and its practices,
// draft practices, paused experts, experts with no capacity left, not
// available in the timeframe or not volunteering for the mode, and (unless
// q.RequireSharedLanguage is false) experts with no working language in
// common with the challenge's city. It returns ErrNotFound when the
// challenge is unknown (or the ID names a document of another kind),
// ErrClosed when it is closed, and an error wrapping ErrInvalidQuery for
// bad options.
//
// A city's score is that of its best practice plus a share of its second
// and third (FactorMorePractices, see cityDepth): cities are found through
// the best practices, then each is scored on all its practices, as Explain
// scores it.
func (ix *Index) Suggest(q Query) ([]Suggestion, error) {
	p, err := ix.SuggestPage(q)
	return p.Items, err
}

// SuggestPage is Suggest for one page of the list: q.Offset and q.Limit
// say which, and the page says how many the whole list holds.
func (ix *Index) SuggestPage(q Query) (Page, error) {
	defer ix.observed("suggest", time.Now())
	kind := q.Kind
	if kind == "" {
		kind = KindPractice
	}
	if kind != KindPractice && kind != KindExpert && kind != KindCity {
		return Page{}, fmt.Errorf("suggest: %w: kind %q (practice, expert or city)", ErrInvalidQuery, kind)
	}
	subject, err := ix.challengeOf(&q)
	if err != nil {
		return Page{}, fmt.Errorf("suggest: %w", err)
	}
	if statuses[strings.ToLower(strings.TrimSpace(subject.Status))] == 3 {
		return Page{}, fmt.Errorf("suggest for %s: %w", subject.ID, ErrClosed)
	}
	text := ix.subjectOf(subject, !q.OneOff)

	ix.mu.RLock()
	s, err := ix.newSearch(&q, subject, text, kind)
	if err != nil {
		ix.mu.RUnlock()
		return Page{}, fmt.Errorf("suggest: %w", err)
	}
	offset, limit := pageOf(&q)
	var out []Suggestion
	var ps []*pending
	if kind == KindCity {
		out, ps = s.suggestCities(offset, limit)
	} else {
		rs := s.run(offset, limit)
		out, ps = make([]Suggestion, 0, len(rs)), make([]*pending, 0, len(rs))
		for i := range rs {
			p := s.explain(&rs[i])
			ps = append(ps, p)
			out = append(out, Suggestion{ID: s.st.meta[rs[i].slot].id, Kind: kind, Score: p.exp.Score})
		}
	}
	total := s.total
	s.release()
	ix.mu.RUnlock()

	ix.fillEvidence(subject, ps)
	for i := range out {
		out[i].Explanation = *ps[i].exp
		if kind != KindCity {
			out[i].Name, out[i].CityID = ps[i].name, ps[i].cityID
		}
	}
	return Page{Items: out, Total: max(total, offset+len(out))}, nil
}

// pageOf is the offset and limit of q's page (setOptions checked them):
// the list is ranked MaxLimit deep.
func pageOf(q *Query) (offset, limit int) {
	limit = q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	return q.Offset, min(limit, MaxLimit-q.Offset)
}

// Explain scores the pair of the challenge of q and the document id (a
// practice, an expert or a city, after q.Kind; "" guesses from the ID),
// whether or not the pair would be suggested: when a rule excludes it, the
// explanation says so and why ("no shared working language: …", "expert is
// paused", "same city: …"). The score is the one Suggest gives. Filters of
// q (region, country, language) do not apply.
func (ix *Index) Explain(q Query, id string) (Suggestion, error) {
	defer ix.observed("explain", time.Now())
	subject, err := ix.challengeOf(&q)
	if err != nil {
		return Suggestion{}, fmt.Errorf("explain: %w", err)
	}
	text := ix.subjectOf(subject, !q.OneOff)

	ix.mu.RLock()
	kind := q.Kind
	slot, indexed := ix.st.ids[id]
	switch {
	case kind == "" && indexed:
		kind = Kind(segKind(ix.st.meta[slot].seg))
	case kind == "":
		kind = KindCity
	}
	s, err := ix.newSearch(&q, subject, text, kind)
	if err != nil {
		ix.mu.RUnlock()
		return Suggestion{}, fmt.Errorf("explain: %w", err)
	}
	var p *pending
	switch {
	case kind == KindCity:
		p = s.explainCity(id)
	case !indexed:
		err = fmt.Errorf("explain: %s %s: %w", kind, id, ErrNotFound)
	case Kind(segKind(ix.st.meta[slot].seg)) != kind:
		err = fmt.Errorf("explain: %w", notFoundAs(kind, id, segKind(ix.st.meta[slot].seg)))
	default:
		r := s.exact(slot, true)
		p = s.explain(&r)
	}
	s.release()
	ix.mu.RUnlock()
	if err != nil {
		return Suggestion{}, err
	}
	if p == nil {
		return Suggestion{}, fmt.Errorf("explain: city %s: %w", id, ErrNotFound)
	}
	ix.fillEvidence(subject, []*pending{p})
	sug := Suggestion{ID: id, Kind: kind, Score: p.exp.Score, Explanation: *p.exp}
	if kind != KindCity {
		sug.Name, sug.CityID = p.name, p.cityID
	}
	return sug, nil
}

// defaultMode is the mode a challenge is served in when a request names
// none: the first of its modes the matcher knows, else exchange.
func defaultMode(ch *Doc) Mode {
	for _, m := range ch.Modes {
		if md := Mode(strings.ToLower(strings.TrimSpace(m))); modeBit(string(md)) != 0 {
			return md
		}
	}
	return ModeExchange
}

// segKind is the kind of the documents of a segment.
func segKind(seg uint8) Kind {
	switch seg {
	case segExpert:
		return KindExpert
	case segChallenge:
		return KindChallenge
	}
	return KindPractice
}

// challengeOf returns the challenge of q: q.Challenge, or the indexed
// challenge q.ChallengeID.
func (ix *Index) challengeOf(q *Query) (*Doc, error) {
	if q.Challenge != nil {
		if q.Challenge.Kind != KindChallenge {
			return nil, fmt.Errorf("%w: the subject %s is a %s, not a challenge", ErrInvalidQuery, q.Challenge.ID, q.Challenge.Kind)
		}
		return q.Challenge, nil
	}
	if q.ChallengeID == "" {
		return nil, fmt.Errorf("%w: no challenge", ErrInvalidQuery)
	}
	d, ok := ix.fetch(q.ChallengeID)
	if !ok {
		return nil, fmt.Errorf("challenge %s: %w", q.ChallengeID, ErrNotFound)
	}
	if d.Kind != KindChallenge {
		return nil, notFoundAs(KindChallenge, q.ChallengeID, d.Kind)
	}
	return &d, nil
}

// notFoundAs is the error for an ID that names a document of another kind
// than the one asked for: to the caller, that challenge does not exist
// ("challenge p1: not found (it is a practice)").
func notFoundAs(want Kind, id string, is Kind) error {
	return fmt.Errorf("%s %s: %w (it is %s)", want, id, ErrNotFound, withArticle(is))
}

// withArticle names a kind with its indefinite article.
func withArticle(k Kind) string {
	if k == KindExpert {
		return "an expert"
	}
	return "a " + string(k)
}

// newSearch sets up a search of target documents for subject, under the
// read lock.
func (ix *Index) newSearch(q *Query, subject *Doc, text *subjectText, target Kind) (*search, error) {
	s := &search{ix: ix, st: ix.st, text: text, target: target, oneOff: q.OneOff}
	if target == KindCity {
		s.target = KindPractice
	}
	if q.Mode == "" && subject.Kind == KindChallenge {
		// A challenge is served in the first mode it asks for: explain on
		// a peer-review challenge must not answer in exchange mode.
		qq := *q
		qq.Mode = defaultMode(subject)
		q = &qq
	}
	if err := s.setOptions(q); err != nil {
		return nil, err
	}
	s.setFilters(q)
	s.subjMeta, s.subj.h = s.st.metaOf(subject, text.lang, false)
	s.subj.m = &s.subjMeta
	s.subj.kind = subject.Kind
	if len(subject.Languages) > 0 {
		s.subj.langs = subject.Languages
	} else if text.lang != "" {
		s.subj.langs = []string{string(text.lang)}
	}
	s.prepare()
	return s, nil
}
