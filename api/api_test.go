package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"matchmaker/api"
	"matchmaker/api/apitest"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// env is one API under test, on one database.
type env struct {
	t     *testing.T
	e     *echo.Echo
	store *profiles.Store
	v     *apitest.Validator
	ids   map[string]string // fixture names to IDs, for {name} in paths and bodies
	// key is an admin key every request sends unless it names its own
	// Authorization header ("" for none).
	key string
}

func eachAPI(t *testing.T, body func(t *testing.T, x *env)) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		store := profilestest.OpenStore(t, db, profiles.WithLanguageDetector(func(text string) string {
			// A stand-in detector is enough here: detection itself is the matcher's
			// and is tested there. This one knows French by its accents.
			if strings.ContainsAny(text, "éèàç") {
				return "fr"
			}
			return ""
		}))
		_, key, err := store.CreateKey(context.Background(), profiles.KeyInput{Name: "test admin", Role: profiles.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		// Rate limits have their own test: here they would only slow the
		// concurrent scenarios down.
		x := &env{t: t, store: store, v: apitest.NewValidator(t), ids: map[string]string{}, key: key,
			e: api.New(api.Config{Store: store, Ready: func(context.Context) error { return store.Ping(context.Background()) },
				RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})}
		body(t, x)
	})
}

// expand replaces {name} with the ID of fixture name.
func (x *env) expand(s string) string {
	for k, v := range x.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// do sends a request and checks the response against the OpenAPI document.
func (x *env) do(t *testing.T, method, path, body string, header ...string) response {
	t.Helper()
	var rd *bytes.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(x.expand(body)))
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, x.expand(path), rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+x.key)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
		if header[i+1] == "" {
			req.Header.Del(header[i])
		}
	}
	rec := httptest.NewRecorder()
	x.e.ServeHTTP(rec, req)
	res := response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	x.v.Check(t, req, res.Status, res.Header, res.Body)
	return res
}

// create posts body to path and records the new ID as fixture name.
func (x *env) create(t *testing.T, name, path, body string) map[string]any {
	t.Helper()
	r := x.do(t, http.MethodPost, path, body)
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: status %d: %s", name, r.Status, r.Body)
	}
	m := r.json(t)
	x.ids[name] = m["id"].(string)
	return m
}

// scenario is one request and what a user must see in return.
type scenario struct {
	name        string
	method      string
	path        string
	body        string
	header      []string
	status      int
	contains    []string // fragments of the body
	notContains []string
	fields      []string // fields named in a problem's errors, in order
}

func (x *env) run(t *testing.T, cases []scenario) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := x.do(t, tc.method, tc.path, tc.body, tc.header...)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status >= 400 {
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, api.ProblemContentType) {
					t.Fatalf("error content type %q, want %s", ct, api.ProblemContentType)
				}
				p := r.json(t)
				if int(p["status"].(float64)) != tc.status || p["title"] == "" || p["detail"] == "" || p["type"] == "" {
					t.Fatalf("incomplete problem: %s", r.Body)
				}
			}
			for _, s := range tc.contains {
				if !strings.Contains(string(r.Body), x.expand(s)) {
					t.Errorf("body lacks %q: %s", s, r.Body)
				}
			}
			for _, s := range tc.notContains {
				if strings.Contains(string(r.Body), s) {
					t.Errorf("body has %q: %s", s, r.Body)
				}
			}
			if tc.fields != nil {
				var p api.Problem
				json.Unmarshal(r.Body, &p)
				var got []string
				for _, f := range p.Errors {
					got = append(got, f.Field)
				}
				if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
					t.Fatalf("problem names fields %v, want %v: %s", got, tc.fields, r.Body)
				}
			}
		})
	}
}

const montevideo = `{"name":"Montevideo","country":"UY","region":"latin_america","population":1319108,"kind":"metropolis","languages":["es"],"contact":{"email":"intl@montevideo.example.org"}}`

func TestCitiesAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "mvd", "/v1/cities", montevideo)
		x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
		x.create(t, "dakar", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr","wo"]}`)
		x.create(t, "p1", "/v1/practices", `{"city_id":"{lyon}","title":"Zone à faibles émissions","description":"Une ZFE","language":"fr","themes":["air_quality"]}`)
		x.run(t, []scenario{
			{name: "create answers 201 with the resource", method: "POST", path: "/v1/cities",
				body: `{"name":"Quito","country":"ec","region":"latin_america","languages":["es"]}`, status: 201,
				contains: []string{`"name":"Quito"`, `"country":"EC"`, `"kind":"city"`, `"version":1`, `"id":"`}},
			{name: "get", method: "GET", path: "/v1/cities/{mvd}", status: 200, contains: []string{`"name":"Montevideo"`, `"population":1319108`}},
			{name: "get unknown", method: "GET", path: "/v1/cities/nope", status: 404},
			{name: "list", method: "GET", path: "/v1/cities", status: 200, contains: []string{`"total":4`, `"next_cursor":null`}},
			{name: "list by region", method: "GET", path: "/v1/cities?region=africa", status: 200, contains: []string{`"total":1`, "Dakar"}},
			{name: "list by language", method: "GET", path: "/v1/cities?language=WO", status: 200, contains: []string{`"total":1`, "Dakar"}},
			{name: "list by q", method: "GET", path: "/v1/cities?q=lyo", status: 200, contains: []string{`"total":1`, "Lyon"}},
			{name: "list bad parameters, all named", method: "GET", path: "/v1/cities?region=mars&country=XX&limit=0&cursor=zzz&colour=red", status: 400,
				fields: []string{"colour", "country", "region", "limit", "cursor"}},
			{name: "limit over max", method: "GET", path: "/v1/cities?limit=101", status: 400, fields: []string{"limit"}},
			{name: "malformed JSON", method: "POST", path: "/v1/cities", body: `{"name": "x",`, status: 400},
			{name: "unknown field", method: "POST", path: "/v1/cities", body: `{"name":"x","country":"FR","region":"europe","languages":["fr"],"mayor":"y"}`, status: 400, fields: []string{"mayor"}},
			{name: "wrong type", method: "POST", path: "/v1/cities", body: `{"name":"x","country":"FR","region":"europe","languages":["fr"],"population":"many"}`, status: 400, fields: []string{"population"}},
			{name: "two JSON values", method: "POST", path: "/v1/cities", body: `{} {}`, status: 400},
			{name: "every invalid field named", method: "POST", path: "/v1/cities",
				body: `{"name":"","country":"XX","region":"mars","population":-5,"kind":"hamlet","languages":["xx"]}`, status: 422,
				fields: []string{"name", "country", "region", "population", "kind", "languages"}},
			{name: "name over 300 characters", method: "POST", path: "/v1/cities",
				body: `{"name":"` + strings.Repeat("é", 301) + `","country":"FR","region":"europe","languages":["fr"]}`, status: 422, fields: []string{"name"}},
			{name: "not JSON", method: "POST", path: "/v1/cities", body: `name=x`, header: []string{"Content-Type", "text/plain"}, status: 415},
			{name: "body over 1 MiB", method: "POST", path: "/v1/cities", body: `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, status: 413},
			{name: "merge patch sets and removes", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"population":null,"languages":["es","en"]}`,
				status: 200, contains: []string{`"version":2`, `"languages":["es","en"]`}, notContains: []string{"population"}},
			{name: "patch keeps what it does not name", method: "GET", path: "/v1/cities/{mvd}", status: 200, contains: []string{`"email":"intl@montevideo.example.org"`}},
			{name: "patch invalid value", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"region":"atlantis","country":"ZZ"}`, status: 422, fields: []string{"country", "region"}},
			{name: "patch read-only field", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"id":"other"}`, status: 400, fields: []string{"id"}},
			{name: "patch not an object", method: "PATCH", path: "/v1/cities/{mvd}", body: `[1]`, status: 400},
			{name: "patch with stale If-Match", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"population":1}`, header: []string{"If-Match", `"1"`}, status: 412},
			{name: "patch with current If-Match", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"population":1}`, header: []string{"If-Match", `"2"`}, status: 200, contains: []string{`"version":3`}},
			{name: "a patch that changes nothing keeps the version", method: "PATCH", path: "/v1/cities/{mvd}", body: `{"population":1}`, status: 200, contains: []string{`"version":3`}},
			{name: "patch unknown", method: "PATCH", path: "/v1/cities/nope", body: `{"population":1}`, status: 404},
			{name: "delete city with a practice", method: "DELETE", path: "/v1/cities/{lyon}", status: 409, contains: []string{"practices (1)"}},
			{name: "delete bad cascade", method: "DELETE", path: "/v1/cities/{lyon}?cascade=perhaps", status: 400, fields: []string{"cascade"}},
			{name: "delete with cascade", method: "DELETE", path: "/v1/cities/{lyon}?cascade=true", status: 204},
			{name: "practice went with it", method: "GET", path: "/v1/practices/{p1}", status: 404},
			{name: "delete", method: "DELETE", path: "/v1/cities/{dakar}", status: 204},
			{name: "delete again", method: "DELETE", path: "/v1/cities/{dakar}", status: 404},
			{name: "unknown route", method: "GET", path: "/v1/towns", status: 404},
			{name: "method not allowed", method: "PUT", path: "/v1/cities/{mvd}", body: `{}`, status: 405},
		})
		r := x.do(t, "GET", "/v1/cities/{mvd}", "")
		if r.Header.Get("ETag") != `"3"` {
			t.Fatalf("ETag %q, want \"3\"", r.Header.Get("ETag"))
		}
		r = x.do(t, "POST", "/v1/cities", `{"name":"Rosario","country":"AR","region":"latin_america","languages":["es"]}`)
		if loc := r.Header.Get("Location"); loc != "/v1/cities/"+r.json(t)["id"].(string) {
			t.Fatalf("Location %q", loc)
		}
	})
}

func TestPracticesChallengesExpertsAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "dakar", "/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"]}`)
		x.create(t, "mvd", "/v1/cities", montevideo)
		x.run(t, []scenario{
			{name: "practice with detected language", method: "POST", path: "/v1/practices",
				body:   `{"city_id":"{dakar}","title":"Tri à la source","description":"Collecte séparée des déchets ménagers","themes":["waste","sdg11"]}`,
				status: 201, contains: []string{`"language":"fr"`, `"status":"published"`, `"themes":["waste","sdg11"]`}},
			{name: "practice, every bad field", method: "POST", path: "/v1/practices",
				body:   `{"city_id":"","title":"","description":"","language":"xx","themes":["rubbish"],"status":"secret","period":{"start":2020,"end":2010}}`,
				status: 422, fields: []string{"city_id", "title", "description", "themes", "language", "period.end", "status"}},
			{name: "practice of a missing city", method: "POST", path: "/v1/practices",
				body: `{"city_id":"nope","title":"t","description":"d","language":"en"}`, status: 422, fields: []string{"city_id"}},
			{name: "challenge defaults", method: "POST", path: "/v1/challenges",
				body:   `{"city_id":"{mvd}","title":"Seguridad vial","description":"Reducir muertes","language":"es","themes":["road_safety"],"skills_needed":["Speed management"]}`,
				status: 201, contains: []string{`"status":"open"`, `"modes":["exchange","peer_review","tutoring"]`, `"skills_needed":["speed management"]`}},
			{name: "challenge bad modes and timeframe", method: "POST", path: "/v1/challenges",
				body:   `{"city_id":"{mvd}","title":"t","description":"d","language":"es","modes":["coaching"],"timeframe":{"from":"2027-02-30"}}`,
				status: 422, fields: []string{"modes", "timeframe.from"}},
			{name: "expert defaults", method: "POST", path: "/v1/experts",
				body:   `{"name":"Ana Pérez","role":"mayor","country":"UY","city_id":"{mvd}","languages":["es"],"track_record":[{"title":"Plan","year":2019}]}`,
				status: 201, contains: []string{`"capacity":1`, `"active":true`, `"seniority":"senior"`, `"track_record":[{"title":"Plan","year":2019}]`}},
			{name: "expert bad fields", method: "POST", path: "/v1/experts",
				body:   `{"name":"X","role":"queen","country":"UY","languages":[],"capacity":12,"available_from":"2027-01-01","available_until":"2026-01-01"}`,
				status: 422, fields: []string{"role", "languages", "capacity", "available_until"}},
			{name: "list practices by theme", method: "GET", path: "/v1/practices?theme=waste", status: 200, contains: []string{`"total":1`}},
			{name: "list practices by unknown theme", method: "GET", path: "/v1/practices?theme=rubbish", status: 400, fields: []string{"theme"}},
			{name: "list challenges by status and mode", method: "GET", path: "/v1/challenges?status=open&mode=tutoring&country=UY", status: 200, contains: []string{`"total":1`}},
			{name: "list experts by role", method: "GET", path: "/v1/experts?role=mayor&language=es&region=latin_america", status: 200, contains: []string{`"total":1`, "Ana Pérez"}},
			{name: "list experts by bad role", method: "GET", path: "/v1/experts?role=king", status: 400, fields: []string{"role"}},
		})
	})
}

func TestPaginationAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		r := x.do(t, "GET", "/v1/experts", "")
		if b := string(r.Body); !strings.Contains(b, `"items":[]`) || !strings.Contains(b, `"total":0`) || !strings.Contains(b, `"next_cursor":null`) {
			t.Fatalf("empty list: %s", b)
		}
		for i := 0; i < 5; i++ {
			x.create(t, fmt.Sprintf("c%d", i), "/v1/cities", fmt.Sprintf(`{"name":"City %d","country":"FR","region":"europe","languages":["fr"]}`, i))
		}
		var names []string
		path := "/v1/cities?limit=2"
		for pages := 0; pages < 10; pages++ {
			m := x.do(t, "GET", path, "").json(t)
			for _, it := range m["items"].([]any) {
				names = append(names, it.(map[string]any)["name"].(string))
			}
			if m["next_cursor"] == nil {
				break
			}
			path = "/v1/cities?limit=2&cursor=" + m["next_cursor"].(string)
		}
		if strings.Join(names, ",") != "City 0,City 1,City 2,City 3,City 4" {
			t.Fatalf("paged through %v", names)
		}
		// A cursor whose row was deleted meanwhile still moves on.
		m := x.do(t, "GET", "/v1/cities?limit=2", "").json(t)
		x.do(t, "DELETE", "/v1/cities/{c1}", "")
		m2 := x.do(t, "GET", "/v1/cities?limit=2&cursor="+m["next_cursor"].(string), "").json(t)
		if first := m2["items"].([]any)[0].(map[string]any)["name"]; first != "City 2" {
			t.Fatalf("after deleted cursor row: first is %v", first)
		}
	})
}

func TestConcurrentCreatesAPI(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		const n = 20
		var wg sync.WaitGroup
		codes := make(chan int, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				req := httptest.NewRequest("POST", "/v1/cities", strings.NewReader(fmt.Sprintf(`{"name":"C%d","country":"FR","region":"europe","languages":["fr","en"]}`, i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+x.key)
				rec := httptest.NewRecorder()
				x.e.ServeHTTP(rec, req)
				codes <- rec.Code
			}(i)
		}
		wg.Wait()
		close(codes)
		for c := range codes {
			if c != 201 {
				t.Fatalf("concurrent create answered %d", c)
			}
		}
		m := x.do(t, "GET", "/v1/cities?language=en&limit=100", "").json(t)
		if m["total"].(float64) != n || len(m["items"].([]any)) != n {
			t.Fatalf("after %d concurrent creates: total %v", n, m["total"])
		}
	})
}

func TestHealthThemesAndInternalErrors(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.run(t, []scenario{
			{name: "healthz", method: "GET", path: "/healthz", status: 200, contains: []string{`"status":"ok"`}},
			{name: "readyz", method: "GET", path: "/readyz", status: 200, contains: []string{`"status":"ready"`}},
			{name: "openapi", method: "GET", path: "/openapi.json", status: 200, contains: []string{`"openapi"`}},
			{name: "themes", method: "GET", path: "/v1/themes", status: 200, contains: []string{`"code":"waste"`, `"code":"sdg17"`, `"fr":"`}},
			{name: "sdg themes", method: "GET", path: "/v1/themes?kind=sdg", status: 200, contains: []string{`"total":17`}},
			{name: "one theme", method: "GET", path: "/v1/themes/road_safety", status: 200, contains: []string{`"es":"`}},
			{name: "unknown theme", method: "GET", path: "/v1/themes/nothing", status: 404},
		})
		// With the database gone, a request fails without saying anything internal.
		x.store.DB().Close()
		r := x.do(t, "GET", "/v1/cities", "")
		p := r.json(t)
		if r.Status != 500 || p["request_id"] == "" || strings.Contains(string(r.Body), "sql") {
			t.Fatalf("internal error leaks or lacks a request ID: %d %s", r.Status, r.Body)
		}
		if r := x.do(t, "GET", "/readyz", ""); r.Status != 503 {
			t.Fatalf("readyz with the database closed: %d", r.Status)
		}
	})
}
