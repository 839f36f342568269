package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// This file is the door to the life of a proposal: edits, sending, answers,
// history and outcomes, each one call of the workflows.

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
	res, err := s.flows.Proposals(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}

func (s *Server) getProposal(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	p, err := s.flows.Proposal(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	setETag(c, p.Meta)
	return c.JSON(http.StatusOK, p)
}

func (s *Server) proposalHistory(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	evs, err := s.flows.History(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wholeList(evs))
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

func (s *Server) editProposal(c echo.Context) error {
	var req editRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ifVersion, err := ifMatch(c)
	if err != nil {
		return err
	}
	out, err := s.flows.EditProposal(c.Request().Context(), c.Param("id"), ifVersion,
		workflow.Edit{Op: req.Op, ExpertID: req.ExpertID, PartnerCityID: req.PartnerCityID, With: req.With, Reason: req.Reason})
	if err != nil {
		return err
	}
	setETag(c, out.Proposal.Meta)
	return c.JSON(http.StatusOK, editResult{Proposal: out.Proposal, ObjectiveBefore: out.ObjectiveBefore, ObjectiveAfter: out.ObjectiveAfter,
		Delta: round6(out.ObjectiveAfter - out.ObjectiveBefore)})
}

// transitionRequest moves a proposal to another status.
type transitionRequest struct {
	To     string `json:"to"`
	Reason string `json:"reason,omitempty"`
}

func (s *Server) transitionProposal(c echo.Context) error {
	var req transitionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	ifVersion, err := ifMatch(c)
	if err != nil {
		return err
	}
	out, err := s.flows.MoveProposal(c.Request().Context(), c.Param("id"), ifVersion, workflow.Transition{To: req.To, Reason: req.Reason})
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
	ifVersion, err := ifMatch(c)
	if err != nil {
		return err
	}
	out, err := s.flows.AnswerProposal(c.Request().Context(), c.Param("id"), ifVersion, c.Param("member_id"),
		workflow.Answer{Answer: req.Answer, Reason: req.Reason})
	if err != nil {
		return err
	}
	setETag(c, out.Meta)
	return c.JSON(http.StatusOK, out)
}

// outcomeRequest is one side's outcome of a completed proposal.
type outcomeRequest struct {
	Side     string `json:"side"`
	ExpertID string `json:"expert_id,omitempty"`
	Applied  string `json:"applied"`
	Lessons  string `json:"lessons_learned"`
	Rating   int    `json:"rating"`
}

func (s *Server) createOutcome(c echo.Context) error {
	var req outcomeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	o, err := s.flows.RecordOutcome(c.Request().Context(), c.Param("id"), workflow.OutcomeInput{Side: req.Side, ExpertID: req.ExpertID,
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
	os, err := s.flows.Outcomes(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, wholeList(os))
}
