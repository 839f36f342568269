package profiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of proposals, outcomes and review rounds.
const (
	// MaxSeats bounds the members, the alternates and the exclusions of one
	// proposal, each.
	MaxSeats = 100
	// MaxOutcomeLen bounds what an outcome says was applied and learned, in
	// characters.
	MaxOutcomeLen = 4000
	// MaxRoundNameLen bounds a review round's name, in characters.
	MaxRoundNameLen = 200
	// MaxCriteria bounds the criteria of a rubric.
	MaxCriteria = 20
	// MaxScoresPerSave bounds the scores one SaveReviewScores call records.
	MaxScoresPerSave = 1000
	// MaxJSONLen bounds a JSON document kept with a proposal (its rules, a
	// member's explanation), in bytes once compacted.
	MaxJSONLen = 64 << 10
	// MaxRoundJSONLen bounds a round's request and its unfilled report, which
	// name every challenge of the round, in bytes once compacted.
	MaxRoundJSONLen = 1 << 20

	// maxIDLen is the width of the ID columns: a longer ID names nothing.
	maxIDLen = 32
	// maxEventTypeLen is the width of proposal_events.type.
	maxEventTypeLen = 32
)

// Fairnesses are how a review round shares the best experts among its
// challenges: the best total, or the worst-served challenge first.
var Fairnesses = []string{"total", "worst_first"}

// RoundStatuses are the states of a review round.
var RoundStatuses = []string{RoundQueued, RoundRunning, RoundDone, RoundFailed}

// criterionCode is the form of a rubric criterion's code.
var criterionCode = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// proposal checks and normalises a proposal's own fields, prefixing the field
// names with prefix ("" for a single proposal, "proposals[2]." in a batch). The
// references (challenge, round, experts, partner cities) are checked by the
// store, which can read them.
func (v validator) proposal(e *ValidationError, prefix string, p Proposal) Proposal {
	p.Kind = enum(e, prefix+"kind", p.Kind, ProposalKinds, true)
	p.ChallengeID = required(e, prefix+"challenge_id", strings.TrimSpace(p.ChallengeID))
	p.CityID = strings.TrimSpace(p.CityID)
	if p.RoundID != nil {
		if id := strings.TrimSpace(*p.RoundID); id == "" {
			p.RoundID = nil
		} else {
			p.RoundID = &id
		}
	}
	p.Status = enum(e, prefix+"status", p.Status, ProposalStatuses, false)
	if p.Status == "" {
		p.Status = ProposalProposed
	}
	p.Rules = jsonValue(e, prefix+"rules", p.Rules, MaxJSONLen)
	finite(e, prefix+"objective", p.Objective)
	p.Language = strings.ToLower(strings.TrimSpace(p.Language))
	if p.Language != "" && !IsLanguage(p.Language) {
		e.add(prefix+"language", "unknown language code %q: use an ISO 639-1 code such as en, fr or es", p.Language)
	}

	seated := map[string]int{} // "expert:" or "city:" + ID → index of the member who holds the seat
	p.Members = bounded(e, prefix+"members", p.Members)
	for i := range p.Members {
		m := &p.Members[i]
		field := fmt.Sprintf("%smembers[%d]", prefix, i)
		m.ExpertID, m.PartnerCityID = seatOf(e, field, p.Kind, m.ExpertID, m.PartnerCityID)
		m.Status = enum(e, field+".status", m.Status, MemberStatuses, false)
		if m.Status == "" {
			m.Status = MemberProposed
		}
		if m.Skills = tags(e, field+".skills", m.Skills); len(m.Skills) == 0 {
			m.Skills = nil
		}
		finite(e, field+".score", m.Score)
		m.Explanation = jsonValue(e, field+".explanation", m.Explanation, MaxJSONLen)
		m.Reason = text(e, field+".reason", m.Reason, false)
		if m.AnsweredAt != nil {
			t := m.AnsweredAt.UTC().Truncate(time.Microsecond)
			m.AnsweredAt = &t
		}
		if !m.Seated() {
			continue
		}
		// One seat per expert (or partner city): a second one would count
		// twice in the expert's load and feedback.
		for _, key := range []struct{ key, field string }{{"expert:" + m.ExpertID, ".expert_id"}, {"city:" + m.PartnerCityID, ".partner_city_id"}} {
			if strings.HasSuffix(key.key, ":") {
				continue
			}
			if j, ok := seated[key.key]; ok {
				e.add(field+key.field, "already holds a seat as members[%d]", j)
			} else {
				seated[key.key] = i
			}
		}
	}

	p.Alternates = bounded(e, prefix+"alternates", p.Alternates)
	for i := range p.Alternates {
		a := &p.Alternates[i]
		field := fmt.Sprintf("%salternates[%d]", prefix, i)
		a.ExpertID, a.PartnerCityID = seatOf(e, field, p.Kind, a.ExpertID, a.PartnerCityID)
		finite(e, field+".score", a.Score)
		a.Explanation = jsonValue(e, field+".explanation", a.Explanation, MaxJSONLen)
		a.For = idField(e, field+".for", a.For)
	}

	p.Exclusions = bounded(e, prefix+"exclusions", p.Exclusions)
	excluded := map[string]int{}
	for i := range p.Exclusions {
		x := &p.Exclusions[i]
		field := fmt.Sprintf("%sexclusions[%d]", prefix, i)
		x.ExpertID = required(e, field+".expert_id", idField(e, field+".expert_id", x.ExpertID))
		x.Reason = text(e, field+".reason", x.Reason, false)
		if x.ExpertID == "" || e.has(field+".expert_id") {
			continue
		}
		if j, ok := excluded[x.ExpertID]; ok {
			e.add(field+".expert_id", "is already excluded as exclusions[%d]", j)
			continue
		}
		excluded[x.ExpertID] = i
		if j, ok := seated["expert:"+x.ExpertID]; ok {
			e.add(field+".expert_id", "holds a seat as members[%d]: withdraw the member before excluding the expert", j)
		}
	}
	return p
}

// seatOf checks who a member or an alternate is: an expert on a panel or a team,
// a partner city (and optionally one of its experts) in a pairing.
func seatOf(e *ValidationError, field, kind, expertID, cityID string) (string, string) {
	expertID = idField(e, field+".expert_id", expertID)
	cityID = idField(e, field+".partner_city_id", cityID)
	switch {
	case kind == "pairing":
		if cityID == "" && !e.has(field+".partner_city_id") {
			e.add(field+".partner_city_id", "is required in a pairing")
		}
	case slices.Contains(ProposalKinds, kind):
		if expertID == "" && !e.has(field+".expert_id") {
			e.add(field+".expert_id", "is required")
		}
		if cityID != "" {
			e.add(field+".partner_city_id", "only a pairing has a partner city, not a %s", kind)
		}
	default: // the kind is wrong already: ask only for someone
		if expertID == "" && cityID == "" {
			e.add(field+".expert_id", "is required (or partner_city_id in a pairing)")
		}
	}
	return expertID, cityID
}

// event checks one history entry; a zero At becomes now.
func (v validator) event(e *ValidationError, field string, ev ProposalEvent, now time.Time) ProposalEvent {
	ev.Type = strings.TrimSpace(ev.Type)
	switch {
	case ev.Type == "":
		e.add(field+".type", "is required")
	case utf8.RuneCountInString(ev.Type) > maxEventTypeLen:
		e.add(field+".type", "must be at most %d characters", maxEventTypeLen)
	}
	statuses := append(slices.Clone(ProposalStatuses), MemberWithdrawn)
	ev.FromStatus = enum(e, field+".from_status", ev.FromStatus, statuses, false)
	ev.ToStatus = enum(e, field+".to_status", ev.ToStatus, statuses, false)
	ev.ExpertID = idField(e, field+".expert_id", ev.ExpertID)
	ev.Other = idField(e, field+".other_expert_id", ev.Other)
	ev.Reason = text(e, field+".reason", ev.Reason, false)
	ev.Actor = singleLine(e, field+".actor", ev.Actor, false)
	for _, o := range []struct {
		name string
		v    *float64
	}{{".objective_before", ev.ObjectiveBefore}, {".objective_after", ev.ObjectiveAfter}} {
		if o.v != nil {
			finite(e, field+o.name, *o.v)
		}
	}
	if ev.At.IsZero() {
		ev.At = now
	} else {
		ev.At = ev.At.UTC().Truncate(time.Microsecond)
	}
	return ev
}

// outcome checks an outcome against its proposal p: who may speak, and of whom.
func (v validator) outcome(o Outcome, p Proposal) (Outcome, error) {
	e := &ValidationError{}
	o.Side = enum(e, "side", o.Side, OutcomeSides, true)
	o.ExpertID = strings.TrimSpace(o.ExpertID)
	switch {
	case o.ExpertID == "" && o.Side == "expert":
		e.add("expert_id", "is required when the expert side speaks")
	case o.ExpertID != "" && !slices.ContainsFunc(p.Members, func(m Member) bool { return m.ExpertID == o.ExpertID && m.Status == MemberAccepted }):
		e.add("expert_id", "%q is not an accepted member of proposal %s", o.ExpertID, p.ID)
	}
	o.Applied = boundedText(e, "applied", o.Applied, MaxOutcomeLen)
	o.Lessons = boundedText(e, "lessons_learned", o.Lessons, MaxOutcomeLen)
	if o.Rating < 1 || o.Rating > 5 {
		e.add("rating", "must be between 1 and 5, got %d", o.Rating)
	}
	return o, e.err()
}

// round checks a new review round.
func (v validator) round(r ReviewRound) (ReviewRound, error) {
	e := &ValidationError{}
	r.Name = singleLine(e, "name", r.Name, true)
	if n := utf8.RuneCountInString(r.Name); n > MaxRoundNameLen && !e.has("name") {
		e.add("name", "must be at most %d characters, got %d", MaxRoundNameLen, n)
	}
	r.Fairness = enum(e, "fairness", r.Fairness, Fairnesses, false)
	if r.Fairness == "" {
		r.Fairness = "total"
	}
	r.Request = jsonValue(e, "request", r.Request, MaxRoundJSONLen)
	if r.Rubric != nil {
		rub := Rubric{Criteria: slices.Clone(r.Rubric.Criteria)}
		switch n := len(rub.Criteria); {
		case n == 0:
			e.add("rubric.criteria", "must have at least one criterion")
		case n > MaxCriteria:
			e.add("rubric.criteria", "must have at most %d criteria, got %d", MaxCriteria, n)
		default:
			codes := map[string]int{}
			for i := range rub.Criteria {
				c := &rub.Criteria[i]
				field := fmt.Sprintf("rubric.criteria[%d]", i)
				c.Code = strings.TrimSpace(c.Code)
				switch j, dup := codes[c.Code]; {
				case c.Code == "":
					e.add(field+".code", "is required")
				case !criterionCode.MatchString(c.Code):
					e.add(field+".code", "must be 1 to 40 characters among a-z, 0-9 and _, got %q", c.Code)
				case dup:
					e.add(field+".code", "repeats rubric.criteria[%d].code %q", j, c.Code)
				default:
					codes[c.Code] = i
				}
				c.Label = singleLine(e, field+".label", c.Label, true)
				if c.Min < 0 || c.Min > 100 {
					e.add(field+".min", "must be between 0 and 100, got %d", c.Min)
				}
				if c.Max < 0 || c.Max > 100 {
					e.add(field+".max", "must be between 0 and 100, got %d", c.Max)
				} else if c.Min >= c.Max && !e.has(field+".min") {
					e.add(field+".max", "must be greater than min (%d), got %d", c.Min, c.Max)
				}
			}
		}
		r.Rubric = &rub
	}
	return r, e.err()
}

// jsonValue checks a JSON document and compacts it, so that it reads back
// byte for byte as it was stored; an absent document and null are both nil.
func jsonValue(e *ValidationError, field string, raw json.RawMessage, limit int) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		e.add(field, "must be valid JSON: %v", err)
		return nil
	}
	switch {
	case b.Len() > limit:
		e.add(field, "must be at most %d bytes of JSON, got %d", limit, b.Len())
		return nil
	case b.String() == "null":
		return nil
	}
	return json.RawMessage(b.Bytes())
}

// boundedText is a required text of at most limit characters.
func boundedText(e *ValidationError, field, s string, limit int) string {
	s = text(e, field, s, true)
	if n := utf8.RuneCountInString(s); n > limit && !e.has(field) {
		e.add(field, "must be at most %d characters, got %d", limit, n)
	}
	return s
}

// idField trims a reference to another row; one longer than any ID names nothing.
func idField(e *ValidationError, field, id string) string {
	id = reference(e, field, id)
	if e.has(field) {
		return id
	}
	if utf8.RuneCountInString(id) > maxIDLen {
		e.add(field, "is not an ID: IDs have at most %d characters", maxIDLen)
	}
	return id
}

// finite rejects NaN and infinities, which neither JSON nor the databases hold.
func finite(e *ValidationError, field string, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.add(field, "must be a finite number")
	}
}

// bounded caps a list of a proposal at MaxSeats items and never returns nil, so
// that JSON shows [].
func bounded[T any](e *ValidationError, field string, items []T) []T {
	if len(items) > MaxSeats {
		e.add(field, "must have at most %d items, got %d", MaxSeats, len(items))
		return []T{}
	}
	if items == nil {
		return []T{}
	}
	return slices.Clone(items)
}
