package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web"
	"matchmaker/web/browsertest"
)

// TestKeysAreTheAdmins: the API keys and the audit trail are the admin's on
// the pages as in the JSON API: the secretariat is refused them, an admin
// creates a key (its secret shown once) that the API then accepts, and
// revokes it.
func TestKeysAreTheAdmins(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		staff := client(t)
		signIn(t, svc, staff, svc.Users["secretariat"].Email)
		for _, path := range []string{"/staff/keys", "/staff/audit"} {
			if res, _ := get(t, staff, svc.URL+path); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s for the secretariat: %d, want 403", path, res.StatusCode)
			}
		}
		// Nor may the secretariat write through them, with a good form token.
		_, body := get(t, staff, svc.URL+"/staff")
		staffToken := csrfField.FindStringSubmatch(body)[1]
		if res, _ := post(t, staff, svc.URL+"/staff/keys", url.Values{"_csrf": {staffToken}, "name": {"sneaky"}, "role": {"admin"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST /staff/keys for the secretariat: %d, want 403", res.StatusCode)
		}

		if _, err := svc.People.Ensure(t.Context(), profiles.UserInput{Email: "ada@example.org", Name: "Ada Admin", Role: profiles.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		admin := client(t)
		signIn(t, svc, admin, "ada@example.org")
		res, body := get(t, admin, svc.URL+"/staff/keys")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("the keys for the admin: %d, want 200", res.StatusCode)
		}
		token := csrfField.FindStringSubmatch(body)[1]
		res, body = post(t, admin, svc.URL+"/staff/keys", url.Values{"_csrf": {token}, "name": {"reporting"}, "role": {"integration"}, "scope": {"read"}})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("create a key: %d", res.StatusCode)
		}
		m := regexp.MustCompile(`<p><code>([^<]+)</code></p>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatal("the new key's secret is not shown")
		}
		req, _ := http.NewRequest(http.MethodGet, svc.URL+"/v1/proposals", nil)
		req.Header.Set("Authorization", "Bearer "+m[1])
		if res, _ := do(t, http.DefaultClient, req); res.StatusCode != http.StatusOK {
			t.Errorf("the API with the new key: %d, want 200", res.StatusCode)
		}
		if _, body := get(t, admin, svc.URL+"/staff/keys"); strings.Contains(body, m[1]) {
			t.Error("the secret is shown a second time")
		}
		keys, err := svc.Store.FindKeys(t.Context(), profiles.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys.Items {
			if k.Name == "sneaky" {
				t.Error("the secretariat made a key")
			}
			if k.Name == "reporting" {
				if res, _ := post(t, admin, svc.URL+"/staff/keys/"+k.ID+"/revoke", url.Values{"_csrf": {token}}); res.StatusCode != http.StatusSeeOther {
					t.Errorf("revoke: %d", res.StatusCode)
				}
			}
		}
		if res, _ := do(t, http.DefaultClient, req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("the API with the revoked key: %d, want 401", res.StatusCode)
		}
		if res, _ := get(t, admin, svc.URL+"/staff/audit"); res.StatusCode != http.StatusOK {
			t.Errorf("the audit trail for the admin: %d", res.StatusCode)
		}
	})
}

// TestAdminPagesSayAdmin: the route table says which pages are the admin's,
// so that a page of keys or of the audit trail cannot forget it.
func TestAdminPagesSayAdmin(t *testing.T) {
	for _, r := range web.RouteTable() {
		if strings.HasPrefix(r.Path, "/staff/keys") || strings.HasPrefix(r.Path, "/staff/audit") {
			if r.Auth != profiles.RoleAdmin {
				t.Errorf("%s %s is open to %q, want the admin only", r.Method, r.Path, r.Auth)
			}
		}
	}
}
