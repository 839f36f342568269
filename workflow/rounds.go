package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// A review round assembles the panels of many challenges at once, as a job: the
// round is stored queued, and a worker runs it; its state and its panels are
// read with Round.

// MaxRoundChallenges bounds the challenges of one round.
const MaxRoundChallenges = 5000

// RoundChallenge is one challenge of a round with its panel rules.
type RoundChallenge struct {
	ChallengeID string `json:"challenge_id"`
	PanelRules
}

// RoundRequest asks for a review round.
type RoundRequest struct {
	Name     string
	Fairness string // "total" (the default) or "worst_first"
	// Challenges lists the challenges with their rules; AllOpen takes every
	// open challenge instead, each with the Defaults rules.
	Challenges []RoundChallenge
	AllOpen    bool
	Defaults   *PanelRules
	Rubric     *profiles.Rubric
}

// roundPlan is what a round keeps of its request (profiles.ReviewRound.Request):
// every challenge with its rules, so that any worker can run it.
type roundPlan struct {
	Name       string           `json:"name"`
	Fairness   string           `json:"fairness,omitempty"`
	Challenges []RoundChallenge `json:"challenges,omitempty"`
}

// RoundView is a round with its panels.
type RoundView struct {
	profiles.ReviewRound
	Panels []RoundPanel `json:"panels"`
}

// RoundPanel is one panel of a round: the proposal it is, for the secretariat to
// edit and send like any other.
type RoundPanel struct {
	ProposalID  string        `json:"proposal_id"`
	ChallengeID string        `json:"challenge_id"`
	CityID      string        `json:"city_id"`
	Status      string        `json:"status"`
	Objective   float64       `json:"objective"`
	Members     []RoundMember `json:"members"`
}

// RoundMember is a seated member of a round's panel.
type RoundMember struct {
	ExpertID string  `json:"expert_id"`
	Score    float64 `json:"score"`
	Status   string  `json:"status"`
}

// CreateRound checks the request, expanding AllOpen into the open challenges,
// stores the round queued and hands it to the job queue.
func (w *Workflows) CreateRound(ctx context.Context, req RoundRequest) (profiles.ReviewRound, error) {
	if req.Fairness == "" {
		req.Fairness = string(assembly.FairnessTotal)
	}
	var fe fieldErrors
	if err := w.resolveRound(ctx, &req, &fe); err != nil {
		return profiles.ReviewRound{}, err
	}
	if err := fe.err(); err != nil {
		return profiles.ReviewRound{}, err
	}
	stored, err := json.Marshal(roundPlan{Name: req.Name, Fairness: req.Fairness, Challenges: req.Challenges})
	if err != nil {
		return profiles.ReviewRound{}, err
	}
	return w.enqueueRound(ctx, profiles.ReviewRound{Name: req.Name, Fairness: req.Fairness, Request: stored, Rubric: req.Rubric})
}

// resolveRound checks a round request, expanding all_open into the list of open
// challenges, and names every bad field.
func (w *Workflows) resolveRound(ctx context.Context, req *RoundRequest, fe *fieldErrors) error {
	switch {
	case req.AllOpen && len(req.Challenges) > 0:
		fe.add("all_open", "give either challenges or all_open, not both")
		return nil
	case !req.AllOpen && len(req.Challenges) == 0:
		fe.add("challenges", "list the challenges of the round, or set all_open")
		return nil
	case req.Defaults != nil && !req.AllOpen:
		fe.add("defaults", "defaults apply with all_open; give each challenge its rules instead")
	}
	if req.AllOpen {
		def := PanelRules{}
		if req.Defaults != nil {
			def = *req.Defaults
		}
		def.normalize(fe, "defaults.")
		if len(def.Pinned) > 0 || len(def.Excluded) > 0 {
			fe.add("defaults", "pinned and excluded experts are given challenge by challenge")
		}
		err := w.store.ScanChallenges(ctx, profiles.ChallengeFilter{Status: "open"}, func(batch []profiles.Challenge) error {
			for _, ch := range batch {
				req.Challenges = append(req.Challenges, RoundChallenge{ChallengeID: ch.ID, PanelRules: def.clone()})
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(req.Challenges) == 0 {
			fe.add("all_open", "no challenge is open")
		}
		req.AllOpen, req.Defaults = false, nil
	}
	if len(req.Challenges) > MaxRoundChallenges {
		fe.add("challenges", "at most %d challenges in a round, not %d", MaxRoundChallenges, len(req.Challenges))
		return nil
	}
	seen := map[string]bool{}
	for i := range req.Challenges {
		rc := &req.Challenges[i]
		prefix := fmt.Sprintf("challenges[%d].", i)
		rc.normalize(fe, prefix)
		if rc.ChallengeID == "" {
			fe.add(prefix+"challenge_id", "must name a challenge")
			continue
		}
		if seen[rc.ChallengeID] {
			fe.add(prefix+"challenge_id", "%s is listed twice", rc.ChallengeID)
		}
		seen[rc.ChallengeID] = true
		ch, err := w.store.FindChallengeByID(ctx, rc.ChallengeID)
		switch {
		case errors.Is(err, profiles.ErrNotFound):
			fe.add(prefix+"challenge_id", "no challenge has the ID %s", rc.ChallengeID)
		case err != nil:
			return err
		case ch.Status == "closed":
			fe.add(prefix+"challenge_id", "the challenge %s is closed", rc.ChallengeID)
		}
	}
	return nil
}

// RunRound assembles the panels of the round with id and stores them with the
// round's result. It is the body of a round's job: a round already done is left
// as it is.
func (w *Workflows) RunRound(ctx context.Context, id string) error {
	r, err := w.store.FindRoundByID(ctx, id)
	if err != nil {
		return err
	}
	if r.Status == profiles.RoundDone {
		return nil
	}
	var plan roundPlan
	if err := json.Unmarshal(r.Request, &plan); err != nil {
		return fmt.Errorf("read the round's request: %w", err)
	}
	start := time.Now()
	if err := w.store.UpdateRoundProgress(ctx, id, profiles.RoundRunning, 0, ""); err != nil {
		return err
	}
	items := make([]assembly.RoundItem, 0, len(plan.Challenges))
	pools := make(map[string]*pool, len(plan.Challenges))
	var unfilled []assembly.Unfilled
	lastSaved := time.Now()
	for i, rc := range plan.Challenges {
		if err := ctx.Err(); err != nil {
			return err
		}
		ch, err := w.store.FindChallengeByID(ctx, rc.ChallengeID)
		if err != nil {
			if errors.Is(err, profiles.ErrNotFound) {
				unfilled = append(unfilled, assembly.Unfilled{ChallengeID: rc.ChallengeID, Reason: &assembly.Infeasible{Rule: "challenge", Detail: "the challenge was deleted"}})
				continue
			}
			return err
		}
		pl, err := w.panelPool(ctx, ch, rc.PanelRules, nil, roundPool)
		if err != nil {
			return err
		}
		pools[ch.ID] = pl
		items = append(items, assembly.RoundItem{ChallengeID: ch.ID, Rules: rc.assembly(pl.city), Candidates: pl.cands})
		if time.Since(lastSaved) > time.Second {
			lastSaved = time.Now()
			if err := w.store.UpdateRoundProgress(ctx, id, profiles.RoundRunning, 0.5*float64(i+1)/float64(len(plan.Challenges)), ""); err != nil {
				return err
			}
		}
	}
	res, err := assembly.SolveRound(ctx, items, assembly.Fairness(plan.Fairness), func(done, total int) {
		if total == 0 || time.Since(lastSaved) < time.Second {
			return
		}
		lastSaved = time.Now()
		if err := w.store.UpdateRoundProgress(ctx, id, profiles.RoundRunning, 0.5+0.45*float64(done)/float64(total), ""); err != nil {
			w.log.Warn("review round progress not saved", "round", id, "error", err)
		}
	})
	if err != nil {
		return err
	}
	rules := make(map[string]PanelRules, len(plan.Challenges))
	for _, rc := range plan.Challenges {
		rules[rc.ChallengeID] = rc.PanelRules
	}
	panels := make([]profiles.Proposal, 0, len(res.Panels))
	for _, rp := range res.Panels {
		pl := pools[rp.ChallengeID]
		pr := rules[rp.ChallengeID]
		raw, err := json.Marshal(pr)
		if err != nil {
			return err
		}
		p := profiles.Proposal{Kind: "panel", ChallengeID: rp.ChallengeID, CityID: pl.challenge.CityID, RoundID: &r.ID,
			Status: profiles.ProposalProposed, Rules: raw, Members: []profiles.Member{}, Alternates: []profiles.Alternate{},
			Exclusions: exclusionsOf(pr.Excluded)}
		var ids []string
		for _, m := range rp.Members {
			p.Members = append(p.Members, pl.memberOf(m.ID, m.Score, profiles.MemberProposed, slices.Contains(pr.Pinned, m.ID)))
			ids = append(ids, m.ID)
		}
		p.Alternates = roundAlternates(pr.assembly(pl.city), pl, ids)
		p.Objective = objectiveOf(p.Members)
		panels = append(panels, p)
	}
	unfilled = append(unfilled, res.Unfilled...)
	views := make([]UnfilledChallenge, 0, len(unfilled))
	for _, u := range unfilled {
		views = append(views, unfilledOf(u.ChallengeID, u.Reason, pools[u.ChallengeID]))
	}
	if r.Unfilled, err = storeUnfilled(views); err != nil {
		return err
	}
	r.Total, r.Worst, r.Mean = round6(res.Total), round6(res.Worst), round6(res.Mean)
	r.Result = &profiles.RoundResult{Optimal: res.Optimal, MaxPanels: res.MaxPanels, TotalBound: round6(res.TotalBound)}
	// The round's panels, its published event and the secretariat's message
	// are stored together.
	err = w.store.InTx(ctx, func(tx *profiles.Store) error {
		done, created, err := tx.FinishRound(ctx, r, panels, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed, Reason: "assembled by review round " + r.Name})
		if err != nil {
			return err
		}
		if err := w.out.ProposalsCreated(ctx, tx.IDB(), created); err != nil {
			return err
		}
		return w.out.RoundPublished(ctx, tx.IDB(), done, created)
	})
	if err != nil {
		return err
	}
	w.log.Info("review round done", "round", id, "panels", len(panels), "unfilled", len(unfilled), "total", r.Total, "worst", r.Worst, "took_ms", millis(time.Since(start)))
	return nil
}

// roundAlternatesPerPanel is how many alternates a round's panel keeps.
const roundAlternatesPerPanel = 3

// roundAlternates finds, for a panel of a round, the best experts outside it who
// could take a seat with every rule still met, each with the seat they fit.
func roundAlternates(r assembly.PanelRules, pl *pool, members []string) []profiles.Alternate {
	out := []profiles.Alternate{}
	order := make([]int, len(pl.cands))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return pl.cands[order[a]].Score > pl.cands[order[b]].Score })
	for _, ci := range order {
		c := pl.cands[ci]
		if slices.Contains(members, c.ID) {
			continue
		}
		if ok, _ := assembly.Eligible(r, c); !ok {
			continue
		}
		// The weakest seat it can take keeps the most of the panel.
		for j := len(members) - 1; j >= 0; j-- {
			trial := slices.Clone(members)
			trial[j] = c.ID
			if len(assembly.CheckPanel(r, pl.cands, trial)) == 0 {
				out = append(out, profiles.Alternate{ExpertID: c.ID, Score: round6(c.Score), For: members[j], Explanation: pl.expl[c.ID]})
				break
			}
		}
		if len(out) == roundAlternatesPerPanel {
			break
		}
	}
	return out
}

// Round returns the round with id and, once it is done, its panels.
func (w *Workflows) Round(ctx context.Context, id string) (RoundView, error) {
	r, err := w.store.FindRoundByID(ctx, id)
	if err != nil {
		return RoundView{}, err
	}
	view := RoundView{ReviewRound: r, Panels: []RoundPanel{}}
	if r.Status == profiles.RoundDone {
		err := w.scanProposals(ctx, profiles.ProposalFilter{RoundID: r.ID}, func(p profiles.Proposal) {
			rp := RoundPanel{ProposalID: p.ID, ChallengeID: p.ChallengeID, CityID: p.CityID, Status: p.Status, Objective: p.Objective, Members: []RoundMember{}}
			for _, m := range p.Members {
				if m.Seated() {
					rp.Members = append(rp.Members, RoundMember{ExpertID: m.ExpertID, Score: m.Score, Status: m.Status})
				}
			}
			view.Panels = append(view.Panels, rp)
		})
		if err != nil {
			return RoundView{}, err
		}
	}
	return view, nil
}

// Rounds lists the rounds, one page.
func (w *Workflows) Rounds(ctx context.Context, p profiles.Page) (profiles.ListResult[profiles.ReviewRound], error) {
	return w.store.FindRounds(ctx, p)
}

// scanProposals calls fn on every proposal the filter selects, page by page.
func (w *Workflows) scanProposals(ctx context.Context, f profiles.ProposalFilter, fn func(profiles.Proposal)) error {
	f.Page = profiles.Page{Limit: 100}
	for {
		res, err := w.store.FindProposals(ctx, f)
		if err != nil {
			return err
		}
		for _, p := range res.Items {
			fn(p)
		}
		if res.Next == "" {
			return nil
		}
		f.Page.After = res.Next
	}
}
