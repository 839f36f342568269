package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/web/browsertest"
)

// TestInviteJourney: in each language, on each database, the secretariat
// opens the people page from its tabs, sends the invitation form empty and
// reads what to fix in its language, invites a city officer for a city in
// that language; the officer follows the emailed link, confirms, and lands
// on their city's page, in their language. axe finds nothing serious on any
// page on the way.
func TestInviteJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		cities, err := svc.Store.FindCities(t.Context(), profiles.CityFilter{Page: profiles.Page{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		var city profiles.City
		for _, c := range cities.Items {
			if c.ID != svc.Users[profiles.RoleCity].CityID {
				city = c
				break
			}
		}
		required := map[string]string{"en": "is required", "fr": "obligatoire", "es": "obligatorio"}
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				b := svc.Browser(t, l.code)
				b.SignInAs(profiles.RoleSecretariat)
				b.Open("/staff")
				b.Do(chromedp.Click(chromedp.CSS(".staff-tabs a[href='/staff/people']")), chromedp.WaitVisible(chromedp.CSS("form#invite")))
				if b.Location() != "/staff/people" {
					t.Fatalf("the people tab leads to %s", b.Location())
				}
				b.Axe()

				// Sent empty: every field to fix, in the reader's language.
				b.Do(chromedp.Click(chromedp.CSS("form#invite button[type='submit']")), chromedp.WaitVisible(chromedp.CSS("#name-error")))
				if got := b.Text("#name-error"); !strings.Contains(got, required[l.code]) {
					t.Errorf("the name's error = %q, want it to say %q", got, required[l.code])
				}
				if got := b.Text("#email-error"); got == "" {
					t.Error("no error beside the email")
				}
				b.Axe()

				email := "officer." + l.code + "@example.org"
				b.Do(
					chromedp.SetValue(chromedp.CSS("#f-email"), email),
					chromedp.SetValue(chromedp.CSS("#f-name"), "Officer "+strings.ToUpper(l.code)),
					chromedp.SetValue(chromedp.CSS("#f-role"), profiles.RoleCity),
					chromedp.SetValue(chromedp.CSS("#f-city_id"), city.ID),
					chromedp.SetValue(chromedp.CSS("#f-lang"), l.code),
					chromedp.Click(chromedp.CSS("form#invite button[type='submit']")),
					chromedp.WaitVisible(chromedp.CSS("#invited")),
				)
				if got := b.Text("#invited"); !strings.Contains(got, email) {
					t.Errorf("the notice = %q, want it to name %s", got, email)
				}
				if n := count(b, "#people tr[data-email='"+email+"']"); n != 1 {
					t.Errorf("the list shows the invitee %d times", n)
				}
				b.Axe()

				// The invitee, in a browser of their own, by the emailed link.
				link := svc.Outbox.LastLink(email)
				if link == "" {
					t.Fatal("no sign-in link was sent")
				}
				o := svc.Browser(t, l.code)
				o.Do(
					chromedp.Navigate(link),
					chromedp.WaitVisible(chromedp.CSS("#confirm-sign-in")),
					chromedp.Click(chromedp.CSS("#confirm-sign-in")),
					chromedp.WaitVisible(chromedp.CSS("form[action='/sign-out']")),
				)
				if got := o.Location(); got != "/my/city" {
					t.Errorf("the invitee lands on %s, want /my/city", got)
				}
				if got := o.Text("h1"); !strings.Contains(got, city.Name) {
					t.Errorf("the invitee's page heading = %q, want their city %q", got, city.Name)
				}
				if got := browsertest.Get(o, chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value; got != l.code {
					t.Errorf("the invitee reads the pages in %q, want %q", got, l.code)
				}
				o.Axe()
			})
		}
	})
}
