package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// The city officer's pages: their city's profile, challenges and practices,
// and the proposals their city is party to. Who may change what is the
// principal's rule (MayEditCity); the staff may act for any city by naming it
// (?city=…).

// myCityID is the city the page acts for: the officer's own, or, for the
// staff, the one named by ?city= (or the form's city field).
func myCityID(c echo.Context) (string, error) {
	u := userOf(c)
	if u.Role == profiles.RoleCity {
		return u.CityID, nil
	}
	id := c.QueryParam("city")
	if id == "" {
		id = c.FormValue("city")
	}
	if id == "" {
		return "", profiles.ErrNotFound
	}
	return id, nil
}

// myCityData is the officer's dashboard.
type myCityData struct {
	City       profiles.City
	Challenges []profiles.Challenge
	Practices  []profiles.Practice
	Proposals  []profiles.Proposal
	Titles     map[string]string
}

func (s *Server) myCity(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := myCityID(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	if !p.MayEditCity(id) {
		return errForbidden
	}
	city, err := s.store.FindCityByID(ctx, id)
	if err != nil {
		return err
	}
	chs, err := s.store.FindChallenges(ctx, profiles.ChallengeFilter{CityID: id, Page: profiles.Page{Limit: profiles.MaxLimit}})
	if err != nil {
		return err
	}
	prs, err := s.store.FindPractices(ctx, profiles.PracticeFilter{CityID: id, DraftsOf: p.DraftsVisible(), Page: profiles.Page{Limit: profiles.MaxLimit}})
	if err != nil {
		return err
	}
	d := myCityData{City: city, Challenges: chs.Items, Practices: prs.Items, Titles: map[string]string{}}
	if s.flows != nil {
		f := profiles.ProposalFilter{PartyCityID: id, Page: profiles.Page{Limit: profiles.MaxLimit}}
		props, err := s.flows.Proposals(ctx, f)
		if err != nil {
			return err
		}
		d.Proposals = props.Items
		for _, pr := range props.Items {
			if _, ok := d.Titles[pr.ChallengeID]; !ok {
				if ch, err := s.store.FindChallengeByID(ctx, pr.ChallengeID); err == nil {
					d.Titles[pr.ChallengeID] = ch.Title
				}
			}
		}
	}
	return s.render(c, http.StatusOK, "my_city", "web.my_city.title", d)
}

// cityForm is the editable part of a city's profile on the page.
type cityForm struct {
	Name       string
	Population string
	Languages  string
	Contact    profiles.Contact
}

func (s *Server) editCityForm(c echo.Context) error {
	id, err := myCityID(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(id) {
		return errForbidden
	}
	city, err := s.store.FindCityByID(c.Request().Context(), id)
	if err != nil {
		return err
	}
	in := cityForm{Name: city.Name, Languages: strings.Join(city.Languages, ", ")}
	if city.Population != nil {
		in.Population = strconv.FormatInt(*city.Population, 10)
	}
	if city.Contact != nil {
		in.Contact = *city.Contact
	}
	return s.render(c, http.StatusOK, "city_form", "web.city_form.title", formPage[cityForm]{ID: id, Version: city.Version, In: in})
}

func (s *Server) editCity(c echo.Context) error {
	id, err := myCityID(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(id) {
		return errForbidden
	}
	in := cityForm{Name: c.FormValue("name"), Population: c.FormValue("population"), Languages: c.FormValue("languages"),
		Contact: profiles.Contact{Name: c.FormValue("contact_name"), Email: c.FormValue("contact_email"), Phone: c.FormValue("contact_phone")}}
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	errs := formErrors{}
	pop := optionalInt(errs, "population", in.Population)
	page := formPage[cityForm]{ID: id, Version: version, In: in, Errors: errs}
	if len(errs) > 0 {
		return s.renderForm(c, "city_form", "web.city_form.title", page, errs)
	}
	_, err = s.store.UpdateCity(c.Request().Context(), id, profiles.CityUpdate{IfVersion: version, Apply: func(ci profiles.CityInput) (profiles.CityInput, error) {
		ci.Name, ci.Population, ci.Languages = in.Name, pop, list(strings.ToLower(in.Languages))
		ci.Contact = &in.Contact
		return ci, nil
	}})
	if err != nil {
		if page.Errors, err = errorsOf(err); err != nil {
			return err
		}
		return s.renderForm(c, "city_form", "web.city_form.title", page, page.Errors)
	}
	return redirect(c, "/cities/"+id)
}

// challengeForm is a challenge as the form shows it.
type challengeForm struct {
	Title, Description, Language, StrategicResult, Skills, Status string
	Themes, Modes                                                 []string
}

func (s *Server) challengeFormPage(id, cityID string, version int64, in challengeForm, errs formErrors) formPage[challengeForm] {
	return formPage[challengeForm]{ID: id, CityID: cityID, Version: version, In: in, Errors: errs, Themes: s.store.Taxonomy().Themes(),
		Langs: filterLangs, Modes: profiles.Modes, States: profiles.ChallengeStatuses}
}

func (s *Server) newChallengeForm(c echo.Context) error {
	cityID, err := myCityID(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(cityID) {
		return errForbidden
	}
	in := challengeForm{Language: string(s.viewOf(c).Lang), Modes: []string{"exchange"}}
	return s.render(c, http.StatusOK, "challenge_form", "web.challenge_form.new_title", s.challengeFormPage("", cityID, 0, in, nil))
}

func (s *Server) readChallengeForm(c echo.Context) challengeForm {
	_ = c.Request().ParseForm()
	return challengeForm{Title: c.FormValue("title"), Description: c.FormValue("description"), Language: c.FormValue("language"),
		StrategicResult: c.FormValue("strategic_result"), Skills: c.FormValue("skills_needed"), Status: c.FormValue("status"),
		Themes: checked(c, "themes", s.themeCodes()), Modes: checked(c, "modes", profiles.Modes)}
}

func (f challengeForm) input(cityID string) profiles.ChallengeInput {
	return profiles.ChallengeInput{CityID: cityID, Title: f.Title, Description: f.Description, Language: f.Language,
		Themes: f.Themes, Modes: f.Modes, StrategicResult: f.StrategicResult, SkillsNeeded: list(f.Skills), Status: f.Status}
}

func (s *Server) createChallenge(c echo.Context) error {
	cityID, err := myCityID(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(cityID) {
		return errForbidden
	}
	in := s.readChallengeForm(c)
	ch, err := s.store.CreateChallenge(c.Request().Context(), in.input(cityID))
	if err != nil {
		errs, err := errorsOf(err)
		if err != nil {
			return err
		}
		return s.renderForm(c, "challenge_form", "web.challenge_form.new_title", s.challengeFormPage("", cityID, 0, in, errs), errs)
	}
	return redirect(c, "/challenges/"+ch.ID)
}

func (s *Server) editChallengeForm(c echo.Context) error {
	ch, err := s.store.FindChallengeByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(ch.CityID) {
		return errForbidden
	}
	in := challengeForm{Title: ch.Title, Description: ch.Description, Language: ch.Language, StrategicResult: ch.StrategicResult,
		Skills: strings.Join(ch.SkillsNeeded, ", "), Status: ch.Status, Themes: ch.Themes, Modes: ch.Modes}
	return s.render(c, http.StatusOK, "challenge_form", "web.challenge_form.edit_title", s.challengeFormPage(ch.ID, ch.CityID, ch.Version, in, nil))
}

func (s *Server) editChallenge(c echo.Context) error {
	ctx := c.Request().Context()
	ch, err := s.store.FindChallengeByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	p := principalOf(c)
	if !p.MayEditCity(ch.CityID) {
		return errForbidden
	}
	in := s.readChallengeForm(c)
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	_, err = s.store.UpdateChallenge(ctx, ch.ID, profiles.ChallengeUpdate{IfVersion: version, Apply: func(cur profiles.ChallengeInput) (profiles.ChallengeInput, error) {
		// The rule holds on the row as it is in the transaction, not as it
		// was read above.
		if !p.MayEditCity(cur.CityID) {
			return cur, errForbidden
		}
		return in.input(cur.CityID), nil
	}})
	if err != nil {
		errs, err := errorsOf(err)
		if err != nil {
			return err
		}
		return s.renderForm(c, "challenge_form", "web.challenge_form.edit_title", s.challengeFormPage(ch.ID, ch.CityID, version, in, errs), errs)
	}
	return redirect(c, "/challenges/"+ch.ID)
}

// practiceForm is a practice as the form shows it.
type practiceForm struct {
	Title, Description, Language, Results, Lessons, Transferability, Status, Start, End string
	Themes                                                                              []string
}

func (s *Server) practiceFormPage(id, cityID string, version int64, in practiceForm, errs formErrors) formPage[practiceForm] {
	return formPage[practiceForm]{ID: id, CityID: cityID, Version: version, In: in, Errors: errs, Themes: s.store.Taxonomy().Themes(),
		Langs: filterLangs, States: profiles.PracticeStatuses}
}

func (s *Server) readPracticeForm(c echo.Context) practiceForm {
	_ = c.Request().ParseForm()
	return practiceForm{Title: c.FormValue("title"), Description: c.FormValue("description"), Language: c.FormValue("language"),
		Results: c.FormValue("results"), Lessons: c.FormValue("lessons_learned"), Transferability: c.FormValue("transferability"),
		Status: c.FormValue("status"), Start: c.FormValue("start"), End: c.FormValue("end"), Themes: checked(c, "themes", s.themeCodes())}
}

func (f practiceForm) input(cityID string, errs formErrors) profiles.PracticeInput {
	in := profiles.PracticeInput{CityID: cityID, Title: f.Title, Description: f.Description, Language: f.Language, Themes: f.Themes,
		Results: f.Results, LessonsLearned: f.Lessons, Transferability: f.Transferability, Status: f.Status}
	start, end := optionalInt(errs, "start", f.Start), optionalInt(errs, "end", f.End)
	if start != nil || end != nil {
		in.Period = &profiles.Period{}
		if start != nil {
			y := int(*start)
			in.Period.Start = &y
		}
		if end != nil {
			y := int(*end)
			in.Period.End = &y
		}
	}
	return in
}

func (s *Server) newPracticeForm(c echo.Context) error {
	cityID, err := myCityID(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(cityID) {
		return errForbidden
	}
	in := practiceForm{Language: string(s.viewOf(c).Lang), Status: "draft"}
	return s.render(c, http.StatusOK, "practice_form", "web.practice_form.new_title", s.practiceFormPage("", cityID, 0, in, nil))
}

func (s *Server) createPractice(c echo.Context) error {
	cityID, err := myCityID(c)
	if err != nil {
		return err
	}
	if !principalOf(c).MayEditCity(cityID) {
		return errForbidden
	}
	f := s.readPracticeForm(c)
	errs := formErrors{}
	in := f.input(cityID, errs)
	if len(errs) == 0 {
		var pr profiles.Practice
		if pr, err = s.store.CreatePractice(c.Request().Context(), in); err == nil {
			return redirect(c, "/practices/"+pr.ID)
		}
		if errs, err = errorsOf(err); err != nil {
			return err
		}
	}
	return s.renderForm(c, "practice_form", "web.practice_form.new_title", s.practiceFormPage("", cityID, 0, f, errs), errs)
}

func (s *Server) editPracticeForm(c echo.Context) error {
	pr, err := s.store.FindPracticeByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	p := principalOf(c)
	if !p.PracticeVisible(pr) {
		return profiles.ErrNotFound
	}
	if !p.MayEditCity(pr.CityID) {
		return errForbidden
	}
	f := practiceForm{Title: pr.Title, Description: pr.Description, Language: pr.Language, Results: pr.Results, Lessons: pr.LessonsLearned,
		Transferability: pr.Transferability, Status: pr.Status, Themes: pr.Themes}
	if pr.Period != nil {
		if pr.Period.Start != nil {
			f.Start = strconv.Itoa(*pr.Period.Start)
		}
		if pr.Period.End != nil {
			f.End = strconv.Itoa(*pr.Period.End)
		}
	}
	return s.render(c, http.StatusOK, "practice_form", "web.practice_form.edit_title", s.practiceFormPage(pr.ID, pr.CityID, pr.Version, f, nil))
}

func (s *Server) editPractice(c echo.Context) error {
	ctx := c.Request().Context()
	pr, err := s.store.FindPracticeByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	p := principalOf(c)
	if !p.PracticeVisible(pr) {
		return profiles.ErrNotFound
	}
	if !p.MayEditCity(pr.CityID) {
		return errForbidden
	}
	f := s.readPracticeForm(c)
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	errs := formErrors{}
	in := f.input(pr.CityID, errs)
	if len(errs) == 0 {
		_, err = s.store.UpdatePractice(ctx, pr.ID, profiles.PracticeUpdate{IfVersion: version, Apply: func(cur profiles.PracticeInput) (profiles.PracticeInput, error) {
			if !p.MayEditCity(cur.CityID) {
				return cur, errForbidden
			}
			in.CityID = cur.CityID
			return in, nil
		}})
		if err == nil {
			return redirect(c, "/practices/"+pr.ID)
		}
		if errs, err = errorsOf(err); err != nil {
			return err
		}
	}
	return s.renderForm(c, "practice_form", "web.practice_form.edit_title", s.practiceFormPage(pr.ID, pr.CityID, version, f, errs), errs)
}
