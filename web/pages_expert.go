package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// This file is the expert's own page: their profile, availability and
// capacity; the open challenges that fit them (the matcher's opportunities);
// the invitations to accept or decline; and the outcomes of their completed
// engagements. An expert is a user bound to one expert profile; every action
// asks profiles.Principal, as the JSON API does.

// expertRoutes are the expert's pages.
func (s *Server) expertRoutes() []Route {
	return []Route{
		{http.MethodGet, "/expert", profiles.RoleExpert, s.expertHome},
		{http.MethodPost, "/expert/profile", profiles.RoleExpert, s.expertSaveProfile},
		{http.MethodPost, "/expert/proposals/:id/answer", profiles.RoleExpert, s.expertAnswer},
		{http.MethodPost, "/expert/proposals/:id/outcome", profiles.RoleExpert, s.expertOutcome},
	}
}

// expertDeskData is the expert's page.
type expertDeskData struct {
	Expert        profiles.Expert
	Form          expertForm
	Invitations   []profiles.Proposal
	Engagements   []profiles.Proposal
	Opportunities []matcher.Suggestion
	Names         *names
	Problem       *formProblem
	Notice        string
	// Done names what the notice is about: saved, accepted, declined, outcome.
	Done string
}

// expertForm is the profile's form as shown or sent.
type expertForm struct {
	Bio, Languages, Capacity, From, Until string
	Active                                bool
}

func formOf(e profiles.Expert) expertForm {
	f := expertForm{Bio: e.Bio, Languages: strings.Join(e.Languages, ", "), From: e.AvailableFrom, Until: e.AvailableUntil,
		Active: e.Active == nil || *e.Active}
	if e.Capacity != nil {
		f.Capacity = strconv.Itoa(*e.Capacity)
	}
	return f
}

// expertOf is the expert profile of the person signed in; the staff, who
// have none, are refused.
func (s *Server) expertOf(c echo.Context) (profiles.Expert, error) {
	id := userOf(c).ExpertID
	if id == "" || !principalOf(c).MayEditExpert(id) {
		return profiles.Expert{}, errForbidden
	}
	return s.store.FindExpertByID(c.Request().Context(), id)
}

func (s *Server) expertHome(c echo.Context) error {
	e, err := s.expertOf(c)
	if err != nil {
		return err
	}
	notice := ""
	if m := c.QueryParam("done"); m == "saved" || m == "accepted" || m == "declined" || m == "outcome" {
		notice = s.viewOf(c).T("staff.expert.done_" + m)
	}
	return s.renderExpert(c, http.StatusOK, e, formOf(e), nil, notice, c.QueryParam("done"))
}

func (s *Server) renderExpert(c echo.Context, status int, e profiles.Expert, f expertForm, problem *formProblem, notice string, done ...string) error {
	ctx := c.Request().Context()
	data := expertDeskData{Expert: e, Form: f, Names: s.names(ctx), Problem: problem, Notice: notice}
	if notice != "" && len(done) > 0 {
		data.Done = done[0]
	}
	f0 := profiles.ProposalFilter{Page: profiles.Page{Limit: 50}}
	principalOf(c).ScopeProposals(&f0)
	f0.ExpertID = e.ID
	res, err := s.flows.Proposals(ctx, f0)
	if err != nil {
		return err
	}
	for _, p := range res.Items {
		if !principalOf(c).MaySeeProposal(p) {
			continue
		}
		if p.Status == profiles.ProposalInvited && memberStatus(p, e.ID) == profiles.MemberInvited {
			data.Invitations = append(data.Invitations, p)
		} else if p.Status == profiles.ProposalCompleted || p.Status == profiles.ProposalActive || p.Status == profiles.ProposalAccepted {
			data.Engagements = append(data.Engagements, p)
		}
	}
	if s.matching != nil {
		items, err := s.matching.Index().Opportunities(e.ID, matcher.Query{Limit: 10})
		if err == nil {
			s.inWords(c, items)
			data.Opportunities = items
		}
	}
	return s.render(c, status, "expert_home", "staff.expert.title", data)
}

// memberStatus is the status of expert id's latest seat on p ("" when none).
func memberStatus(p profiles.Proposal, id string) string {
	st := ""
	for _, m := range p.Members {
		if m.ExpertID == id {
			st = m.Status
		}
	}
	return st
}

// expertSaveProfile changes the expert's own bio, languages, availability and
// capacity, in one transaction of the store with the version of the form.
func (s *Server) expertSaveProfile(c echo.Context) error {
	e, err := s.expertOf(c)
	if err != nil {
		return err
	}
	f := expertForm{Bio: strings.TrimSpace(c.FormValue("bio")), Languages: c.FormValue("languages"), Capacity: strings.TrimSpace(c.FormValue("capacity")),
		From: strings.TrimSpace(c.FormValue("available_from")), Until: strings.TrimSpace(c.FormValue("available_until")), Active: c.FormValue("active") == "on"}
	var capacity *int
	if f.Capacity != "" {
		n, err := strconv.Atoi(f.Capacity)
		if err != nil {
			return s.renderExpert(c, http.StatusUnprocessableEntity, e, f, &formProblem{Message: s.viewOf(c).T("staff.problem.whole_number"), Fields: []string{"capacity"}}, "")
		}
		capacity = &n
	}
	var langs []string
	for _, l := range strings.Split(f.Languages, ",") {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	active := f.Active
	_, err = s.store.UpdateExpert(c.Request().Context(), e.ID, profiles.ExpertUpdate{IfVersion: formVersion(c), Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
		in.Bio, in.Languages, in.Capacity, in.AvailableFrom, in.AvailableUntil, in.Active = f.Bio, langs, capacity, f.From, f.Until, &active
		return in, nil
	}})
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		if fresh, ferr := s.store.FindExpertByID(c.Request().Context(), e.ID); ferr == nil {
			e = fresh
		}
		return s.renderExpert(c, http.StatusUnprocessableEntity, e, f, problem, "")
	}
	return redirect(c, "/expert?done=saved")
}

// expertAnswer accepts or declines an invitation for the expert's own seat,
// as POST /v1/proposals/{id}/members/{member_id}/answer does.
func (s *Server) expertAnswer(c echo.Context) error {
	e, err := s.expertOf(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayAnswerFor(e.ID) {
		return errForbidden
	}
	answer := c.FormValue("answer")
	_, err = s.flows.AnswerProposal(c.Request().Context(), c.Param("id"), formVersion(c), e.ID,
		workflow.Answer{Answer: answer, Reason: strings.TrimSpace(c.FormValue("reason"))})
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderExpert(c, http.StatusUnprocessableEntity, e, formOf(e), problem, "")
	}
	done := "accepted"
	if answer == "decline" {
		done = "declined"
	}
	return redirect(c, "/expert?done="+url.QueryEscape(done))
}

// expertOutcome records the expert's outcome of an engagement, as POST
// /v1/proposals/{id}/outcomes does.
func (s *Server) expertOutcome(c echo.Context) error {
	e, err := s.expertOf(c)
	if err != nil {
		return err
	}
	p, err := s.flows.Proposal(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	pr := principalOf(c)
	if !pr.MaySeeProposal(p) || !pr.MayRecordOutcomeOn(p) || !pr.MayRecordOutcome("expert", e.ID) {
		return errForbidden
	}
	rating, _ := strconv.Atoi(c.FormValue("rating"))
	_, err = s.flows.RecordOutcome(c.Request().Context(), p.ID, workflow.OutcomeInput{Side: "expert", ExpertID: e.ID,
		Applied: strings.TrimSpace(c.FormValue("applied")), Lessons: strings.TrimSpace(c.FormValue("lessons")), Rating: rating})
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderExpert(c, http.StatusUnprocessableEntity, e, formOf(e), problem, "")
	}
	return redirect(c, "/expert?done=outcome")
}
