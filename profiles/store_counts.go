package profiles

import (
	"context"
	"fmt"
	"slices"

	"github.com/uptrace/bun"
)

// RegionCounts is how much of the network is in one region: its cities, the
// practices they show (drafts are not shown) and the experts based in them.
type RegionCounts struct {
	Region                     string
	Cities, Practices, Experts int
}

// CountByRegion counts the network by region, every region of Regions in
// their order, with three grouped counts rather than three a region.
func (s *Store) CountByRegion(ctx context.Context) ([]RegionCounts, error) {
	byRegion := map[string]*RegionCounts{}
	out := make([]RegionCounts, len(Regions))
	for i, r := range Regions {
		out[i].Region = r
		byRegion[r] = &out[i]
	}
	shown := bun.List(slices.DeleteFunc(slices.Clone(PracticeStatuses), func(st string) bool { return st == "draft" }))
	queries := []struct {
		what  string
		query string
		args  []any
		field func(*RegionCounts) *int
	}{
		{"cities", "SELECT region, COUNT(*) FROM cities GROUP BY region", nil, func(r *RegionCounts) *int { return &r.Cities }},
		{"practices", "SELECT c.region, COUNT(*) FROM practices AS p JOIN cities AS c ON c.id = p.city_id WHERE p.status IN (?) GROUP BY c.region",
			[]any{shown}, func(r *RegionCounts) *int { return &r.Practices }},
		{"experts", "SELECT c.region, COUNT(*) FROM experts AS e JOIN cities AS c ON c.id = e.city_id GROUP BY c.region",
			nil, func(r *RegionCounts) *int { return &r.Experts }},
	}
	for _, q := range queries {
		rows, err := s.idb().QueryContext(ctx, q.query, q.args...)
		if err != nil {
			return nil, fmt.Errorf("count %s by region: %w", q.what, err)
		}
		for rows.Next() {
			var region string
			var n int
			if err := rows.Scan(&region, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count %s by region: %w", q.what, err)
			}
			if r, ok := byRegion[region]; ok {
				*q.field(r) = n
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count %s by region: %w", q.what, err)
		}
	}
	return out, nil
}
