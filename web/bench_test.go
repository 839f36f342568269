package web_test

import (
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// BenchmarkPages renders each main page of the demo network on SQLite over
// loopback HTTP, as a browser asks for it: the server's whole time for the
// page (routing, session, store reads, matching, template), with its p95 in
// milliseconds as a metric of its own.
func BenchmarkPages(b *testing.B) {
	svc := browsertest.Start(b, profilestest.SQLiteDB(b, true))
	ctx := b.Context()
	officer := client(b)
	chs, err := svc.Store.FindChallenges(ctx, profiles.ChallengeFilter{CityID: svc.Users[profiles.RoleCity].CityID, Page: profiles.Page{Limit: 1}})
	if err != nil || len(chs.Items) == 0 {
		b.Fatalf("no challenge for the demo officer: %v", err)
	}
	cities, _ := svc.Store.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 1}})
	none := ""
	practices, _ := svc.Store.FindPractices(ctx, profiles.PracticeFilter{DraftsOf: &none, Page: profiles.Page{Limit: 1}})
	ch := "/challenges/" + chs.Items[0].ID
	signIn(b, svc, officer, svc.Users[profiles.RoleCity].Email)
	pages := []struct {
		name, path string
		signedIn   bool
	}{
		{"home", "/", false},
		{"cities", "/cities", false},
		{"city", "/cities/" + cities.Items[0].ID, false},
		{"practices", "/practices?theme=waste", false},
		{"practice", "/practices/" + practices.Items[0].ID, false},
		{"experts", "/experts", false},
		{"search", "/search?q=water", false},
		{"compare", "/compare?theme=waste", false},
		{"challenge_practices", ch, false},
		{"challenge_experts", ch + "?kind=experts", false},
		{"challenge_cities", ch + "?kind=cities", false},
		{"my_city", "/my/city", true},
	}
	anon := &http.Client{}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			c := anon
			if p.signedIn {
				c = officer
			}
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				res, err := c.Get(svc.URL + p.path)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				took = append(took, time.Since(start))
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", p.path, res.StatusCode)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
