package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"matchmaker/api"
)

// TestIfNoneMatch: a GET whose If-None-Match names the current ETag answers
// 304 without a body; a stale or foreign tag gets the resource; a HEAD too.
func TestIfNoneMatch(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "lyon", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
		get := func(method, inm string) *httptest.ResponseRecorder {
			t.Helper()
			req := httptest.NewRequest(method, x.expand("/v1/cities/{lyon}"), nil)
			if inm != "" {
				req.Header.Set("If-None-Match", inm)
			}
			rec := httptest.NewRecorder()
			x.e.ServeHTTP(rec, req)
			x.v.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
			return rec
		}
		first := get("GET", "")
		etag := first.Header().Get("ETag")
		if first.Code != 200 || etag != `"1"` {
			t.Fatalf("GET: %d, ETag %q", first.Code, etag)
		}
		for _, tc := range []struct {
			name, method, inm string
			status            int
		}{
			{"the current tag", "GET", etag, 304},
			{"the current tag, weak", "GET", `W/"1"`, 304},
			{"a list holding it", "GET", `"7", "1"`, 304},
			{"any", "GET", "*", 304},
			{"a HEAD", "HEAD", etag, 304},
			{"an older tag", "GET", `"0"`, 200},
			{"garbage", "GET", `nonsense`, 200},
		} {
			rec := get(tc.method, tc.inm)
			if rec.Code != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.status)
			}
			if tc.status == 304 && (rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag || rec.Header().Get("Content-Type") != "") {
				t.Errorf("%s: 304 with body %q, ETag %q, Content-Type %q", tc.name, rec.Body, rec.Header().Get("ETag"), rec.Header().Get("Content-Type"))
			}
		}
		// After a change, the old tag gets the new version.
		x.run(t, []scenario{{name: "rename", method: "PATCH", path: "/v1/cities/{lyon}", body: `{"name":"Lyon Métropole"}`, status: 200}})
		if rec := get("GET", etag); rec.Code != 200 || rec.Header().Get("ETag") != `"2"` || !strings.Contains(rec.Body.String(), "Métropole") {
			t.Errorf("after a change: %d %s %s", rec.Code, rec.Header().Get("ETag"), rec.Body)
		}
		// A 404 stays a 404 whatever If-None-Match says.
		req := httptest.NewRequest("GET", "/v1/cities/nobody", nil)
		req.Header.Set("If-None-Match", "*")
		rec := httptest.NewRecorder()
		x.e.ServeHTTP(rec, req)
		if rec.Code != 404 {
			t.Errorf("If-None-Match: * on a missing city: %d", rec.Code)
		}
	})
}

// TestCORS: off by default; with origins configured, a preflight from one of
// them is answered with what it may send and read, a request from another is
// not given Access-Control-Allow-Origin, and credentials are never allowed.
func TestCORS(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		origins, err := api.ParseCORSOrigins(" https://App.example.org , http://localhost:3000")
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"app.example.org", "https://app.example.org/path", "ftp://x", "https://u:p@x.org"} {
			if _, err := api.ParseCORSOrigins(bad); err == nil {
				t.Errorf("origin %q accepted", bad)
			}
		}
		withCORS := api.New(api.Config{Store: x.store, Ready: func(context.Context) error { return nil }, CORSOrigins: origins,
			RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})
		send := func(e http.Handler, method, origin string, header map[string]string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, "/v1/cities", nil)
			if origin != "" {
				req.Header.Set("Origin", origin)
			}
			for k, v := range header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			return rec
		}
		preflight := map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"}
		// Off by default.
		if rec := send(x.e, "GET", "https://app.example.org", nil); rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("CORS answered without origins configured: %v", rec.Header())
		}
		if rec := send(x.e, "OPTIONS", "https://app.example.org", preflight); rec.Code == 204 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("a preflight answered without origins configured: %d %v", rec.Code, rec.Header())
		}
		// An allowed origin.
		rec := send(withCORS, "OPTIONS", "https://app.example.org", preflight)
		h := rec.Header()
		if rec.Code != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example.org" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") ||
			!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "idempotency-key") ||
			h.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from an allowed origin: %d %v", rec.Code, h)
		}
		rec = send(withCORS, "GET", "https://app.example.org", nil)
		if rec.Code != 200 || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.org" ||
			!strings.Contains(rec.Header().Get("Access-Control-Expose-Headers"), "ETag") ||
			!strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Origin") {
			t.Errorf("GET from an allowed origin: %d %v", rec.Code, rec.Header())
		}
		// Another origin: no grant; the request itself is answered as
		// without CORS (the browser withholds it from the page).
		for _, o := range []string{"https://evil.example.org", "https://app.example.org.evil.example", "null"} {
			rec := send(withCORS, "GET", o, nil)
			if rec.Header().Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("origin %s granted: %v", o, rec.Header())
			}
		}
		// A write from an allowed origin still needs a key.
		rec = send(withCORS, "POST", "https://app.example.org", map[string]string{"Content-Type": "application/json"})
		if rec.Code != 401 || rec.Header().Get("Access-Control-Allow-Origin") != "https://app.example.org" {
			t.Errorf("POST without a key from an allowed origin: %d %v", rec.Code, rec.Header())
		}
	})
}
