package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// This file makes proposals: the best review panel, the smallest covering
// tutoring team, an exchange pairing, each for one open challenge and stored
// with the first entry of its history.

// AssemblePanel proposes the best review panel for the challenge under rules and
// stores it. Bad rules are a *profiles.ValidationError naming every field; a
// closed challenge a *profiles.ConflictError; rules no panel meets a *RuleError.
func (w *Workflows) AssemblePanel(ctx context.Context, challengeID string, rules PanelRules) (profiles.Proposal, error) {
	var fe fieldErrors
	rules.normalize(&fe, "")
	return w.propose(ctx, challengeID, fe, rules.Pinned, "panel assembled", func(ch profiles.Challenge) (profiles.Proposal, error) {
		return w.assemblePanel(ctx, ch, rules)
	})
}

// AssembleTeam proposes the smallest tutoring team that covers the skills of the
// rules (the challenge's own when none), then the best, and stores it.
func (w *Workflows) AssembleTeam(ctx context.Context, challengeID string, rules TeamRules) (profiles.Proposal, error) {
	var fe fieldErrors
	rules.normalize(&fe)
	return w.propose(ctx, challengeID, fe, rules.Pinned, "tutoring team assembled", func(ch profiles.Challenge) (profiles.Proposal, error) {
		return w.assembleTeam(ctx, ch, rules)
	})
}

// propose finishes the making of a panel or a team: every pinned expert must
// exist and the challenge must take proposals; assemble then makes the proposal,
// stored with its first event.
func (w *Workflows) propose(ctx context.Context, challengeID string, fe fieldErrors, pinned []string, reason string, assemble func(profiles.Challenge) (profiles.Proposal, error)) (profiles.Proposal, error) {
	if err := w.checkExperts(ctx, &fe, "pinned", pinned); err != nil {
		return profiles.Proposal{}, err
	}
	if err := fe.err(); err != nil {
		return profiles.Proposal{}, err
	}
	ch, err := w.openChallenge(ctx, challengeID)
	if err != nil {
		return profiles.Proposal{}, err
	}
	p, err := assemble(ch)
	if err != nil {
		return profiles.Proposal{}, err
	}
	return w.createProposal(ctx, p, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed, Reason: reason})
}

// createProposal stores a new proposal and, in its transaction, the
// proposal.created event for the integrations that subscribed to it.
func (w *Workflows) createProposal(ctx context.Context, p profiles.Proposal, ev profiles.ProposalEvent) (profiles.Proposal, error) {
	var out profiles.Proposal
	err := w.store.InTx(ctx, func(tx *profiles.Store) error {
		var err error
		if out, err = tx.CreateProposal(ctx, p, ev); err != nil {
			return err
		}
		return w.out.ProposalsCreated(ctx, tx.IDB(), []profiles.Proposal{out})
	})
	return out, err
}

// checkExperts names every listed expert that does not exist.
func (w *Workflows) checkExperts(ctx context.Context, fe *fieldErrors, field string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	have, err := w.store.ExistingIDs(ctx, profiles.KindExpert, ids)
	if err != nil {
		return err
	}
	for i, id := range ids {
		if id != "" && !have[id] {
			fe.add(fmt.Sprintf("%s[%d]", field, i), "no expert has the ID %s", id)
		}
	}
	return nil
}

// openChallenge reads a challenge and checks that it takes proposals: a closed
// challenge is a *profiles.ConflictError.
func (w *Workflows) openChallenge(ctx context.Context, id string) (profiles.Challenge, error) {
	ch, err := w.store.FindChallengeByID(ctx, id)
	if err != nil {
		return ch, err
	}
	if ch.Status == "closed" {
		return ch, profiles.Conflictf("the challenge is closed: panels, teams and pairings are assembled for open challenges only")
	}
	return ch, nil
}

// panelPool gathers the candidates of a review panel of ch.
func (w *Workflows) panelPool(ctx context.Context, ch profiles.Challenge, rules PanelRules, extra []string, size int) (*pool, error) {
	return w.gather(ctx, ch, poolOptions{mode: matcher.ModePeerReview, from: tfFrom(ch), until: tfUntil(ch),
		excluded: exclusionMap(rules.Excluded), extra: append(slices.Clone(rules.Pinned), extra...), size: size,
		excludeHome: !rules.AllowHomeCountry})
}

// assemblePanel proposes the best panel for a challenge under the rules.
func (w *Workflows) assemblePanel(ctx context.Context, ch profiles.Challenge, rules PanelRules) (profiles.Proposal, error) {
	pl, err := w.panelPool(ctx, ch, rules, nil, 0)
	if err != nil {
		return profiles.Proposal{}, err
	}
	panel, err := assembly.SolvePanel(rules.assembly(pl.city), pl.cands)
	if err != nil {
		var inf *assembly.Infeasible
		if errors.As(err, &inf) {
			return profiles.Proposal{}, infeasible("panel", inf)
		}
		return profiles.Proposal{}, err
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return profiles.Proposal{}, err
	}
	p := profiles.Proposal{Kind: "panel", ChallengeID: ch.ID, CityID: ch.CityID, Status: profiles.ProposalProposed,
		Rules: raw, Language: panel.Language, Members: []profiles.Member{}, Alternates: []profiles.Alternate{},
		Exclusions: exclusionsOf(rules.Excluded)}
	for _, m := range panel.Members {
		p.Members = append(p.Members, pl.memberOf(m.ID, m.Score, profiles.MemberProposed, slices.Contains(rules.Pinned, m.ID)))
	}
	for _, a := range panel.Alternates {
		p.Alternates = append(p.Alternates, pl.alternateOf(a))
	}
	p.Objective = objectiveOf(p.Members)
	return p, nil
}

// teamPool gathers the candidates of a tutoring team and settles the rules'
// defaults from the challenge: its skills, strategic result and period.
func (w *Workflows) teamPool(ctx context.Context, ch profiles.Challenge, rules *TeamRules, extra []string) (*pool, error) {
	ix := w.ix.Index()
	if len(rules.Skills) == 0 {
		skills, err := ix.KeySkills(ch.ID, DefaultTeamMax)
		if err != nil {
			return nil, err
		}
		rules.Skills = skills
	}
	if rules.Period == nil && ch.Timeframe != nil {
		tf := *ch.Timeframe
		rules.Period = &tf
	}
	opt := poolOptions{mode: matcher.ModeTutoring, skills: rules.Skills, excluded: exclusionMap(rules.Excluded),
		extra: append(slices.Clone(rules.Pinned), extra...)}
	if rules.Period != nil {
		opt.from, opt.until = rules.Period.From, rules.Period.Until
	}
	if rules.StrategicResult != "" && rules.StrategicResult != ch.StrategicResult {
		alt := ch
		alt.StrategicResult = rules.StrategicResult
		d := w.ix.ChallengeDoc(alt)
		opt.challengeDoc = &d
	}
	return w.gather(ctx, ch, opt)
}

// assembleTeam proposes the smallest team that covers the skills, then the best.
func (w *Workflows) assembleTeam(ctx context.Context, ch profiles.Challenge, rules TeamRules) (profiles.Proposal, error) {
	pl, err := w.teamPool(ctx, ch, &rules, nil)
	if err != nil {
		return profiles.Proposal{}, err
	}
	team, err := assembly.SolveTeam(rules.assembly(pl.city), pl.cands)
	if err != nil {
		var inf *assembly.Infeasible
		if errors.As(err, &inf) {
			return profiles.Proposal{}, infeasible("tutoring team", inf)
		}
		return profiles.Proposal{}, err
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return profiles.Proposal{}, err
	}
	p := profiles.Proposal{Kind: "team", ChallengeID: ch.ID, CityID: ch.CityID, Status: profiles.ProposalProposed,
		Rules: raw, Members: []profiles.Member{}, Alternates: []profiles.Alternate{}, Exclusions: exclusionsOf(rules.Excluded)}
	for _, m := range team.Members {
		mem := pl.memberOf(m.ID, m.Score, profiles.MemberProposed, slices.Contains(rules.Pinned, m.ID))
		mem.Lead, mem.Skills = m.Lead, orEmpty(m.Covers)
		p.Members = append(p.Members, mem)
	}
	for _, a := range team.Alternates {
		p.Alternates = append(p.Alternates, pl.alternateOf(a))
	}
	p.Objective = objectiveOf(p.Members)
	return p, nil
}

// pairingAlternates is how many other cities a pairing keeps in reserve.
const pairingAlternates = 5

// ProposePairing proposes an exchange between the challenge's city and a
// partner city (the rules' one, else the best suggested) and stores it.
func (w *Workflows) ProposePairing(ctx context.Context, challengeID string, rules PairingRules) (profiles.Proposal, error) {
	ch, err := w.openChallenge(ctx, challengeID)
	if err != nil {
		return profiles.Proposal{}, err
	}
	if rules.PartnerCityID != "" {
		if _, err := w.store.FindCityByID(ctx, rules.PartnerCityID); errors.Is(err, profiles.ErrNotFound) {
			return profiles.Proposal{}, invalid("partner_city_id", "no city has the ID %s", rules.PartnerCityID)
		} else if err != nil {
			return profiles.Proposal{}, err
		}
		if rules.PartnerCityID == ch.CityID {
			return profiles.Proposal{}, invalid("partner_city_id", "a city does not pair with itself")
		}
	}
	ix := w.ix.Index()
	q := matcher.Query{ChallengeID: ch.ID, Kind: matcher.KindCity, Mode: matcher.ModeExchange, Limit: pairingAlternates + 1}
	sugs, err := ix.Suggest(q)
	if err != nil {
		return profiles.Proposal{}, err
	}
	for i := range sugs {
		w.english(&sugs[i])
	}
	var chosen *matcher.Suggestion
	if rules.PartnerCityID != "" {
		sg, err := ix.Explain(q, rules.PartnerCityID)
		if err != nil && !errors.Is(err, matcher.ErrNotFound) {
			return profiles.Proposal{}, err
		}
		if err != nil || sg.Explanation.Excluded {
			// Why, reason by reason, is the suggestions' "why not" (in the
			// reader's language there); the refusal says that it cannot.
			return profiles.Proposal{}, invalid("partner_city_id", "%s cannot be paired with this challenge: it is excluded or has no practice that answers it", rules.PartnerCityID)
		}
		w.english(&sg)
		chosen = &sg
	} else if len(sugs) > 0 {
		chosen = &sugs[0]
	}
	if chosen == nil {
		return profiles.Proposal{}, ruleError([]profiles.FieldError{profiles.FieldErrorf("partner_city_id", "no suggested partner city")},
			"no city has a practice that answers this challenge yet: no pairing can be proposed")
	}
	raw, err := json.Marshal(rules)
	if err != nil {
		return profiles.Proposal{}, err
	}
	p := profiles.Proposal{Kind: "pairing", ChallengeID: ch.ID, CityID: ch.CityID, Status: profiles.ProposalProposed,
		Rules: raw, Alternates: []profiles.Alternate{}, Exclusions: []profiles.Exclusion{}}
	expl, _ := json.Marshal(chosen.Explanation)
	p.Members = []profiles.Member{{PartnerCityID: chosen.ID, Status: profiles.MemberProposed, Score: chosen.Score, Explanation: expl}}
	for _, sg := range sugs {
		if sg.ID == chosen.ID || len(p.Alternates) == pairingAlternates {
			continue
		}
		ex, _ := json.Marshal(sg.Explanation)
		p.Alternates = append(p.Alternates, profiles.Alternate{PartnerCityID: sg.ID, Score: sg.Score, Explanation: ex})
	}
	p.Objective = objectiveOf(p.Members)
	return w.createProposal(ctx, p, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed, Reason: "exchange pairing proposed"})
}
