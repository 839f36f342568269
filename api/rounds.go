package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/matcher/assembly"
	"matchmaker/profiles"
)

// A review round assembles the panels of many challenges at once, as a job: the
// request is stored, answered 202 at once, and run in the background; its state
// and its panels are read at GET /v1/review-rounds/{id}. A round left queued or
// running by a restart runs again when the service starts.

// maxRoundChallenges bounds the challenges of one round.
const maxRoundChallenges = 5000

// roundChallenge is one challenge of a round with its panel rules.
type roundChallenge struct {
	ChallengeID string `json:"challenge_id"`
	panelRequest
}

// roundRequest is the body of POST /v1/review-rounds.
type roundRequest struct {
	Name     string `json:"name"`
	Fairness string `json:"fairness,omitempty"`
	// Challenges lists the challenges with their rules; AllOpen takes every
	// open challenge instead, each with the Defaults rules.
	Challenges []roundChallenge `json:"challenges,omitempty"`
	AllOpen    bool             `json:"all_open,omitempty"`
	Defaults   *panelRequest    `json:"defaults,omitempty"`
	Rubric     *profiles.Rubric `json:"rubric,omitempty"`
}

// roundView is a round with its panels.
type roundView struct {
	profiles.ReviewRound
	Panels []roundPanel `json:"panels"`
}

// roundPanel is one panel of a round: the proposal it is, for the secretariat to
// edit and send like any other.
type roundPanel struct {
	ProposalID  string        `json:"proposal_id"`
	ChallengeID string        `json:"challenge_id"`
	CityID      string        `json:"city_id"`
	Status      string        `json:"status"`
	Objective   float64       `json:"objective"`
	Members     []roundMember `json:"members"`
}

type roundMember struct {
	ExpertID string  `json:"expert_id"`
	Score    float64 `json:"score"`
	Status   string  `json:"status"`
}

func (s *Server) createRound(c echo.Context) error {
	var req roundRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if req.Fairness == "" {
		req.Fairness = string(assembly.FairnessTotal)
	}
	var fe fieldErrors
	if err := s.resolveRound(ctx, &req, &fe); err != nil {
		return err
	}
	if err := fe.err(); err != nil {
		return err
	}
	stored, err := json.Marshal(roundRequest{Name: req.Name, Fairness: req.Fairness, Challenges: req.Challenges})
	if err != nil {
		return err
	}
	r, err := s.store.CreateRound(ctx, profiles.ReviewRound{Name: req.Name, Fairness: req.Fairness, Request: stored, Rubric: req.Rubric})
	if err != nil {
		return err
	}
	s.startRound(r.ID)
	c.Response().Header().Set(echo.HeaderLocation, "/v1/review-rounds/"+r.ID)
	setETag(c, r.Meta)
	return c.JSON(http.StatusAccepted, roundView{ReviewRound: r, Panels: []roundPanel{}})
}

// resolveRound checks a round request, expanding all_open into the list of open
// challenges, and names every bad field.
func (s *Server) resolveRound(ctx context.Context, req *roundRequest, fe *fieldErrors) error {
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
		def := panelRequest{}
		if req.Defaults != nil {
			def = *req.Defaults
		}
		def.validate(fe, "defaults.")
		if len(def.Pinned) > 0 || len(def.Excluded) > 0 {
			fe.add("defaults", "pinned and excluded experts are given challenge by challenge")
		}
		err := s.store.ScanChallenges(ctx, profiles.ChallengeFilter{Status: "open"}, func(batch []profiles.Challenge) error {
			for _, ch := range batch {
				req.Challenges = append(req.Challenges, roundChallenge{ChallengeID: ch.ID, panelRequest: clonePanel(def)})
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
	if len(req.Challenges) > maxRoundChallenges {
		fe.add("challenges", "at most %d challenges in a round, not %d", maxRoundChallenges, len(req.Challenges))
		return nil
	}
	seen := map[string]bool{}
	for i := range req.Challenges {
		rc := &req.Challenges[i]
		prefix := fmt.Sprintf("challenges[%d].", i)
		rc.validate(fe, prefix)
		if rc.ChallengeID == "" {
			fe.add(prefix+"challenge_id", "must name a challenge")
			continue
		}
		if seen[rc.ChallengeID] {
			fe.add(prefix+"challenge_id", "%s is listed twice", rc.ChallengeID)
		}
		seen[rc.ChallengeID] = true
		ch, err := s.store.FindChallengeByID(ctx, rc.ChallengeID)
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

func clonePanel(r panelRequest) panelRequest {
	r.RoleQuotas = slices.Clone(r.RoleQuotas)
	if r.Size != nil {
		n := *r.Size
		r.Size = &n
	}
	return r
}

// startRound runs a round in the background, one round at a time.
func (s *Server) startRound(id string) {
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		select {
		case s.roundSlot <- struct{}{}:
		case <-s.background.Done():
			return
		}
		defer func() { <-s.roundSlot }()
		if err := s.runRound(s.background, id); err != nil {
			if s.background.Err() != nil {
				// Stopped by a shutdown: the round stays queued or running
				// and runs again at the next start.
				s.log.Info("review round interrupted", "round", id)
				return
			}
			s.log.Error("review round failed", "round", id, "error", err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if uerr := s.store.UpdateRoundProgress(ctx, id, profiles.RoundFailed, 0, "the round could not be assembled: "+err.Error()); uerr != nil {
				s.log.Error("review round state not saved", "round", id, "error", uerr)
			}
		}
	}()
}

// resumeRounds starts the rounds a restart left queued or running.
func (s *Server) resumeRounds(ctx context.Context) {
	rs, err := s.store.RoundsToResume(ctx)
	if err != nil {
		s.log.Error("review rounds not resumed", "error", err)
		return
	}
	for _, r := range rs {
		s.log.Info("resuming review round", "round", r.ID, "name", r.Name)
		s.startRound(r.ID)
	}
}

// runRound assembles a round's panels and stores them with the round's result.
func (s *Server) runRound(ctx context.Context, id string) error {
	r, err := s.store.FindRoundByID(ctx, id)
	if err != nil {
		return err
	}
	var req roundRequest
	if err := json.Unmarshal(r.Request, &req); err != nil {
		return fmt.Errorf("read the round's request: %w", err)
	}
	start := time.Now()
	if err := s.store.UpdateRoundProgress(ctx, id, profiles.RoundRunning, 0, ""); err != nil {
		return err
	}
	items := make([]assembly.RoundItem, 0, len(req.Challenges))
	pools := make(map[string]*pool, len(req.Challenges))
	var unfilled []assembly.Unfilled
	lastSaved := time.Now()
	for i, rc := range req.Challenges {
		if err := ctx.Err(); err != nil {
			return err
		}
		ch, err := s.store.FindChallengeByID(ctx, rc.ChallengeID)
		if err != nil {
			if errors.Is(err, profiles.ErrNotFound) {
				unfilled = append(unfilled, assembly.Unfilled{ChallengeID: rc.ChallengeID, Reason: &assembly.Infeasible{Rule: "challenge", Detail: "the challenge was deleted"}})
				continue
			}
			return err
		}
		pl, err := s.gather(ctx, ch, poolOptions{mode: matcher.ModePeerReview, from: tfFrom(ch), until: tfUntil(ch),
			excluded: exclusionMap(rc.Excluded), extra: rc.Pinned, size: roundPool})
		if err != nil {
			return err
		}
		pools[ch.ID] = pl
		items = append(items, assembly.RoundItem{ChallengeID: ch.ID, Rules: panelRules(rc.panelRequest, pl.city), Candidates: pl.cands})
		if time.Since(lastSaved) > time.Second {
			lastSaved = time.Now()
			if err := s.store.UpdateRoundProgress(ctx, id, profiles.RoundRunning, 0.5*float64(i+1)/float64(len(req.Challenges)), ""); err != nil {
				return err
			}
		}
	}
	res, err := assembly.SolveRound(ctx, items, assembly.Fairness(req.Fairness), func(done, total int) {
		if total == 0 || time.Since(lastSaved) < time.Second {
			return
		}
		lastSaved = time.Now()
		if err := s.store.UpdateRoundProgress(ctx, id, profiles.RoundRunning, 0.5+0.45*float64(done)/float64(total), ""); err != nil {
			s.log.Warn("review round progress not saved", "round", id, "error", err)
		}
	})
	if err != nil {
		return err
	}
	rules := make(map[string]panelRequest, len(req.Challenges))
	for _, rc := range req.Challenges {
		rules[rc.ChallengeID] = rc.panelRequest
	}
	panels := make([]profiles.Proposal, 0, len(res.Panels))
	for _, rp := range res.Panels {
		pl := pools[rp.ChallengeID]
		preq := rules[rp.ChallengeID]
		raw, err := json.Marshal(preq)
		if err != nil {
			return err
		}
		p := profiles.Proposal{Kind: "panel", ChallengeID: rp.ChallengeID, CityID: pl.challenge.CityID, RoundID: &r.ID,
			Status: profiles.ProposalProposed, Rules: raw, Members: []profiles.Member{}, Alternates: []profiles.Alternate{},
			Exclusions: exclusionsOf(preq.Excluded)}
		var ids []string
		for _, m := range rp.Members {
			p.Members = append(p.Members, pl.memberOf(m.ID, m.Score, profiles.MemberProposed, slices.Contains(preq.Pinned, m.ID)))
			ids = append(ids, m.ID)
		}
		p.Alternates = roundAlternates(panelRules(preq, pl.city), pl, ids)
		p.Objective = objectiveOf(p.Members)
		panels = append(panels, p)
	}
	unfilled = append(unfilled, res.Unfilled...)
	type unfilledView struct {
		ChallengeID string `json:"challenge_id"`
		Reason      string `json:"reason"`
	}
	views := make([]unfilledView, 0, len(unfilled))
	for _, u := range unfilled {
		reason := "no panel"
		if u.Reason != nil {
			reason = u.Reason.Error()
		}
		views = append(views, unfilledView{ChallengeID: u.ChallengeID, Reason: reason})
	}
	r.Unfilled, _ = json.Marshal(views)
	r.Total, r.Worst, r.Mean = round6(res.Total), round6(res.Worst), round6(res.Mean)
	if _, _, err := s.store.FinishRound(ctx, r, panels, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed, Reason: "assembled by review round " + r.Name}); err != nil {
		return err
	}
	s.log.Info("review round done", "round", id, "panels", len(panels), "unfilled", len(unfilled), "total", r.Total, "worst", r.Worst, "took", time.Since(start).Round(time.Millisecond))
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

func (s *Server) getRound(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.store.FindRoundByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	view := roundView{ReviewRound: r, Panels: []roundPanel{}}
	if r.Status == profiles.RoundDone {
		err := s.scanProposals(ctx, profiles.ProposalFilter{RoundID: r.ID}, func(p profiles.Proposal) {
			rp := roundPanel{ProposalID: p.ID, ChallengeID: p.ChallengeID, CityID: p.CityID, Status: p.Status, Objective: p.Objective, Members: []roundMember{}}
			for _, m := range p.Members {
				if m.Seated() {
					rp.Members = append(rp.Members, roundMember{ExpertID: m.ExpertID, Score: m.Score, Status: m.Status})
				}
			}
			view.Panels = append(view.Panels, rp)
		})
		if err != nil {
			return err
		}
	}
	setETag(c, r.Meta)
	return c.JSON(http.StatusOK, view)
}

// scanProposals calls fn on every proposal the filter selects, page by page.
func (s *Server) scanProposals(ctx context.Context, f profiles.ProposalFilter, fn func(profiles.Proposal)) error {
	f.Page = profiles.Page{Limit: 100}
	for {
		res, err := s.store.FindProposals(ctx, f)
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

func (s *Server) listRounds(c echo.Context) error {
	q := newQuery(c, "limit", "cursor")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.store.FindRounds(c.Request().Context(), page)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}
