package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/volunteers"
)

// This file is the volunteers' pages: the public form where a practitioner
// applies to be an expert, the page of the emailed link that confirms it,
// and the secretariat's list of applications to approve or decline. The
// rules are the volunteers package's: an application is no expert until it
// is approved.

// volunteerRoutes are the volunteers' pages and the secretariat's decisions.
func (s *Server) volunteerRoutes() []Route {
	return []Route{
		{http.MethodGet, "/volunteer", "", s.volunteerForm},
		{http.MethodPost, "/volunteer", "", s.volunteerApply},
		{http.MethodGet, volunteers.ConfirmPath + "/:token", "", s.volunteerConfirmForm},
		{http.MethodPost, volunteers.ConfirmPath + "/:token", "", s.volunteerConfirm},
		{http.MethodGet, "/staff/applications", profiles.RoleSecretariat, s.staffApplications},
		{http.MethodPost, "/staff/applications/:id/decision", profiles.RoleSecretariat, s.staffDecideApplication},
	}
}

// volunteerData is the application form, as shown or sent.
type volunteerData struct {
	Name, Email, Role, Country, Languages, Bio, Track string
	Themes, Modes                                     []string
	Consent                                           bool
	Roles, AllModes                                   []string
	AllThemes                                         []profiles.Theme
	// Errors are the bad fields, by the form's field names.
	Errors map[string]bool
	Sent   bool
}

// Has reports whether list holds v, for the checkboxes.
func (volunteerData) Has(list []string, v string) bool { return slices.Contains(list, v) }

// Bad reports whether field was refused.
func (d volunteerData) Bad(field string) bool { return d.Errors[field] }

func (s *Server) newVolunteerData() volunteerData {
	d := volunteerData{Roles: profiles.Roles, AllModes: profiles.Modes}
	if s.store != nil {
		d.AllThemes = s.store.Taxonomy().Themes()
	}
	return d
}

func (s *Server) volunteerForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "volunteer", "staff.volunteer.title", s.newVolunteerData())
}

// splitList reads a list typed with commas or one item a line.
func splitList(s string, sep string) []string {
	var out []string
	for _, v := range strings.Split(s, sep) {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// formFields map the store's field names to the form's.
var formFields = map[string]string{"name": "name", "email": "email", "role": "role", "country": "country", "languages": "languages",
	"bio": "bio", "themes": "themes", "modes": "modes", "consent": "consent", "track_record": "track"}

func (s *Server) volunteerApply(c echo.Context) error {
	d := s.newVolunteerData()
	d.Name, d.Email, d.Role = strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("email")), c.FormValue("role")
	d.Country, d.Languages = strings.TrimSpace(c.FormValue("country")), c.FormValue("languages")
	d.Bio, d.Track, d.Consent = c.FormValue("bio"), c.FormValue("track"), c.FormValue("consent") == "on"
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	d.Themes, d.Modes = form["themes"], form["modes"]
	in := profiles.ApplicationInput{Email: d.Email, Lang: string(s.viewOf(c).Lang), Consent: d.Consent, Profile: profiles.ExpertInput{
		Name: d.Name, Role: d.Role, Country: strings.ToUpper(d.Country), Languages: splitList(strings.ToLower(d.Languages), ","),
		Bio: strings.TrimSpace(d.Bio), Themes: d.Themes, Modes: d.Modes, Skills: []string{},
	}}
	for _, line := range splitList(d.Track, "\n") {
		in.Profile.TrackRecord = append(in.Profile.TrackRecord, profiles.TrackRecordItem{Title: line})
	}
	if _, err := s.volunteers.Apply(c.Request().Context(), in); err != nil {
		var ve *profiles.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		d.Errors = map[string]bool{}
		for _, f := range ve.Fields {
			name, _, _ := strings.Cut(f.Field, "[")
			name, _, _ = strings.Cut(name, ".")
			if ff, ok := formFields[name]; ok {
				d.Errors[ff] = true
			} else {
				d.Errors["other"] = true
			}
		}
		return s.render(c, http.StatusUnprocessableEntity, "volunteer", "staff.volunteer.title", d)
	}
	return s.render(c, http.StatusOK, "volunteer", "staff.volunteer.title", volunteerData{Sent: true, Email: d.Email})
}

// confirmData is the confirmation page.
type confirmData struct {
	Done  bool
	Error bool
}

// volunteerConfirmForm shows the button that confirms an application:
// opening the link alone confirms nothing, so that mail scanners cannot.
func (s *Server) volunteerConfirmForm(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return s.render(c, http.StatusOK, "volunteer_confirm", "staff.volunteer.confirm_title", confirmData{})
}

func (s *Server) volunteerConfirm(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	_, err := s.volunteers.Confirm(c.Request().Context(), c.Param("token"))
	if errors.Is(err, profiles.ErrNotFound) {
		return s.render(c, http.StatusGone, "volunteer_confirm", "staff.volunteer.confirm_title", confirmData{Error: true})
	}
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "volunteer_confirm", "staff.volunteer.confirm_title", confirmData{Done: true})
}

// applicationsData is the secretariat's list of applications.
type applicationsData struct {
	Pending []profiles.Application
	Decided string
}

func (s *Server) staffApplications(c echo.Context) error {
	list, err := s.volunteers.Pending(c.Request().Context())
	if err != nil {
		return err
	}
	done := c.QueryParam("done")
	if done != "approved" && done != "declined" {
		done = ""
	}
	return s.render(c, http.StatusOK, "staff_applications", "staff.applications.title", applicationsData{Pending: list, Decided: done})
}

func (s *Server) staffDecideApplication(c echo.Context) error {
	approve := c.FormValue("decision") == "approve"
	u := userOf(c)
	_, err := s.volunteers.Decide(c.Request().Context(), principalOf(c), "user:"+u.ID, c.Param("id"), approve, c.FormValue("reason"))
	if errors.Is(err, volunteers.ErrForbidden) {
		return errForbidden
	}
	if err != nil {
		return err
	}
	done := "declined"
	if approve {
		done = "approved"
	}
	return redirect(c, "/staff/applications?done="+url.QueryEscape(done))
}
