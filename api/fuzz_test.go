package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// The fuzz targets of the HTTP layer. Each runs its seeds (below and in
// testdata/fuzz/<target>) with every go test; make fuzz explores further.
// Whatever the input, the answer is a value or a problem a client can act
// on, never a panic or a 5xx.

// checkProblem fails t unless err is a *Problem of one of the statuses, with a
// detail, whose field errors each name a field, and which encodes as JSON.
func checkProblem(t *testing.T, err error, statuses ...int) *Problem {
	t.Helper()
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %v (%T) is not a problem", err, err)
	}
	if !slices.Contains(statuses, p.Status) {
		t.Fatalf("problem status %d, want one of %v: %v", p.Status, statuses, p)
	}
	if strings.TrimSpace(p.Detail) == "" || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem: %+v", p)
	}
	for _, fe := range p.Errors {
		if fe.Field == "" || fe.Message == "" {
			t.Fatalf("field error without a field or a message: %+v", p)
		}
	}
	if b, err := json.Marshal(p); err != nil || !json.Valid(b) {
		t.Fatalf("problem does not encode: %v", err)
	}
	return p
}

// decodeTargets are request bodies of the API, each decoded into a fresh value.
var decodeTargets = []func() any{
	func() any { return new(profiles.CityInput) },
	func() any { return new(profiles.PracticeInput) },
	func() any { return new(profiles.ChallengeInput) },
	func() any { return new(profiles.ExpertInput) },
	func() any { return new(panelRequest) },
	func() any { return new(roundRequest) },
}

// FuzzDecodeBody feeds any bytes to decodeStrict and, as a merge patch, to
// applyPatch. Either the body decodes, and the value re-encodes to JSON that
// decodes to the same value, or the answer is a 400 problem. A merge patch
// that applies once applies twice to the same result (RFC 7386).
func FuzzDecodeBody(f *testing.F) {
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	for i, body := range []string{
		`{"name":"Montevideo","country":"UY","region":"latin_america","population":1319108,"languages":["es"],"latitude":-34.9,"longitude":-56.2,"contact":{"email":"a@b.org"}}`,
		`{"city_id":"c1","title":"Tri à la source","description":"Collecte\nséparée","themes":["waste"],"period":{"start":2019}}`,
		`{"city_id":"c1","title":"t","description":"d","modes":["tutoring"],"timeframe":{"from":"2026-01-01"},"skills_needed":["GIS"]}`,
		`{"name":"Ana","role":"mayor","country":"UY","languages":["es"],"track_record":[{"title":"Plan","year":2019}],"capacity":2,"active":false}`,
		`{"size":3,"role_quotas":[{"roles":["mayor"],"min":1}],"pinned":["e1"],"excluded":[{"expert_id":"e2","reason":"conflict"}]}`,
		`{"name":"R","fairness":"worst_first","challenges":[{"challenge_id":"c1","size":2}],"rubric":{"criteria":[{"code":"fit","label":"Fit","min":0,"max":5}]}}`,
		"{\"name\":\"A\xff\xfe\",\"country\":\"UY\"}",
		`{"name":"\u0000\u0007\ud800\udc00\ud800","country":"UY"}`,
		`{"population":1e400}`,
		`{"population":1.5,"latitude":-1e309}`,
		`{"population":99999999999999999999999}`,
		`{"name":"A","name":"B"}`,
		`{"name":"x","mayor":"y"}`,
		`{} {}`,
		`{"name": "x",`,
		``,
		`null`,
		`[1,2]`,
		`"just a string"`,
		`{"track_record":[{"title":1}]}`,
		`{"contact":{"email":"` + deep + `"}}`,
		`{"languages":` + deep + `}`,
		`{"name":"Robert'); DROP TABLE cities;--","country":"<script>alert(1)</script>"}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	current := profiles.ExpertInput{Name: "Ana", Role: "mayor", Country: "UY", Languages: []string{"es"},
		Skills: []string{"gis"}, Contact: &profiles.Contact{Email: "ana@example.org", Phone: "+598"}}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		newValue := decodeTargets[int(which)%len(decodeTargets)]
		v := newValue()
		if err := decodeStrict(body, v); err != nil {
			p := checkProblem(t, err, http.StatusBadRequest)
			if !utf8.Valid(body) && (len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "UTF-8")) {
				t.Fatalf("a body that is not UTF-8 must be refused as such, got %+v", p)
			}
		} else {
			if !utf8.Valid(body) {
				t.Fatalf("decoded a body that is not UTF-8: %q", body)
			}
			roundTrip(t, v, newValue)
		}

		patched, err := applyPatch(current, body)
		if err != nil {
			checkProblem(t, err, http.StatusBadRequest)
			return
		}
		again, err := applyPatch(patched, body)
		if err != nil {
			t.Fatalf("a patch that applied once fails the second time: %v", err)
		}
		a, _ := json.Marshal(patched)
		b, _ := json.Marshal(again)
		if !bytes.Equal(a, b) {
			t.Fatalf("merge patch %q is not idempotent:\n%s\n%s", body, a, b)
		}
	})
}

// roundTrip checks that v encodes to JSON that decodes, strictly, to a value
// that encodes to the same JSON.
func roundTrip(t *testing.T, v any, newValue func() any) {
	t.Helper()
	b1, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("re-encode %T: %v", v, err)
	}
	v2 := newValue()
	if err := decodeStrict(b1, v2); err != nil {
		t.Fatalf("the re-encoded %T does not decode: %v\n%s", v, err, b1)
	}
	b2, err := json.Marshal(v2)
	if err != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("%T does not round-trip (%v):\n%s\n%s", v, err, b1, b2)
	}
}

// queryParams are the parameters FuzzQuery reads.
var queryParams = []string{"limit", "cursor", "country", "language", "region", "mode", "kind", "q",
	"similar_context", "require_shared_language", "weights", "cascade"}

// FuzzQuery parses any query string with the parameter readers of the list,
// delete and matching routes. Either every value is in range or the answer
// is a 400 problem whose errors each name a parameter of the request.
func FuzzQuery(f *testing.F) {
	for _, q := range []string{
		"",
		"limit=5&cursor=" + encodeCursor("01abc"),
		"country=uy&region=europe&language=ES&mode=tutoring&kind=experts",
		"weights=themes:0.3,language:2&similar_context=true&require_shared_language=0",
		"weights=themes:NaN,:,x:1,themes:1e400,,",
		"limit=0&limit=101&limit=1e3&limit=-1&limit=%2B5",
		"q=%00&q=%FF&cursor=%FF&country=%C3%A9",
		"q=Robert%27)%3B%20DROP%20TABLE%20cities%3B--&q=%3Cscript%3E",
		"q=100%25%20a_b%5C",
		"colour=red&%FF=1&;=;&&=&%",
		"cascade=perhaps&region=MARS&country=XX",
		"cursor=YzE6AA&cursor=YzE6" + strings.Repeat("QUFB", 40),
		"limit=%09%0A5&q=%E2%80%AEevil",
	} {
		f.Add(q)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.RawQuery = raw
		c := e.NewContext(req, httptest.NewRecorder())
		values := c.QueryParams()

		q := newQuery(c, queryParams...)
		page := q.page()
		mq := matchQuery(q)
		kind := q.enum("kind", []string{"practices", "experts", "cities"})
		lang := q.language("language")
		text := q.str("q")
		q.boolean("cascade", false)
		err := q.err()
		if err != nil {
			p := checkProblem(t, err, http.StatusBadRequest)
			if len(p.Errors) == 0 {
				t.Fatalf("a query problem names no parameter: %+v", p)
			}
			for _, fe := range p.Errors {
				name := fe.Field
				if name == unnamed {
					name = ""
				}
				if _, ok := values[name]; !ok {
					t.Fatalf("problem names %q, which the query %q does not have: %+v", fe.Field, raw, p)
				}
			}
			return
		}
		for name, vs := range values {
			if !slices.Contains(queryParams, name) {
				t.Fatalf("unknown parameter %q accepted", name)
			}
			for _, v := range vs {
				if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
					t.Fatalf("parameter %s=%q accepted", name, v)
				}
			}
		}
		switch {
		case page.Limit < 1 || page.Limit > profiles.MaxLimit:
			t.Fatalf("page limit %d accepted", page.Limit)
		case mq.Limit < 1 || mq.Limit > matcher.MaxLimit:
			t.Fatalf("match limit %d accepted", mq.Limit)
		case mq.Country != "" && !profiles.IsCountry(mq.Country):
			t.Fatalf("country %q accepted", mq.Country)
		case mq.Region != "" && !slices.Contains(profiles.Regions, mq.Region):
			t.Fatalf("region %q accepted", mq.Region)
		case mq.Mode != "" && !slices.Contains(profiles.Modes, string(mq.Mode)):
			t.Fatalf("mode %q accepted", mq.Mode)
		case lang != "" && !profiles.IsLanguage(lang):
			t.Fatalf("language %q accepted", lang)
		case kind != "" && !slices.Contains([]string{"practices", "experts", "cities"}, kind):
			t.Fatalf("kind %q accepted", kind)
		case page.After != "" && (!utf8.ValidString(page.After) || strings.ContainsFunc(page.After, unicode.IsControl)):
			t.Fatalf("cursor row %q accepted", page.After)
		case text != strings.TrimSpace(text):
			t.Fatalf("q %q not trimmed", text)
		}
		for factor, w := range mq.Weights {
			lo, hi, ok := matcher.WeightBounds(factor)
			if !ok || math.IsNaN(w) || w < lo || w > hi {
				t.Fatalf("weight %s:%g accepted", factor, w)
			}
		}
	})
}

// profileBases are the collections FuzzWriteProfiles writes to.
var profileBases = []string{"/v1/cities", "/v1/practices", "/v1/challenges", "/v1/experts"}

// FuzzWriteProfiles posts any body to a profile collection of the whole HTTP
// handler on a real SQLite store, patches what it created with another, and
// lists the collection with any query string. No request gets a 5xx or an
// answer other than a resource or a problem, and what a write answers is what
// a read returns: the database keeps text verbatim. {city} in a body stands
// for the ID of a stored city.
func FuzzWriteProfiles(f *testing.F) {
	for _, s := range []struct {
		kind               uint8
		body, patch, query string
	}{
		{0, `{"name":"Montevideo","country":"UY","region":"latin_america","languages":["es"],"population":1319108}`, `{"population":null,"languages":["es","en"]}`, "q=montevideo&limit=1"},
		{1, `{"city_id":"{city}","title":"Tri à la source","description":"Collecte séparée\tdes déchets\r\n","language":"fr","themes":["waste"]}`, `{"title":"Robert'); DROP TABLE practices;--"}`, "q=robert%27)%3B&city_id={city}"},
		{2, `{"city_id":"{city}","title":"<script>alert(1)</script>","description":"d","language":"en","skills_needed":["GIS","gis"]}`, `{"status":"closed"}`, "q=%3Cscript%3E&status=closed&mode=tutoring"},
		{3, `{"name":"Ana Pérez","role":"mayor","country":"UY","city_id":"{city}","languages":["es"],"track_record":[{"title":"Plan","year":2019}]}`, `{"bio":"100% a_b \\ ?0 ?TableName $1 :name"}`, "q=%25_%5C&role=mayor&theme=waste&cursor=YzE6eA"},
		{3, `{"name":"Ana\u0000","role":"mayor","country":"UY","city_id":"\u0000{city}","languages":["es"]}`, `{"name":"\u0007"}`, "q=%00&city_id=%00"},
		{3, `{"name":"Ana","role":"mayor","country":"UY","city_id":"{city}\u0000","languages":["es"]}`, `{"city_id":"\u0000{city}"}`, "city_id={city}%00"},
		{0, "{\"name\":\"Medelli\u0301n\xff\",\"country\":\"CO\",\"region\":\"latin_america\",\"languages\":[\"es\"]}", `{"name":"Medelli\u0301n"}`, "q=medelli%CC%81n&q=%FF"},
		{1, `{"city_id":"{city}","title":"t","description":"` + strings.Repeat("é", 20001) + `","language":"fr"}`, `[]`, "limit=100&language=fr&region=europe&country=fr"},
		{0, `{"name":"A","country":"UY","region":"latin_america","languages":["es"],"latitude":1e400,"longitude":0}`, `{"latitude":1e400}`, "limit=99999999999999999999&cursor=%FF"},
	} {
		f.Add(s.kind, s.body, s.patch, s.query)
	}
	store := profilestest.OpenStore(f, profilestest.SQLiteDB(f, true))
	e := New(Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	city, err := store.CreateCity(f.Context(), profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind uint8, body, patch, query string) {
		base := profileBases[int(kind)%len(profileBases)]
		body = strings.ReplaceAll(body, "{city}", city.ID)
		serve(t, e, http.MethodGet, base+"?"+strings.ReplaceAll(query, "{city}", city.ID), "", "")
		created := serve(t, e, http.MethodPost, base, body, echo.MIMEApplicationJSON)
		if created.Code != http.StatusCreated {
			return
		}
		var m struct{ ID string }
		if err := json.Unmarshal(created.Body.Bytes(), &m); err != nil || m.ID == "" {
			t.Fatalf("created without an ID: %s", created.Body)
		}
		readBack(t, e, base+"/"+m.ID, created)
		patched := serve(t, e, http.MethodPatch, base+"/"+m.ID, strings.ReplaceAll(patch, "{city}", city.ID), "application/merge-patch+json")
		if patched.Code == http.StatusOK {
			readBack(t, e, base+"/"+m.ID, patched)
		}
	})
}

// serve sends one request to e and fails t on a 5xx or on an error that is
// not a complete problem.
func serve(t *testing.T, e *echo.Echo, method, path, body, contentType string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.URL.Path, req.URL.RawQuery, _ = strings.Cut(path, "?") // any query, even one no client would send
	if contentType != "" {
		req.Header.Set(echo.HeaderContentType, contentType)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s %q answered %d: %s", method, path, body, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		if ct := rec.Header().Get(echo.HeaderContentType); !strings.HasPrefix(ct, ProblemContentType) {
			t.Fatalf("%s %s answered %d as %q", method, path, rec.Code, ct)
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != rec.Code || p.Detail == "" {
			t.Fatalf("%s %s answered %d with an incomplete problem: %s", method, path, rec.Code, rec.Body)
		}
	}
	return rec
}

// readBack fails t unless a GET of path answers what the write did.
func readBack(t *testing.T, e *echo.Echo, path string, written *httptest.ResponseRecorder) {
	t.Helper()
	got := serve(t, e, http.MethodGet, path, "", "")
	if got.Code != http.StatusOK || !bytes.Equal(bytes.TrimSpace(got.Body.Bytes()), bytes.TrimSpace(written.Body.Bytes())) {
		t.Fatalf("GET %s answers %d\n%s\nafter a write answered\n%s", path, got.Code, got.Body, written.Body)
	}
}
