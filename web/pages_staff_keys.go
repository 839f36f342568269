package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// This file is the API keys and the audit trail. They are the admin's alone,
// as in the JSON API (api/auth.go's adminRoute): their routes say
// profiles.RoleAdmin, which require lets no one else through.

// keysData is the keys page.
type keysData struct {
	Keys    []profiles.APIKey
	Roles   []string
	Form    profiles.KeyInput
	Problem *formProblem
	// Secret is a new key's secret, shown once.
	Secret string
	New    *profiles.APIKey
}

func (s *Server) staffKeys(c echo.Context) error {
	return s.renderKeys(c, http.StatusOK, keysData{})
}

func (s *Server) renderKeys(c echo.Context, status int, data keysData) error {
	res, err := s.store.FindKeys(c.Request().Context(), profiles.Page{Limit: 100})
	if err != nil {
		return err
	}
	data.Keys, data.Roles = res.Items, profiles.KeyRoles
	return s.render(c, status, "staff_keys", "staff.keys.title", data)
}

// staffCreateKey makes a key and shows its secret once, as POST /v1/keys does.
func (s *Server) staffCreateKey(c echo.Context) error {
	in := profiles.KeyInput{Name: strings.TrimSpace(c.FormValue("name")), Role: c.FormValue("role"),
		CityID: strings.TrimSpace(c.FormValue("city_id")), ExpertID: strings.TrimSpace(c.FormValue("expert_id")),
		Scope: strings.TrimSpace(c.FormValue("scope"))}
	k, secret, err := s.store.CreateKey(c.Request().Context(), in)
	if err != nil {
		problem, err := s.problemOf(c, err)
		if err != nil {
			return err
		}
		return s.renderKeys(c, http.StatusUnprocessableEntity, keysData{Form: in, Problem: problem})
	}
	s.log.Info("key created on the pages", "key_id", k.ID, "role", k.Role, "by", userOf(c).ID)
	return s.renderKeys(c, http.StatusCreated, keysData{Secret: secret, New: &k})
}

// staffRevokeKey revokes a key, as DELETE /v1/keys/{id} does.
func (s *Server) staffRevokeKey(c echo.Context) error {
	if _, err := s.store.RevokeKey(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	s.log.Info("key revoked on the pages", "key_id", c.Param("id"), "by", userOf(c).ID)
	return redirect(c, "/staff/keys")
}

// auditData is the audit trail's page.
type auditData struct {
	Entries []profiles.AuditEntry
	Next    string
}

func (s *Server) staffAudit(c echo.Context) error {
	res, err := s.store.FindAudit(c.Request().Context(), profiles.AuditFilter{Page: profiles.Page{Limit: 50, After: c.QueryParam("after")}})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "staff_audit", "staff.audit.title", auditData{Entries: res.Items, Next: res.Next})
}
