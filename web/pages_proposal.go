package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// A proposal's page, for its parties and the staff: who is on it and how
// they answered; the answer of an invitee (a partner city here; experts have
// their own pages); the outcomes and ratings once it is completed.

// proposalData is a proposal's page.
type proposalData struct {
	Proposal  profiles.Proposal
	Challenge profiles.Challenge
	CityName  string
	// Names names the experts and cities of the seats.
	Names map[string]string
	// AnswerAs is the seat the reader may answer for while invited, or "".
	AnswerAs string
	// Side is the side the reader records an outcome for ("city" or
	// "expert"), or "" when they may not.
	Side     string
	Experts  []string // accepted experts, whom a city's outcome may speak of
	Outcomes []profiles.Outcome
	Errors   formErrors
	Form     outcomeForm
}

type outcomeForm struct {
	ExpertID, Applied, Lessons string
	Rating                     int
}

func (s *Server) proposalPage(c echo.Context, status int, errs formErrors, form outcomeForm) error {
	ctx := c.Request().Context()
	p := principalOf(c)
	pr, err := s.flows.Proposal(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if !p.MaySeeProposal(pr) {
		return profiles.ErrNotFound // to a non-party, it does not exist
	}
	ch, err := s.store.FindChallengeByID(ctx, pr.ChallengeID)
	if err != nil {
		return err
	}
	d := proposalData{Proposal: pr, Challenge: ch, CityName: s.cityName(pr.CityID), Names: map[string]string{}, Errors: errs, Form: form}
	var ids []string
	for _, m := range pr.Members {
		if m.ExpertID != "" {
			ids = append(ids, m.ExpertID)
			if m.Status == profiles.MemberAccepted {
				d.Experts = append(d.Experts, m.ExpertID)
			}
		}
		if m.PartnerCityID != "" {
			d.Names[m.PartnerCityID] = s.cityName(m.PartnerCityID)
		}
		who := m.ExpertID + m.PartnerCityID
		if pr.Status == profiles.ProposalInvited && m.Status == profiles.MemberInvited && p.MayAnswerFor(who) {
			d.AnswerAs = who
		}
	}
	if len(ids) > 0 {
		xs, err := s.store.FindExpertsByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, x := range xs {
			d.Names[x.ID] = x.Name
		}
	}
	if pr.Status == profiles.ProposalCompleted && p.MayRecordOutcomeOn(pr) {
		switch {
		case p.Role == profiles.RoleExpert:
			d.Side = "expert"
		default:
			d.Side = "city"
		}
	}
	if d.Outcomes, err = s.flows.Outcomes(ctx, pr.ID); err != nil {
		return err
	}
	return s.render(c, status, "proposal", "web.proposal.title", d)
}

func (s *Server) proposal(c echo.Context) error {
	return s.proposalPage(c, http.StatusOK, nil, outcomeForm{Rating: 0})
}

// answerProposal records the reader's answer for their seat.
func (s *Server) answerProposal(c echo.Context) error {
	ctx := c.Request().Context()
	member := c.FormValue("member")
	if !principalOf(c).MayAnswerFor(member) {
		return errForbidden
	}
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	_, err := s.flows.AnswerProposal(ctx, c.Param("id"), version, member,
		workflow.Answer{Answer: c.FormValue("answer"), Reason: strings.TrimSpace(c.FormValue("reason"))})
	if err != nil {
		errs, err := errorsOf(asValidation(err))
		if err != nil {
			return err
		}
		return s.proposalPage(c, http.StatusUnprocessableEntity, errs, outcomeForm{})
	}
	return redirect(c, "/proposals/"+c.Param("id"))
}

// recordOutcome records the reader's side's outcome and rating.
func (s *Server) recordOutcome(c echo.Context) error {
	ctx := c.Request().Context()
	p := principalOf(c)
	pr, err := s.flows.Proposal(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	if !p.MaySeeProposal(pr) {
		return profiles.ErrNotFound
	}
	rating, _ := strconv.Atoi(c.FormValue("rating"))
	f := outcomeForm{ExpertID: c.FormValue("expert_id"), Applied: c.FormValue("applied"), Lessons: c.FormValue("lessons_learned"), Rating: rating}
	side := "city"
	expertID := f.ExpertID
	if p.Role == profiles.RoleExpert {
		side, expertID = "expert", p.ExpertID
	}
	if !p.MayRecordOutcomeOn(pr) || !p.MayRecordOutcome(side, expertID) {
		return errForbidden
	}
	_, err = s.flows.RecordOutcome(ctx, pr.ID, workflow.OutcomeInput{Side: side, ExpertID: expertID, Applied: f.Applied, Lessons: f.Lessons, Rating: f.Rating})
	if err != nil {
		errs, err := errorsOf(asValidation(err))
		if err != nil {
			return err
		}
		return s.proposalPage(c, http.StatusUnprocessableEntity, errs, f)
	}
	return redirect(c, "/proposals/"+pr.ID)
}

// asValidation makes the field errors of a workflow's refusal (a
// *workflow.RuleError with fields) form errors too.
func asValidation(err error) error {
	if re, ok := err.(*workflow.RuleError); ok && len(re.Fields) > 0 {
		return &profiles.ValidationError{Fields: re.Fields}
	}
	return err
}
