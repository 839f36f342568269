package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/people"
	"matchmaker/profiles"
)

// This file is the people who sign in, the form by which the secretariat
// (or an admin) invites one, and the buttons that disable and re-enable one.
// It calls package people, which checks who may invite or disable whom (the
// JSON API's /v1/users applies the same rules through it) and sends the new
// user a sign-in link through the sender of the sign-in page.

// peopleRoutes are the pages of the people who sign in.
func (s *Server) peopleRoutes() []Route {
	return []Route{
		{http.MethodGet, "/staff/people", profiles.RoleSecretariat, s.staffPeople},
		{http.MethodPost, "/staff/people", profiles.RoleSecretariat, s.staffInvite},
		{http.MethodPost, "/staff/people/:id/disable", profiles.RoleSecretariat, s.staffDisablePerson},
		{http.MethodPost, "/staff/people/:id/enable", profiles.RoleSecretariat, s.staffEnablePerson},
	}
}

// peopleData is the people page.
type peopleData struct {
	Users []profiles.User
	Total int
	Next  string
	// Inviters names the inviters of the users listed: a user's ID to their
	// name (a key's ID is shown as it is).
	Inviters map[string]string
	Roles    []string
	Cities   []profiles.City
	Langs    []string
	Form     profiles.UserInput
	Errors   formErrors
	Problem  *formProblem
	// Refused says the inviter's role may not make this invitation.
	Refused bool
	// Invited is the user just invited, whose link was sent.
	Invited *profiles.User
	// Disabled and Enabled are the user just disabled or re-enabled.
	Disabled, Enabled *profiles.User
	// Refusal says why a disabling or a re-enabling was refused.
	Refusal *profiles.Text

	me *profiles.User
}

// MayChange reports whether the reader may disable or re-enable u
// (people.MayChange): the page offers only the buttons that work.
func (d peopleData) MayChange(u profiles.User) bool {
	return d.me != nil && people.MayChange(d.me.Principal(), d.me.ID, u) == nil
}

// Has reports whether v is among values.
func (peopleData) Has(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// InvitedBy is the name of who invited u.
func (d peopleData) InvitedBy(u profiles.User) string {
	if n, ok := d.Inviters[u.InvitedBy]; ok {
		return n
	}
	return u.InvitedBy
}

// CityName is the name of city id, from the cities of the form.
func (d peopleData) CityName(id string) string {
	for _, c := range d.Cities {
		if c.ID == id {
			return c.Name
		}
	}
	return id
}

// invitableRoles are the roles p may invite: an admin alone invites an admin.
func invitableRoles(p *profiles.Principal) []string {
	var out []string
	for _, r := range profiles.UserRoles {
		if r != profiles.RoleAdmin || p.IsAdmin() {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) staffPeople(c echo.Context) error {
	data := peopleData{}
	for _, n := range []struct {
		param string
		to    **profiles.User
	}{{"invited", &data.Invited}, {"disabled", &data.Disabled}, {"enabled", &data.Enabled}} {
		if id := c.QueryParam(n.param); id != "" {
			if u, err := s.people.User(c.Request().Context(), principalOf(c), id); err == nil {
				*n.to = &u
			}
		}
	}
	return s.renderPeople(c, http.StatusOK, data)
}

func (s *Server) renderPeople(c echo.Context, status int, data peopleData) error {
	ctx := c.Request().Context()
	data.me = userOf(c)
	res, err := s.people.Users(ctx, principalOf(c), profiles.UserFilter{Page: profiles.Page{Limit: 100, After: c.QueryParam("after")}})
	if err != nil {
		return err
	}
	data.Users, data.Total = res.Items, res.Total
	if res.Next != "" {
		data.Next = "/staff/people?after=" + url.QueryEscape(res.Next)
	}
	data.Inviters = map[string]string{}
	for _, u := range data.Users {
		data.Inviters[u.ID] = u.Name
	}
	// The inviters off the page, in one read: an invitation through the
	// API names a key, which no user is, and stays unnamed.
	var off []string
	for _, u := range data.Users {
		if _, ok := data.Inviters[u.InvitedBy]; !ok && u.InvitedBy != "" && !slices.Contains(off, u.InvitedBy) {
			off = append(off, u.InvitedBy)
		}
	}
	names, err := s.store.UserNames(ctx, off)
	if err != nil {
		return err
	}
	maps.Copy(data.Inviters, names)
	// Every city, for the select of a city officer's city: a network holds
	// hundreds at most. Experts are many: their ID is typed (most join
	// through the volunteers' form, which makes their user).
	for after := ""; ; {
		res, err := s.store.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: profiles.MaxLimit, After: after}})
		if err != nil {
			return err
		}
		data.Cities = append(data.Cities, res.Items...)
		if res.Next == "" {
			break
		}
		after = res.Next
	}
	data.Roles, data.Langs = invitableRoles(principalOf(c)), profiles.UserLangs
	return s.render(c, status, "staff_people", "staff.people.title", data)
}

// staffInvite invites a person through people.Invite: every field checked
// by the store (its messages said in the page's language), the role by
// people.Invite; the new user is sent a sign-in link.
func (s *Server) staffInvite(c echo.Context) error {
	in := profiles.UserInput{Email: strings.TrimSpace(c.FormValue("email")), Name: strings.TrimSpace(c.FormValue("name")),
		Role: c.FormValue("role"), Lang: c.FormValue("lang")}
	// One select for the city, one for the expert: only the one of the role
	// is sent on, so that a form switched from one role to another keeps no
	// stale choice of the other.
	switch in.Role {
	case profiles.RoleCity:
		in.CityID = c.FormValue("city_id")
	case profiles.RoleExpert:
		in.ExpertID = c.FormValue("expert_id")
	}
	me := userOf(c)
	u, err := s.people.Invite(c.Request().Context(), me.Principal(), me.ID, in)
	switch {
	case errors.Is(err, people.ErrForbidden):
		return s.renderPeople(c, http.StatusForbidden, peopleData{Form: in, Refused: true})
	case err != nil:
		var ce *profiles.ConflictError
		if errors.As(err, &ce) && len(ce.Fields) > 0 {
			// The address is another person's: said beside the field.
			return s.renderPeople(c, http.StatusConflict, peopleData{Form: in, Errors: fieldErrors(ce.Fields)})
		}
		errs, err := errorsOf(err)
		if err != nil {
			// A conflict (one address invited twice at once) or another
			// refusal of the store, said in the reader's language.
			problem, err := s.problemOf(c, err)
			if err != nil {
				return err
			}
			return s.renderPeople(c, http.StatusConflict, peopleData{Form: in, Problem: problem})
		}
		return s.renderPeople(c, http.StatusUnprocessableEntity, peopleData{Form: in, Errors: errs})
	}
	return redirect(c, "/staff/people?invited="+url.QueryEscape(u.ID))
}

// staffDisablePerson disables a person through people.Disable: their
// sessions end at once.
func (s *Server) staffDisablePerson(c echo.Context) error { return s.staffSetDisabled(c, true) }

// staffEnablePerson lets a disabled person sign in again through
// people.Enable.
func (s *Server) staffEnablePerson(c echo.Context) error { return s.staffSetDisabled(c, false) }

func (s *Server) staffSetDisabled(c echo.Context, disabled bool) error {
	me := userOf(c)
	change, done := s.people.Enable, "enabled"
	if disabled {
		change, done = s.people.Disable, "disabled"
	}
	u, err := change(c.Request().Context(), me.Principal(), me.ID, c.Param("id"))
	var refusal *people.Refusal
	switch {
	case errors.As(err, &refusal):
		return s.renderPeople(c, http.StatusForbidden, peopleData{Refusal: &refusal.Text})
	case err != nil:
		return err
	}
	return redirect(c, "/staff/people?"+done+"="+url.QueryEscape(u.ID))
}
