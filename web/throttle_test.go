package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"matchmaker/people"
	"matchmaker/profiles/profilestest"
	"matchmaker/web"
	"matchmaker/web/browsertest"
)

// TestVolunteerFormIsThrottled: one address may send the public application
// form a handful of times, then is told in its own language to wait; another
// address is not held back by it, and the sign-in form keeps its own budget.
func TestVolunteerFormIsThrottled(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		store := profilestest.OpenStore(t, db)
		folks, err := people.New(people.Config{Store: store, Sender: &browsertest.Outbox{}})
		if err != nil {
			t.Fatal(err)
		}
		// Addresses come from X-Forwarded-For, set by the test as a proxy on
		// the loopback would.
		h, err := web.New(web.Config{Store: store, People: folks, IPExtractor: echo.ExtractIPFromXFFHeader()})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()

		c := client(t)
		_, body := get(t, c, srv.URL+"/volunteer")
		token := csrfField.FindStringSubmatch(body)[1]
		send := func(path, from string, form url.Values) (*http.Response, string) {
			form.Set("_csrf", token)
			req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", from)
			req.Header.Set("Accept-Language", "fr")
			return do(t, c, req)
		}
		var codes []int
		var last *http.Response
		var lastBody string
		for range 7 {
			last, lastBody = send("/volunteer", "203.0.113.7", url.Values{"email": {"not an address"}})
			codes = append(codes, last.StatusCode)
		}
		if codes[0] != http.StatusUnprocessableEntity || codes[6] != http.StatusTooManyRequests {
			t.Fatalf("statuses of seven applications in a row: %v, want 422 first and 429 last", codes)
		}
		if !strings.Contains(lastBody, "Trop de tentatives") || last.Header.Get("Content-Language") != "fr" {
			t.Errorf("the 429 page is not in French (Content-Language %q)", last.Header.Get("Content-Language"))
		}
		if last.Header.Get("Retry-After") == "" {
			t.Error("the 429 says not when to try again")
		}
		if res, _ := send("/volunteer/confirm/made-up", "203.0.113.7", url.Values{}); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("guessing a confirmation link from the throttled address: %d, want 429", res.StatusCode)
		}
		if res, _ := send("/volunteer", "198.51.100.9", url.Values{"email": {"not an address"}}); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("another address: %d, want 422 (its own budget)", res.StatusCode)
		}
		if res, _ := send("/sign-in", "203.0.113.7", url.Values{"email": {"someone@x.example"}}); res.StatusCode != http.StatusOK {
			t.Errorf("sign-in from the address throttled on the application form: %d, want 200", res.StatusCode)
		}
	})
}
