package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// words are what the pages say in each language, for the journeys to
// check that a person reads their own.
var words = map[string]struct{ why, post, suggestions string }{
	"en": {"Why ", "Post the challenge", "Who can help"},
	"fr": {"Pourquoi ", "Publier le défi", "Qui peut aider"},
	"es": {"¿Por qué ", "Publicar el desafío", "Quién puede ayudar"},
}

// TestCityOfficerJourney: in each language, on each database, a city officer
// signs in, posts a challenge, reads who can help, opens a suggestion's
// reasons, tries other weights, asks for a pairing with a partner city and
// finds the proposal; every page on the way passes axe.
func TestCityOfficerJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				w := words[l.code]
				b := svc.Browser(t, l.code)
				// A page's markup does not depend on the database: axe checks
				// the pages of this journey on SQLite, the journey itself runs
				// on both.
				axe := func() {
					if svc.DB.Name == "sqlite" {
						b.Axe()
					}
				}
				u := b.SignInAs(profiles.RoleCity)
				if loc := b.Location(); loc != "/my/city" {
					t.Fatalf("after sign-in: at %s, want /my/city", loc)
				}
				axe()

				// Post a challenge.
				b.Open("/my/challenges/new")
				axe()
				b.Do(
					chromedp.SendKeys(chromedp.CSS("#f-title"), "Household waste sorting in dense neighbourhoods "+l.code),
					chromedp.SendKeys(chromedp.CSS("#f-description"), "Our city collects household waste in dense informal neighbourhoods "+
						"where trucks cannot enter. We want to learn how other cities organised door-to-door pre-collection "+
						"with local associations, sorting at source and recycling of organic waste."),
					chromedp.Click(chromedp.CSS("input[name=themes][value=waste]")),
					chromedp.SetValue(chromedp.CSS("#f-language"), "en"),
				)
				if got := b.Text("main form > button[type=submit]"); got != w.post {
					t.Errorf("submit button = %q, want %q", got, w.post)
				}
				b.Do(
					chromedp.Submit(chromedp.CSS("#f-title")),
					chromedp.WaitVisible(chromedp.CSS("#suggestions")),
				)
				if loc := b.Location(); !strings.HasPrefix(loc, "/challenges/") {
					t.Fatalf("after posting: at %s, want the challenge's page", loc)
				}
				challenge := b.Location()
				if got := b.Text("#sug-heading"); got != w.suggestions {
					t.Errorf("suggestions heading = %q, want %q", got, w.suggestions)
				}
				axe()

				// Open the first suggestion's reasons.
				b.Do(
					chromedp.Click(chromedp.CSS("#suggestions a.reasons")),
					chromedp.WaitVisible(chromedp.CSS("svg.factors")),
				)
				if got := b.Text("h1"); !strings.HasPrefix(got, w.why) {
					t.Errorf("reasons heading = %q, want it to start with %q", got, w.why)
				}
				if got := b.Text("table tbody tr th"); got == "" {
					t.Error("the reasons show no factor")
				}
				axe()

				// Partner cities, with another weight: htmx refreshes the list
				// in place.
				b.Open(challenge)
				b.Do(
					chromedp.Click(chromedp.CSS(".tabs li:nth-child(3) a")),
					chromedp.WaitVisible(chromedp.CSS("#suggestions form[action$='/pairings']")),
				)
				before := b.Location()
				b.Do(
					chromedp.SetValue(chromedp.CSS("#w-themes"), "1"),
					chromedp.Evaluate[chromedp.Void](`document.querySelector("#w-themes").dispatchEvent(new Event("change", {bubbles: true}))`),
					// The list the server answers for the new weights says them.
					chromedp.WaitVisible(chromedp.CSS("#suggestions[data-query*='w_themes=1'] form[action$='/pairings']")),
				)
				if after := b.Location(); after != before {
					t.Errorf("changing a weight left the page for %s", after)
				}
				axe()
				b.Do(
					chromedp.Click(chromedp.CSS("#suggestions form[action$='/pairings'] button")),
					chromedp.WaitVisible(chromedp.CSS("#proposal-heading")),
				)
				if loc := b.Location(); !strings.HasPrefix(loc, "/proposals/") {
					t.Fatalf("after asking for a pairing: at %s (%s), want the proposal's page", loc, b.Text("main"))
				}
				axe()
				b.Open("/my/city")
				if got := b.Text("#pp-heading + table tbody"); !strings.Contains(got, "dense neighbourhoods "+l.code) {
					t.Errorf("the proposal is not on %s's page: %q", u.Name, got)
				}
				b.Open("/my/city/edit")
				axe()
				b.Open("/my/practices/new")
				axe()
			})
		}
	})
}

// TestPublicPagesAreAccessible: every page anyone reads passes axe in each
// language. A page's markup does not depend on the database, so this runs on
// SQLite alone; the journeys above run on both.
func TestPublicPagesAreAccessible(t *testing.T) {
	browsertest.NeedChromium(t)
	func(t *testing.T, svc *browsertest.Service) {
		ctx := t.Context()
		cities, err := svc.Store.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		none := ""
		practices, err := svc.Store.FindPractices(ctx, profiles.PracticeFilter{DraftsOf: &none, Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		experts, err := svc.Store.FindExperts(ctx, profiles.ExpertFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		challenges, err := svc.Store.FindChallenges(ctx, profiles.ChallengeFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		pages := []string{"/", "/cities", "/cities?region=africa", "/cities/" + cities.Items[0].ID, "/practices", "/practices?theme=waste",
			"/practices/" + practices.Items[0].ID, "/experts", "/experts/" + experts.Items[0].ID, "/search?q=water",
			"/compare", "/compare?theme=waste", "/challenges/" + challenges.Items[0].ID, "/challenges/" + challenges.Items[0].ID + "?kind=experts",
			"/sign-in", "/no/such/page"}
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				b := svc.Browser(t, l.code)
				for _, p := range pages {
					b.Open(p)
					if got := browsertest.Get(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value; got != l.code {
						t.Errorf("%s: html lang = %q, want %q", p, got, l.code)
					}
					b.Axe()
				}
			})
		}
	}(t, browsertest.Start(t, profilestest.SQLiteDB(t, true)))
}
