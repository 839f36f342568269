package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"matchmaker/profiles"
)

// Row is one row of a scaled network: its kind (profiles.KindCity …), the
// external reference it is known by, the reference of its city (none for a
// city, possibly none for an expert), and its fields: a profiles.CityInput,
// PracticeInput, ChallengeInput or ExpertInput.
type Row struct {
	Kind    string
	Ref     string
	CityRef string
	Input   any
}

// Shares of a scaled network, per ten rows: one city, five practices, two
// challenges and two experts, about the mix of the network at full size.
const (
	shareCities, sharePractices, shareChallenges, shareExperts = 1, 5, 2, 2
)

// Scale calls yield with n rows made from the demo network (cities first, so
// that a file written in this order imports in one go): each a copy of a demo
// row, numbered in its name or title so that no two are alike, in a city
// drawn at random among the generated ones. The same n and seed give the same
// rows. It holds the demo network in memory, not the n rows.
func Scale(n int, seed uint64, yield func(Row) error) error {
	var (
		cities     []cityRecord
		practices  []practiceRecord
		challenges []challengeRecord
		experts    []expertRecord
	)
	if err := readData(&cities, &practices, &challenges, &experts); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	nCities := max(1, n*shareCities/10)
	nChallenges := n * shareChallenges / 10
	nExperts := n * shareExperts / 10
	nPractices := n - nCities - nChallenges - nExperts
	cityRef := func(i int) string { return fmt.Sprintf("CITY-%07d", i) }
	// The base city of each generated city, to keep a practice in a city of
	// the same country and languages as its text.
	base := make([]int, nCities)
	for i := range nCities {
		base[i] = i % len(cities)
		c := cities[base[i]].CityInput
		c.Name = fmt.Sprintf("%s %d", c.Name, i/len(cities)+1)
		c.Languages = append([]string(nil), c.Languages...)
		if err := yield(Row{Kind: profiles.KindCity, Ref: cityRef(i), Input: c}); err != nil {
			return err
		}
	}
	// cityFor returns a generated city whose base is the city with key.
	byKey := map[string]int{}
	for i, c := range cities {
		byKey[c.Key] = i
	}
	cityFor := func(key string) string {
		b, ok := byKey[key]
		if !ok || b >= nCities {
			return cityRef(rng.IntN(nCities))
		}
		copies := (nCities - b + len(cities) - 1) / len(cities)
		return cityRef(b + len(cities)*rng.IntN(copies))
	}
	for i := range nPractices {
		p := practices[i%len(practices)]
		in := p.PracticeInput
		in.Title = fmt.Sprintf("%s (%d)", in.Title, i+1)
		in.Themes = append([]string(nil), in.Themes...)
		if err := yield(Row{Kind: profiles.KindPractice, Ref: fmt.Sprintf("PRAC-%07d", i), CityRef: cityFor(p.City), Input: in}); err != nil {
			return err
		}
	}
	for i := range nChallenges {
		c := challenges[i%len(challenges)]
		in := c.ChallengeInput
		in.Title = fmt.Sprintf("%s (%d)", in.Title, i+1)
		if err := yield(Row{Kind: profiles.KindChallenge, Ref: fmt.Sprintf("CHAL-%07d", i), CityRef: cityFor(c.City), Input: in}); err != nil {
			return err
		}
	}
	for i := range nExperts {
		e := experts[i%len(experts)]
		in := e.ExpertInput
		in.Name = fmt.Sprintf("%s %d", in.Name, i+1)
		if in.Contact != nil {
			ct := *in.Contact
			if at := strings.IndexByte(ct.Email, '@'); at > 0 {
				ct.Email = fmt.Sprintf("%s+%d%s", ct.Email[:at], i+1, ct.Email[at:])
			}
			in.Contact = &ct
		}
		ref := ""
		if e.City != "" {
			ref = cityFor(e.City)
		}
		if err := yield(Row{Kind: profiles.KindExpert, Ref: fmt.Sprintf("EXP-%07d", i), CityRef: ref, Input: in}); err != nil {
			return err
		}
	}
	return nil
}
