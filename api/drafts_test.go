package api_test

import (
	"strings"
	"testing"

	"matchmaker/profiles"
)

// TestDraftsAreTheirCitysOnly: a draft practice is seen by its city and the
// secretariat only, in lists, searches, reads, suggestions, explanations,
// partners and the theme comparison. To anyone else it does not exist.
func TestDraftsAreTheirCitysOnly(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		x.create(t, "draft", "/v1/practices", `{"city_id":"{rabat}","language":"fr","themes":["waste"],"status":"draft",
			"title":"Zanzibarique précollecte des déchets ménagers","description":"Précollecte et tri à la source des déchets ménagers, sensibilisation des habitants au tri."}`)
		x.create(t, "pub", "/v1/practices", `{"city_id":"{rabat}","language":"fr","themes":["waste"],"status":"published",
			"title":"Collecte publiée des déchets ménagers","description":"Précollecte et tri à la source des déchets ménagers, sensibilisation des habitants au tri."}`)
		keys := x.callers(t)
		keys["own city"] = x.keyFor(t, profiles.KeyInput{Name: "Rabat", Role: profiles.RoleCity, CityID: x.ids["rabat"]})
		reads := []string{
			"/v1/practices",
			"/v1/practices?q=zanzibarique",
			"/v1/practices?status=draft",
			"/v1/practices?city_id={rabat}",
			"/v1/practices?theme=waste",
			"/v1/challenges/{c_waste}/suggestions?kind=practices&require_shared_language=false",
			"/v1/challenges/{c_waste}/suggestions?kind=cities&require_shared_language=false",
			"/v1/cities/{dakar}/partners",
			"/v1/themes/waste/compare",
		}
		for name, key := range keys {
			sees := name == "admin" || name == "secretariat" || name == "own city"
			auth := []string{"Authorization", "Bearer " + key}
			if key == "" {
				auth = []string{"Authorization", ""}
			}
			t.Run(name, func(t *testing.T) {
				for _, path := range reads {
					r := x.do(t, "GET", path, "", auth...)
					if r.Status >= 400 {
						continue // a route this caller may not read at all
					}
					if has := strings.Contains(string(r.Body), x.ids["draft"]) || strings.Contains(string(r.Body), "Zanzibarique"); has && !sees {
						t.Errorf("%s shows the draft: %s", path, r.Body)
					}
				}
				for _, path := range []string{"/v1/practices/{draft}", "/v1/challenges/{c_waste}/explain?practice_id={draft}"} {
					r := x.do(t, "GET", path, "", auth...)
					switch {
					case sees && r.Status != 200:
						t.Errorf("%s: status %d, want 200: %s", path, r.Status, r.Body)
					case !sees && r.Status != 404 && r.Status != 401 && r.Status != 403:
						t.Errorf("%s: status %d, want 404: %s", path, r.Status, r.Body)
					}
				}
				if sees {
					if r := x.do(t, "GET", "/v1/practices?q=zanzibarique", "", auth...); !strings.Contains(string(r.Body), x.ids["draft"]) {
						t.Errorf("the draft's own city or the secretariat cannot find it: %s", r.Body)
					}
				}
				if r := x.do(t, "GET", "/v1/practices/{pub}", "", auth...); r.Status != 200 && r.Status != 401 {
					t.Errorf("a published practice: status %d", r.Status)
				}
			})
		}
	})
}
