package api_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"matchmaker/api"
	"matchmaker/profiles"
)

// TestHeadAnswersAsGet tries HEAD on every GET route of the route table with
// every kind of caller: the answer is the GET's (status, content type, ETag,
// Content-Length of the GET's body, and so the GET's policy: 401 and 403 where
// the GET has them), without a body.
func TestHeadAnswersAsGet(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
		x.ids["panel"] = p.ID
		x.create(t, "p_dakar", "/v1/practices", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"title":"Précollecte","description":"Précollecte des déchets ménagers."}`)
		r := x.do(t, "POST", "/v1/review-rounds", `{"name":"r","challenges":[{"challenge_id":"{c_other}","size":2}]}`)
		x.ids["round"] = r.json(t)["id"].(string)
		x.waitRound(t, x.ids["round"])
		keys := x.callers(t)

		paths := []string{
			"/healthz", "/readyz", "/openapi.json", "/metrics", "/problems/not-found", "/problems/nothing",
			"/v1/themes", "/v1/themes/waste", "/v1/themes/waste/compare", "/v1/themes/nothing",
			"/v1/cities", "/v1/cities/{dakar}", "/v1/cities/nope", "/v1/cities?region=mars",
			"/v1/practices", "/v1/practices/{p_dakar}",
			"/v1/challenges", "/v1/challenges/{c_waste}",
			"/v1/experts", "/v1/experts/{e_mayor}", "/v1/experts/{e_mayor}/export",
			"/v1/challenges/{c_waste}/suggestions", "/v1/challenges/{c_waste}/explain?expert_id={e_mayor}",
			"/v1/experts/{e_mayor}/opportunities", "/v1/cities/{dakar}/partners", "/v1/search/practices?q=waste",
			"/v1/proposals", "/v1/proposals/{panel}", "/v1/proposals/{panel}/history", "/v1/proposals/{panel}/outcomes",
			"/v1/review-rounds", "/v1/review-rounds/{round}", "/v1/review-rounds/{round}/benchmark",
			"/v1/keys", "/v1/audit", "/v1/users", "/v1/users/nope",
			"/v1/webhooks", "/v1/webhooks/nope", "/v1/webhooks/nope/deliveries", "/v1/messages", "/v1/messages?state=dead",
			"/v1/imports/nope", "/v1/exports/cities", "/v1/exports/experts?format=jsonl",
		}
		covered := map[string]bool{}
		for _, path := range paths {
			path, _, _ := strings.Cut(path, "?")
			for _, r := range api.RouteTable() {
				if r.Method == "GET" && routeMatches(r.Path, x.expand(path)) {
					covered[r.Path] = true
				}
			}
		}
		for _, r := range api.RouteTable() {
			if r.Method == "GET" && !covered[r.Path] {
				t.Errorf("GET %s is not tried with HEAD", r.Path)
			}
		}
		for _, path := range paths {
			for _, who := range []string{"anonymous", "admin", "secretariat", "city", "other city", "expert", "other expert", "integration read"} {
				t.Run(path+" as "+who, func(t *testing.T) {
					header := []string{"Authorization", bearer(keys[who])}
					get := x.do(t, "GET", path, "", header...)
					head := x.do(t, "HEAD", path, "", header...)
					if head.Status != get.Status {
						t.Fatalf("HEAD answered %d, GET %d: %s", head.Status, get.Status, get.Body)
					}
					if len(head.Body) != 0 {
						t.Errorf("HEAD answered a body: %s", head.Body)
					}
					for _, h := range []string{"Content-Type", "ETag", "WWW-Authenticate", "Retry-After"} {
						if head.Header.Get(h) != get.Header.Get(h) {
							t.Errorf("HEAD %s %q, GET %q", h, head.Header.Get(h), get.Header.Get(h))
						}
					}
					// /readyz reports the index's lag, which moves between
					// the two requests: its length may differ by a digit.
					if n := head.Header.Get("Content-Length"); n != strconv.Itoa(len(get.Body)) && path != "/readyz" {
						t.Errorf("HEAD Content-Length %q, GET body is %d bytes", n, len(get.Body))
					}
				})
			}
		}
		// A route without GET still refuses HEAD.
		if r := x.do(t, "HEAD", "/v1/review-rounds/{round}/scores", ""); r.Status != 405 || len(r.Body) != 0 {
			t.Errorf("HEAD on a POST-only route: %d %s", r.Status, r.Body)
		}
	})
}

// TestHeadWithPrivateReads: with private reads, HEAD needs a key where GET does.
func TestHeadWithPrivateReads(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
		x.e = api.New(api.Config{Store: x.store, PrivateReads: true, RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1},
			Ready: func(context.Context) error { return x.store.Ping(context.Background()) }})
		reader := x.keyFor(t, profiles.KeyInput{Name: "reader", Role: profiles.RoleIntegration, Scope: profiles.ScopeRead})
		for _, path := range []string{"/v1/cities", "/v1/cities/{lyon}", "/v1/themes"} {
			if r := x.do(t, "HEAD", path, "", "Authorization", ""); r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("anonymous HEAD %s with private reads: %d", path, r.Status)
			}
			if r := x.do(t, "HEAD", path, "", "Authorization", "Bearer "+reader); r.Status != 200 {
				t.Errorf("HEAD %s with a key: %d", path, r.Status)
			}
		}
		if r := x.do(t, "HEAD", "/healthz", "", "Authorization", ""); r.Status != 200 {
			t.Errorf("anonymous HEAD /healthz: %d", r.Status)
		}
	})
}
