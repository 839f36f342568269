package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// This file is the door to the people who sign in on the pages: listing
// them, inviting one (who is sent a sign-in link) and disabling or
// re-enabling one. Each handler is one call of package people, which holds
// the rules of who may do this to whom for the pages too; the route table
// lets only admin and secretariat keys in.

// inviteRequest is the body of an invitation: what the page's form sends.
// Who invited is the key, never the body.
type inviteRequest struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Lang     string `json:"lang,omitempty"`
	CityID   string `json:"city_id,omitempty"`
	ExpertID string `json:"expert_id,omitempty"`
}

// caller is the request's key as a principal, and its ID (who invited, who
// disabled).
func caller(c echo.Context) (*profiles.Principal, string) {
	k := keyOf(c)
	if k == nil {
		return nil, ""
	}
	return k.Principal(), k.ID
}

func (s *Server) listUsers(c echo.Context) error {
	q := newQuery(c, "role", "limit", "cursor")
	f := profiles.UserFilter{Role: q.enum("role", profiles.UserRoles), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	by, _ := caller(c)
	res, err := s.people.Users(c.Request().Context(), by, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(res))
}

func (s *Server) getUser(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	by, _ := caller(c)
	u, err := s.people.User(c.Request().Context(), by, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) inviteUser(c echo.Context) error {
	var in inviteRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	by, byID := caller(c)
	u, err := s.people.Invite(c.Request().Context(), by, byID, profiles.UserInput{Email: in.Email, Name: in.Name, Role: in.Role,
		Lang: in.Lang, CityID: in.CityID, ExpertID: in.ExpertID})
	if err != nil {
		// Nothing is left of an invitation that failed, its link and its
		// email included (people.Invite): asking again is safe.
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/users/"+u.ID)
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) disableUser(c echo.Context) error { return s.setUserDisabled(c, true) }

func (s *Server) enableUser(c echo.Context) error { return s.setUserDisabled(c, false) }

func (s *Server) setUserDisabled(c echo.Context, disabled bool) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	by, byID := caller(c)
	change := s.people.Enable
	if disabled {
		change = s.people.Disable
	}
	u, err := change(c.Request().Context(), by, byID, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}
