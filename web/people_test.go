package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// rowOf is the people page's row of the person with email.
func rowOf(t *testing.T, body, email string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<tr data-email="` + regexp.QuoteMeta(email) + `"[^>]*>.*?</tr>`).FindString(body)
	if m == "" {
		t.Fatalf("no row for %s on the people page", email)
	}
	return m
}

// TestPeopleLastSignInAndDisabling: the people page says when each person
// last signed in ("never" when they never did) in the reader's language; the
// secretariat disables a city officer with a button (a form with its token,
// no script), which ends the officer's session at once and voids the link
// they had not used, and re-enables them; nobody disables themselves, and
// the secretariat no admin: the page offers no such button and refuses the
// form, saying why.
func TestPeopleLastSignInAndDisabling(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		me := svc.Users[profiles.RoleSecretariat]
		officer := svc.Users[profiles.RoleCity]
		ctx := t.Context()
		newcomer, err := svc.People.Ensure(ctx, profiles.UserInput{Email: "newcomer@example.org", Name: "Newcomer", Role: profiles.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		ada, err := svc.People.Ensure(ctx, profiles.UserInput{Email: "ada@example.org", Name: "Ada Admin", Role: profiles.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}

		city := client(t)
		signIn(t, svc, city, officer.Email)
		staff := client(t)
		signIn(t, svc, staff, me.Email)

		t.Run("the last sign-in, in each language", func(t *testing.T) {
			for _, c := range []struct{ lang, heading, never string }{
				{"en", "Last sign-in", "never"}, {"fr", "Dernière connexion", "jamais"}, {"es", "Último inicio de sesión", "nunca"},
			} {
				res, body := get(t, staff, svc.URL+"/staff/people", "Accept-Language", c.lang)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: the people page: %d", c.lang, res.StatusCode)
				}
				if strings.Contains(body, "staff.people.") {
					t.Errorf("%s: a message without its text: %s", c.lang, regexp.MustCompile(`staff\.people\.[a-z_]+`).FindString(body))
				}
				if !strings.Contains(body, c.heading) {
					t.Errorf("%s: no %q column", c.lang, c.heading)
				}
				if row := rowOf(t, body, officer.Email); !strings.Contains(row, `<td class="last-sign-in"><time datetime="`) {
					t.Errorf("%s: the officer signed in, yet their row says %s", c.lang, row)
				}
				if row := rowOf(t, body, newcomer.Email); !strings.Contains(row, `<td class="last-sign-in">`+c.never+`</td>`) {
					t.Errorf("%s: the newcomer never signed in, yet their row says %s", c.lang, row)
				}
			}
		})

		_, body := get(t, staff, svc.URL+"/staff/people")
		token := csrfField.FindStringSubmatch(body)[1]
		disable := func(id string) string { return svc.URL + "/staff/people/" + url.PathEscape(id) + "/disable" }

		t.Run("only the buttons that work", func(t *testing.T) {
			if row := rowOf(t, body, officer.Email); !strings.Contains(row, `action="/staff/people/`+officer.ID+`/disable"`) {
				t.Errorf("no disable button for the officer: %s", row)
			}
			for _, u := range []profiles.User{me, ada} {
				if row := rowOf(t, body, u.Email); strings.Contains(row, "<form") {
					t.Errorf("a button for %s (%s): %s", u.Name, u.Role, row)
				}
			}
		})

		t.Run("refused, saying why", func(t *testing.T) {
			for _, c := range []struct {
				name, id, says string
			}{{"oneself", me.ID, "nobody disables or re-enables themselves"}, {"an admin", ada.ID, "only an admin may disable or re-enable an admin"}} {
				res, body := post(t, staff, disable(c.id), url.Values{"_csrf": {token}})
				if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="change-refused"`) || !strings.Contains(body, c.says) {
					t.Errorf("disable %s: %d, want 403 saying %q", c.name, res.StatusCode, c.says)
				}
			}
			req, _ := http.NewRequest(http.MethodPost, disable(ada.ID), strings.NewReader(url.Values{"_csrf": {token}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Language", "es")
			if res, body := do(t, staff, req); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "solo un administrador puede desactivar") {
				t.Errorf("in Spanish: %d, without the reason in Spanish", res.StatusCode)
			}
			if res, _ := post(t, staff, disable(officer.ID), nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("a form without its token: %d, want 403", res.StatusCode)
			}
			if res, _ := get(t, city, svc.URL+"/my/city"); res.StatusCode != http.StatusOK {
				t.Fatalf("the officer was signed out by refused forms: %d", res.StatusCode)
			}
		})

		t.Run("disabled: the session ends, the link is void", func(t *testing.T) {
			pending, err := svc.People.NewLink(ctx, officer.ID)
			if err != nil {
				t.Fatal(err)
			}
			res, _ := post(t, staff, disable(officer.ID), url.Values{"_csrf": {token}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("disable the officer: %d, want 303", res.StatusCode)
			}
			_, body := get(t, staff, svc.URL+res.Header.Get("Location"))
			if !strings.Contains(body, `id="disabled"`) || !strings.Contains(body, officer.Name) {
				t.Error("the page does not say who was disabled")
			}
			if row := rowOf(t, body, officer.Email); !strings.Contains(row, `class="disabled"`) || !strings.Contains(row, `action="/staff/people/`+officer.ID+`/enable"`) {
				t.Errorf("the officer's row, disabled: %s", row)
			}
			if res, _ := get(t, city, svc.URL+"/my/city"); res.StatusCode == http.StatusOK {
				t.Error("the disabled officer's session still opens their city's page")
			}
			// The link they had not used does nothing.
			again := client(t)
			_, page := get(t, again, pending.Link)
			m := csrfField.FindStringSubmatch(page)
			if m == nil {
				t.Fatal("the sign-in link's page has no form")
			}
			if res, _ := post(t, again, pending.Link, url.Values{"_csrf": {m[1]}}); res.StatusCode != http.StatusGone {
				t.Errorf("a disabled officer's link: %d, want 410", res.StatusCode)
			}
			if res, _ := get(t, again, svc.URL+"/my/city"); res.StatusCode == http.StatusOK {
				t.Error("a disabled officer's link signed them in")
			}
		})

		t.Run("re-enabled: a new link signs them in", func(t *testing.T) {
			res, _ := post(t, staff, svc.URL+"/staff/people/"+officer.ID+"/enable", url.Values{"_csrf": {token}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("re-enable the officer: %d, want 303", res.StatusCode)
			}
			if _, body := get(t, staff, svc.URL+res.Header.Get("Location")); !strings.Contains(body, `id="enabled"`) {
				t.Error("the page does not say who was re-enabled")
			}
			back := client(t)
			signIn(t, svc, back, officer.Email)
			if res, _ := get(t, back, svc.URL+"/my/city"); res.StatusCode != http.StatusOK {
				t.Errorf("the re-enabled officer's city page: %d", res.StatusCode)
			}
		})

		t.Run("a city officer disables no one", func(t *testing.T) {
			back := client(t)
			signIn(t, svc, back, officer.Email)
			_, body := get(t, back, svc.URL+"/my/city")
			tok := csrfField.FindStringSubmatch(body)[1]
			if res, _ := post(t, back, disable(newcomer.ID), url.Values{"_csrf": {tok}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("a city officer's disabling: %d, want 403", res.StatusCode)
			}
			if u, _ := svc.Store.FindUserByID(ctx, newcomer.ID); u.DisabledAt != nil {
				t.Error("a city officer disabled someone")
			}
		})
	})
}
