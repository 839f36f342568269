package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/web/browsertest"
)

// langs are the languages every journey runs in, with a word of the
// language's own that its pages show.
var langs = []struct{ code, signIn, signOut string }{
	{"en", "Sign in", "Sign out"},
	{"fr", "Connexion", "Se déconnecter"},
	{"es", "Iniciar sesión", "Cerrar sesión"},
}

// TestSignInJourney: in each language, on each database, a city officer
// asks for a sign-in link, follows it, is signed in on pages in their
// language, and signs out. (axe checks these pages in TestPublicPagesAreAccessible
// and TestCityOfficerJourney.)
func TestSignInJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				b := svc.Browser(t, l.code)
				b.Open("/")
				if got := browsertest.Get(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value; got != l.code {
					t.Errorf("html lang = %q, want %q", got, l.code)
				}
				b.Open("/sign-in")
				if got := b.Text("h1"); got != l.signIn {
					t.Errorf("sign-in heading = %q, want %q", got, l.signIn)
				}
				u := b.SignInAs(profiles.RoleCity)
				if got := b.Text(".who"); got == "" || !strings.Contains(got, u.Name) {
					t.Errorf("signed-in banner = %q, want it to name %q", got, u.Name)
				}
				if got := b.Text("form[action='/sign-out'] button"); got != l.signOut {
					t.Errorf("sign-out button = %q, want %q", got, l.signOut)
				}
				b.Do(chromedp.Click(chromedp.CSS("form[action='/sign-out'] button")),
					chromedp.WaitVisible(chromedp.CSS("header a[href^='/sign-in']")))
			})
		}
	})
}
