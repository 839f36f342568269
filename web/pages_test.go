package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"matchmaker/people"
	"matchmaker/profiles/profilestest"
	"matchmaker/web"
	"matchmaker/web/browsertest"
)

// client is a browser without a browser: cookies, no redirects followed.
func client(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t testing.TB, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

func do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func post(t testing.TB, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

// TestPagesWithoutABrowser: the rules of the frame every page shares, on
// each database: forms need their token, links stay on the site, the
// language follows choice, then the browser, then the officer's city, and a
// sign-in link works once.
func TestPagesWithoutABrowser(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)

		t.Run("forms need their token", func(t *testing.T) {
			c := client(t)
			get(t, c, svc.URL+"/sign-in")
			res, body := post(t, c, svc.URL+"/sign-in", url.Values{"email": {"a@b.example"}})
			if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "This form has expired") {
				t.Errorf("POST without token: %d, want 403 and the page saying why", res.StatusCode)
			}
			res, _ = post(t, c, svc.URL+"/sign-in", url.Values{"email": {"a@b.example"}, "_csrf": {"forged"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("POST with a forged token: %d, want 403", res.StatusCode)
			}
		})

		t.Run("links stay on the site", func(t *testing.T) {
			c := client(t)
			for next, want := range map[string]string{
				"/sign-in":              "/sign-in",
				"//evil.example/x":      "/",
				"/\\evil.example":       "/",
				"https://evil.example/": "/",
				"":                      "/",
			} {
				res, _ := get(t, c, svc.URL+"/lang/fr?next="+url.QueryEscape(next))
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
					t.Errorf("next=%q: %d to %q, want 303 to %q", next, res.StatusCode, res.Header.Get("Location"), want)
				}
			}
			if res, _ := get(t, c, svc.URL+"/lang/de"); res.StatusCode != http.StatusNotFound {
				t.Errorf("/lang/de: %d, want 404", res.StatusCode)
			}
		})

		t.Run("language", func(t *testing.T) {
			c := client(t)
			if res, _ := get(t, c, svc.URL+"/", "Accept-Language", "es-MX,es;q=0.9,en;q=0.5"); res.Header.Get("Content-Language") != "es" {
				t.Errorf("Accept-Language es: page in %q", res.Header.Get("Content-Language"))
			}
			get(t, c, svc.URL+"/lang/fr")
			if res, body := get(t, c, svc.URL+"/", "Accept-Language", "es"); res.Header.Get("Content-Language") != "fr" || !strings.Contains(body, `<html lang="fr">`) {
				t.Errorf("after choosing French: page in %q", res.Header.Get("Content-Language"))
			}
			// A city officer whose browser names none of our languages reads
			// their city's.
			officer := client(t)
			signIn(t, svc, officer, svc.Users["city"].Email)
			city, err := svc.Store.FindCityByID(t.Context(), svc.Users["city"].CityID)
			if err != nil {
				t.Fatal(err)
			}
			if res, _ := get(t, officer, svc.URL+"/", "Accept-Language", "de"); res.Header.Get("Content-Language") != city.Languages[0] {
				t.Errorf("officer of %s: page in %q, want %q", city.Name, res.Header.Get("Content-Language"), city.Languages[0])
			}
		})

		t.Run("a link signs in once", func(t *testing.T) {
			c := client(t)
			link := signIn(t, svc, c, svc.Users["expert"].Email)
			other := client(t)
			_, body := get(t, other, link)
			token := csrfField.FindStringSubmatch(body)
			res, _ := post(t, other, link, url.Values{"_csrf": {token[1]}})
			if res.StatusCode != http.StatusGone {
				t.Errorf("second use of a link: %d, want 410", res.StatusCode)
			}
			_, body = get(t, c, svc.URL+"/")
			if !strings.Contains(body, svc.Users["expert"].Name) {
				t.Error("the page does not show who is signed in")
			}
		})

		t.Run("unknown page", func(t *testing.T) {
			res, body := get(t, client(t), svc.URL+"/no/such/page", "Accept-Language", "fr")
			if res.StatusCode != http.StatusNotFound || !strings.Contains(body, "existe pas ou n") {
				t.Errorf("unknown page: %d, want 404 and a page in French", res.StatusCode)
			}
		})
	})
}

// signIn signs c in as email through the forms and returns the link used.
func signIn(t testing.TB, svc *browsertest.Service, c *http.Client, email string) string {
	t.Helper()
	_, body := get(t, c, svc.URL+"/sign-in")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the sign-in form has no token")
	}
	if res, _ := post(t, c, svc.URL+"/sign-in", url.Values{"email": {email}, "_csrf": {m[1]}}); res.StatusCode != http.StatusOK {
		t.Fatalf("ask for a link: %d", res.StatusCode)
	}
	link := svc.Outbox.LastLink(email)
	_, body = get(t, c, link)
	m = csrfField.FindStringSubmatch(body)
	res, _ := post(t, c, link, url.Values{"_csrf": {m[1]}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm sign-in: %d", res.StatusCode)
	}
	return link
}

// TestRouteTableIsComplete: every page has a handler and names who may open it
// as the route table's rules say.
func TestRouteTableIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range web.RouteTable() {
		k := r.Method + " " + r.Path
		if seen[k] {
			t.Errorf("%s twice in the route table", k)
		}
		seen[k] = true
		switch r.Auth {
		case "", "user", "city", "expert", "secretariat", "admin":
		default:
			t.Errorf("%s: unknown access %q", k, r.Auth)
		}
	}
	if !seen["GET /"] {
		t.Error("no home page")
	}
}

// TestSignInIsThrottled: one address may ask for a handful of sign-in links,
// then waits: each ask may send a mail.
func TestSignInIsThrottled(t *testing.T) {
	store := profilestest.OpenStore(t, profilestest.SQLiteDB(t, true))
	folks, err := people.New(people.Config{Store: store, Sender: &browsertest.Outbox{}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Store: store, People: folks})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := client(t)
	_, body := get(t, c, srv.URL+"/sign-in")
	token := csrfField.FindStringSubmatch(body)[1]
	codes := []int{}
	for range 7 {
		res, _ := post(t, c, srv.URL+"/sign-in", url.Values{"email": {"someone@x.example"}, "_csrf": {token}})
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != http.StatusOK || codes[6] != http.StatusTooManyRequests {
		t.Errorf("statuses of seven asks in a row: %v, want 200 first and 429 last", codes)
	}
}
