package api

import (
	"math"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// This file is the door to the making of proposals: the bodies of the panel,
// team and pairing routes, converted into the workflows' rules.

// roleQuota asks for at least Min members whose role is one of Roles.
type roleQuota struct {
	Roles []string `json:"roles"`
	Min   int      `json:"min"`
}

// exclusionIn keeps an expert off a proposal, with the reason (a conflict of
// interest, for one).
type exclusionIn struct {
	ExpertID string `json:"expert_id"`
	Reason   string `json:"reason,omitempty"`
}

// panelRequest is the body of POST /v1/challenges/{id}/panels, and the rules of
// each challenge of a round.
type panelRequest struct {
	Size              *int          `json:"size,omitempty"`
	RoleQuotas        []roleQuota   `json:"role_quotas,omitempty"`
	MaxPerRegion      int           `json:"max_per_region,omitempty"`
	MaxPerCountry     int           `json:"max_per_country,omitempty"`
	MinOtherCountries int           `json:"min_other_countries,omitempty"`
	AllowHomeCountry  bool          `json:"allow_home_country,omitempty"`
	CommonLanguage    bool          `json:"common_language,omitempty"`
	Pinned            []string      `json:"pinned,omitempty"`
	Excluded          []exclusionIn `json:"excluded,omitempty"`
}

// rules converts the body into the workflows' panel rules.
func (r panelRequest) rules() workflow.PanelRules {
	out := workflow.PanelRules{Size: r.Size, MaxPerRegion: r.MaxPerRegion, MaxPerCountry: r.MaxPerCountry,
		MinOtherCountries: r.MinOtherCountries, AllowHomeCountry: r.AllowHomeCountry, CommonLanguage: r.CommonLanguage,
		Pinned: r.Pinned, Excluded: exclusions(r.Excluded)}
	for _, q := range r.RoleQuotas {
		out.RoleQuotas = append(out.RoleQuotas, workflow.RoleQuota{Roles: q.Roles, Min: q.Min})
	}
	return out
}

func exclusions(xs []exclusionIn) []workflow.Exclusion {
	var out []workflow.Exclusion
	for _, x := range xs {
		out = append(out, workflow.Exclusion{ExpertID: x.ExpertID, Reason: x.Reason})
	}
	return out
}

// teamRequest is the body of POST /v1/challenges/{id}/tutoring-teams.
type teamRequest struct {
	StrategicResult string              `json:"strategic_result,omitempty"`
	Skills          []string            `json:"skills,omitempty"`
	MinSize         *int                `json:"min_size,omitempty"`
	MaxSize         *int                `json:"max_size,omitempty"`
	Period          *profiles.Timeframe `json:"period,omitempty"`
	Pinned          []string            `json:"pinned,omitempty"`
	Excluded        []exclusionIn       `json:"excluded,omitempty"`
}

func (r teamRequest) rules() workflow.TeamRules {
	return workflow.TeamRules{StrategicResult: r.StrategicResult, Skills: r.Skills, MinSize: r.MinSize, MaxSize: r.MaxSize,
		Period: r.Period, Pinned: r.Pinned, Excluded: exclusions(r.Excluded)}
}

// pairingRequest is the body of POST /v1/challenges/{id}/pairings: an exchange
// with a partner city, the best suggested one when none is named.
type pairingRequest struct {
	PartnerCityID string `json:"partner_city_id,omitempty"`
}

// decodeBody reads a JSON body into v; an empty body is an empty object.
func decodeBody(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 && c.Request().Header.Get(echo.HeaderContentType) == "" {
		return nil
	}
	body, err := readJSONBody(c, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	return decodeStrict(body, v)
}

func (s *Server) createPanel(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var req panelRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	p, err := s.flows.AssemblePanel(c.Request().Context(), c.Param("id"), req.rules())
	if err != nil {
		return err
	}
	return created(c, p)
}

func (s *Server) createTeam(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var req teamRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	p, err := s.flows.AssembleTeam(c.Request().Context(), c.Param("id"), req.rules())
	if err != nil {
		return err
	}
	return created(c, p)
}

func (s *Server) createPairing(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var req pairingRequest
	if err := decodeBody(c, &req); err != nil {
		return err
	}
	p, err := s.flows.ProposePairing(c.Request().Context(), c.Param("id"), workflow.PairingRules{PartnerCityID: req.PartnerCityID})
	if err != nil {
		return err
	}
	return created(c, p)
}

// created answers 201 with the new proposal, its location and its ETag.
func created(c echo.Context, p profiles.Proposal) error {
	c.Response().Header().Set(echo.HeaderLocation, "/v1/proposals/"+p.ID)
	setETag(c, p.Meta)
	return c.JSON(http.StatusCreated, p)
}

// round6 rounds a score to the six decimals scores are shown with.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
