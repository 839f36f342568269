package assembly_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"matchmaker/matcher/assembly"
)

// This file holds what the property tests compare the solvers with: a
// random instance generator, a validator written from the rules' wording
// (no code shared with the package), and brute-force enumerations.

var (
	testRoles     = []string{"mayor", "elected_official", "public_service_manager", "technical_officer", "academic"}
	testCountries = []string{"SN", "FR", "BR", "KE", "MA"}
	testRegions   = map[string]string{"SN": "africa", "FR": "europe", "BR": "americas", "KE": "africa", "MA": "africa"}
	testLangs     = []string{"fr", "en", "pt", "es"}
	testSkills    = []string{"budget", "waste", "planning", "data"}
)

// dyadic draws a score k/64: sums are exact in floating point, so that
// optimal values compare with ==.
func dyadic(rng *rand.Rand) float64 { return float64(rng.IntN(65)) / 64 }

func genCandidates(rng *rand.Rand, n int, prefix string) []assembly.Candidate {
	cs := make([]assembly.Candidate, n)
	for i := range cs {
		country := testCountries[rng.IntN(len(testCountries))]
		c := assembly.Candidate{
			ID:           fmt.Sprintf("%s%02d", prefix, i),
			Score:        dyadic(rng),
			Role:         testRoles[rng.IntN(len(testRoles))],
			Seniority:    []string{"junior", "senior", "leadership", ""}[rng.IntN(4)],
			Country:      country,
			Region:       testRegions[country],
			CapacityLeft: rng.IntN(4) - 0,
		}
		if rng.IntN(8) == 0 {
			c.CityID = "dakar"
		}
		for _, l := range testLangs {
			if rng.IntN(2) == 0 {
				c.Languages = append(c.Languages, l)
			}
		}
		for _, s := range testSkills {
			if rng.IntN(3) == 0 {
				c.Covers = append(c.Covers, s)
			}
		}
		switch rng.IntN(20) {
		case 0:
			c.Paused = true
		case 1:
			c.Unavailable = true
		case 2:
			c.Declined = true
		case 3:
			c.Excluded = "excluded by the secretariat: conflict of interest"
		}
		cs[i] = c
	}
	return cs
}

func genPanelRules(rng *rand.Rand, cands []assembly.Candidate, maxSize int) assembly.PanelRules {
	r := assembly.PanelRules{
		Size:             2 + rng.IntN(maxSize-1),
		CityID:           "dakar",
		CityCountry:      "SN",
		AllowHomeCountry: rng.IntN(2) == 0,
	}
	if rng.IntN(2) == 0 {
		r.RoleQuotas = append(r.RoleQuotas, assembly.RoleQuota{Roles: []string{"mayor", "elected_official"}, Min: 1})
	}
	if rng.IntN(3) == 0 {
		r.RoleQuotas = append(r.RoleQuotas, assembly.RoleQuota{Roles: []string{"public_service_manager", "mayor"}, Min: 1 + rng.IntN(2)})
	}
	if rng.IntN(2) == 0 {
		r.MaxPerCountry = 1 + rng.IntN(2)
	}
	if rng.IntN(3) == 0 {
		r.MaxPerRegion = 1 + rng.IntN(3)
	}
	if rng.IntN(3) == 0 {
		r.MinOtherCountries = 1 + rng.IntN(min(3, r.Size))
	}
	if rng.IntN(2) == 0 {
		r.CityLanguages = []string{"fr", "wo"}
	}
	r.CommonLanguage = rng.IntN(2) == 0
	if rng.IntN(4) == 0 && len(cands) > 0 {
		r.Pinned = []string{cands[rng.IntN(len(cands))].ID}
	}
	if rng.IntN(4) == 0 && len(cands) > 0 {
		r.Excluded = []string{cands[rng.IntN(len(cands))].ID}
	}
	return r
}

// validPanel says whether ids is a panel meeting every rule of r, written
// from the rules' wording.
func validPanel(r assembly.PanelRules, cands []assembly.Candidate, ids []string) error {
	if len(ids) != r.Size {
		return fmt.Errorf("%d members for %d seats", len(ids), r.Size)
	}
	byID := map[string]assembly.Candidate{}
	for _, c := range cands {
		byID[c.ID] = c
	}
	var members []assembly.Candidate
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return fmt.Errorf("%s twice", id)
		}
		c, ok := byID[id]
		if !ok {
			return fmt.Errorf("%s unknown", id)
		}
		if err := personallyEligible(c, r.CityID, r.CityCountry, r.AllowHomeCountry, r.CityLanguages, r.Excluded); err != nil {
			return err
		}
		members = append(members, c)
	}
	for _, q := range r.RoleQuotas {
		n := 0
		for _, c := range members {
			if slices.Contains(q.Roles, c.Role) {
				n++
			}
		}
		if n < q.Min {
			return fmt.Errorf("quota %v: %d", q.Roles, n)
		}
	}
	perCountry, perRegion := map[string]int{}, map[string]int{}
	for _, c := range members {
		perCountry[c.Country]++
		perRegion[c.Region]++
	}
	for k, n := range perCountry {
		if r.MaxPerCountry > 0 && n > r.MaxPerCountry {
			return fmt.Errorf("%d from %s", n, k)
		}
	}
	for k, n := range perRegion {
		if r.MaxPerRegion > 0 && n > r.MaxPerRegion {
			return fmt.Errorf("%d from %s", n, k)
		}
	}
	others := 0
	for k := range perCountry {
		if k != r.CityCountry && k != "" {
			others++
		}
	}
	if others < r.MinOtherCountries {
		return fmt.Errorf("%d other countries", others)
	}
	if r.CommonLanguage {
		found := false
		for _, l := range members[0].Languages {
			all := true
			for _, c := range members {
				all = all && slices.Contains(c.Languages, l)
			}
			found = found || all
		}
		if !found {
			return fmt.Errorf("no common language")
		}
	}
	for _, p := range r.Pinned {
		if !slices.Contains(ids, p) {
			return fmt.Errorf("pinned %s missing", p)
		}
	}
	return nil
}

func personallyEligible(c assembly.Candidate, cityID, cityCountry string, allowHome bool, langs, excluded []string) error {
	switch {
	case c.Excluded != "" || slices.Contains(excluded, c.ID):
		return fmt.Errorf("%s excluded", c.ID)
	case cityID != "" && c.CityID == cityID:
		return fmt.Errorf("%s from the city", c.ID)
	case !allowHome && cityCountry != "" && c.Country == cityCountry:
		return fmt.Errorf("%s from the country", c.ID)
	case c.Paused || c.Unavailable || c.Declined:
		return fmt.Errorf("%s paused, unavailable or declined", c.ID)
	case c.CapacityLeft <= 0:
		return fmt.Errorf("%s at capacity", c.ID)
	}
	if len(langs) > 0 {
		ok := false
		for _, l := range c.Languages {
			ok = ok || slices.Contains(langs, l)
		}
		if !ok {
			return fmt.Errorf("%s speaks no city language", c.ID)
		}
	}
	return nil
}

// combinations calls f with every k-subset of [0, n) in lexicographic
// order; f returns false to stop.
func combinations(n, k int, f func([]int) bool) {
	idx := make([]int, k)
	var rec func(start, depth int) bool
	rec = func(start, depth int) bool {
		if depth == k {
			return f(idx)
		}
		for i := start; i <= n-(k-depth); i++ {
			idx[depth] = i
			if !rec(i+1, depth+1) {
				return false
			}
		}
		return true
	}
	rec(0, 0)
}

// brutePanel returns the best objective over every panel, and whether any.
func brutePanel(r assembly.PanelRules, cands []assembly.Candidate) (float64, bool) {
	best, found := 0.0, false
	ids := make([]string, r.Size)
	combinations(len(cands), r.Size, func(idx []int) bool {
		sum := 0.0
		for k, i := range idx {
			ids[k] = cands[i].ID
			sum += cands[i].Score
		}
		if (!found || sum > best) && validPanel(r, cands, ids) == nil {
			best, found = sum, true
		}
		return true
	})
	return best, found
}

func describe(r assembly.PanelRules) string {
	var b strings.Builder
	fmt.Fprintf(&b, "size %d", r.Size)
	for _, q := range r.RoleQuotas {
		fmt.Fprintf(&b, ", quota %v>=%d", q.Roles, q.Min)
	}
	fmt.Fprintf(&b, ", maxC %d, maxR %d, others %d, home %v, langs %v, common %v, pinned %v, excluded %v",
		r.MaxPerCountry, r.MaxPerRegion, r.MinOtherCountries, r.AllowHomeCountry, r.CityLanguages, r.CommonLanguage, r.Pinned, r.Excluded)
	return b.String()
}

// genRound draws a small round: experts shared by the items, each item
// with its own scores, pool and rules.
func genRound(rng *rand.Rand, nItems, nExperts, maxSize int) []assembly.RoundItem {
	type expert struct {
		c       assembly.Candidate
		quality int
	}
	experts := make([]expert, nExperts)
	for i := range experts {
		country := testCountries[rng.IntN(4)]
		c := assembly.Candidate{
			ID:           fmt.Sprintf("x%02d", i),
			Role:         testRoles[rng.IntN(len(testRoles))],
			Country:      country,
			Region:       testRegions[country],
			CapacityLeft: 1 + rng.IntN(2),
			Languages:    []string{testLangs[rng.IntN(2)]},
		}
		if rng.IntN(2) == 0 {
			c.Languages = append(c.Languages, testLangs[2+rng.IntN(2)])
		}
		if rng.IntN(15) == 0 {
			c.CapacityLeft = 0
		}
		experts[i] = expert{c, rng.IntN(33)}
	}
	items := make([]assembly.RoundItem, nItems)
	for i := range items {
		var pool []assembly.Candidate
		for _, e := range experts {
			if rng.IntN(6) == 0 {
				continue
			}
			c := e.c
			// Part standing, part fit: the same experts are wanted often.
			c.Score = float64(e.quality+rng.IntN(33)) / 64
			c.Declined = rng.IntN(20) == 0
			pool = append(pool, c)
		}
		r := assembly.PanelRules{Size: 2 + rng.IntN(maxSize-1), CityID: fmt.Sprintf("city%d", i),
			CityCountry: testCountries[rng.IntN(len(testCountries))], AllowHomeCountry: rng.IntN(3) > 0}
		if rng.IntN(2) == 0 {
			r.RoleQuotas = append(r.RoleQuotas, assembly.RoleQuota{Roles: []string{"mayor", "elected_official"}, Min: 1})
		}
		if rng.IntN(4) == 0 {
			r.RoleQuotas = append(r.RoleQuotas, assembly.RoleQuota{Roles: []string{"public_service_manager", "academic"}, Min: 1})
		}
		if rng.IntN(2) == 0 {
			r.MaxPerCountry = 1 + rng.IntN(2)
		}
		if rng.IntN(4) == 0 {
			r.MaxPerRegion = 1 + rng.IntN(2)
		}
		if rng.IntN(4) == 0 {
			r.MinOtherCountries = 1 + rng.IntN(r.Size)
		}
		if rng.IntN(3) == 0 {
			r.CityLanguages = []string{testLangs[rng.IntN(2)]}
		}
		r.CommonLanguage = rng.IntN(3) == 0
		if rng.IntN(6) == 0 && len(pool) > 0 {
			r.Pinned = []string{pool[rng.IntN(len(pool))].ID}
		}
		if rng.IntN(6) == 0 && len(pool) > 0 {
			r.Excluded = []string{pool[rng.IntN(len(pool))].ID}
		}
		items[i] = assembly.RoundItem{ChallengeID: fmt.Sprintf("ch%d", i), Rules: r, Candidates: pool}
	}
	return items
}

// roundValue is what a fairness mode compares, lexicographically.
type roundValue struct {
	count        int
	worst, total float64
}

func (a roundValue) better(b roundValue, worstFirst bool) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	if worstFirst && a.worst != b.worst {
		return a.worst > b.worst
	}
	return a.total > b.total
}

// bruteRound enumerates every assignment: for each item every valid panel
// or none, each expert on at most their capacity (the smallest
// CapacityLeft given for them) of panels.
func bruteRound(items []assembly.RoundItem, worstFirst bool) roundValue {
	type option struct {
		ids   []string
		score float64
	}
	capacity := map[string]int{}
	options := make([][]option, len(items))
	for i, it := range items {
		for _, c := range it.Candidates {
			if v, ok := capacity[c.ID]; !ok || c.CapacityLeft < v {
				capacity[c.ID] = c.CapacityLeft
			}
		}
		ids := make([]string, it.Rules.Size)
		combinations(len(it.Candidates), it.Rules.Size, func(idx []int) bool {
			sum := 0.0
			for k, j := range idx {
				ids[k] = it.Candidates[j].ID
				sum += it.Candidates[j].Score
			}
			if validPanel(it.Rules, it.Candidates, ids) == nil {
				options[i] = append(options[i], option{slices.Clone(ids), sum})
			}
			return true
		})
	}
	used := map[string]int{}
	var best roundValue
	var rec func(i int, v roundValue)
	rec = func(i int, v roundValue) {
		if i == len(items) {
			if v.count == 0 {
				v.worst = 0
			}
			if v.better(best, worstFirst) {
				best = v
			}
			return
		}
		rec(i+1, v) // unfilled
		for _, o := range options[i] {
			ok := true
			for _, id := range o.ids {
				ok = ok && used[id] < capacity[id]
			}
			if !ok {
				continue
			}
			for _, id := range o.ids {
				used[id]++
			}
			w := v
			w.count++
			w.total += o.score
			if v.count == 0 || o.score < w.worst {
				w.worst = o.score
			}
			rec(i+1, w)
			for _, id := range o.ids {
				used[id]--
			}
		}
	}
	rec(0, roundValue{})
	return best
}

// bruteTeam returns the smallest size with a valid team and the best
// objective at that size; size 0 when none up to maxSize.
func bruteTeam(r assembly.TeamRules, cands []assembly.Candidate) (int, float64) {
	var pool []assembly.Candidate
	for _, c := range cands {
		if personallyEligible(c, r.CityID, "", true, r.CityLanguages, r.Excluded) == nil {
			pool = append(pool, c)
		}
	}
	for size := r.MinSize; size <= r.MaxSize; size++ {
		best, found := 0.0, false
		combinations(len(pool), size, func(idx []int) bool {
			sum := 0.0
			covered := map[string]bool{}
			led := r.LeadSeniority == ""
			var ids []string
			for _, i := range idx {
				c := pool[i]
				sum += c.Score
				ids = append(ids, c.ID)
				for _, s := range c.Covers {
					covered[s] = true
				}
				led = led || c.Seniority == r.LeadSeniority
			}
			for _, s := range r.Skills {
				if !covered[s] {
					return true
				}
			}
			for _, p := range r.Pinned {
				if !slices.Contains(ids, p) {
					return true
				}
			}
			if led && (!found || sum > best) {
				best, found = sum, true
			}
			return true
		})
		if found {
			return size, best
		}
	}
	return 0, 0
}

// validTeam says whether ids is a team meeting every rule of r.
func validTeam(r assembly.TeamRules, cands []assembly.Candidate, ids []string) error {
	byID := map[string]assembly.Candidate{}
	for _, c := range cands {
		byID[c.ID] = c
	}
	covered := map[string]bool{}
	led := r.LeadSeniority == ""
	for i, id := range ids {
		c, ok := byID[id]
		if !ok || slices.Contains(ids[:i], id) {
			return fmt.Errorf("%s unknown or twice", id)
		}
		if err := personallyEligible(c, r.CityID, "", true, r.CityLanguages, r.Excluded); err != nil {
			return err
		}
		for _, s := range c.Covers {
			covered[s] = true
		}
		led = led || c.Seniority == r.LeadSeniority
	}
	for _, s := range r.Skills {
		if !covered[s] {
			return fmt.Errorf("skill %s uncovered", s)
		}
	}
	for _, p := range r.Pinned {
		if !slices.Contains(ids, p) {
			return fmt.Errorf("pinned %s missing", p)
		}
	}
	if !led {
		return fmt.Errorf("no lead")
	}
	return nil
}
