package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// apply fills and sends the volunteer form in b as name with email.
func apply(b *browsertest.Browser, name, email string) {
	b.Open("/volunteer")
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#v-name"), name),
		chromedp.SendKeys(chromedp.CSS("#v-email"), email),
		chromedp.SetValue(chromedp.CSS("#v-role"), "technical_officer"),
		chromedp.SendKeys(chromedp.CSS("#v-country"), "MX"),
		chromedp.SendKeys(chromedp.CSS("#v-languages"), "es, en"),
		chromedp.Click(chromedp.CSS("fieldset.themes input[type='checkbox']")),
		chromedp.SendKeys(chromedp.CSS("#v-track"), "Participatory budgeting in three districts"),
		chromedp.Click(chromedp.CSS("#v-consent")),
		chromedp.Click(chromedp.CSS("#volunteer-form button[type='submit']")),
		chromedp.WaitVisible(chromedp.CSS("#applied")),
	)
}

// expertsNamed counts the experts whose name holds name.
func expertsNamed(t *testing.T, svc *browsertest.Service, name string) int {
	t.Helper()
	res, err := svc.Store.FindExperts(t.Context(), profiles.ExpertFilter{Q: name, Page: profiles.Page{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Items)
}

// TestVolunteerJourney: in each language, on each database, a practitioner
// applies on the public form, confirms by the emailed link, and is no expert
// until the secretariat approves the application; then they are an expert
// with a user of their own, sent a sign-in link. axe finds nothing serious on
// the pages.
func TestVolunteerJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				// Names of its own: the service is shared.
				tag := strings.ReplaceAll(profilestest.Name(l.code), "-", "")
				name, email := "Valentina Volunteer "+tag, "valentina."+tag+"@example.org"
				b := svc.Browser(t, l.code)
				b.Open("/volunteer")
				b.Axe()
				screenshot(t, svc, b, "volunteer")
				apply(b, name, email)
				b.Axe()
				link := svc.Outbox.LastApplicationLink(email)
				if link == "" {
					t.Fatal("no confirmation link was sent")
				}
				b.Do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#confirm-application")))
				b.Axe()
				b.Do(chromedp.Click(chromedp.CSS("#confirm-application")), chromedp.WaitVisible(chromedp.CSS("#confirmed")))
				if n := expertsNamed(t, svc, name); n != 0 {
					t.Fatalf("a confirmed application is already %d expert(s)", n)
				}

				b.SignInAs(profiles.RoleSecretariat)
				b.Open("/staff/applications")
				b.Axe()
				screenshot(t, svc, b, "staff-applications")
				b.Do(chromedp.Click(chromedp.CSS("#applications li[data-email='"+email+"'] form.approve button")),
					chromedp.WaitVisible(chromedp.CSS("#decided")))
				if n := expertsNamed(t, svc, name); n != 1 {
					t.Errorf("after approval: %d experts named %q, want 1", n, name)
				}
				u, err := svc.Store.FindUserByEmail(t.Context(), email)
				if err != nil {
					t.Fatalf("after approval, no user: %v", err)
				}
				if u.Role != profiles.RoleExpert || u.ExpertID == "" || u.Lang != l.code {
					t.Errorf("the approved volunteer's user is %+v, want an expert bound to a profile, reading %s", u, l.code)
				}
				if svc.Outbox.LastLink(email) == "" {
					t.Error("the approved volunteer was sent no sign-in link")
				}
			})
		}
	})
}

// TestApplicationRules: the rules of applications, on each database, without
// a browser: every bad field is named; a confirmation link works once; only
// the secretariat decides; an application is decided once.
func TestApplicationRules(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		c := client(t)
		_, body := get(t, c, svc.URL+"/volunteer")
		token := csrfField.FindStringSubmatch(body)[1]

		res, body := post(t, c, svc.URL+"/volunteer", url.Values{"_csrf": {token}, "email": {"not-an-address"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty application: %d, want 422", res.StatusCode)
		}
		for _, field := range []string{"v-name", "v-email", "v-role", "v-country", "v-languages"} {
			if !strings.Contains(body, `id="`+field+`" `) || !regexpInvalid(body, field) {
				t.Errorf("the refused form does not mark %s invalid", field)
			}
		}

		email := "rules@example.org"
		form := url.Values{"_csrf": {token}, "name": {"Rita Rules"}, "email": {"Rules@Example.org"}, "role": {"academic"}, "country": {"sn"},
			"languages": {"fr"}, "themes": {svc.Store.Taxonomy().Themes()[0].Code}, "modes": {"tutoring"}, "consent": {"on"}}
		if res, _ := post(t, c, svc.URL+"/volunteer", form); res.StatusCode != http.StatusOK {
			t.Fatalf("application: %d", res.StatusCode)
		}
		link := svc.Outbox.LastApplicationLink(email)
		if link == "" {
			t.Fatal("no confirmation link sent to the address, lower-cased")
		}
		if res, _ := post(t, c, link, url.Values{"_csrf": {token}}); res.StatusCode != http.StatusOK {
			t.Fatalf("confirm: %d", res.StatusCode)
		}
		if res, _ := post(t, c, link, url.Values{"_csrf": {token}}); res.StatusCode != http.StatusGone {
			t.Errorf("second confirmation: %d, want 410", res.StatusCode)
		}
		pending, err := svc.Store.FindApplications(t.Context(), profiles.ApplicationPending, 10)
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending applications: %d, %v", len(pending), err)
		}
		decide := svc.URL + "/staff/applications/" + pending[0].ID + "/decision"

		// Nobody signed in, and an expert, may not decide.
		if res, _ := post(t, c, decide, url.Values{"_csrf": {token}, "decision": {"approve"}}); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("decision without signing in: %d, want 401", res.StatusCode)
		}
		expert := client(t)
		signIn(t, svc, expert, svc.Users["expert"].Email)
		_, body = get(t, expert, svc.URL+"/")
		if res, _ := post(t, expert, decide, url.Values{"_csrf": {csrfField.FindStringSubmatch(body)[1]}, "decision": {"approve"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("decision by an expert: %d, want 403", res.StatusCode)
		}

		staff := client(t)
		signIn(t, svc, staff, svc.Users["secretariat"].Email)
		_, body = get(t, staff, svc.URL+"/staff/applications")
		st := csrfField.FindStringSubmatch(body)[1]
		if res, _ := post(t, staff, decide, url.Values{"_csrf": {st}, "decision": {"approve"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approval: %d, want 303", res.StatusCode)
		}
		if res, _ := post(t, staff, decide, url.Values{"_csrf": {st}, "decision": {"decline"}}); res.StatusCode != http.StatusConflict {
			t.Errorf("second decision: %d, want 409", res.StatusCode)
		}
		if n := expertsNamed(t, svc, "Rita Rules"); n != 1 {
			t.Errorf("%d experts after one approval, want 1", n)
		}
	})
}

// regexpInvalid reports whether the input with id is marked aria-invalid.
func regexpInvalid(body, id string) bool {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return false
	}
	end := strings.Index(body[i:], ">")
	return strings.Contains(body[i:i+end], `aria-invalid="true"`)
}
