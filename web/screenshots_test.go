package web_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// TestScreenshots writes the pictures of the main pages in each language to
// docs/ui/ when MATCHMAKER_SCREENSHOTS=1 (make screenshots); otherwise it
// skips: pictures are for the documentation, not for every run.
func TestScreenshots(t *testing.T) {
	if os.Getenv("MATCHMAKER_SCREENSHOTS") != "1" {
		t.Skip("set MATCHMAKER_SCREENSHOTS=1 (make screenshots) to write docs/ui/*.png")
	}
	svc := browsertest.Start(t, profilestest.SQLiteDB(t, true))
	dir := filepath.Join("..", "docs", "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	chs, err := svc.Store.FindChallenges(ctx, profiles.ChallengeFilter{CityID: svc.Users[profiles.RoleCity].CityID, Page: profiles.Page{Limit: 1}})
	if err != nil || len(chs.Items) == 0 {
		t.Fatalf("the demo officer's city has no challenge: %v", err)
	}
	challenge := "/challenges/" + chs.Items[0].ID
	for _, l := range langs {
		b := svc.Browser(t, l.code)
		shot := func(name, path string) {
			b.Open(path)
			b.Screenshot(filepath.Join(dir, name+"."+l.code+".png"))
		}
		shot("home", "/")
		shot("compare", "/compare?theme=waste")
		shot("search", "/search?q=water")
		b.SignInAs(profiles.RoleCity)
		shot("my-city", "/my/city")
		shot("suggestions", challenge+"?kind=cities")
		b.Open(challenge + "?kind=cities")
		b.Do(chromedp.Click(chromedp.CSS("#suggestions a.reasons")), chromedp.WaitVisible(chromedp.CSS("table")))
		b.Screenshot(filepath.Join(dir, "reasons."+l.code+".png"))
	}
}
