package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// This file gathers what the assembly of panels and teams needs: the experts the
// match index finds for a challenge, with the facts the hard rules look at (role,
// country, region, languages, capacity left, pauses, availability, past declines).

// How many experts the index is asked for: the best by fit, which is what a panel
// or a team is made of. Experts without any subject fit are never in a pool. A
// round asks for fewer per challenge: it gathers a pool for each of possibly
// thousands of challenges.
const (
	candidatePool = 1000
	roundPool     = 200
)

// pool is the candidates of one challenge with their explanations, by expert.
type pool struct {
	challenge profiles.Challenge
	city      profiles.City
	cands     []assembly.Candidate
	byID      map[string]int // index in cands
	expl      map[string]json.RawMessage
	// kept says, for each candidate a hard rule of the index or the
	// secretariat keeps off, every reason.
	kept map[string][]string
}

// candidate returns the candidate with this ID.
func (p *pool) candidate(id string) (assembly.Candidate, bool) {
	i, ok := p.byID[id]
	if !ok {
		return assembly.Candidate{}, false
	}
	return p.cands[i], true
}

// poolOptions says how to gather a pool.
type poolOptions struct {
	mode matcher.Mode
	// challengeDoc replaces the indexed challenge, for a team whose strategic
	// result differs from the challenge's own.
	challengeDoc *matcher.Doc
	// from and until bound the period candidates must be available in
	// (YYYY-MM-DD, either may be empty).
	from, until string
	// skills are the required skills each candidate is checked for (teams).
	skills []string
	// excluded are the experts the secretariat keeps off, with the reason.
	excluded map[string]string
	// extra are experts to add to the pool even with no subject fit, such as a
	// pinned expert or the one a swap brings in, so that the rules can say
	// what is wrong with them.
	extra []string
	// size is how many candidates to ask the index for; 0 is candidatePool.
	size int
	// excludeHome keeps the experts of the city's own country out of the
	// pool's count, as a panel's rule does unless it allows them.
	excludeHome bool
}

// gather builds the candidate pool of a challenge.
func (w *Workflows) gather(ctx context.Context, ch profiles.Challenge, opt poolOptions) (*pool, error) {
	city, err := w.store.FindCityByID(ctx, ch.CityID)
	if err != nil {
		return nil, fmt.Errorf("gather candidates: city of challenge %s: %w", ch.ID, err)
	}
	ix := w.ix.Index()
	// The hard rules the index knows (pause, capacity, availability, the
	// mode, the city's working languages, the own city and, for a panel, the
	// own country) apply before the pool is cut: the size best experts are
	// eligible ones, and those the rules keep off come back marked, for the
	// counts of why a seat cannot be filled.
	q := matcher.Query{ChallengeID: ch.ID, Challenge: opt.challengeDoc, Kind: matcher.KindExpert, Mode: opt.mode,
		ExcludeHomeCountry: opt.excludeHome, IncludeExcluded: true}
	size := opt.size
	if size == 0 {
		size = candidatePool
	}
	sugs, err := ix.Candidates(q, size)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(sugs))
	for _, sg := range sugs {
		seen[sg.ID] = true
	}
	for _, id := range opt.extra {
		if seen[id] {
			continue
		}
		sg, err := ix.Explain(q, id)
		if err != nil {
			continue // an unknown expert: the caller names it
		}
		sugs = append(sugs, sg)
		seen[id] = true
	}
	ids := make([]string, len(sugs))
	for i, sg := range sugs {
		ids[i] = sg.ID
	}
	experts, err := w.store.FindExpertsByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]profiles.Expert, len(experts))
	for _, e := range experts {
		byID[e.ID] = e
	}
	loads, err := w.store.ExpertLoads(ctx, ids)
	if err != nil {
		return nil, err
	}
	declines, err := w.store.DeclinesOf(ctx, ch.ID)
	if err != nil {
		return nil, err
	}
	declined := make(map[string]bool, len(declines))
	for _, d := range declines {
		declined[d.ExpertID] = true
	}
	p := &pool{challenge: ch, city: city, byID: map[string]int{}, expl: map[string]json.RawMessage{}, kept: map[string][]string{}}
	for _, sg := range sugs {
		e, ok := byID[sg.ID]
		if !ok {
			continue // deleted since the index last heard of it
		}
		w.english(&sg)
		c := w.candidateOf(e, loads[e.ID], opt.from, opt.until)
		c.Score = sg.Score
		c.Declined = declined[e.ID]
		if reason, ok := opt.excluded[e.ID]; ok {
			c.Excluded = "excluded by the secretariat"
			if reason != "" {
				c.Excluded += ": " + reason
			}
			p.kept[e.ID] = []string{c.Excluded}
		} else if sg.Explanation.Excluded {
			// The index's own rules the assembly does not model itself (the
			// modes an expert volunteers for, for one).
			c.Excluded = strings.Join(sg.Explanation.ExclusionReasons, "; ")
			p.kept[e.ID] = sg.Explanation.ExclusionReasons
		}
		if len(opt.skills) > 0 {
			ms, err := ix.SkillCoverage(e.ID, opt.skills, matcher.Lang(ch.Language))
			if err == nil {
				for _, m := range ms {
					if m.Covered {
						c.Covers = append(c.Covers, m.Skill)
					}
				}
			}
		}
		raw, err := json.Marshal(sg.Explanation)
		if err != nil {
			return nil, err
		}
		p.byID[e.ID] = len(p.cands)
		p.cands = append(p.cands, c)
		p.expl[e.ID] = raw
	}
	return p, nil
}

// candidateOf gives the assembly the facts of an expert that its rules read.
func (w *Workflows) candidateOf(e profiles.Expert, load int, from, until string) assembly.Candidate {
	c := assembly.Candidate{ID: e.ID, Role: e.Role, Seniority: e.Seniority, Country: e.Country,
		Languages: e.Languages, Paused: e.Active != nil && !*e.Active}
	if e.CityID != nil {
		c.CityID = *e.CityID
		c.Region = w.ix.CityRegion(*e.CityID)
	}
	if c.Region == "" {
		c.Region = w.ix.CountryRegion(e.Country)
	}
	capacity := 1
	if e.Capacity != nil {
		capacity = *e.Capacity
	}
	c.CapacityLeft = capacity - load
	c.Unavailable = !overlaps(e.AvailableFrom, e.AvailableUntil, from, until, w.today())
	return c
}

// today is the date availability is judged on.
func (w *Workflows) today() string { return w.now().UTC().Format("2006-01-02") }

// overlaps reports whether an expert available from af until au (either open)
// can work in the period from..until: the two spans meet, and the expert's
// availability has not already ended.
func overlaps(af, au, from, until, now string) bool {
	if au != "" && au < now {
		return false
	}
	if au != "" && from != "" && au < from {
		return false
	}
	if af != "" && until != "" && af > until {
		return false
	}
	return true
}

func tfFrom(ch profiles.Challenge) string {
	if ch.Timeframe == nil {
		return ""
	}
	return ch.Timeframe.From
}

func tfUntil(ch profiles.Challenge) string {
	if ch.Timeframe == nil {
		return ""
	}
	return ch.Timeframe.Until
}

// infeasible is the error when no panel or team meets the rules: it names the
// rule and by how much it cannot be met, in words a door says in the
// reader's language (rule_texts.go).
func infeasible(what string, inf *assembly.Infeasible) error {
	reason := infeasibleReason(inf)
	fields := []profiles.FieldError{reason}
	if what == "panel" {
		return ruleError(fields, "no panel meets the rules: %s", reason.Text())
	}
	return ruleError(fields, "no tutoring team meets the rules: %s", reason.Text())
}

// ruleField names the field of the rules behind a rule of the assembly, so that
// a client sees which part of its rules to relax.
func ruleField(rule string) string {
	switch {
	case strings.HasPrefix(rule, "role quota"):
		return "role_quotas"
	case strings.HasPrefix(rule, "size"):
		return "size"
	case strings.Contains(rule, "per country"), strings.Contains(rule, "max_per_country"):
		return "max_per_country"
	case strings.Contains(rule, "per region"), strings.Contains(rule, "max_per_region"):
		return "max_per_region"
	case strings.Contains(rule, "countr"):
		return "min_other_countries"
	case strings.Contains(rule, "language"):
		return "common_language"
	case strings.HasPrefix(rule, "pinned"):
		return "pinned"
	case strings.HasPrefix(rule, "skill"):
		return "skills"
	case strings.HasPrefix(rule, "lead"):
		return "skills"
	}
	return "rules"
}

// violations is the error of a change that would break a hard rule.
func violations(vs []assembly.Violation) error {
	fields := make([]profiles.FieldError, 0, len(vs))
	texts := make([]profiles.Text, 0, len(vs))
	for _, v := range vs {
		f := violationReason(v)
		fields = append(fields, f)
		texts = append(texts, f.Text())
	}
	return ruleError(fields, "the change would break a hard rule: %s", joined(texts))
}

// memberOf is the seat of a chosen expert.
func (p *pool) memberOf(id string, score float64, status string, pinned bool) profiles.Member {
	return profiles.Member{ExpertID: id, Status: status, Pinned: pinned, Score: round6(score), Explanation: p.expl[id]}
}

// alternateOf is an alternate seat.
func (p *pool) alternateOf(a assembly.Alternate) profiles.Alternate {
	return profiles.Alternate{ExpertID: a.ID, Score: round6(a.Score), For: a.For, Explanation: p.expl[a.ID]}
}

// objectiveOf is the sum of the scores of the seated members.
func objectiveOf(ms []profiles.Member) float64 {
	sum := 0.0
	for _, m := range ms {
		if m.Seated() {
			sum += m.Score
		}
	}
	return round6(sum)
}

// seatedIDs are the experts holding a seat.
func seatedIDs(ms []profiles.Member) []string {
	var out []string
	for _, m := range ms {
		if m.Seated() && m.ExpertID != "" {
			out = append(out, m.ExpertID)
		}
	}
	return out
}
