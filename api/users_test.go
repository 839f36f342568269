package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles"
)

// TestUsersAPI: the secretariat invites, lists, reads, disables and
// re-enables the people who sign in, by the rules of the pages (package
// people): no admin invited, disabled or re-enabled by the secretariat, in
// any case of the role; no city or integration key; one address per person
// in any case; every bad field named, in the reader's language; every write
// in the audit trail, refused ones too.
func TestUsersAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "dakar", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"]}`)
		sec := []string{"Authorization", bearer(x.keyFor(t, profiles.KeyInput{Name: "secretariat", Role: profiles.RoleSecretariat}))}
		city := []string{"Authorization", bearer(x.keyFor(t, profiles.KeyInput{Name: "Dakar", Role: profiles.RoleCity, CityID: x.ids["dakar"]}))}
		crm := []string{"Authorization", bearer(x.keyFor(t, profiles.KeyInput{Name: "crm", Role: profiles.RoleIntegration, Scope: profiles.ScopeReadWrite}))}
		fr := append([]string{"Accept-Language", "fr-FR"}, sec...)
		officer := `{"email":"Awa.Officer@Dakar.example","name":"Awa Officer","role":"city","city_id":"{dakar}","lang":"fr"}`

		r := x.do(t, "POST", "/v1/users", officer, sec...)
		if r.Status != http.StatusCreated {
			t.Fatalf("the secretariat invites a city officer: %d %s", r.Status, r.Body)
		}
		u := r.json(t)
		x.ids["awa"] = u["id"].(string)
		if loc := r.Header.Get("Location"); loc != "/v1/users/"+x.ids["awa"] {
			t.Errorf("Location %q", loc)
		}
		if u["email"] != "awa.officer@dakar.example" || u["role"] != "city" || u["last_sign_in_at"] != nil || u["invited_by"] == "" {
			t.Errorf("the new user: %v", u)
		}

		x.run(t, []scenario{
			{name: "the secretariat invites no ADMIN", method: "POST", path: "/v1/users", header: sec, status: 403,
				body: `{"email":"boss@example.org","name":"Boss","role":"ADMIN"}`, contains: []string{"only an admin may invite an admin"}},
			{name: "nor a ' admin '", method: "POST", path: "/v1/users", header: sec, status: 403,
				body: `{"email":"boss@example.org","name":"Boss","role":" admin "}`},
			{name: "in French", method: "POST", path: "/v1/users", header: fr, status: 403,
				body: `{"email":"boss@example.org","name":"Boss","role":"Admin"}`, contains: []string{"seul un administrateur peut inviter un administrateur"}},
			{name: "a city key invites no one", method: "POST", path: "/v1/users", header: city, status: 403,
				body: `{"email":"pal@example.org","name":"Pal","role":"city","city_id":"{dakar}"}`},
			{name: "nor does an integration key", method: "POST", path: "/v1/users", header: crm, status: 403,
				body: `{"email":"pal@example.org","name":"Pal","role":"expert"}`},
			{name: "an integration key lists no one", method: "GET", path: "/v1/users", header: crm, status: 403},
			{name: "a city key reads no one", method: "GET", path: "/v1/users/{awa}", header: city, status: 403},
			{name: "a city key disables no one", method: "POST", path: "/v1/users/{awa}/disable", header: city, status: 403},
			{name: "the same address in another case", method: "POST", path: "/v1/users", header: sec, status: 409,
				body: `{"email":" AWA.officer@dakar.EXAMPLE","name":"Awa Again","role":"secretariat"}`, fields: []string{"email"}},
			{name: "the same address, said in French", method: "POST", path: "/v1/users", header: fr, status: 409,
				body: `{"email":"awa.officer@dakar.example","name":"Awa Again","role":"secretariat"}`, contains: []string{"une adresse, une personne", "est déjà l'adresse d'un utilisateur"}},
			{name: "every bad field", method: "POST", path: "/v1/users", header: sec, status: 422,
				body: `{"email":"not an address","name":"","role":"mayor","lang":"de"}`, fields: []string{"email", "name", "lang", "role"}},
			{name: "every bad field, in French", method: "POST", path: "/v1/users", header: fr, status: 422,
				body: `{"email":"","name":"Awa","role":"city"}`, fields: []string{"email", "city_id"}, contains: []string{"obligatoire"}},
			{name: "a city on an expert", method: "POST", path: "/v1/users", header: sec, status: 422,
				body: `{"email":"eve@example.org","name":"Eve","role":"expert","city_id":"{dakar}"}`, fields: []string{"city_id", "expert_id"}},
			{name: "an unknown field", method: "POST", path: "/v1/users", header: sec, status: 400,
				body: `{"email":"eve@example.org","name":"Eve","role":"secretariat","invited_by":"me"}`, fields: []string{"invited_by"}},
			{name: "the list by role", method: "GET", path: "/v1/users?role=CITY", header: sec, status: 200,
				contains: []string{`"total":1`, `"id":"{awa}"`, `"last_sign_in_at":null`}},
			{name: "an unknown role", method: "GET", path: "/v1/users?role=mayor", header: sec, status: 400, fields: []string{"role"}},
			{name: "one person", method: "GET", path: "/v1/users/{awa}", header: sec, status: 200, contains: []string{`"name":"Awa Officer"`}},
			{name: "no one", method: "GET", path: "/v1/users/nope", header: sec, status: 404},
			{name: "disable no one", method: "POST", path: "/v1/users/nope/disable", header: sec, status: 404},
		})

		r = x.do(t, "POST", "/v1/users", `{"email":"ada@example.org","name":"Ada","role":"admin"}`)
		if r.Status != http.StatusCreated {
			t.Fatalf("an admin key invites an admin: %d %s", r.Status, r.Body)
		}
		x.ids["ada"] = r.json(t)["id"].(string)

		// Awa signs in on the pages: a session the disabling ends.
		ctx := t.Context()
		secret, _, err := x.store.CreateSignInLink(ctx, x.ids["awa"], time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, _, session, err := x.store.RedeemSignInLink(ctx, secret, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		pending, _, err := x.store.CreateSignInLink(ctx, x.ids["awa"], time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		x.run(t, []scenario{
			{name: "her last sign-in", method: "GET", path: "/v1/users/{awa}", header: sec, status: 200,
				contains: []string{`"last_sign_in_at":"20`}, notContains: []string{"disabled_at"}},
			{name: "the secretariat disables her", method: "POST", path: "/v1/users/{awa}/disable", header: sec, status: 200,
				contains: []string{`"disabled_at":"`}},
			{name: "twice is once", method: "POST", path: "/v1/users/{awa}/disable", header: sec, status: 200,
				contains: []string{`"disabled_at":"`}},
		})
		if _, _, err := x.store.UserBySession(ctx, session); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the session of a disabled person: %v, want ErrNotFound", err)
		}
		if _, _, _, err := x.store.RedeemSignInLink(ctx, pending, time.Hour); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("the link of a disabled person: %v, want ErrNotFound", err)
		}
		x.run(t, []scenario{
			{name: "the secretariat re-enables her", method: "POST", path: "/v1/users/{awa}/enable", header: sec, status: 200,
				notContains: []string{"disabled_at"}},
			{name: "the secretariat disables no admin", method: "POST", path: "/v1/users/{ada}/disable", header: sec, status: 403,
				contains: []string{"only an admin may disable or re-enable an admin"}},
			{name: "nor re-enables one", method: "POST", path: "/v1/users/{ada}/enable", header: sec, status: 403},
			{name: "an integration key disables no one", method: "POST", path: "/v1/users/{awa}/disable", header: crm, status: 403},
			{name: "an admin disables an admin", method: "POST", path: "/v1/users/{ada}/disable", status: 200, contains: []string{`"disabled_at":"`}},
		})

		// The audit trail has every write, with its key and outcome.
		audit, err := x.store.FindAudit(ctx, profiles.AuditFilter{Resource: "users", Page: profiles.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range audit.Items {
			if e.KeyID == "" {
				t.Errorf("an entry without its key: %+v", e)
			}
			seen[e.Method+" "+strings.Replace(e.Path, x.ids["awa"], "{awa}", 1)+" "+http.StatusText(e.Status)] = true
		}
		for _, want := range []string{"POST /v1/users Created", "POST /v1/users Forbidden", "POST /v1/users Conflict",
			"POST /v1/users Unprocessable Entity", "POST /v1/users/{awa}/disable OK", "POST /v1/users/{awa}/disable Forbidden",
			"POST /v1/users/{awa}/enable OK"} {
			if !seen[want] {
				t.Errorf("no audit entry %q: %v", want, seen)
			}
		}
		for _, e := range audit.Items {
			if e.Method == "POST" && e.Path == "/v1/users" && e.Status == http.StatusCreated && e.ResourceID == "" {
				t.Errorf("an invitation's entry names no user: %+v", e)
			}
		}
	})
}

// TestConcurrentInvitesAPI: invitations of one address sent at once, in
// several cases, make one user: exactly one 201, the others 409 naming email.
func TestConcurrentInvitesAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		const n = 10
		var wg sync.WaitGroup
		codes := make(chan int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				email := "twin@example.org"
				if i%2 == 1 {
					email = "TWIN@Example.org"
				}
				req := httptest.NewRequest("POST", "/v1/users", strings.NewReader(`{"email":"`+email+`","name":"Twin","role":"secretariat"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+x.key)
				rec := httptest.NewRecorder()
				x.e.ServeHTTP(rec, req)
				if rec.Code == http.StatusConflict && !strings.Contains(rec.Body.String(), `"field":"email"`) {
					t.Errorf("a 409 that names no email: %s", rec.Body)
				}
				codes <- rec.Code
			}()
		}
		wg.Wait()
		close(codes)
		created := 0
		for c := range codes {
			switch c {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("a concurrent invitation answered %d", c)
			}
		}
		if created != 1 {
			t.Errorf("%d concurrent invitations of one address made a user, want 1", created)
		}
		if m := x.do(t, "GET", "/v1/users?role=secretariat", "").json(t); m["total"] != 1.0 {
			t.Errorf("users after the race: %v", m["total"])
		}
	})
}
