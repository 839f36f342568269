package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// This file is the life of a proposal after it is made: the secretariat's edits,
// sending, each invitee's answer with the automatic replacement of a decline,
// the moves to active, completed or cancelled, the history and the outcomes.

// Proposal returns the proposal with id.
func (w *Workflows) Proposal(ctx context.Context, id string) (profiles.Proposal, error) {
	return w.store.FindProposalByID(ctx, id)
}

// Proposals lists the proposals the filter selects, one page.
func (w *Workflows) Proposals(ctx context.Context, f profiles.ProposalFilter) (profiles.ListResult[profiles.Proposal], error) {
	return w.store.FindProposals(ctx, f)
}

// History is a proposal's history, oldest first.
func (w *Workflows) History(ctx context.Context, id string) ([]profiles.ProposalEvent, error) {
	return w.store.ProposalHistory(ctx, id)
}

// change is what one write to a proposal did: the events to append.
type change struct {
	events []profiles.ProposalEvent
}

// changeProposal applies fn to the stored proposal and saves it. With ifVersion
// (not 0) the write applies only to that version (a *profiles.StaleError
// otherwise); without it a write that races another is tried again on the fresh
// state, a few times. The messages the change causes (notify.ProposalChanged)
// are written in the transaction that saves it, and so is whatever also, if
// not nil, writes (the use of a signed link).
func (w *Workflows) changeProposal(ctx context.Context, id string, ifVersion int64, fn func(p *profiles.Proposal) (change, error), also ...func(tx *profiles.Store) error) (profiles.Proposal, error) {
	for attempt := 0; ; attempt++ {
		p, err := w.store.FindProposalByID(ctx, id)
		if err != nil {
			return p, err
		}
		if ifVersion != 0 && p.Version != ifVersion {
			return p, profiles.Stalef("proposal %s is at version %d, not %d: read it again and retry", p.ID, p.Version, ifVersion)
		}
		prev := p.Version
		before := cloneProposal(p)
		ch, err := fn(&p)
		if err != nil {
			return p, err
		}
		var out profiles.Proposal
		err = w.store.InTx(ctx, func(tx *profiles.Store) error {
			// SaveProposal writes only over version prev: before is what
			// the transaction changes, and the messages follow from it.
			var err error
			if out, err = tx.SaveProposal(ctx, p, prev, ch.events); err != nil {
				return err
			}
			for _, f := range also {
				if err := f(tx); err != nil {
					return err
				}
			}
			return w.out.ProposalChanged(ctx, tx.IDB(), before, out)
		})
		var stale *profiles.StaleError
		if errors.As(err, &stale) && ifVersion == 0 && attempt < 3 {
			continue
		}
		return out, err
	}
}

// cloneProposal copies p deep enough that fn's changes to its lists do not
// reach the copy.
func cloneProposal(p profiles.Proposal) profiles.Proposal {
	p.Members = slices.Clone(p.Members)
	p.Alternates = slices.Clone(p.Alternates)
	p.Exclusions = slices.Clone(p.Exclusions)
	return p
}

// Edit is one edit of a proposal by the secretariat before it is sent.
type Edit struct {
	// Op is "swap" (replace ExpertID with With), "pin", "unpin" or
	// "exclude" (keep ExpertID off the proposal, with the reason; a member
	// excluded is replaced by the best alternate that keeps every rule).
	Op       string
	ExpertID string
	// PartnerCityID is the member of a pairing to swap out.
	PartnerCityID string
	With          string
	Reason        string
}

// EditOps are the edits a proposal takes.
var EditOps = []string{"swap", "pin", "unpin", "exclude"}

// Edited is the result of an edit: the proposal and how its objective moved.
type Edited struct {
	Proposal        profiles.Proposal
	ObjectiveBefore float64
	ObjectiveAfter  float64
}

// EditProposal applies one edit to the proposal with id, after checking every
// hard rule on the result (a *RuleError names those it would break).
func (w *Workflows) EditProposal(ctx context.Context, id string, ifVersion int64, e Edit) (Edited, error) {
	var fe fieldErrors
	if !slices.Contains(EditOps, e.Op) {
		fe.add("op", "must be one of %s, not %q", strings.Join(EditOps, ", "), e.Op)
	}
	if e.ExpertID == "" && e.PartnerCityID == "" {
		fe.add("expert_id", "name the expert (or, in a pairing, partner_city_id) the edit is about")
	}
	if e.Op == "swap" && e.With == "" {
		fe.add("with", "name who comes in")
	}
	if len([]rune(e.Reason)) > MaxReasonLen {
		fe.add("reason", "at most %d characters", MaxReasonLen)
	}
	if err := fe.err(); err != nil {
		return Edited{}, err
	}
	var before float64
	out, err := w.changeProposal(ctx, id, ifVersion, func(p *profiles.Proposal) (change, error) {
		before = p.Objective
		if p.Status != profiles.ProposalProposed {
			return change{}, conflict("the proposal is %s: it is edited before it is sent", p.Status)
		}
		ev, err := w.applyEdit(ctx, p, e)
		if err != nil {
			return change{}, err
		}
		b, a := before, p.Objective
		ev.ObjectiveBefore, ev.ObjectiveAfter = &b, &a
		return change{events: []profiles.ProposalEvent{ev}}, nil
	})
	if err != nil {
		return Edited{}, err
	}
	return Edited{Proposal: out, ObjectiveBefore: before, ObjectiveAfter: out.Objective}, nil
}

// memberIndex finds the seated member with this expert or partner city ID.
func memberIndex(p *profiles.Proposal, id string) int {
	for i, m := range p.Members {
		if m.Seated() && id != "" && (m.ExpertID == id || m.PartnerCityID == id) {
			return i
		}
	}
	return -1
}

// applyEdit changes p as the edit asks, after checking the hard rules on the
// result.
func (w *Workflows) applyEdit(ctx context.Context, p *profiles.Proposal, e Edit) (profiles.ProposalEvent, error) {
	who := e.ExpertID
	if who == "" {
		who = e.PartnerCityID
	}
	ev := profiles.ProposalEvent{Type: "edit", ExpertID: who, Other: e.With, Reason: e.Op}
	if e.Reason != "" {
		ev.Reason = e.Op + ": " + e.Reason
	}
	i := memberIndex(p, who)
	if p.Kind == "pairing" {
		if e.Op != "swap" {
			return ev, invalid("op", "a pairing's partner city can only be swapped")
		}
		return ev, w.swapPartner(p, i, e)
	}
	switch e.Op {
	case "pin", "unpin":
		if i < 0 {
			return ev, invalid("expert_id", "%s is not on the proposal", who)
		}
		p.Members[i].Pinned = e.Op == "pin"
		return ev, nil
	case "swap":
		if i < 0 {
			return ev, invalid("expert_id", "%s is not on the proposal", who)
		}
		if memberIndex(p, e.With) >= 0 {
			return ev, invalid("with", "%s is already on the proposal", e.With)
		}
		if p.Members[i].Pinned {
			return ev, conflict("%s is pinned: unpin them before swapping them out", who)
		}
		return ev, w.reseat(ctx, p, i, e.With, "swapped out by the secretariat", nil)
	case "exclude":
		if slices.ContainsFunc(p.Exclusions, func(x profiles.Exclusion) bool { return x.ExpertID == who }) {
			return ev, conflict("%s is already excluded", who)
		}
		p.Exclusions = append(p.Exclusions, profiles.Exclusion{ExpertID: who, Reason: e.Reason})
		p.Alternates = slices.DeleteFunc(p.Alternates, func(a profiles.Alternate) bool { return a.ExpertID == who })
		if i < 0 {
			return ev, nil
		}
		if p.Members[i].Pinned {
			return ev, conflict("%s is pinned: unpin them before excluding them", who)
		}
		reason := "excluded by the secretariat"
		if e.Reason != "" {
			reason += ": " + e.Reason
		}
		in, err := w.replace(ctx, p, i, reason)
		if err != nil {
			return ev, err
		}
		ev.Other = in
		return ev, nil
	}
	return ev, nil
}

// reseat puts expert in on seat i after checking every hard rule of the
// proposal on the result; the old member is withdrawn with reason.
func (w *Workflows) reseat(ctx context.Context, p *profiles.Proposal, i int, in, reason string, pl *pool) error {
	members := seatedIDs(p.Members)
	members[slices.Index(members, p.Members[i].ExpertID)] = in
	var err error
	if pl == nil {
		pl, err = w.proposalPool(ctx, p, []string{in})
		if err != nil {
			return err
		}
	}
	if _, ok := pl.candidate(in); !ok {
		if _, err := w.store.FindExpertByID(ctx, in); errors.Is(err, profiles.ErrNotFound) {
			return invalid("with", "no expert has the ID %s", in)
		}
		return violations([]assembly.Violation{{Rule: "subject fit", ExpertID: in, Detail: in + " has no subject fit with the challenge"}})
	}
	if vs := w.checkMembers(p, pl, members); len(vs) > 0 {
		return violations(vs)
	}
	c, _ := pl.candidate(in)
	old := p.Members[i]
	p.Members[i].Status, p.Members[i].Reason = profiles.MemberWithdrawn, reason
	status := profiles.MemberProposed
	if p.Status == profiles.ProposalInvited {
		status = profiles.MemberInvited
	}
	m := pl.memberOf(in, c.Score, status, false)
	if p.Kind == "team" {
		m.Skills = orEmpty(c.Covers)
		m.Lead = old.Lead && c.Seniority == "leadership"
	}
	p.Members = append(p.Members, m)
	if p.Kind == "team" {
		fixLead(p, pl, p.Members)
	}
	p.Alternates = slices.DeleteFunc(p.Alternates, func(a profiles.Alternate) bool { return a.ExpertID == in })
	p.Objective = objectiveOf(p.Members)
	return nil
}

// fixLead makes sure a team's lead is a seated leadership-level member.
func fixLead(p *profiles.Proposal, pl *pool, ms []profiles.Member) {
	for i := range ms {
		if !ms[i].Seated() {
			ms[i].Lead = false
		}
	}
	for _, m := range ms {
		if m.Seated() && m.Lead {
			return
		}
	}
	for i := range p.Members {
		m := &p.Members[i]
		if c, ok := pl.candidate(m.ExpertID); ok && m.Seated() && c.Seniority == "leadership" {
			m.Lead = true
			return
		}
	}
}

// replace fills seat i, whose member leaves for reason, with the first alternate
// that keeps every hard rule, or else with the best expert a new assembly finds
// around the members who stay. It returns who came in, or "" when nobody can.
func (w *Workflows) replace(ctx context.Context, p *profiles.Proposal, i int, reason string) (string, error) {
	out := p.Members[i].ExpertID
	pl, err := w.proposalPool(ctx, p, nil)
	if err != nil {
		return "", err
	}
	members := seatedIDs(p.Members)
	for _, a := range p.Alternates {
		if a.ExpertID == "" || slices.Contains(members, a.ExpertID) || wasOn(p, a.ExpertID) {
			continue
		}
		if _, ok := pl.candidate(a.ExpertID); !ok {
			continue
		}
		trial := slices.Clone(members)
		trial[slices.Index(trial, out)] = a.ExpertID
		if len(w.checkMembers(p, pl, trial)) == 0 {
			return a.ExpertID, w.reseat(ctx, p, i, a.ExpertID, reason, pl)
		}
	}
	// No alternate fits: assemble again around those who stay.
	stay := slices.DeleteFunc(slices.Clone(members), func(id string) bool { return id == out })
	in, err := reassemble(p, pl, stay)
	if err != nil || in == "" {
		p.Members[i].Status, p.Members[i].Reason = profiles.MemberWithdrawn, reason
		p.Objective = objectiveOf(p.Members)
		return "", err
	}
	return in, w.reseat(ctx, p, i, in, reason, pl)
}

// wasOn reports whether the expert held a seat of p before (declined or withdrawn).
func wasOn(p *profiles.Proposal, id string) bool {
	for _, m := range p.Members {
		if m.ExpertID == id {
			return true
		}
	}
	return false
}

// reassemble solves the proposal's rules again with stay pinned and everyone
// who left it excluded, and returns the one newcomer.
func reassemble(p *profiles.Proposal, pl *pool, stay []string) (string, error) {
	var left []string
	for _, m := range p.Members {
		if !slices.Contains(stay, m.ExpertID) {
			left = append(left, m.ExpertID)
		}
	}
	var ids []string
	switch p.Kind {
	case "panel":
		var rules PanelRules
		if err := decodeRules(*p, &rules); err != nil {
			return "", err
		}
		r := rules.assembly(pl.city)
		r.Pinned = stay
		r.Excluded = append(r.Excluded, left...)
		panel, err := assembly.SolvePanel(r, pl.cands)
		if err != nil {
			return "", nil
		}
		for _, m := range panel.Members {
			ids = append(ids, m.ID)
		}
	case "team":
		var rules TeamRules
		if err := decodeRules(*p, &rules); err != nil {
			return "", err
		}
		r := rules.assembly(pl.city)
		r.Pinned = stay
		r.Excluded = append(r.Excluded, left...)
		// The seat must be filled: a team of the same size.
		r.MinSize, r.MaxSize = len(stay)+1, len(stay)+1
		team, err := assembly.SolveTeam(r, pl.cands)
		if err != nil {
			return "", nil
		}
		for _, m := range team.Members {
			ids = append(ids, m.ID)
		}
	}
	for _, id := range ids {
		if !slices.Contains(stay, id) {
			return id, nil
		}
	}
	return "", nil
}

// proposalPool gathers the candidates of a proposal's challenge under its rules.
func (w *Workflows) proposalPool(ctx context.Context, p *profiles.Proposal, extra []string) (*pool, error) {
	ch, err := w.store.FindChallengeByID(ctx, p.ChallengeID)
	if err != nil {
		return nil, err
	}
	excluded := make([]Exclusion, 0, len(p.Exclusions))
	for _, x := range p.Exclusions {
		excluded = append(excluded, Exclusion{ExpertID: x.ExpertID, Reason: x.Reason})
	}
	extra = append(extra, seatedIDs(p.Members)...)
	switch p.Kind {
	case "team":
		var rules TeamRules
		if err := decodeRules(*p, &rules); err != nil {
			return nil, err
		}
		rules.Excluded = excluded
		return w.teamPool(ctx, ch, &rules, extra)
	default:
		var rules PanelRules
		if p.Kind == "panel" {
			if err := decodeRules(*p, &rules); err != nil {
				return nil, err
			}
		}
		return w.panelPool(ctx, ch, PanelRules{AllowHomeCountry: rules.AllowHomeCountry, Excluded: excluded}, extra, 0)
	}
}

// checkMembers lists every hard rule a proposal with these members would break.
// The members already on it are not held to their capacity again: their seat is
// part of their load.
func (w *Workflows) checkMembers(p *profiles.Proposal, pl *pool, members []string) []assembly.Violation {
	cands := slices.Clone(pl.cands)
	for i := range cands {
		if j := memberIndex(p, cands[i].ID); j >= 0 && p.Members[j].Status == profiles.MemberAccepted {
			cands[i].CapacityLeft++
		}
	}
	var pinned []string
	for _, m := range p.Members {
		if m.Seated() && m.Pinned {
			pinned = append(pinned, m.ExpertID)
		}
	}
	switch p.Kind {
	case "panel":
		var rules PanelRules
		if err := decodeRules(*p, &rules); err != nil {
			return []assembly.Violation{{Rule: "rules", Detail: "the proposal's rules cannot be read"}}
		}
		r := rules.assembly(pl.city)
		r.Pinned = pinned
		r.Excluded = nil
		for _, x := range p.Exclusions {
			r.Excluded = append(r.Excluded, x.ExpertID)
		}
		return assembly.CheckPanel(r, cands, members)
	case "team":
		var rules TeamRules
		if err := decodeRules(*p, &rules); err != nil {
			return []assembly.Violation{{Rule: "rules", Detail: "the proposal's rules cannot be read"}}
		}
		return checkTeam(rules.assembly(pl.city), cands, members)
	}
	return nil
}

// checkTeam lists the hard rules a tutoring team with these members breaks:
// each member's own rules, the size bounds, the skills and the lead.
func checkTeam(r assembly.TeamRules, cands []assembly.Candidate, members []string) []assembly.Violation {
	byID := map[string]assembly.Candidate{}
	for _, c := range cands {
		byID[c.ID] = c
	}
	per := assembly.PanelRules{CityID: r.CityID, CityCountry: r.CityCountry, AllowHomeCountry: true, CityLanguages: r.CityLanguages, Excluded: r.Excluded}
	var vs []assembly.Violation
	covered := map[string]bool{}
	lead := false
	for _, id := range members {
		c, ok := byID[id]
		if !ok {
			vs = append(vs, assembly.Violation{Rule: "subject fit", ExpertID: id, Detail: id + " has no subject fit with the challenge"})
			continue
		}
		if ok, reason := assembly.Eligible(per, c); !ok {
			vs = append(vs, assembly.Violation{Rule: "eligibility", ExpertID: id, Detail: id + ": " + reason})
		}
		for _, sk := range c.Covers {
			covered[sk] = true
		}
		if c.Seniority == r.LeadSeniority {
			lead = true
		}
	}
	if n := len(members); n < r.MinSize || n > r.MaxSize {
		vs = append(vs, assembly.Violation{Rule: "size", Detail: fmt.Sprintf("size: %d members, the team takes %d to %d", n, r.MinSize, r.MaxSize)})
	}
	for _, sk := range r.Skills {
		if !covered[sk] {
			vs = append(vs, assembly.Violation{Rule: "skill " + sk, Detail: fmt.Sprintf("skill %q: no member covers it", sk)})
		}
	}
	if !lead && r.LeadSeniority != "" {
		vs = append(vs, assembly.Violation{Rule: "lead", Detail: "lead: no member is at " + r.LeadSeniority + " level"})
	}
	return vs
}

// swapPartner replaces a pairing's partner city.
func (w *Workflows) swapPartner(p *profiles.Proposal, i int, e Edit) error {
	if i < 0 {
		return invalid("partner_city_id", "%s is not the partner of this pairing", e.PartnerCityID+e.ExpertID)
	}
	if e.With == p.CityID {
		return invalid("with", "a city does not pair with itself")
	}
	sg, err := w.ix.Index().Explain(matcher.Query{ChallengeID: p.ChallengeID, Kind: matcher.KindCity, Mode: matcher.ModeExchange}, e.With)
	if err == nil {
		w.english(&sg)
	}
	if err != nil || sg.Explanation.Excluded {
		return violations([]assembly.Violation{{Rule: rulePartner, ExpertID: e.With}})
	}
	expl, err := jsonOf(sg.Explanation)
	if err != nil {
		return err
	}
	p.Members[i].Status, p.Members[i].Reason = profiles.MemberWithdrawn, "swapped out by the secretariat"
	p.Members = append(p.Members, profiles.Member{PartnerCityID: sg.ID, Status: profiles.MemberProposed, Score: round6(sg.Score), Explanation: expl})
	p.Alternates = slices.DeleteFunc(p.Alternates, func(a profiles.Alternate) bool { return a.PartnerCityID == sg.ID })
	p.Objective = objectiveOf(p.Members)
	return nil
}

// Transition moves a proposal to another status.
type Transition struct {
	To     string
	Reason string
}

// TransitionTargets are the statuses a door moves a proposal to; accepted and
// declined follow from the members' answers.
var TransitionTargets = []string{profiles.ProposalInvited, profiles.ProposalActive, profiles.ProposalCompleted, profiles.ProposalCancelled}

// MoveProposal moves the proposal with id to another status. Sending it
// (invited) checks every hard rule again.
func (w *Workflows) MoveProposal(ctx context.Context, id string, ifVersion int64, t Transition) (profiles.Proposal, error) {
	var fe fieldErrors
	switch {
	case t.To == profiles.ProposalAccepted || t.To == profiles.ProposalDeclined:
		fe.add("to", "a proposal is %s through its members' answers (POST /v1/proposals/{id}/members/{member_id}/answer)", t.To)
	case !slices.Contains(TransitionTargets, t.To):
		fe.add("to", "must be one of %s, not %q", strings.Join(TransitionTargets, ", "), t.To)
	}
	if len([]rune(t.Reason)) > MaxReasonLen {
		fe.add("reason", "at most %d characters", MaxReasonLen)
	}
	if err := fe.err(); err != nil {
		return profiles.Proposal{}, err
	}
	return w.changeProposal(ctx, id, ifVersion, func(p *profiles.Proposal) (change, error) {
		from := p.Status
		if !profiles.CanMoveProposal(from, t.To) {
			return change{}, conflict("the proposal is %s: it cannot move to %s", from, t.To)
		}
		ev := profiles.ProposalEvent{Type: "status", FromStatus: from, ToStatus: t.To, Reason: t.Reason}
		if t.To == profiles.ProposalInvited {
			if p.Kind != "pairing" {
				pl, err := w.proposalPool(ctx, p, nil)
				if err != nil {
					return change{}, err
				}
				if vs := w.checkMembers(p, pl, seatedIDs(p.Members)); len(vs) > 0 {
					return change{}, violations(vs)
				}
			}
			for i := range p.Members {
				if p.Members[i].Status == profiles.MemberProposed {
					p.Members[i].Status = profiles.MemberInvited
				}
			}
		}
		p.Status = t.To
		return change{events: []profiles.ProposalEvent{ev}}, nil
	})
}

// Answer is an invitee's answer.
type Answer struct {
	Answer string // "accept" or "decline"
	Reason string
}

// AnswerProposal records the answer of member (an expert or a partner city) to
// the proposal with id, brings in a replacement after a decline and moves the
// proposal when every seat has answered.
func (w *Workflows) AnswerProposal(ctx context.Context, id string, ifVersion int64, member string, a Answer) (profiles.Proposal, error) {
	var fe fieldErrors
	if a.Answer != "accept" && a.Answer != "decline" {
		fe.add("answer", "must be accept or decline, not %q", a.Answer)
	}
	if a.Answer == "decline" && !profiles.Visible(a.Reason) {
		fe.add("reason", "say why, so that the secretariat learns from it")
	}
	if len([]rune(a.Reason)) > MaxReasonLen {
		fe.add("reason", "at most %d characters", MaxReasonLen)
	}
	if err := fe.err(); err != nil {
		return profiles.Proposal{}, err
	}
	return w.changeProposal(ctx, id, ifVersion, func(p *profiles.Proposal) (change, error) {
		return w.answer(ctx, p, member, a)
	})
}

// answer records one invitee's answer, brings in a replacement after a decline
// and moves the proposal when every seat has answered.
func (w *Workflows) answer(ctx context.Context, p *profiles.Proposal, who string, a Answer) (change, error) {
	i := -1
	for j, m := range p.Members {
		if m.ExpertID == who || m.PartnerCityID == who {
			i = j // the latest seat of this member
		}
	}
	if i < 0 {
		return change{}, fmt.Errorf("member %s of proposal %s: %w", who, p.ID, profiles.ErrNotFound)
	}
	if p.Status != profiles.ProposalInvited {
		return change{}, conflict("the proposal is %s: invitees answer while it is invited", p.Status)
	}
	m := &p.Members[i]
	if m.Status != profiles.MemberInvited {
		return change{}, conflict("%s has already answered (%s)", who, m.Status)
	}
	now := w.now().UTC()
	var evs []profiles.ProposalEvent
	if a.Answer == "accept" {
		// The expert's capacity is the store's to check, inside the
		// transaction that records the acceptance (SaveProposal): a check
		// here would read before that transaction and decide nothing.
		m.Status, m.AnsweredAt = profiles.MemberAccepted, &now
		evs = append(evs, profiles.ProposalEvent{Type: "answer", ExpertID: who, ToStatus: profiles.MemberAccepted})
	} else {
		m.Status, m.AnsweredAt, m.Reason = profiles.MemberDeclined, &now, a.Reason
		evs = append(evs, profiles.ProposalEvent{Type: "answer", ExpertID: who, ToStatus: profiles.MemberDeclined, Reason: a.Reason})
		before := p.Objective
		in, err := w.replaceDeclined(ctx, p, i)
		if err != nil {
			return change{}, err
		}
		after := p.Objective
		if in != "" {
			evs = append(evs, profiles.ProposalEvent{Type: "replacement", ExpertID: who, Other: in, Reason: "declined: " + a.Reason,
				ObjectiveBefore: &before, ObjectiveAfter: &after})
		} else {
			p.Objective = objectiveOf(p.Members)
			evs = append(evs, profiles.ProposalEvent{Type: "status", FromStatus: p.Status, ToStatus: profiles.ProposalDeclined,
				Reason: "no alternate left who keeps every rule after " + who + " declined"})
			p.Status = profiles.ProposalDeclined
			return change{events: evs}, nil
		}
	}
	if allAccepted(p.Members) {
		evs = append(evs, profiles.ProposalEvent{Type: "status", FromStatus: p.Status, ToStatus: profiles.ProposalAccepted, Reason: "every invitee accepted"})
		p.Status = profiles.ProposalAccepted
	}
	return change{events: evs}, nil
}

// replaceDeclined brings in the next alternate after a decline, invited at once.
// It returns who came in, or "" when nobody can take the seat.
func (w *Workflows) replaceDeclined(ctx context.Context, p *profiles.Proposal, i int) (string, error) {
	declined := p.Members[i]
	if p.Kind == "pairing" {
		for _, a := range p.Alternates {
			if a.PartnerCityID == "" || partnerWasOn(p, a.PartnerCityID) {
				continue
			}
			p.Members = append(p.Members, profiles.Member{PartnerCityID: a.PartnerCityID, Status: profiles.MemberInvited, Score: a.Score, Explanation: a.Explanation})
			p.Alternates = slices.DeleteFunc(p.Alternates, func(x profiles.Alternate) bool { return x.PartnerCityID == a.PartnerCityID })
			p.Objective = objectiveOf(p.Members)
			return a.PartnerCityID, nil
		}
		return "", nil
	}
	// The seat is counted as the declined member's until replace withdraws it:
	// seat it again for the search, then mark the decline.
	p.Members[i].Status = profiles.MemberInvited
	in, err := w.replace(ctx, p, i, "declined")
	p.Members[i].Status, p.Members[i].Reason, p.Members[i].AnsweredAt = profiles.MemberDeclined, declined.Reason, declined.AnsweredAt
	p.Objective = objectiveOf(p.Members)
	return in, err
}

func partnerWasOn(p *profiles.Proposal, id string) bool {
	for _, m := range p.Members {
		if m.PartnerCityID == id {
			return true
		}
	}
	return false
}

// allAccepted reports whether every seated member has accepted.
func allAccepted(ms []profiles.Member) bool {
	n := 0
	for _, m := range ms {
		if !m.Seated() {
			continue
		}
		if m.Status != profiles.MemberAccepted {
			return false
		}
		n++
	}
	return n > 0
}

// OutcomeInput is one side's outcome of a completed proposal.
type OutcomeInput struct {
	Side     string
	ExpertID string
	Applied  string
	Lessons  string
	Rating   int
}

// RecordOutcome stores one side's outcome of the proposal with id; its rating
// changes later scores of the expert (the feedback factor).
func (w *Workflows) RecordOutcome(ctx context.Context, proposalID string, in OutcomeInput) (profiles.Outcome, error) {
	if _, err := w.store.FindProposalByID(ctx, proposalID); err != nil {
		return profiles.Outcome{}, err
	}
	return w.store.CreateOutcome(ctx, profiles.Outcome{ProposalID: proposalID, Side: in.Side, ExpertID: in.ExpertID,
		Applied: in.Applied, Lessons: in.Lessons, Rating: in.Rating})
}

// Outcomes lists the outcomes of the proposal with id.
func (w *Workflows) Outcomes(ctx context.Context, proposalID string) ([]profiles.Outcome, error) {
	if _, err := w.store.FindProposalByID(ctx, proposalID); err != nil {
		return nil, err
	}
	return w.store.FindOutcomes(ctx, proposalID)
}
