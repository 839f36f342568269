package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"matchmaker/api"
	"matchmaker/api/apitest"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// keyFor creates a key of a role and returns its secret.
func (x *env) keyFor(t *testing.T, in profiles.KeyInput) string {
	t.Helper()
	_, secret, err := x.store.CreateKey(context.Background(), in)
	if err != nil {
		t.Fatalf("create %s key: %v", in.Role, err)
	}
	return secret
}

// callers are the keys the route table is tried with.
type callers map[string]string // name → secret ("" for anonymous)

func (x *env) callers(t *testing.T) callers {
	t.Helper()
	return callers{
		"anonymous":        "",
		"admin":            x.key,
		"secretariat":      x.keyFor(t, profiles.KeyInput{Name: "secretariat", Role: profiles.RoleSecretariat}),
		"city":             x.keyFor(t, profiles.KeyInput{Name: "Dakar", Role: profiles.RoleCity, CityID: x.ids["dakar"]}),
		"other city":       x.keyFor(t, profiles.KeyInput{Name: "Lyon", Role: profiles.RoleCity, CityID: x.ids["lyon"]}),
		"expert":           x.keyFor(t, profiles.KeyInput{Name: "mayor", Role: profiles.RoleExpert, ExpertID: x.ids["e_mayor"]}),
		"other expert":     x.keyFor(t, profiles.KeyInput{Name: "english", Role: profiles.RoleExpert, ExpertID: x.ids["e_english"]}),
		"integration read": x.keyFor(t, profiles.KeyInput{Name: "reader", Role: profiles.RoleIntegration, Scope: profiles.ScopeRead}),
		"integration rw":   x.keyFor(t, profiles.KeyInput{Name: "writer", Role: profiles.RoleIntegration, Scope: profiles.ScopeReadWrite}),
	}
}

// access is who may call a route: the callers not listed are refused (401 for
// the anonymous caller, 403 for the others). "public" stands for every caller.
type access struct {
	method, path, body string
	header             []string
	allowed            []string
}

var (
	everyone  = []string{"public"}
	staff     = []string{"admin", "secretariat"}
	readers   = []string{"admin", "secretariat", "integration read", "integration rw"}
	profileRW = []string{"admin", "secretariat", "integration rw"}
)

func with(list []string, more ...string) []string {
	return append(append([]string{}, list...), more...)
}

// TestAccessRouteByRole tries every route of the service with every kind of
// caller. A caller who may call the route must get past authorization (any
// answer but 401 and 403); the requests are made so that an allowed write
// changes nothing (a stale If-Match, a body the route refuses), so the table
// runs in one database. A caller who may not must get 401 or 403 as a problem.
func TestAccessRouteByRole(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
		x.ids["panel"] = p.ID
		x.create(t, "p_dakar", "/v1/practices", `{"city_id":"{dakar}","language":"fr","themes":["waste"],"title":"Précollecte","description":"Précollecte des déchets ménagers."}`)
		r := x.do(t, "POST", "/v1/review-rounds", `{"name":"r","challenges":[{"challenge_id":"{c_other}","size":2}]}`)
		x.ids["round"] = r.json(t)["id"].(string)
		x.waitRound(t, x.ids["round"])
		keys := x.callers(t)
		stale := []string{"If-Match", `"999"`}
		table := []access{
			{"GET", "/healthz", "", nil, everyone},
			{"GET", "/readyz", "", nil, everyone},
			{"GET", "/openapi.json", "", nil, everyone},
			{"GET", "/metrics", "", nil, everyone},
			{"GET", "/problems/not-found", "", nil, everyone},
			{"GET", "/v1/themes", "", nil, everyone},
			{"GET", "/v1/themes/waste", "", nil, everyone},
			{"GET", "/v1/themes/waste/compare", "", nil, everyone},
			{"GET", "/v1/cities", "", nil, everyone},
			{"GET", "/v1/cities/{dakar}", "", nil, everyone},
			{"POST", "/v1/cities", `{}`, nil, profileRW},
			{"PATCH", "/v1/cities/{dakar}", `{}`, stale, with(profileRW, "city")},
			{"DELETE", "/v1/cities/{dakar}", "", stale, profileRW},
			{"GET", "/v1/practices", "", nil, everyone},
			{"GET", "/v1/practices/{p_dakar}", "", nil, everyone},
			{"POST", "/v1/practices", `{"city_id":"{dakar}"}`, nil, with(profileRW, "city")},
			{"PATCH", "/v1/practices/{p_dakar}", `{}`, stale, with(profileRW, "city")},
			{"DELETE", "/v1/practices/{p_dakar}", "", stale, with(profileRW, "city")},
			{"GET", "/v1/challenges", "", nil, everyone},
			{"GET", "/v1/challenges/{c_waste}", "", nil, everyone},
			{"POST", "/v1/challenges", `{"city_id":"{dakar}"}`, nil, with(profileRW, "city")},
			{"PATCH", "/v1/challenges/{c_waste}", `{}`, stale, with(profileRW, "city")},
			{"DELETE", "/v1/challenges/{c_waste}", "", stale, with(profileRW, "city")},
			{"GET", "/v1/experts", "", nil, everyone},
			{"GET", "/v1/experts/{e_mayor}", "", nil, everyone},
			{"POST", "/v1/experts", `{}`, nil, profileRW},
			{"PATCH", "/v1/experts/{e_mayor}", `{}`, stale, with(profileRW, "expert")},
			{"DELETE", "/v1/experts/{e_mayor}", "", stale, with(profileRW, "expert")},
			{"GET", "/v1/experts/{e_mayor}/export", "", nil, with(staff, "expert")},
			{"GET", "/v1/challenges/{c_waste}/suggestions", "", nil, everyone},
			{"GET", "/v1/challenges/{c_waste}/explain?expert_id={e_mayor}", "", nil, everyone},
			{"GET", "/v1/experts/{e_mayor}/opportunities", "", nil, everyone},
			{"GET", "/v1/cities/{dakar}/partners", "", nil, everyone},
			{"GET", "/v1/search/practices?q=waste", "", nil, everyone},
			{"POST", "/v1/challenges/{c_waste}/panels", `{"size":99}`, nil, staff},
			{"POST", "/v1/challenges/{c_waste}/tutoring-teams", `{"min_size":99}`, nil, staff},
			{"POST", "/v1/challenges/{c_waste}/pairings", `{"partner_city_id":"nowhere"}`, nil, with(staff, "city")},
			{"GET", "/v1/proposals", "", nil, with(readers, "city", "other city", "expert", "other expert")},
			// The panel is not sent: its members' keys do not see it yet.
			{"GET", "/v1/proposals/{panel}", "", nil, with(readers, "city")},
			{"POST", "/v1/proposals/{panel}/edits", `{"op":"x"}`, nil, staff},
			{"POST", "/v1/proposals/{panel}/transitions", `{"to":"x"}`, nil, staff},
			{"POST", "/v1/proposals/{panel}/members/{e_mayor}/answer", `{"answer":"maybe"}`, nil, with(staff, "expert")},
			{"GET", "/v1/proposals/{panel}/history", "", nil, with(readers, "city")},
			{"POST", "/v1/proposals/{panel}/outcomes", `{"side":"expert","expert_id":"{e_mayor}","rating":9}`, nil, with(staff, "expert")},
			{"GET", "/v1/proposals/{panel}/outcomes", "", nil, with(readers, "city")},
			{"POST", "/v1/review-rounds", `{}`, nil, staff},
			{"GET", "/v1/review-rounds", "", nil, readers},
			{"GET", "/v1/review-rounds/{round}", "", nil, readers},
			{"POST", "/v1/review-rounds/{round}/scores", `{"challenge_id":"{c_other}","expert_id":"{e_mayor}","scores":[]}`, nil, with(staff, "expert")},
			{"GET", "/v1/review-rounds/{round}/benchmark", "", nil, readers},
			{"POST", "/v1/keys", `{}`, nil, []string{"admin"}},
			{"GET", "/v1/keys", "", nil, []string{"admin"}},
			{"DELETE", "/v1/keys/nope", "", nil, []string{"admin"}},
			{"GET", "/v1/audit", "", nil, []string{"admin"}},
			{"GET", "/v1/users", "", nil, staff},
			{"POST", "/v1/users", `{}`, nil, staff},
			{"GET", "/v1/users/nope", "", nil, staff},
			{"POST", "/v1/users/nope/disable", "", nil, staff},
			{"POST", "/v1/users/nope/enable", "", nil, staff},
			{"POST", "/v1/webhooks", `{}`, nil, profileRW},
			{"GET", "/v1/webhooks", "", nil, readers},
			{"GET", "/v1/webhooks/nope", "", nil, readers},
			{"DELETE", "/v1/webhooks/nope", "", nil, profileRW},
			{"POST", "/v1/webhooks/nope/ping", "", nil, profileRW},
			{"GET", "/v1/webhooks/nope/deliveries", "", nil, readers},
			{"GET", "/v1/messages", "", nil, staff},
			{"POST", "/v1/messages/nope/retry", "", nil, staff},
			{"POST", "/v1/imports", `{}`, nil, profileRW},
			{"GET", "/v1/imports/nope", "", nil, profileRW},
			{"GET", "/v1/exports/cities", "", nil, readers},
			// Last: an allowed erasure erases.
			{"POST", "/v1/experts/{e_english}/erase", "", nil, with(staff, "other expert")},
		}
		covered := map[string]bool{}
		for _, a := range table {
			path, _, _ := strings.Cut(a.path, "?")
			for _, r := range api.RouteTable() {
				if r.Method == a.method && routeMatches(r.Path, x.expand(path)) {
					covered[r.Method+" "+r.Path] = true
				}
			}
		}
		for _, r := range api.RouteTable() {
			if !covered[r.Method+" "+r.Path] {
				t.Errorf("route %s %s is not in the access table", r.Method, r.Path)
			}
		}
		for _, a := range table {
			for _, who := range []string{"anonymous", "admin", "secretariat", "city", "other city", "expert", "other expert", "integration read", "integration rw"} {
				if a.method == "POST" && strings.HasSuffix(a.path, "/erase") && (who == "admin" || who == "secretariat") {
					continue // would erase the fixture before its owner tries
				}
				t.Run(a.method+" "+a.path+" as "+who, func(t *testing.T) {
					header := append([]string{"Authorization", bearer(keys[who])}, a.header...)
					res := x.do(t, a.method, a.path, a.body, header...)
					allowed := a.allowed[0] == "public" || contains(a.allowed, who)
					switch {
					case allowed && (res.Status == 401 || res.Status == 403):
						t.Errorf("refused with %d: %s", res.Status, res.Body)
					case !allowed && who == "anonymous" && res.Status != 401:
						t.Errorf("status %d, want 401: %s", res.Status, res.Body)
					case !allowed && who != "anonymous" && res.Status != 403:
						t.Errorf("status %d, want 403: %s", res.Status, res.Body)
					}
				})
			}
		}
	})
}

func bearer(secret string) string {
	if secret == "" {
		return ""
	}
	return "Bearer " + secret
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// routeMatches reports whether a concrete path fits a route pattern.
func routeMatches(pattern, path string) bool {
	pp, cp := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(pp) != len(cp) {
		return false
	}
	for i := range pp {
		if !strings.HasPrefix(pp[i], ":") && pp[i] != cp[i] {
			return false
		}
	}
	return true
}

func TestAuthenticationAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		r := x.do(t, "POST", "/v1/keys", `{"name":"Dakar's office","role":"city","city_id":"{dakar}"}`)
		if r.Status != 201 {
			t.Fatalf("create key: %d %s", r.Status, r.Body)
		}
		k := r.json(t)
		secret := k["secret"].(string)
		if !strings.HasPrefix(secret, "mm_") || !strings.HasPrefix(secret, k["prefix"].(string)) {
			t.Errorf("secret %q, prefix %v", secret, k["prefix"])
		}
		x.ids["dakar_key"] = k["id"].(string)
		x.run(t, []scenario{
			{name: "no key for a write", method: "PATCH", path: "/v1/cities/{dakar}", body: `{"population":1}`, header: []string{"Authorization", ""}, status: 401},
			{name: "malformed header", method: "PATCH", path: "/v1/cities/{dakar}", body: `{"population":1}`, header: []string{"Authorization", "Basic abc"}, status: 401},
			{name: "unknown key", method: "GET", path: "/v1/cities", header: []string{"Authorization", "Bearer mm_nope"}, status: 401},
			{name: "the city edits itself", method: "PATCH", path: "/v1/cities/{dakar}", body: `{"population":1500000}`, header: []string{"Authorization", "Bearer " + secret}, status: 200},
			{name: "but not another city", method: "PATCH", path: "/v1/cities/{lyon}", body: `{"population":1}`, header: []string{"Authorization", "Bearer " + secret}, status: 403},
			{name: "nor moves a challenge to another city", method: "PATCH", path: "/v1/challenges/{c_waste}", body: `{"city_id":"{lyon}"}`, header: []string{"Authorization", "Bearer " + secret}, status: 403},
			{name: "keys listed without secrets", method: "GET", path: "/v1/keys", status: 200, contains: []string{"Dakar's office"}, notContains: []string{secret}},
			{name: "bad key input names every field", method: "POST", path: "/v1/keys", body: `{"name":"","role":"city"}`, status: 422, fields: []string{"name", "city_id"}},
			{name: "revoke", method: "DELETE", path: "/v1/keys/{dakar_key}", status: 200, contains: []string{"revoked_at"}},
			{name: "a revoked key is refused", method: "PATCH", path: "/v1/cities/{dakar}", body: `{"population":1}`, header: []string{"Authorization", "Bearer " + secret}, status: 401},
		})
	})
}

func TestContactPrivacyAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		x.do(t, "PATCH", "/v1/experts/{e_mayor}", `{"contact":{"email":"maire@example.org","phone":"+1 514 000"}}`)
		x.do(t, "PATCH", "/v1/cities/{dakar}", `{"contact":{"email":"intl@dakar.example.org"}}`)
		keys := x.callers(t)
		see := func(who, path, secret string) bool {
			r := x.do(t, "GET", path, "", "Authorization", bearer(keys[who]))
			if r.Status != 200 {
				t.Fatalf("GET %s as %s: %d", path, who, r.Status)
			}
			return strings.Contains(string(r.Body), secret)
		}
		// Before any engagement: only the secretariat, the admin and the
		// person see the details, in single reads and in lists alike.
		for _, path := range []string{"/v1/experts/{e_mayor}", "/v1/experts?limit=100"} {
			for who, want := range map[string]bool{"anonymous": false, "admin": true, "secretariat": true, "expert": true,
				"other expert": false, "city": false, "integration rw": false} {
				if got := see(who, path, "maire@example.org"); got != want {
					t.Errorf("%s sees the mayor's contact in %s: %v, want %v", who, path, got, want)
				}
			}
		}
		if !see("city", "/v1/cities/{dakar}", "intl@dakar") || see("other city", "/v1/cities/{dakar}", "intl@dakar") || see("expert", "/v1/cities/{dakar}", "intl@dakar") {
			t.Errorf("city contact visibility wrong before the engagement")
		}
		// Once the mayor has accepted Dakar's panel, each side sees the other.
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
		x.ids["panel"] = p.ID
		x.act(t, "POST", "/v1/proposals/{panel}/transitions", `{"to":"invited"}`)
		for _, id := range p.seated() {
			x.act(t, "POST", "/v1/proposals/{panel}/members/"+id+"/answer", `{"answer":"accept"}`)
		}
		if !see("city", "/v1/experts/{e_mayor}", "maire@example.org") {
			t.Errorf("Dakar does not see the contact of the mayor who accepted its panel")
		}
		if !see("expert", "/v1/cities/{dakar}", "intl@dakar") {
			t.Errorf("the mayor does not see Dakar's contact")
		}
		if see("other city", "/v1/experts/{e_mayor}", "maire@example.org") {
			t.Errorf("Lyon sees the mayor's contact")
		}
	})
}

func TestExportAndErasureAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
		x.ids["panel"] = p.ID
		x.act(t, "POST", "/v1/proposals/{panel}/transitions", `{"to":"invited"}`)
		x.act(t, "POST", "/v1/proposals/{panel}/members/{e_mayor}/answer", `{"answer":"accept"}`)
		mine := x.keyFor(t, profiles.KeyInput{Name: "mayor", Role: profiles.RoleExpert, ExpertID: x.ids["e_mayor"]})
		r := x.do(t, "GET", "/v1/experts/{e_mayor}/export", "", "Authorization", "Bearer "+mine)
		if r.Status != 200 || !strings.Contains(string(r.Body), x.ids["panel"]) || !strings.Contains(string(r.Body), `"name":"e_mayor"`) {
			t.Fatalf("export %d: %.500s", r.Status, r.Body)
		}
		r = x.do(t, "POST", "/v1/experts/{e_mayor}/erase", "", "Authorization", "Bearer "+mine)
		if r.Status != 200 {
			t.Fatalf("erase %d: %s", r.Status, r.Body)
		}
		pseudonym := r.json(t)["pseudonym"].(string)
		x.run(t, []scenario{
			{name: "the profile is gone", method: "GET", path: "/v1/experts/{e_mayor}", status: 404},
			{name: "the key is revoked", method: "GET", path: "/v1/proposals", header: []string{"Authorization", "Bearer " + mine}, status: 401},
			{name: "history keeps the seat under a pseudonym", method: "GET", path: "/v1/proposals/{panel}", status: 200,
				contains: []string{pseudonym}, notContains: []string{x.ids["e_mayor"]}},
		})
	})
}

func TestIdempotencyKeyAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		body := `{"name":"Cuenca","country":"EC","region":"latin_america","languages":["es"]}`
		first := x.do(t, "POST", "/v1/cities", body, "Idempotency-Key", "create-cuenca-1")
		if first.Status != 201 {
			t.Fatalf("first: %d %s", first.Status, first.Body)
		}
		// Retries, one after the other and at once, get the first answer.
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				again := x.do(t, "POST", "/v1/cities", body, "Idempotency-Key", "create-cuenca-1")
				if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
					t.Errorf("retry: %d %s", again.Status, again.Body)
				}
			}()
		}
		wg.Wait()
		r := x.do(t, "GET", "/v1/cities?q=cuenca", "")
		if n := r.json(t)["total"].(float64); n != 1 {
			t.Errorf("%v cities named Cuenca, want 1", n)
		}
		x.run(t, []scenario{
			{name: "same key, another body", method: "POST", path: "/v1/cities", body: `{"name":"Loja","country":"EC","region":"latin_america","languages":["es"]}`,
				header: []string{"Idempotency-Key", "create-cuenca-1"}, status: 422, fields: []string{"Idempotency-Key"}},
			{name: "a failed request is not kept", method: "POST", path: "/v1/cities", body: `{"name":""}`, header: []string{"Idempotency-Key", "bad-1"}, status: 422},
			{name: "a new key creates", method: "POST", path: "/v1/cities", body: `{"name":"Loja","country":"EC","region":"latin_america","languages":["es"]}`,
				header: []string{"Idempotency-Key", "create-loja-1"}, status: 201},
		})
	})
}

func TestNoLostUpdateAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "city", "/v1/cities", `{"name":"Counter","country":"EC","region":"latin_america","population":0,"languages":["es"]}`)
		// Many writers each add one to the population with read, If-Match,
		// write, and retry on 412: no increment may be lost.
		const writers, each = 8, 5
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					for {
						r := x.do(t, "GET", "/v1/cities/{city}", "")
						pop := int(r.json(t)["population"].(float64))
						w := x.do(t, "PATCH", "/v1/cities/{city}", fmt.Sprintf(`{"population":%d}`, pop+1), "If-Match", r.Header.Get("ETag"))
						if w.Status == 200 {
							break
						}
						if w.Status != 412 {
							t.Errorf("PATCH: %d %s", w.Status, w.Body)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		r := x.do(t, "GET", "/v1/cities/{city}", "")
		if pop := int(r.json(t)["population"].(float64)); pop != writers*each {
			t.Errorf("population %d after %d increments", pop, writers*each)
		}
	})
}

func TestAuditTrailAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "city", "/v1/cities", `{"name":"Cuenca","country":"EC","region":"latin_america","languages":["es"]}`)
		x.do(t, "PATCH", "/v1/cities/{city}", `{"population":636996}`)
		x.do(t, "PATCH", "/v1/cities/{city}", `{"population":1}`, "Authorization", "")
		x.run(t, []scenario{
			{name: "writes listed with who, what and when", method: "GET", path: "/v1/audit?resource=cities&resource_id={city}", status: 200,
				contains: []string{`"method":"POST"`, `"method":"PATCH"`, `"status":201`, `"status":401`, `"actor":"test admin"`}},
			{name: "reads are not audited", method: "GET", path: "/v1/audit?method=get", status: 400},
			{name: "bad time", method: "GET", path: "/v1/audit?since=yesterday", status: 400, fields: []string{"since"}},
		})
	})
}

func TestRateLimitAPI(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		store := profilestest.OpenStore(t, db)
		e := api.New(api.Config{Store: store, RateLimits: api.RateLimits{PerAddress: 1, AddressBurst: 3, PerKey: -1}})
		v := apitest.NewValidator(t)
		var last *httptest.ResponseRecorder
		for range 4 {
			req := httptest.NewRequest("GET", "/v1/cities", nil)
			last = httptest.NewRecorder()
			e.ServeHTTP(last, req)
			v.Check(t, req, last.Code, last.Header(), last.Body.Bytes())
		}
		if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") == "" {
			t.Errorf("fourth request: %d, Retry-After %q", last.Code, last.Header().Get("Retry-After"))
		}
	})
}
