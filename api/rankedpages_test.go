package api_test

import (
	"encoding/json"
	"net/url"
	"testing"

	"matchmaker/matcher"
)

// TestRankedListsPage pages through suggestions, opportunities and partners
// one item at a time: the pages hold the whole list in order, every page says
// the same total, the last one has no next cursor, and each item names what it
// points to and its city without a second request.
func TestRankedListsPage(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		network(t, x)
		for _, base := range []string{
			"/v1/challenges/{c_waste}/suggestions?require_shared_language=false",
			"/v1/challenges/{c_waste}/suggestions?kind=experts&require_shared_language=false",
			"/v1/challenges/{c_waste}/suggestions?kind=cities",
			"/v1/experts/{e_awa}/opportunities?require_shared_language=false",
			"/v1/cities/{dakar}/partners?require_shared_language=false",
		} {
			t.Run(base, func(t *testing.T) {
				type page struct {
					Items      []matcher.Suggestion
					Total      int
					NextCursor *string `json:"next_cursor"`
				}
				get := func(path string) page {
					r := x.do(t, "GET", path, "")
					if r.Status != 200 {
						t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
					}
					var p page
					if err := json.Unmarshal(r.Body, &p); err != nil {
						t.Fatal(err)
					}
					return p
				}
				whole := get(base + "&limit=100")
				if whole.NextCursor != nil || whole.Total != len(whole.Items) || len(whole.Items) == 0 {
					t.Fatalf("the whole list: %d items, total %d, next %v", len(whole.Items), whole.Total, whole.NextCursor)
				}
				for _, it := range whole.Items {
					if it.Name == "" {
						t.Errorf("%s %s has no name", it.Kind, it.ID)
					}
					if it.Kind != matcher.KindCity && (it.CityID == "" || it.CityName == "") && it.Kind != matcher.KindExpert {
						t.Errorf("%s %s: city %q %q", it.Kind, it.ID, it.CityID, it.CityName)
					}
				}
				var ids []string
				path := base + "&limit=1"
				for range 100 {
					p := get(path)
					if p.Total != whole.Total {
						t.Errorf("page total %d, the list's %d", p.Total, whole.Total)
					}
					for _, it := range p.Items {
						ids = append(ids, it.ID)
					}
					if p.NextCursor == nil {
						break
					}
					path = base + "&limit=1&cursor=" + url.QueryEscape(*p.NextCursor)
				}
				if len(ids) != len(whole.Items) {
					t.Fatalf("paged %d items, the list holds %d", len(ids), len(whole.Items))
				}
				for i, it := range whole.Items {
					if ids[i] != it.ID {
						t.Errorf("item %d: paged %s, listed %s", i, ids[i], it.ID)
					}
				}
			})
		}
		x.run(t, []scenario{
			{name: "a cursor of another list is refused", method: "GET", path: "/v1/challenges/{c_waste}/suggestions?cursor=bm90LWEtY3Vyc29y", status: 400, contains: []string{"cursor"}},
		})
	})
}
