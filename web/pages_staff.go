package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// This file is the secretariat's desk: the dashboard of open challenges and
// proposals by state, the making of a panel or a tutoring team, and the
// proposal page where members are swapped, pinned and excluded before the
// proposal is sent, and its answers and replacements followed. Every action
// is one call of the workflows, the same the JSON API makes (api/panels.go,
// api/proposals.go).

// staffRoutes are the secretariat's pages, then the experts' (and the
// volunteers').
func (s *Server) staffRoutes() []Route {
	return append([]Route{
		{http.MethodGet, "/staff", profiles.RoleSecretariat, s.staffDashboard},
		{http.MethodPost, "/staff/challenges/:id/panels", profiles.RoleSecretariat, s.staffBuildPanel},
		{http.MethodPost, "/staff/challenges/:id/teams", profiles.RoleSecretariat, s.staffBuildTeam},
		{http.MethodGet, "/staff/proposals/:id", profiles.RoleSecretariat, s.staffProposal},
		{http.MethodPost, "/staff/proposals/:id/edits", profiles.RoleSecretariat, s.staffEditProposal},
		{http.MethodPost, "/staff/proposals/:id/send", profiles.RoleSecretariat, s.staffSendProposal},
		{http.MethodGet, "/staff/rounds", profiles.RoleSecretariat, s.staffRounds},
		{http.MethodPost, "/staff/rounds", profiles.RoleSecretariat, s.staffCreateRound},
		{http.MethodGet, "/staff/rounds/:id", profiles.RoleSecretariat, s.staffRound},
		{http.MethodPost, "/staff/rounds/:id/scores", profiles.RoleSecretariat, s.staffSaveScores},
		{http.MethodGet, "/staff/keys", profiles.RoleAdmin, s.staffKeys},
		{http.MethodPost, "/staff/keys", profiles.RoleAdmin, s.staffCreateKey},
		{http.MethodPost, "/staff/keys/:id/revoke", profiles.RoleAdmin, s.staffRevokeKey},
		{http.MethodGet, "/staff/audit", profiles.RoleAdmin, s.staffAudit},
	}, append(append(s.expertRoutes(), s.volunteerRoutes()...), s.peopleRoutes()...)...)
}

// formProblem is what a page says of a form the workflows refused: a
// sentence in the reader's language, the fields to correct, and the
// network's own words on what to change (a broken rule, each invalid field),
// said in the reader's language through the catalogue the JSON API's
// problems use.
type formProblem struct {
	Message string
	Fields  []string
	Details []string
}

// problemOf turns a refusal of the workflows into what a form shows; other
// errors are returned for the error page.
func (s *Server) problemOf(c echo.Context, err error) (*formProblem, error) {
	v := s.viewOf(c)
	var ve *profiles.ValidationError
	var re *workflow.RuleError
	var ce *profiles.ConflictError
	var se *profiles.StaleError
	switch {
	case errors.As(err, &re):
		p := &formProblem{Message: v.T("staff.problem.rule"), Details: []string{v.Say(re.Text)}}
		for _, f := range re.Fields {
			p.Fields = append(p.Fields, f.Field)
		}
		return p, nil
	case errors.As(err, &ve):
		p := &formProblem{Message: v.T("staff.problem.invalid")}
		for _, f := range ve.Fields {
			p.Fields = append(p.Fields, f.Field)
			p.Details = append(p.Details, v.T("staff.problem.field", "Field", f.Field, "Message", v.Say(f.Text())))
		}
		return p, nil
	case errors.As(err, &se):
		return &formProblem{Message: v.T("staff.problem.stale")}, nil
	case errors.As(err, &ce):
		p := &formProblem{Message: v.T("staff.problem.conflict")}
		// A conflict built without its Text has no words to say in the
		// reader's language: the summary alone is shown.
		if ce.Text.English != "" {
			p.Details = []string{v.Say(ce.Text)}
		}
		return p, nil
	}
	return nil, err
}

// names resolves the names of experts, cities and challenges for a page:
// from the match index, which holds every one of them, and from the store
// (each once) for those it does not (a city with no document yet, an
// expert gone). A page of proposals names dozens of people: a read each was
// most of its time.
type names struct {
	s                          *Server
	ctx                        context.Context
	experts, cities, challenge map[string]string
}

func (s *Server) names(ctx context.Context) *names {
	return &names{s: s, ctx: ctx, experts: map[string]string{}, cities: map[string]string{}, challenge: map[string]string{}}
}

// indexed is the name the match index keeps for id, if any.
func (n *names) indexed(id string) (string, bool) {
	if n.s.matching == nil {
		return "", false
	}
	v, ok := n.s.matching.Name(id)
	return v, ok && v != ""
}

// Expert is the name of expert id (its ID when it is gone).
func (n *names) Expert(id string) string {
	if v, ok := n.experts[id]; ok {
		return v
	}
	v, ok := n.indexed(id)
	if !ok {
		v = id
		if e, err := n.s.store.FindExpertByID(n.ctx, id); err == nil {
			v = e.Name
		}
	}
	n.experts[id] = v
	return v
}

// City is the name of city id.
func (n *names) City(id string) string {
	if v, ok := n.cities[id]; ok {
		return v
	}
	v := ""
	if n.s.matching != nil {
		v = n.s.matching.CityName(id)
	}
	if v == "" {
		v = id
		if c, err := n.s.store.FindCityByID(n.ctx, id); err == nil {
			v = c.Name
		}
	}
	n.cities[id] = v
	return v
}

// Challenge is the title of challenge id.
func (n *names) Challenge(id string) string {
	if v, ok := n.challenge[id]; ok {
		return v
	}
	v, ok := n.indexed(id)
	if !ok {
		v = id
		if c, err := n.s.store.FindChallengeByID(n.ctx, id); err == nil {
			v = c.Title
		}
	}
	n.challenge[id] = v
	return v
}

// dashboardData is the secretariat's dashboard.
type dashboardData struct {
	Challenges []profiles.Challenge
	OpenTotal  int
	ByStatus   []statusGroup
	Names      *names
	Problem    *formProblem
	ProblemFor string
}

// statusGroup is the proposals in one state.
type statusGroup struct {
	Status    string
	Total     int
	Proposals []profiles.Proposal
}

func (s *Server) staffDashboard(c echo.Context) error {
	return s.renderDashboard(c, http.StatusOK, nil, "")
}

func (s *Server) renderDashboard(c echo.Context, status int, problem *formProblem, problemFor string) error {
	ctx := c.Request().Context()
	chs, err := s.store.FindChallenges(ctx, profiles.ChallengeFilter{Status: "open", Page: profiles.Page{Limit: 50}})
	if err != nil {
		return err
	}
	data := dashboardData{Challenges: chs.Items, OpenTotal: chs.Total, Names: s.names(ctx), Problem: problem, ProblemFor: problemFor}
	for _, st := range profiles.ProposalStatuses {
		res, err := s.flows.Proposals(ctx, profiles.ProposalFilter{Status: st, Page: profiles.Page{Limit: 10}})
		if err != nil {
			return err
		}
		data.ByStatus = append(data.ByStatus, statusGroup{Status: st, Total: res.Total, Proposals: res.Items})
	}
	return s.render(c, status, "staff_dashboard", "staff.dashboard.title", data)
}

// formInt reads an optional whole number from a form; ok is false when the
// field holds something else.
func formInt(c echo.Context, name string) (v *int, ok bool) {
	raw := strings.TrimSpace(c.FormValue(name))
	if raw == "" {
		return nil, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		return nil, false
	}
	return &n, true
}

// staffBuildPanel assembles a review panel for a challenge under the rules
// of the form, as POST /v1/challenges/{id}/panels does.
func (s *Server) staffBuildPanel(c echo.Context) error {
	size, ok := formInt(c, "size")
	maxCountry, ok2 := formInt(c, "max_per_country")
	if !ok || !ok2 {
		p := &formProblem{Message: s.viewOf(c).T("staff.problem.whole_number")}
		return s.renderDashboard(c, http.StatusUnprocessableEntity, p, c.Param("id"))
	}
	rules := workflow.PanelRules{Size: size, CommonLanguage: c.FormValue("common_language") == "on"}
	if maxCountry != nil {
		rules.MaxPerCountry = *maxCountry
	}
	p, err := s.flows.AssemblePanel(c.Request().Context(), c.Param("id"), rules)
	return s.afterBuild(c, p, err)
}

// staffBuildTeam assembles a tutoring team for a challenge, as POST
// /v1/challenges/{id}/tutoring-teams does.
func (s *Server) staffBuildTeam(c echo.Context) error {
	minSize, ok := formInt(c, "min_size")
	maxSize, ok2 := formInt(c, "max_size")
	if !ok || !ok2 {
		p := &formProblem{Message: s.viewOf(c).T("staff.problem.whole_number")}
		return s.renderDashboard(c, http.StatusUnprocessableEntity, p, c.Param("id"))
	}
	p, err := s.flows.AssembleTeam(c.Request().Context(), c.Param("id"), workflow.TeamRules{MinSize: minSize, MaxSize: maxSize})
	return s.afterBuild(c, p, err)
}

func (s *Server) afterBuild(c echo.Context, p profiles.Proposal, err error) error {
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderDashboard(c, http.StatusUnprocessableEntity, problem, c.Param("id"))
	}
	return redirect(c, "/staff/proposals/"+url.PathEscape(p.ID))
}

// staffProposalData is the proposal page.
type staffProposalData struct {
	Proposal  profiles.Proposal
	Challenge profiles.Challenge
	History   []profiles.ProposalEvent
	Names     *names
	Problem   *formProblem
	// Moved is the last edit's change of the objective, when the page
	// follows one.
	Moved *moved
}

// moved is how an edit changed the proposal's objective.
type moved struct{ Before, After, Delta float64 }

// Editable reports whether the proposal is still edited before it is sent.
func (d staffProposalData) Editable() bool { return d.Proposal.Status == profiles.ProposalProposed }

// Seated are the members holding a seat.
func (d staffProposalData) Seated() []profiles.Member {
	var out []profiles.Member
	for _, m := range d.Proposal.Members {
		if m.Seated() {
			out = append(out, m)
		}
	}
	return out
}

// Gone are the members who declined or were withdrawn.
func (d staffProposalData) Gone() []profiles.Member {
	var out []profiles.Member
	for _, m := range d.Proposal.Members {
		if !m.Seated() {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) staffProposal(c echo.Context) error {
	var mv *moved
	if b, err := strconv.ParseFloat(c.QueryParam("before"), 64); err == nil {
		if a, err := strconv.ParseFloat(c.QueryParam("after"), 64); err == nil {
			mv = &moved{Before: b, After: a, Delta: a - b}
		}
	}
	return s.renderProposal(c, http.StatusOK, nil, mv)
}

func (s *Server) renderProposal(c echo.Context, status int, problem *formProblem, mv *moved) error {
	ctx := c.Request().Context()
	p, err := s.flows.Proposal(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	ch, err := s.store.FindChallengeByID(ctx, p.ChallengeID)
	if err != nil {
		return err
	}
	hist, err := s.flows.History(ctx, p.ID)
	if err != nil {
		return err
	}
	return s.render(c, status, "staff_proposal", "staff.proposal.title",
		staffProposalData{Proposal: p, Challenge: ch, History: hist, Names: s.names(ctx), Problem: problem, Moved: mv})
}

// formVersion is the version of the row the form was read from: an edit
// made on a page older than the proposal is refused, not applied blindly.
func formVersion(c echo.Context) int64 {
	v, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	return v
}

// staffEditProposal swaps, pins, unpins or excludes a member, as POST
// /v1/proposals/{id}/edits does, and shows how the objective moved.
func (s *Server) staffEditProposal(c echo.Context) error {
	version := formVersion(c)
	if version == 0 {
		return s.renderProposal(c, http.StatusUnprocessableEntity, &formProblem{Message: s.viewOf(c).T("staff.problem.stale")}, nil)
	}
	out, err := s.flows.EditProposal(c.Request().Context(), c.Param("id"), version, workflow.Edit{
		Op: c.FormValue("op"), ExpertID: c.FormValue("expert_id"), With: c.FormValue("with"), Reason: strings.TrimSpace(c.FormValue("reason")),
	})
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderProposal(c, http.StatusUnprocessableEntity, problem, nil)
	}
	q := url.Values{
		"before": {strconv.FormatFloat(out.ObjectiveBefore, 'f', 6, 64)},
		"after":  {strconv.FormatFloat(out.ObjectiveAfter, 'f', 6, 64)},
	}
	return redirect(c, "/staff/proposals/"+url.PathEscape(out.Proposal.ID)+"?"+q.Encode())
}

// staffSendProposal sends the proposal to its members (status invited), as
// POST /v1/proposals/{id}/transitions does; every hard rule is checked again.
func (s *Server) staffSendProposal(c echo.Context) error {
	version := formVersion(c)
	if version == 0 {
		return s.renderProposal(c, http.StatusUnprocessableEntity, &formProblem{Message: s.viewOf(c).T("staff.problem.stale")}, nil)
	}
	p, err := s.flows.MoveProposal(c.Request().Context(), c.Param("id"), version, workflow.Transition{To: profiles.ProposalInvited})
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderProposal(c, http.StatusUnprocessableEntity, problem, nil)
	}
	return redirect(c, "/staff/proposals/"+url.PathEscape(p.ID))
}

// EditOp is the operation of an edit event (its reason starts with it):
// swap, pin, unpin or exclude.
func (d staffProposalData) EditOp(ev profiles.ProposalEvent) string {
	op, _, _ := strings.Cut(ev.Reason, ":")
	if slices.Contains(workflow.EditOps, op) {
		return op
	}
	return "swap"
}

// Note is what a person wrote about an event: the reason of a decline, an
// exclusion or a cancellation, without the edit's operation code.
func (d staffProposalData) Note(ev profiles.ProposalEvent) string {
	if ev.Type == "edit" {
		_, note, _ := strings.Cut(ev.Reason, ":")
		return strings.TrimSpace(note)
	}
	if ev.Type == "status" || ev.Type == "replacement" {
		// These reasons are the workflows' own sentences, in English.
		return ""
	}
	return ev.Reason
}

// F is *v, or 0.
func (staffProposalData) F(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}
