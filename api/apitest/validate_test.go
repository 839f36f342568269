package apitest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"matchmaker/api/apitest"
)

// recorder is a testing.TB that records failures instead of failing, to test
// that the validator fails a test when it should.
type recorder struct {
	testing.TB
	failed bool
	msg    string
}

// Helper does nothing: the recorder reports no lines.
func (r *recorder) Helper() {}

// Errorf records the failure and its message.
func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}

// Fatalf fails the real test: Check must report a bad response with Errorf,
// so that the test that called it goes on.
func (r *recorder) Fatalf(format string, args ...any) {
	r.TB.Fatalf("Check stopped the test instead of reporting: "+format, args...)
}

const city = `{"id":"c1","created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z","version":2,` +
	`"name":"Lyon","country":"FR","region":"europe","kind":"city","languages":["fr"]}`

// withETag returns a copy of h with an ETag.
func withETag(h http.Header, etag string) http.Header {
	h = h.Clone()
	h.Set("ETag", etag)
	return h
}

// TestValidatorCheck feeds the validator handcrafted responses, good and bad,
// and checks that it fails a test exactly for the bad ones, naming the fault.
func TestValidatorCheck(t *testing.T) {
	v := apitest.NewValidator(t)
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	problemCT := http.Header{"Content-Type": {"application/problem+json"}, "X-Request-Id": {"abc"}}
	cases := []struct {
		name         string
		method, path string
		status       int
		header       http.Header
		body         string
		wantErr      string // a fragment of the failure message; "" when the response conforms
	}{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, header: jsonCT,
			body: `{"status":"ok","version":"v1.2.3"}`},
		{name: "healthz with charset", method: "GET", path: "/healthz", status: 200,
			header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: `{"status":"ok","version":""}`},
		{name: "healthz with a wrong status value", method: "GET", path: "/healthz", status: 200, header: jsonCT,
			body: `{"status":"fine","version":"v1"}`, wantErr: "status"},
		{name: "healthz without version", method: "GET", path: "/healthz", status: 200, header: jsonCT,
			body: `{"status":"ok"}`, wantErr: "version"},
		{name: "healthz with an undocumented status", method: "GET", path: "/healthz", status: 202, header: jsonCT,
			body: `{"status":"ok","version":"v1"}`, wantErr: "status is not supported"},
		{name: "healthz as text", method: "GET", path: "/healthz", status: 200,
			header: http.Header{"Content-Type": {"text/plain"}}, body: `ok`, wantErr: "text/plain"},
		{name: "themes", method: "GET", path: "/v1/themes?kind=policy", status: 200, header: jsonCT,
			body: `{"items":[{"code":"waste","kind":"policy","labels":{"en":"Waste","fr":"Déchets","es":"Residuos"},"synonyms":{"en":["refuse"],"fr":[],"es":[]}}],"total":1,"next_cursor":null}`},
		{name: "themes, empty", method: "GET", path: "/v1/themes", status: 200, header: jsonCT, body: `{"items":[],"total":0,"next_cursor":null}`},
		{name: "themes with an unknown kind", method: "GET", path: "/v1/themes", status: 200, header: jsonCT,
			body: `{"items":[{"code":"waste","kind":"topic","labels":{},"synonyms":{}}],"total":1,"next_cursor":null}`, wantErr: "kind"},
		{name: "themes with an undocumented field", method: "GET", path: "/v1/themes", status: 200, header: jsonCT,
			body: `{"items":[],"total":0,"next_cursor":null,"page":1}`, wantErr: "page"},
		{name: "themes without total", method: "GET", path: "/v1/themes", status: 200, header: jsonCT,
			body: `{"items":[],"next_cursor":null}`, wantErr: "total"},
		{name: "themes, bad query", method: "GET", path: "/v1/themes?kind=x", status: 400, header: problemCT,
			body: `{"type":"/problems/bad-request","title":"Bad Request","status":400,"detail":"1 query parameter(s) are invalid: see errors","instance":"/v1/themes","request_id":"abc","errors":[{"field":"kind","message":"unknown value"}]}`},
		{name: "themes, problem with the wrong status", method: "GET", path: "/v1/themes?kind=x", status: 400, header: problemCT,
			body: `{"type":"/problems/bad-request","title":"Bad Request","status":404,"detail":"d"}`, wantErr: "status"},
		{name: "themes, problem as plain JSON", method: "GET", path: "/v1/themes?kind=x", status: 400, header: jsonCT,
			body: `{"type":"/problems/bad-request","title":"Bad Request","status":400,"detail":"d"}`, wantErr: "application/json"},
		{name: "city with its ETag", method: "GET", path: "/v1/cities/c1", status: 200, header: withETag(jsonCT, `"2"`), body: city},
		{name: "city without ETag", method: "GET", path: "/v1/cities/c1", status: 200, header: jsonCT, body: city, wantErr: `"ETag" missing`},
		{name: "city with a weak ETag", method: "GET", path: "/v1/cities/c1", status: 200, header: withETag(jsonCT, `W/"2"`), body: city, wantErr: "ETag"},
		{name: "city created without Location", method: "POST", path: "/v1/cities", status: 201, header: withETag(jsonCT, `"1"`), body: city, wantErr: `"Location" missing`},
		{name: "city with contact null", method: "GET", path: "/v1/cities/c1", status: 200, header: withETag(jsonCT, `"2"`),
			body: strings.Replace(city, `"name":"Lyon"`, `"name":"Lyon","contact":null`, 1), wantErr: "contact"},
		{name: "deleted", method: "DELETE", path: "/v1/cities/c1", status: 204, header: http.Header{}},
		{name: "deleted, with a body", method: "DELETE", path: "/v1/cities/c1", status: 204, header: jsonCT, body: `{}`, wantErr: "without a body"},
		{name: "unknown route", method: "GET", path: "/v1/towns", status: 404, header: problemCT,
			body: `{"type":"/problems/not-found","title":"Not Found","status":404,"detail":"no route matches this path"}`},
		{name: "unknown route answered 200", method: "GET", path: "/v1/towns", status: 200, header: jsonCT, body: `{}`, wantErr: "must be 404"},
		{name: "trailing slash", method: "GET", path: "/v1/themes/", status: 404, header: problemCT,
			body: `{"type":"/problems/not-found","title":"Not Found","status":404,"detail":"no route matches this path"}`},
		{name: "trailing slash answered as the list", method: "GET", path: "/v1/themes/", status: 200, header: jsonCT,
			body: `{"items":[],"total":0}`, wantErr: "must be 404"},
		{name: "HEAD answered as the GET, without a body", method: "HEAD", path: "/v1/themes", status: 200, header: jsonCT},
		{name: "HEAD with a body", method: "HEAD", path: "/v1/themes", status: 200, header: jsonCT, body: `{"items":[],"total":0}`, wantErr: "answered a body"},
		{name: "HEAD with a status the GET does not have", method: "HEAD", path: "/v1/themes", status: 409, header: problemCT, wantErr: "status is not supported"},
		{name: "HEAD where there is no GET", method: "HEAD", path: "/v1/review-rounds/r1/scores", status: 405, header: problemCT},
		{name: "method not allowed", method: "PUT", path: "/v1/themes/waste", status: 405, header: problemCT,
			body: `{"type":"/problems/method-not-allowed","title":"Method Not Allowed","status":405,"detail":"this method is not allowed on this path"}`},
		{name: "method not allowed answered 404", method: "PUT", path: "/v1/themes/waste", status: 404, header: problemCT,
			body: `{"type":"about:blank","title":"Not Found","status":404,"detail":"d"}`, wantErr: "must be 405"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			v.Check(rec, httptest.NewRequest(tc.method, tc.path, nil), tc.status, tc.header, []byte(tc.body))
			if rec.failed {
				t.Logf("failure message: %s", rec.msg)
			}
			switch {
			case tc.wantErr == "" && rec.failed:
				t.Fatalf("a conforming response failed the check: %s", rec.msg)
			case tc.wantErr != "" && !rec.failed:
				t.Fatalf("a response that does not conform passed the check; want a failure naming %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(rec.msg, tc.wantErr):
				t.Fatalf("failure message does not name %q: %s", tc.wantErr, rec.msg)
			}
		})
	}
}
