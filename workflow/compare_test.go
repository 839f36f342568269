package workflow_test

import (
	"context"
	"slices"
	"testing"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// TestCompareTakesTheNewest checks a comparison bounded by Limit: it
// compares the newest practices on the theme, says that there were more,
// and names each practice's city and context as the store has them.
func TestCompareTakesTheNewest(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		m := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), quiet)
		if err := m.Build(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := m.Compare(ctx, workflow.CompareRequest{Theme: "waste"})
		if err != nil || all.Limited || all.Practices < 3 {
			t.Fatalf("whole comparison: %d practices, limited %v, %v; want 3 or more, not limited", all.Practices, all.Limited, err)
		}
		var newest []string
		err = store.ScanPractices(ctx, profiles.PracticeFilter{Theme: "waste", Status: "published"}, func(b []profiles.Practice) error {
			for _, p := range b {
				newest = append(newest, p.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(newest)
		cases := []struct {
			name    string
			limit   int
			want    int
			limited bool
		}{
			{"two of them", 2, 2, true},
			{"exactly all", all.Practices, all.Practices, false},
			{"more than all", all.Practices + 5, all.Practices, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := m.Compare(ctx, workflow.CompareRequest{Theme: "waste", Limit: tc.limit})
				if err != nil || got.Practices != tc.want || got.Limited != tc.limited {
					t.Fatalf("%d practices, limited %v, %v; want %d, %v", got.Practices, got.Limited, err, tc.want, tc.limited)
				}
				var ids []string
				for _, g := range got.Groups {
					for _, p := range g.Practices {
						ids = append(ids, p.ID)
						city, err := store.FindCityByID(ctx, p.CityID)
						if err != nil || p.CityName != city.Name || p.Country != city.Country || p.Region != city.Region {
							t.Errorf("practice %s: city %q %s %s, want %q %s %s (%v)", p.ID, p.CityName, p.Country, p.Region, city.Name, city.Country, city.Region, err)
						}
					}
				}
				slices.Sort(ids)
				want := slices.Clone(newest[:tc.want])
				slices.Sort(want)
				if !slices.Equal(ids, want) {
					t.Fatalf("compared %v, want the newest %v", ids, want)
				}
			})
		}
	})
}
