package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

var fieldError = regexp.MustCompile(`(?s)<p class="error" id="([a-z_]+)-error">(.*?)</p>`)

// TestInviteRules: the secretariat's invitation form refuses what
// people.Invite refuses (an admin invited by the secretariat, any role by a
// city officer, a form without its token), names every bad field in the
// reader's language, keeps one user per address in any case, and sends the
// new user a sign-in link through the sign-in page's sender.
func TestInviteRules(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		staff := client(t)
		signIn(t, svc, staff, svc.Users[profiles.RoleSecretariat].Email)
		res, body := get(t, staff, svc.URL+"/staff/people")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, svc.Users[profiles.RoleExpert].Email) {
			t.Fatalf("the people page: %d, or without the demo's expert", res.StatusCode)
		}
		token := csrfField.FindStringSubmatch(body)[1]
		city := svc.Users[profiles.RoleCity].CityID
		count := func() int {
			t.Helper()
			res, err := svc.Store.FindUsers(t.Context(), profiles.UserFilter{Page: profiles.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total
		}
		before := count()

		t.Run("the secretariat invites no admin", func(t *testing.T) {
			for _, role := range []string{"admin", "ADMIN", "Admin "} {
				res, body := post(t, staff, svc.URL+"/staff/people", url.Values{"_csrf": {token}, "email": {"boss@example.org"}, "name": {"Boss"}, "role": {role}})
				if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("role %q by the secretariat: %d, want 403 or 422", role, res.StatusCode)
				}
				if res.StatusCode == http.StatusForbidden && !strings.Contains(body, `id="refused"`) {
					t.Errorf("role %q: the refusal is not said on the form", role)
				}
			}
			if _, err := svc.Store.FindUserByEmail(t.Context(), "boss@example.org"); err == nil {
				t.Error("the secretariat made an admin")
			}
		})

		t.Run("every bad field in the reader's language", func(t *testing.T) {
			for lang, want := range map[string]string{"en": "is required", "fr": "obligatoire", "es": "obligatorio"} {
				req, _ := http.NewRequest(http.MethodPost, svc.URL+"/staff/people", strings.NewReader(url.Values{"_csrf": {token},
					"email": {"not an address"}, "name": {""}, "role": {"city"}, "lang": {"de"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Accept-Language", lang)
				res, body := do(t, staff, req)
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("%s: a bad form: %d, want 422", lang, res.StatusCode)
				}
				got := map[string]string{}
				for _, m := range fieldError.FindAllStringSubmatch(body, -1) {
					got[m[1]] = html.UnescapeString(m[2])
				}
				for _, f := range []string{"email", "name", "city_id", "lang"} {
					if got[f] == "" {
						t.Errorf("%s: no error beside %s: %v", lang, f, got)
					}
				}
				if !strings.Contains(got["name"], want) {
					t.Errorf("%s: the name's error is %q, want it to say %q", lang, got["name"], want)
				}
				if lang != "en" {
					for f, m := range got {
						if w := englishWords.FindString(m); w != "" {
							t.Errorf("%s: the error of %s, %q, holds the English %q", lang, f, m, w)
						}
					}
				}
			}
		})

		t.Run("a form needs its token", func(t *testing.T) {
			res, _ := post(t, staff, svc.URL+"/staff/people", url.Values{"email": {"x@example.org"}, "name": {"X"}, "role": {"expert"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("without a token: %d, want 403", res.StatusCode)
			}
		})

		t.Run("a city officer invites no one", func(t *testing.T) {
			officer := client(t)
			signIn(t, svc, officer, svc.Users[profiles.RoleCity].Email)
			_, body := get(t, officer, svc.URL+"/my/city")
			tok := csrfField.FindStringSubmatch(body)[1]
			if res, _ := get(t, officer, svc.URL+"/staff/people"); res.StatusCode != http.StatusForbidden {
				t.Errorf("the people page for a city officer: %d, want 403", res.StatusCode)
			}
			if res, _ := post(t, officer, svc.URL+"/staff/people", url.Values{"_csrf": {tok}, "email": {"pal@example.org"}, "name": {"Pal"}, "role": {"secretariat"}}); res.StatusCode != http.StatusForbidden {
				t.Errorf("an invitation by a city officer: %d, want 403", res.StatusCode)
			}
		})

		if n := count(); n != before {
			t.Fatalf("refused invitations made %d users", n-before)
		}

		t.Run("an invitation, once per address", func(t *testing.T) {
			res, _ := post(t, staff, svc.URL+"/staff/people", url.Values{"_csrf": {token}, "email": {" Nora.Officer@Example.org "}, "name": {"Nora Officer"},
				"role": {"city"}, "city_id": {city}, "expert_id": {"ignored-for-a-city"}, "lang": {"fr"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("invite: %d, want 303", res.StatusCode)
			}
			u, err := svc.Store.FindUserByEmail(t.Context(), "nora.officer@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != profiles.RoleCity || u.CityID != city || u.ExpertID != "" || u.Lang != "fr" || u.InvitedBy != svc.Users[profiles.RoleSecretariat].ID {
				t.Errorf("the new user: %+v", u)
			}
			if svc.Outbox.LastLink(u.Email) == "" {
				t.Error("no sign-in link was sent")
			}
			_, body := get(t, staff, svc.URL+res.Header.Get("Location"))
			if !strings.Contains(body, `id="invited"`) || !strings.Contains(body, "Nora Officer") {
				t.Error("the page does not say who was invited")
			}
			res, body = post(t, staff, svc.URL+"/staff/people", url.Values{"_csrf": {token}, "email": {"NORA.officer@example.org"}, "name": {"Nora Again"}, "role": {"expert"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="email-error"`) {
				t.Errorf("the same address in another case, and no expert profile: %d, want 422 on the email", res.StatusCode)
			}
			res, body = post(t, staff, svc.URL+"/staff/people", url.Values{"_csrf": {token}, "email": {"NORA.officer@example.org"}, "name": {"Nora Again"}, "role": {"secretariat"}})
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, `id="email-error"`) {
				t.Errorf("the same address in another case alone: %d, want 409 on the email", res.StatusCode)
			}
		})

		t.Run("an admin invites an admin", func(t *testing.T) {
			if _, err := svc.People.Ensure(t.Context(), profiles.UserInput{Email: "ada@example.org", Name: "Ada Admin", Role: profiles.RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			admin := client(t)
			signIn(t, svc, admin, "ada@example.org")
			_, body := get(t, admin, svc.URL+"/staff/people")
			res, _ := post(t, admin, svc.URL+"/staff/people", url.Values{"_csrf": {csrfField.FindStringSubmatch(body)[1]}, "email": {"second@example.org"}, "name": {"Second Admin"}, "role": {"admin"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("an admin inviting an admin: %d, want 303", res.StatusCode)
			}
		})
	})
}
