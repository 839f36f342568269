package matcher

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// cityPracticePool is how many practices a city suggestion ranks first
// before grouping them by city; when they name too few cities (several of
// the best practices often belong to the same few), it ranks four times
// more (see suggestCities). On the synthetic corpus of 100,000 documents,
// 200 challenges asking for ten cities got the same ten, in the same order,
// from 30 practices as from 50 (183 of the 200 lists both, against the
// lists of a pool of 400; 98.95% and 99.05% of the cities), for a sixth
// less time.
func cityPracticePool(limit int) int { return min(MaxLimit*4, max(30, 3*limit)) }

// partnerPracticePool is how many practices partner suggestions rank for
// each challenge, to find partnerCandidates cities.
const partnerPracticePool = 5 * partnerCandidates

// cityBest is how many practices make a city's score: its best one and
// the next ones that cityDepth counts.
const cityBest = 1 + len(cityDepth)

// cityResult is a city with the practices that make its score.
type cityResult struct {
	city   uint32
	units  int64
	n      int              // practices in best
	best   [cityBest]uint32 // the slots of its best practices, best first
	pUnits [cityBest]int64  // their scores in units
}

// resultUnits is the score of r in units, as its explanation adds it up.
func resultUnits(r *result) int64 {
	var total int64
	for i := range r.vals {
		if r.eff[i] != 0 {
			total += units(r.eff[i] * r.vals[i])
		}
	}
	return total
}

// groupCities groups ranked practices by city and scores each city: its
// best practice plus cityDepth shares of the next two.
func (s *search) groupCities(rs []ranked) []cityResult {
	byCity := make(map[uint32]int, len(rs))
	var out []cityResult
	for _, r := range rs {
		c := s.st.hot[r.slot].city
		if c == 0 {
			continue
		}
		i, ok := byCity[c]
		if !ok {
			i = len(out)
			byCity[c] = i
			out = append(out, cityResult{city: c})
		}
		out[i].add(r)
	}
	for i := range out {
		out[i].total()
	}
	s.sortCities(out)
	return out
}

// add counts the practice r in the city when it is among its best: the
// practices come best first.
func (cr *cityResult) add(r ranked) {
	if cr.n < cityBest {
		cr.best[cr.n], cr.pUnits[cr.n] = r.slot, r.units
		cr.n++
	}
}

// total sets the city's score from its best practices.
func (cr *cityResult) total() {
	cr.units = cr.pUnits[0] + depthUnits(cr.pUnits[:cr.n])
}

// sortCities orders cities best first, by name on a tie.
func (s *search) sortCities(crs []cityResult) {
	slices.SortStableFunc(crs, func(a, b cityResult) int {
		if c := cmp.Compare(b.units, a.units); c != 0 {
			return c
		}
		return strings.Compare(s.st.cities.name(a.city), s.st.cities.name(b.city))
	})
}

// depthUnits is the bonus of a city's second and third practices.
func depthUnits(pu []int64) int64 {
	v := 0.0
	for j := 1; j < len(pu) && j <= len(cityDepth); j++ {
		v += cityDepth[j-1] * fromUnits(pu[j])
	}
	return units(v)
}

// cityExplanation explains a city from its best practices: the
// explanation of the best one, the bonus of the others, the list.
func (s *search) cityExplanation(cr *cityResult) *pending {
	best := s.exact(cr.best[0], true)
	p := s.explain(&best)
	exp := p.exp
	du := depthUnits(cr.pUnits[:cr.n])
	if cr.n > 1 {
		others := make([]PracticeMatch, 0, cr.n-1)
		for j := 1; j < cr.n; j++ {
			others = append(others, PracticeMatch{ID: s.st.meta[cr.best[j]].id, Score: fromUnits(cr.pUnits[j])})
		}
		exp.Contributions = append(exp.Contributions, Contribution{
			Factor: FactorMorePractices, GivenWeight: 1, Weight: 1, Value: fromUnits(du), Contribution: fromUnits(du),
			Reasons: reasons1(reason(ReasonMorePractices, typedArg("Practices", ArgScores, others))),
		})
	}
	exp.Score = fromUnits(p.scoreUnits + du)
	p.scoreUnits += du
	for j, slot := range cr.best[:cr.n] {
		exp.Practices = append(exp.Practices, PracticeMatch{ID: s.st.meta[slot].id, Score: fromUnits(cr.pUnits[j])})
	}
	return p
}

// suggestCities ranks cities by their practices.
func (s *search) suggestCities(offset, limit int) ([]Suggestion, []*pending) {
	pool := cityPracticePool(offset + limit)
	var rs []ranked
	var crs []cityResult
	for {
		rs = s.rank(pool)
		crs = s.groupCities(rs)
		if len(crs) >= offset+limit+exactMargin || len(rs) < pool || pool == MaxLimit*4 {
			break
		}
		pool = min(pool*4, MaxLimit*4)
	}
	// Every practice that may be suggested was ranked when fewer came
	// back than asked: then the cities are all known.
	s.total = min(len(crs), MaxLimit)
	if len(rs) == pool {
		s.total = MaxLimit
	}
	// The best practices found rank the cities; each city's score then
	// counts all its practices, as Explain does, and they are ranked again.
	// The practices ranked already keep their scores; the documents of the
	// cities are touched first (see touch).
	crs = crs[:min(len(crs), offset+limit+exactMargin)]
	slices.SortFunc(rs, func(a, b ranked) int { return cmp.Compare(a.slot, b.slot) })
	for _, cr := range crs {
		for _, slot := range s.st.byCity[cr.city] {
			s.touched += s.st.touch(slot)
		}
	}
	full := make([]cityResult, 0, len(crs))
	for _, cr := range crs {
		if c, ok := s.cityResultOf(cr.city, rs); ok {
			full = append(full, c)
		}
	}
	s.sortCities(full)
	full = full[min(len(full), offset):min(len(full), offset+limit)]
	out := make([]Suggestion, 0, len(full))
	ps := make([]*pending, 0, len(full))
	for i := range full {
		p := s.cityExplanation(&full[i])
		ps = append(ps, p)
		out = append(out, Suggestion{ID: s.st.cities.name(full[i].city), Kind: KindCity, Score: p.exp.Score})
	}
	return out, ps
}

// citySlots lists the live documents of city in segment seg.
func (st *state) citySlots(city uint32, seg uint8, eligibleOnly bool) []uint32 {
	return st.appendCitySlots(nil, city, seg, eligibleOnly)
}

// appendCitySlots appends the live documents of city in segment seg to out.
func (st *state) appendCitySlots(out []uint32, city uint32, seg uint8, eligibleOnly bool) []uint32 {
	for _, slot := range st.byCity[city] {
		h := st.hot[slot]
		if h.flags&flLive == 0 || st.meta[slot].seg != seg || eligibleOnly && h.flags&flEligible == 0 {
			continue
		}
		out = append(out, slot)
	}
	return out
}

// cityResultOf scores a city from all its practices, exactly; false when
// none may be suggested. known are practices ranked already, by slot:
// their scores are taken from there.
func (s *search) cityResultOf(city uint32, known []ranked) (cityResult, bool) {
	var buf [16]uint32
	var okBuf [16]ranked
	ok := okBuf[:0]
	for _, slot := range s.st.appendCitySlots(buf[:0], city, segPractice, true) {
		if i, found := slices.BinarySearchFunc(known, slot, func(r ranked, slot uint32) int { return cmp.Compare(r.slot, slot) }); found {
			ok = append(ok, known[i])
			continue
		}
		if r := s.exact(slot, false); !r.excluded {
			ok = append(ok, ranked{slot: slot, score: r.score, units: resultUnits(&r)})
		}
	}
	if len(ok) == 0 {
		return cityResult{}, false
	}
	sortRanked(s.st, ok)
	cr := cityResult{city: city}
	for _, r := range ok {
		cr.add(r)
	}
	cr.total()
	return cr, true
}

// explainCity explains the city id as a suggestion for the search's
// challenge: from its practices that may be suggested, or, when none may,
// from its best practice with the reasons it is excluded. nil when the
// index knows no such city.
func (s *search) explainCity(id string) *pending {
	st := s.st
	city := st.cities.find(strings.TrimSpace(id))
	if city == 0 || city == noID {
		return nil
	}
	if cr, ok := s.cityResultOf(city, nil); ok {
		return s.cityExplanation(&cr)
	}
	var excluded []result
	for _, slot := range st.citySlots(city, segPractice, false) {
		excluded = append(excluded, s.exact(slot, false))
	}
	if len(excluded) == 0 {
		return &pending{exp: &Explanation{Mode: s.rules.mode, Excluded: true,
			Exclusions: reasons1(reason(ReasonCityNoPractice)), Contributions: []Contribution{}}, item: -1}
	}
	sortResults(st, excluded)
	r := s.exact(excluded[0].slot, true)
	p := s.explain(&r)
	p.exp.Exclusions = append([]Reason{reason(ReasonCityBest, textArg("Practice", st.meta[r.slot].id))}, p.exp.Exclusions...)
	p.exp.Practices = []PracticeMatch{{ID: st.meta[r.slot].id, Score: p.exp.Score}}
	return p
}

// Opportunities ranks the open challenges that fit the expert expertID,
// best first, each explained. The pair is scored from the expert's side
// (their profile, and each engagement of their track record on its own,
// as the query), with the same factors and rules as Suggest, except that
// the expert's own pause and load do not hide challenges from them. When
// q.Mode is "", each challenge is scored in the first mode it asks for.
// q's challenge and kind are ignored. An ID that is not an expert's is
// ErrNotFound.
func (ix *Index) Opportunities(expertID string, q Query) ([]Suggestion, error) {
	p, err := ix.OpportunitiesPage(expertID, q)
	return p.Items, err
}

// OpportunitiesPage is Opportunities for one page of the list (q.Offset,
// q.Limit), with how many the whole list holds.
func (ix *Index) OpportunitiesPage(expertID string, q Query) (Page, error) {
	defer ix.observed("opportunities", time.Now())
	d, ok := ix.fetch(expertID)
	if !ok {
		return Page{}, fmt.Errorf("opportunities: expert %s: %w", expertID, ErrNotFound)
	}
	if d.Kind != KindExpert {
		return Page{}, fmt.Errorf("opportunities: %w", notFoundAs(KindExpert, expertID, d.Kind))
	}
	text := ix.subject(&d)

	ix.mu.RLock()
	s, err := ix.newSearch(&q, &d, text, KindChallenge)
	if err != nil {
		ix.mu.RUnlock()
		return Page{}, fmt.Errorf("opportunities: %w", err)
	}
	offset, limit := pageOf(&q)
	s.fixedMode = q.Mode != ""
	s.rules.skipSubject = true
	s.rules.checkChallenge = true
	var out []Suggestion
	var ps []*pending
	for _, r := range s.run(offset, limit) {
		p := s.explain(&r)
		ps = append(ps, p)
		out = append(out, Suggestion{ID: s.st.meta[r.slot].id, Kind: KindChallenge, Score: p.exp.Score})
	}
	total := s.total
	ix.mu.RUnlock()

	ix.fillEvidence(&d, ps)
	for i := range out {
		out[i].Explanation = *ps[i].exp
		out[i].Name, out[i].CityID = ps[i].name, ps[i].cityID
	}
	return Page{Items: out, Total: max(total, offset+len(out))}, nil
}

// partnerCandidates bounds the cities whose challenges Partners reads for
// the second direction.
const partnerCandidates = 50

// partnerFloor is the subject fit each direction of a partnership needs:
// what text, concepts and themes add to its score. Context alone (another
// country, a shared language: up to 0.15 in exchange) or a few common
// words must not make two cities partners; a practice on the subject
// brings 0.3 or more.
const partnerFloor = 0.15

// subjectFit is what the subject factors add to an explained score.
func subjectFit(e *Explanation) float64 {
	v := 0.0
	for _, c := range e.Contributions {
		switch c.Factor {
		case FactorText, FactorConcepts, FactorThemes:
			v += c.Contribution
		}
	}
	return v
}

// direction is one side of a partnership being scored.
type direction struct {
	challenge *Doc
	units     int64
	p         *pending
}

// Partners ranks the cities that make a reciprocal exchange with cityID:
// cities B whose practices answer one of the city's open challenges and
// whose own open challenges the city's practices answer. Each direction is
// scored as a city suggestion (Suggest with KindCity) for the best pair of
// challenge and city; the partnership scores the harmonic mean of both, so
// that it is high only when both sides have something to give. Each
// direction is explained in Explanation.Directions. q's options (mode,
// weights, rules, filters on the partner) apply; its challenge is ignored.
func (ix *Index) Partners(cityID string, q Query) ([]Suggestion, error) {
	p, err := ix.PartnersPage(cityID, q)
	return p.Items, err
}

// PartnersPage is Partners for one page of the list (q.Offset, q.Limit),
// with how many partners there are in all.
func (ix *Index) PartnersPage(cityID string, q Query) (Page, error) {
	defer ix.observed("partners", time.Now())
	if _, err := ParseMode(string(q.Mode)); err != nil {
		return Page{}, fmt.Errorf("partners: %w", err)
	}
	if q.Offset < 0 || q.Offset >= MaxLimit {
		return Page{}, fmt.Errorf("partners: %w: offset %d is not between 0 and %d", ErrInvalidQuery, q.Offset, MaxLimit-1)
	}
	offset, limit := pageOf(&q)
	ix.mu.RLock()
	st := ix.st
	city := st.cities.find(strings.TrimSpace(cityID))
	var other Kind // the kind of the document cityID names, when it is not a city
	if slot, ok := st.ids[cityID]; ok && (city == 0 || city == noID) {
		other = segKind(st.meta[slot].seg)
	}
	var mine []string
	hasPractice := false
	if city != 0 && city != noID {
		for _, slot := range st.citySlots(city, segChallenge, true) {
			mine = append(mine, st.meta[slot].id)
		}
		hasPractice = len(st.citySlots(city, segPractice, true)) > 0
	}
	ix.mu.RUnlock()
	if other != "" {
		return Page{}, fmt.Errorf("partners: %w", notFoundAs(KindCity, cityID, other))
	}
	if city == 0 || city == noID {
		return Page{}, fmt.Errorf("partners: city %s: %w", cityID, ErrNotFound)
	}
	if len(mine) == 0 || !hasPractice {
		return Page{Items: []Suggestion{}}, nil
	}

	// Direction 1: the other cities' practices for each of our challenges.
	forward := map[string]*direction{}
	for _, id := range mine {
		ch, ok := ix.fetch(id)
		if !ok {
			continue
		}
		text := ix.subject(&ch)
		ix.mu.RLock()
		s, err := ix.newSearch(&q, &ch, text, KindCity)
		if err != nil {
			ix.mu.RUnlock()
			return Page{}, fmt.Errorf("partners: %w", err)
		}
		crs := s.groupCities(s.rank(partnerPracticePool))
		for i := range crs[:min(len(crs), partnerCandidates)] {
			name := s.st.cities.name(crs[i].city)
			if d := forward[name]; d != nil && d.units >= crs[i].units {
				continue
			}
			if p := s.cityExplanation(&crs[i]); subjectFit(p.exp) >= partnerFloor {
				forward[name] = &direction{challenge: &ch, units: crs[i].units, p: p}
			}
		}
		ix.mu.RUnlock()
	}
	cands := make([]string, 0, len(forward))
	for name := range forward {
		cands = append(cands, name)
	}
	slices.SortFunc(cands, func(a, b string) int {
		if c := cmp.Compare(forward[b].units, forward[a].units); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	cands = cands[:min(len(cands), partnerCandidates)]

	// Direction 2: our practices for each candidate's challenges.
	type partner struct {
		name      string
		units     int64
		fwd, back *direction
	}
	var partners []partner
	for _, name := range cands {
		ix.mu.RLock()
		var theirs []string
		if b := ix.st.cities.find(name); b != noID && b != 0 {
			for _, slot := range ix.st.citySlots(b, segChallenge, true) {
				theirs = append(theirs, ix.st.meta[slot].id)
			}
		}
		ix.mu.RUnlock()
		var back *direction
		for _, id := range theirs {
			ch, ok := ix.fetch(id)
			if !ok {
				continue
			}
			text := ix.subject(&ch)
			qb := q
			qb.Region, qb.Country, qb.Language = "", "", ""
			ix.mu.RLock()
			s, err := ix.newSearch(&qb, &ch, text, KindCity)
			if err == nil {
				if p := s.explainCity(cityID); p != nil && !p.exp.Excluded && subjectFit(p.exp) >= partnerFloor &&
					(back == nil || p.scoreUnits > back.units) {
					back = &direction{challenge: &ch, units: p.scoreUnits, p: p}
				}
			}
			ix.mu.RUnlock()
		}
		if back == nil || back.units <= 0 {
			continue
		}
		f := forward[name]
		x, y := fromUnits(f.units), fromUnits(back.units)
		if x <= 0 {
			continue
		}
		partners = append(partners, partner{name: name, units: units(2 * x * y / (x + y)), fwd: f, back: back})
	}
	slices.SortFunc(partners, func(a, b partner) int {
		if c := cmp.Compare(b.units, a.units); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	total := min(len(partners), MaxLimit)
	partners = partners[min(len(partners), offset):min(len(partners), offset+limit)]

	out := make([]Suggestion, 0, len(partners))
	for _, pt := range partners {
		ix.fillEvidence(pt.fwd.challenge, []*pending{pt.fwd.p})
		ix.fillEvidence(pt.back.challenge, []*pending{pt.back.p})
		x, y := fromUnits(pt.fwd.units), fromUnits(pt.back.units)
		u1 := (pt.units + 1) / 2
		exp := Explanation{
			Mode:  pt.fwd.p.exp.Mode,
			Score: fromUnits(pt.units),
			Contributions: []Contribution{
				{Factor: FactorReciprocity, GivenWeight: round6(y / (x + y)), Weight: round6(y / (x + y)), Value: x, Contribution: fromUnits(u1),
					Reasons: reasons1(reason(ReasonTheirPractices, textArg("Challenge", pt.fwd.challenge.ID)))},
				{Factor: FactorReciprocity, GivenWeight: round6(x / (x + y)), Weight: round6(x / (x + y)), Value: y, Contribution: fromUnits(pt.units - u1),
					Reasons: reasons1(reason(ReasonYourPractices, textArg("Challenge", pt.back.challenge.ID)))},
			},
			Directions: []Direction{
				{ChallengeID: pt.fwd.challenge.ID, ChallengeCity: cityID, AnsweringCity: pt.name, Score: x, Explanation: *pt.fwd.p.exp},
				{ChallengeID: pt.back.challenge.ID, ChallengeCity: pt.name, AnsweringCity: cityID, Score: y, Explanation: *pt.back.p.exp},
			},
		}
		out = append(out, Suggestion{ID: pt.name, Kind: KindCity, Score: exp.Score, Explanation: exp})
	}
	return Page{Items: out, Total: total}, nil
}
