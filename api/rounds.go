package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// A review round assembles the panels of many challenges at once, as a job: the
// request is stored, answered 202 at once, and run by a worker; its state and
// its panels are read at GET /v1/review-rounds/{id}.

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

func (r roundRequest) request() workflow.RoundRequest {
	out := workflow.RoundRequest{Name: r.Name, Fairness: r.Fairness, AllOpen: r.AllOpen, Rubric: r.Rubric}
	for _, rc := range r.Challenges {
		out.Challenges = append(out.Challenges, workflow.RoundChallenge{ChallengeID: rc.ChallengeID, PanelRules: rc.rules()})
	}
	if r.Defaults != nil {
		d := r.Defaults.rules()
		out.Defaults = &d
	}
	return out
}

func (s *Server) createRound(c echo.Context) error {
	var req roundRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	r, err := s.flows.CreateRound(c.Request().Context(), req.request())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/review-rounds/"+r.ID)
	setETag(c, r.Meta)
	return c.JSON(http.StatusAccepted, workflow.RoundView{ReviewRound: r, Panels: []workflow.RoundPanel{}})
}

// unfilledResponse is a challenge of a round that got no panel: why, in the
// reader's language, and the rule and code a program keys on.
type unfilledResponse struct {
	ChallengeID string `json:"challenge_id"`
	Reason      string `json:"reason"`
	Rule        string `json:"rule,omitempty"`
	Code        string `json:"code,omitempty"`
}

// roundResponse is a round with its panels, its unfilled challenges said in
// the reader's language in place of the round's stored ones.
type roundResponse struct {
	workflow.RoundView
	Unfilled []unfilledResponse `json:"unfilled,omitempty"`
}

// roundItem is a round of the list, its unfilled challenges said in the
// reader's language.
type roundItem struct {
	profiles.ReviewRound
	Unfilled []unfilledResponse `json:"unfilled,omitempty"`
}

// unfilledOf says the unfilled challenges of r in the request's language.
func (s *Server) unfilledOf(c echo.Context, r profiles.ReviewRound) ([]unfilledResponse, error) {
	us, err := workflow.RoundUnfilled(r)
	if err != nil || us == nil {
		return nil, err
	}
	lang := RequestLang(c)
	out := make([]unfilledResponse, 0, len(us))
	for _, u := range us {
		out = append(out, unfilledResponse{ChallengeID: u.ChallengeID, Reason: s.sp.text(lang, u.Reason), Rule: u.Rule, Code: u.Code})
	}
	return out, nil
}

func (s *Server) getRound(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	view, err := s.flows.Round(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	unfilled, err := s.unfilledOf(c, view.ReviewRound)
	if err != nil {
		return err
	}
	setETag(c, view.Meta)
	return c.JSON(http.StatusOK, roundResponse{RoundView: view, Unfilled: unfilled})
}

func (s *Server) listRounds(c echo.Context) error {
	q := newQuery(c, "limit", "cursor")
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.flows.Rounds(c.Request().Context(), page)
	if err != nil {
		return err
	}
	out := profiles.ListResult[roundItem]{Items: make([]roundItem, 0, len(res.Items)), Total: res.Total, Next: res.Next}
	for _, r := range res.Items {
		unfilled, err := s.unfilledOf(c, r)
		if err != nil {
			return err
		}
		out.Items = append(out.Items, roundItem{ReviewRound: r, Unfilled: unfilled})
	}
	return c.JSON(http.StatusOK, pageOf(out))
}
