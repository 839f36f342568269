package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// englishWords are words of the network's English sentences on invalid fields
// and broken rules; none of them is a word of French or Spanish.
var englishWords = regexp.MustCompile(`\b(must|required|eligible|between|empty|characters|seats|meets|rules|least|available|experts from|share a)\b`)

var (
	titleError   = regexp.MustCompile(`(?s)<p class="error" id="title-error">(.*?)</p>`)
	problemBlock = regexp.MustCompile(`(?s)<div class="problem" role="alert">(.*?)</div>`)
	paragraph    = regexp.MustCompile(`(?s)<p[^>]*>(.*?)</p>`)
)

// TestFormErrorsInTheReadersLanguage: a field error of a form and the reason
// no panel meets the secretariat's rules are said in the page's language, in
// French and Spanish without an English sentence, as the JSON API says them.
func TestFormErrorsInTheReadersLanguage(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		officer, staff := client(t), client(t)
		signIn(t, svc, officer, svc.Users[profiles.RoleCity].Email)
		signIn(t, svc, staff, svc.Users[profiles.RoleSecretariat].Email)
		// A panel of ten, at most one per country, speaking one language: a
		// challenge the demo's network cannot seat it for.
		rules := url.Values{"size": {"10"}, "max_per_country": {"1"}, "common_language": {"on"}}
		chs, err := svc.Store.FindChallenges(t.Context(), profiles.ChallengeFilter{Status: "open", Page: profiles.Page{Limit: 50}})
		if err != nil {
			t.Fatal(err)
		}
		challenge := ""
		_, body := get(t, staff, svc.URL+"/staff")
		token := csrfField.FindStringSubmatch(body)[1]
		for _, ch := range chs.Items {
			rules.Set("_csrf", token)
			if res, _ := post(t, staff, svc.URL+"/staff/challenges/"+ch.ID+"/panels", rules); res.StatusCode == http.StatusUnprocessableEntity {
				challenge = ch.ID
				break
			}
		}
		if challenge == "" {
			t.Fatal("the demo seats a panel of ten, one per country, for every open challenge")
		}

		said := map[string][2]string{} // language -> field error, rule's reason
		for _, lang := range []string{"en", "fr", "es"} {
			// A challenge without a title.
			req, _ := http.NewRequest(http.MethodGet, svc.URL+"/my/challenges/new", nil)
			req.Header.Set("Accept-Language", lang)
			_, body := do(t, officer, req)
			token := csrfField.FindStringSubmatch(body)[1]
			res, body := postLang(t, officer, svc.URL+"/my/challenges", lang, url.Values{"_csrf": {token}, "title": {""},
				"description": {"Our markets leave too much organic waste behind."}, "language": {"en"}})
			m := titleError.FindStringSubmatch(body)
			if res.StatusCode != http.StatusUnprocessableEntity || m == nil {
				t.Fatalf("%s: a challenge without a title: %d, and no error beside the title", lang, res.StatusCode)
			}
			fieldError := html.UnescapeString(strings.TrimSpace(m[1]))

			_, body = get(t, staff, svc.URL+"/staff", "Accept-Language", lang)
			rules.Set("_csrf", csrfField.FindStringSubmatch(body)[1])
			res, body = postLang(t, staff, svc.URL+"/staff/challenges/"+challenge+"/panels", lang, rules)
			m = problemBlock.FindStringSubmatch(body)
			if res.StatusCode != http.StatusUnprocessableEntity || m == nil {
				t.Fatalf("%s: an impossible panel: %d, and no problem shown", lang, res.StatusCode)
			}
			ps := paragraph.FindAllStringSubmatch(m[1], -1)
			if len(ps) < 2 {
				t.Fatalf("%s: the problem says not which rule: %s", lang, m[1])
			}
			var reasons []string
			for _, p := range ps[1:] {
				reasons = append(reasons, html.UnescapeString(strings.TrimSpace(p[1])))
			}
			said[lang] = [2]string{fieldError, strings.Join(reasons, " ")}
			t.Logf("%s: %q / %q", lang, fieldError, said[lang][1])
		}
		for i, what := range []string{"field error", "rule's reason"} {
			if w := englishWords.FindString(said["en"][i]); w == "" {
				t.Errorf("the English %s %q has none of the English words the test looks for: the test sees nothing", what, said["en"][i])
			}
			for _, lang := range []string{"fr", "es"} {
				got := said[lang][i]
				if got == said["en"][i] || got == "" {
					t.Errorf("%s: the %s is %q, the English one", lang, what, got)
				}
				if w := englishWords.FindString(got); w != "" {
					t.Errorf("%s: the %s %q holds the English %q", lang, what, got, w)
				}
			}
		}
	})
}

func postLang(t testing.TB, c *http.Client, u, lang string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", lang)
	return do(t, c, req)
}
