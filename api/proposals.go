package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// This file is the life of a proposal after it is made: the secretariat's edits,
// sending, each invitee's answer with the automatic replacement of a decline,
// the moves to active, completed or cancelled, the history and the outcomes.

func (s *Server) listProposals(c echo.Context) error {
	q := newQuery(c, "challenge_id", "city_id", "expert_id", "round_id", "kind", "status", "limit", "cursor")
	f := profiles.ProposalFilter{
		ChallengeID: q.str("challenge_id"), CityID: q.str("city_id"), ExpertID: q.str("expert_id"),
		RoundID: q.str("round_id"), Kind: q.enum("kind", profiles.ProposalKinds),
		Status: q.enum("status", profiles.ProposalStatuses), Page: q.page(),
	}
	if err := q.err(); err != nil {
		return err
	}
	withKeyScope(c, &f)
	res, err := s.store.FindProposals(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}

func (s *Server) getProposal(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	p, err := s.store.FindProposalByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, p.Meta)
	return c.JSON(http.StatusOK, p)
}

// eventList is a proposal's history, oldest first.
type eventList struct {
	Items []profiles.ProposalEvent `json:"items"`
}

func (s *Server) proposalHistory(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	evs, err := s.store.ProposalHistory(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, eventList{Items: orEmpty(evs)})
}

// change is what one write to a proposal did: the events to append and, for an
// edit, how the objective moved.
type change struct {
	events []profiles.ProposalEvent
}

// changeProposal applies fn to the stored proposal and saves it. With If-Match
// the write applies only to that version (412 otherwise); without it a write that
// races another is tried again on the fresh state, a few times.
func (s *Server) changeProposal(c echo.Context, fn func(ctx context.Context, p *profiles.Proposal) (change, error)) (profiles.Proposal, error) {
	ifVersion, err := ifMatch(c)
	if err != nil {
		return profiles.Proposal{}, err
	}
	ctx := c.Request().Context()
	for attempt := 0; ; attempt++ {
		p, err := s.store.FindProposalByID(ctx, c.Param("id"))
		if err != nil {
			return p, err
		}
		if ifVersion != 0 && p.Version != ifVersion {
			return p, &profiles.StaleError{Detail: fmt.Sprintf("proposal %s is at version %d, not %d: read it again and retry", p.ID, p.Version, ifVersion)}
		}
		prev := p.Version
		ch, err := fn(ctx, &p)
		if err != nil {
			return p, err
		}
		out, err := s.store.SaveProposal(ctx, p, prev, ch.events)
		var stale *profiles.StaleError
		if errors.As(err, &stale) && ifVersion == 0 && attempt < 3 {
			continue
		}
		return out, err
	}
}

// conflict is a 409 with the reason in words.
func conflict(format string, args ...any) error {
	return &profiles.ConflictError{Detail: fmt.Sprintf(format, args...)}
}

// editRequest is one edit of a proposal by the secretariat before it is sent.
type editRequest struct {
	// Op is "swap" (replace expert_id with with), "pin", "unpin" or
	// "exclude" (keep expert_id off the proposal, with the reason; a member
	// excluded is replaced by the best alternate that keeps every rule).
	Op       string `json:"op"`
	ExpertID string `json:"expert_id,omitempty"`
	// PartnerCityID is the member of a pairing to swap out.
	PartnerCityID string `json:"partner_city_id,omitempty"`
	With          string `json:"with,omitempty"`
	Reason        string `json:"reason,omitempty"`
}

// editResult is the answer to an edit: the proposal and how its objective moved.
type editResult struct {
	Proposal        profiles.Proposal `json:"proposal"`
	ObjectiveBefore float64           `json:"objective_before"`
	ObjectiveAfter  float64           `json:"objective_after"`
	Delta           float64           `json:"delta"`
}

var editOps = []string{"swap", "pin", "unpin", "exclude"}

func (s *Server) editProposal(c echo.Context) error {
	var req editRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var fe fieldErrors
	if !slices.Contains(editOps, req.Op) {
		fe.add("op", "must be one of %s, not %q", strings.Join(editOps, ", "), req.Op)
	}
	if req.ExpertID == "" && req.PartnerCityID == "" {
		fe.add("expert_id", "name the expert (or, in a pairing, partner_city_id) the edit is about")
	}
	if req.Op == "swap" && req.With == "" {
		fe.add("with", "name who comes in")
	}
	if len([]rune(req.Reason)) > maxReasonLen {
		fe.add("reason", "at most %d characters", maxReasonLen)
	}
	if err := fe.err(); err != nil {
		return err
	}
	var before float64
	out, err := s.changeProposal(c, func(ctx context.Context, p *profiles.Proposal) (change, error) {
		before = p.Objective
		if p.Status != profiles.ProposalProposed {
			return change{}, conflict("the proposal is %s: it is edited before it is sent", p.Status)
		}
		ev, err := s.applyEdit(ctx, p, req)
		if err != nil {
			return change{}, err
		}
		b, a := before, p.Objective
		ev.ObjectiveBefore, ev.ObjectiveAfter = &b, &a
		return change{events: []profiles.ProposalEvent{ev}}, nil
	})
	if err != nil {
		return err
	}
	setETag(c, out.Meta)
	return c.JSON(http.StatusOK, editResult{Proposal: out, ObjectiveBefore: before, ObjectiveAfter: out.Objective, Delta: round6(out.Objective - before)})
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
func (s *Server) applyEdit(ctx context.Context, p *profiles.Proposal, req editRequest) (profiles.ProposalEvent, error) {
	who := req.ExpertID
	if who == "" {
		who = req.PartnerCityID
	}
	ev := profiles.ProposalEvent{Type: "edit", ExpertID: who, Other: req.With, Reason: req.Op}
	if req.Reason != "" {
		ev.Reason = req.Op + ": " + req.Reason
	}
	i := memberIndex(p, who)
	if p.Kind == "pairing" {
		if req.Op != "swap" {
			return ev, &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "op", Message: "a pairing's partner city can only be swapped"}}}
		}
		return ev, s.swapPartner(ctx, p, i, req)
	}
	switch req.Op {
	case "pin", "unpin":
		if i < 0 {
			return ev, &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "expert_id", Message: who + " is not on the proposal"}}}
		}
		p.Members[i].Pinned = req.Op == "pin"
		return ev, nil
	case "swap":
		if i < 0 {
			return ev, &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "expert_id", Message: who + " is not on the proposal"}}}
		}
		if memberIndex(p, req.With) >= 0 {
			return ev, &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "with", Message: req.With + " is already on the proposal"}}}
		}
		if p.Members[i].Pinned {
			return ev, conflict("%s is pinned: unpin them before swapping them out", who)
		}
		return ev, s.reseat(ctx, p, i, req.With, "swapped out by the secretariat", nil)
	case "exclude":
		if slices.ContainsFunc(p.Exclusions, func(x profiles.Exclusion) bool { return x.ExpertID == who }) {
			return ev, conflict("%s is already excluded", who)
		}
		p.Exclusions = append(p.Exclusions, profiles.Exclusion{ExpertID: who, Reason: req.Reason})
		p.Alternates = slices.DeleteFunc(p.Alternates, func(a profiles.Alternate) bool { return a.ExpertID == who })
		if i < 0 {
			return ev, nil
		}
		if p.Members[i].Pinned {
			return ev, conflict("%s is pinned: unpin them before excluding them", who)
		}
		reason := "excluded by the secretariat"
		if req.Reason != "" {
			reason += ": " + req.Reason
		}
		in, err := s.replace(ctx, p, i, reason)
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
func (s *Server) reseat(ctx context.Context, p *profiles.Proposal, i int, in, reason string, pl *pool) error {
	members := seatedIDs(p.Members)
	members[slices.Index(members, p.Members[i].ExpertID)] = in
	var err error
	if pl == nil {
		pl, err = s.proposalPool(ctx, p, []string{in})
		if err != nil {
			return err
		}
	}
	if _, ok := pl.candidate(in); !ok {
		if _, err := s.store.FindExpertByID(ctx, in); errors.Is(err, profiles.ErrNotFound) {
			return &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "with", Message: "no expert has the ID " + in}}}
		}
		return violationsProblem([]assembly.Violation{{Rule: "subject fit", ExpertID: in, Detail: in + " has no subject fit with the challenge"}})
	}
	if vs := s.checkMembers(p, pl, members); len(vs) > 0 {
		return violationsProblem(vs)
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
func (s *Server) replace(ctx context.Context, p *profiles.Proposal, i int, reason string) (string, error) {
	out := p.Members[i].ExpertID
	pl, err := s.proposalPool(ctx, p, nil)
	if err != nil {
		return "", err
	}
	members := seatedIDs(p.Members)
	for _, a := range p.Alternates {
		if a.ExpertID == "" || slices.Contains(members, a.ExpertID) || s.wasOn(p, a.ExpertID) {
			continue
		}
		if _, ok := pl.candidate(a.ExpertID); !ok {
			continue
		}
		trial := slices.Clone(members)
		trial[slices.Index(trial, out)] = a.ExpertID
		if len(s.checkMembers(p, pl, trial)) == 0 {
			return a.ExpertID, s.reseat(ctx, p, i, a.ExpertID, reason, pl)
		}
	}
	// No alternate fits: assemble again around those who stay.
	stay := slices.DeleteFunc(slices.Clone(members), func(id string) bool { return id == out })
	in, err := s.reassemble(p, pl, stay)
	if err != nil || in == "" {
		p.Members[i].Status, p.Members[i].Reason = profiles.MemberWithdrawn, reason
		p.Objective = objectiveOf(p.Members)
		return "", err
	}
	return in, s.reseat(ctx, p, i, in, reason, pl)
}

// wasOn reports whether the expert held a seat of p before (declined or withdrawn).
func (s *Server) wasOn(p *profiles.Proposal, id string) bool {
	for _, m := range p.Members {
		if m.ExpertID == id {
			return true
		}
	}
	return false
}

// reassemble solves the proposal's rules again with stay pinned and everyone
// who left it excluded, and returns the one newcomer.
func (s *Server) reassemble(p *profiles.Proposal, pl *pool, stay []string) (string, error) {
	var left []string
	for _, m := range p.Members {
		if !slices.Contains(stay, m.ExpertID) {
			left = append(left, m.ExpertID)
		}
	}
	var ids []string
	switch p.Kind {
	case "panel":
		var req panelRequest
		if err := json.Unmarshal(p.Rules, &req); err != nil {
			return "", fmt.Errorf("proposal %s rules: %w", p.ID, err)
		}
		r := panelRules(req, pl.city)
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
		var req teamRequest
		if err := json.Unmarshal(p.Rules, &req); err != nil {
			return "", fmt.Errorf("proposal %s rules: %w", p.ID, err)
		}
		r := teamRules(req, pl.city)
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
func (s *Server) proposalPool(ctx context.Context, p *profiles.Proposal, extra []string) (*pool, error) {
	ch, err := s.store.FindChallengeByID(ctx, p.ChallengeID)
	if err != nil {
		return nil, err
	}
	excluded := map[string]string{}
	for _, x := range p.Exclusions {
		excluded[x.ExpertID] = x.Reason
	}
	extra = append(extra, seatedIDs(p.Members)...)
	switch p.Kind {
	case "team":
		var req teamRequest
		if err := json.Unmarshal(p.Rules, &req); err != nil {
			return nil, fmt.Errorf("proposal %s rules: %w", p.ID, err)
		}
		req.Excluded = nil
		for id, r := range excluded {
			req.Excluded = append(req.Excluded, exclusionIn{ExpertID: id, Reason: r})
		}
		return s.teamPool(ctx, ch, &req, extra)
	default:
		return s.gather(ctx, ch, poolOptions{mode: matcher.ModePeerReview, from: tfFrom(ch), until: tfUntil(ch), excluded: excluded, extra: extra})
	}
}

// checkMembers lists every hard rule a proposal with these members would break.
// The members already on it are not held to their capacity again: their seat is
// part of their load.
func (s *Server) checkMembers(p *profiles.Proposal, pl *pool, members []string) []assembly.Violation {
	cands := slices.Clone(pl.cands)
	for i := range cands {
		if memberIndex(p, cands[i].ID) >= 0 && p.Members[memberIndex(p, cands[i].ID)].Status == profiles.MemberAccepted {
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
		var req panelRequest
		if err := json.Unmarshal(p.Rules, &req); err != nil {
			return []assembly.Violation{{Rule: "rules", Detail: "the proposal's rules cannot be read"}}
		}
		r := panelRules(req, pl.city)
		r.Pinned = pinned
		r.Excluded = nil
		for _, x := range p.Exclusions {
			r.Excluded = append(r.Excluded, x.ExpertID)
		}
		return assembly.CheckPanel(r, cands, members)
	case "team":
		var req teamRequest
		if err := json.Unmarshal(p.Rules, &req); err != nil {
			return []assembly.Violation{{Rule: "rules", Detail: "the proposal's rules cannot be read"}}
		}
		return checkTeam(teamRules(req, pl.city), cands, members)
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
func (s *Server) swapPartner(ctx context.Context, p *profiles.Proposal, i int, req editRequest) error {
	if i < 0 {
		return &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "partner_city_id", Message: req.PartnerCityID + req.ExpertID + " is not the partner of this pairing"}}}
	}
	if req.With == p.CityID {
		return &profiles.ValidationError{Fields: []profiles.FieldError{{Field: "with", Message: "a city does not pair with itself"}}}
	}
	sg, err := s.matching.Index().Explain(matcher.Query{ChallengeID: p.ChallengeID, Kind: matcher.KindCity, Mode: matcher.ModeExchange}, req.With)
	if err != nil || sg.Explanation.Excluded {
		msg := "the city has no practice that answers this challenge"
		if err == nil {
			msg = strings.Join(sg.Explanation.ExclusionReasons, "; ")
		}
		return violationsProblem([]assembly.Violation{{Rule: "partner", Detail: req.With + ": " + msg}})
	}
	expl, _ := json.Marshal(sg.Explanation)
	p.Members[i].Status, p.Members[i].Reason = profiles.MemberWithdrawn, "swapped out by the secretariat"
	p.Members = append(p.Members, profiles.Member{PartnerCityID: sg.ID, Status: profiles.MemberProposed, Score: round6(sg.Score), Explanation: expl})
	p.Alternates = slices.DeleteFunc(p.Alternates, func(a profiles.Alternate) bool { return a.PartnerCityID == sg.ID })
	p.Objective = objectiveOf(p.Members)
	return nil
}

// transitionRequest moves a proposal to another status.
type transitionRequest struct {
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
}

// transitionTargets are the statuses a client moves a proposal to; accepted and
// declined follow from the members' answers.
var transitionTargets = []string{profiles.ProposalInvited, profiles.ProposalActive, profiles.ProposalCompleted, profiles.ProposalCancelled}

func (s *Server) transitionProposal(c echo.Context) error {
	var req transitionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var fe fieldErrors
	switch {
	case req.To == profiles.ProposalAccepted || req.To == profiles.ProposalDeclined:
		fe.add("to", "a proposal is %s through its members' answers (POST /v1/proposals/{id}/members/{member_id}/answer)", req.To)
	case !slices.Contains(transitionTargets, req.To):
		fe.add("to", "must be one of %s, not %q", strings.Join(transitionTargets, ", "), req.To)
	}
	if len([]rune(req.Reason)) > maxReasonLen {
		fe.add("reason", "at most %d characters", maxReasonLen)
	}
	if err := fe.err(); err != nil {
		return err
	}
	out, err := s.changeProposal(c, func(ctx context.Context, p *profiles.Proposal) (change, error) {
		from := p.Status
		if !profiles.CanMoveProposal(from, req.To) {
			return change{}, conflict("the proposal is %s: it cannot move to %s", from, req.To)
		}
		ev := profiles.ProposalEvent{Type: "status", FromStatus: from, ToStatus: req.To, Reason: req.Reason}
		switch req.To {
		case profiles.ProposalInvited:
			if p.Kind != "pairing" {
				pl, err := s.proposalPool(ctx, p, nil)
				if err != nil {
					return change{}, err
				}
				if vs := s.checkMembers(p, pl, seatedIDs(p.Members)); len(vs) > 0 {
					return change{}, violationsProblem(vs)
				}
			}
			for i := range p.Members {
				if p.Members[i].Status == profiles.MemberProposed {
					p.Members[i].Status = profiles.MemberInvited
				}
			}
		}
		p.Status = req.To
		return change{events: []profiles.ProposalEvent{ev}}, nil
	})
	if err != nil {
		return err
	}
	setETag(c, out.Meta)
	return c.JSON(http.StatusOK, out)
}

// answerRequest is an invitee's answer.
type answerRequest struct {
	Answer string `json:"answer"` // "accept" or "decline"
	Reason string `json:"reason,omitempty"`
}

func (s *Server) answerProposal(c echo.Context) error {
	var req answerRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var fe fieldErrors
	if req.Answer != "accept" && req.Answer != "decline" {
		fe.add("answer", "must be accept or decline, not %q", req.Answer)
	}
	if req.Answer == "decline" && !profiles.Visible(req.Reason) {
		fe.add("reason", "say why, so that the secretariat learns from it")
	}
	if len([]rune(req.Reason)) > maxReasonLen {
		fe.add("reason", "at most %d characters", maxReasonLen)
	}
	if err := fe.err(); err != nil {
		return err
	}
	who := c.Param("member_id")
	out, err := s.changeProposal(c, func(ctx context.Context, p *profiles.Proposal) (change, error) {
		return s.answer(ctx, p, who, req)
	})
	if err != nil {
		return err
	}
	setETag(c, out.Meta)
	return c.JSON(http.StatusOK, out)
}

// answer records one invitee's answer, brings in a replacement after a decline
// and moves the proposal when every seat has answered.
func (s *Server) answer(ctx context.Context, p *profiles.Proposal, who string, req answerRequest) (change, error) {
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
	now := time.Now().UTC()
	var evs []profiles.ProposalEvent
	if req.Answer == "accept" {
		// The expert's capacity is checked by the store, in the transaction
		// that records the acceptance.
		m.Status, m.AnsweredAt = profiles.MemberAccepted, &now
		evs = append(evs, profiles.ProposalEvent{Type: "answer", ExpertID: who, ToStatus: profiles.MemberAccepted})
	} else {
		m.Status, m.AnsweredAt, m.Reason = profiles.MemberDeclined, &now, req.Reason
		evs = append(evs, profiles.ProposalEvent{Type: "answer", ExpertID: who, ToStatus: profiles.MemberDeclined, Reason: req.Reason})
		before := p.Objective
		in, err := s.replaceDeclined(ctx, p, i)
		if err != nil {
			return change{}, err
		}
		after := p.Objective
		if in != "" {
			evs = append(evs, profiles.ProposalEvent{Type: "replacement", ExpertID: who, Other: in, Reason: "declined: " + req.Reason,
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
func (s *Server) replaceDeclined(ctx context.Context, p *profiles.Proposal, i int) (string, error) {
	declined := p.Members[i]
	if p.Kind == "pairing" {
		for _, a := range p.Alternates {
			if a.PartnerCityID == "" || s.partnerWasOn(p, a.PartnerCityID) {
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
	in, err := s.replace(ctx, p, i, "declined")
	p.Members[i].Status, p.Members[i].Reason, p.Members[i].AnsweredAt = profiles.MemberDeclined, declined.Reason, declined.AnsweredAt
	p.Objective = objectiveOf(p.Members)
	return in, err
}

func (s *Server) partnerWasOn(p *profiles.Proposal, id string) bool {
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

// outcomeRequest is one side's outcome of a completed proposal.
type outcomeRequest struct {
	Side     string `json:"side"`
	ExpertID string `json:"expert_id,omitempty"`
	Applied  string `json:"applied"`
	Lessons  string `json:"lessons_learned"`
	Rating   int    `json:"rating"`
}

// outcomeList lists a proposal's outcomes.
type outcomeList struct {
	Items []profiles.Outcome `json:"items"`
}

func (s *Server) createOutcome(c echo.Context) error {
	var req outcomeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.FindProposalByID(ctx, c.Param("id")); err != nil {
		return err
	}
	o, err := s.store.CreateOutcome(ctx, profiles.Outcome{ProposalID: c.Param("id"), Side: req.Side, ExpertID: req.ExpertID,
		Applied: req.Applied, Lessons: req.Lessons, Rating: req.Rating})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, o)
}

func (s *Server) listOutcomes(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.store.FindProposalByID(ctx, c.Param("id")); err != nil {
		return err
	}
	os, err := s.store.FindOutcomes(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, outcomeList{Items: orEmpty(os)})
}
