package api_test

import (
	"testing"

	"matchmaker/profiles"
)

// TestWebhooksAreTheirIntegrationsOwn: an integration key reaches only the
// subscriptions it created, by every route; another's answers 404 as if it
// did not exist, and the staff reach every one.
func TestWebhooksAreTheirIntegrationsOwn(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		one := "Bearer " + x.keyFor(t, profiles.KeyInput{Name: "crm", Role: profiles.RoleIntegration, Scope: profiles.ScopeReadWrite})
		two := "Bearer " + x.keyFor(t, profiles.KeyInput{Name: "intranet", Role: profiles.RoleIntegration, Scope: profiles.ScopeReadWrite})
		r := x.do(t, "POST", "/v1/webhooks", `{"url":"https://hooks.example.org/matchmaker","events":["proposal.accepted"]}`, "Authorization", one)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		id := r.json(t)["id"].(string)
		for _, c := range []struct{ method, path string }{
			{"GET", "/v1/webhooks/" + id},
			{"GET", "/v1/webhooks/" + id + "/deliveries"},
			{"POST", "/v1/webhooks/" + id + "/ping"},
			{"DELETE", "/v1/webhooks/" + id},
		} {
			if r := x.do(t, c.method, c.path, "", "Authorization", two); r.Status != 404 {
				t.Errorf("another integration: %s %s: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		if r := x.do(t, "GET", "/v1/webhooks", "", "Authorization", two); r.Status != 200 || r.json(t)["total"].(float64) != 0 {
			t.Errorf("another integration lists: %d %s", r.Status, r.Body)
		}
		if r := x.do(t, "GET", "/v1/webhooks/"+id, "", "Authorization", one); r.Status != 200 {
			t.Errorf("its integration: %d %s", r.Status, r.Body)
		}
		if r := x.do(t, "GET", "/v1/webhooks/"+id, ""); r.Status != 200 {
			t.Errorf("the staff: %d %s", r.Status, r.Body)
		}
		if r := x.do(t, "DELETE", "/v1/webhooks/"+id, "", "Authorization", one); r.Status != 200 {
			t.Errorf("its integration deletes: %d %s", r.Status, r.Body)
		}
	})
}
