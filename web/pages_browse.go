package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/errgroup"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// The pages anyone may read: cities, practices and experts' public profiles
// by theme, region and language; search; the comparison of a theme; the
// network by region.

// filters are a list page's filters, read from the query: a value that is not
// one of the choices is dropped, as a form's select would never send it.
type filters struct {
	Q        string
	Region   string
	Language string
	Theme    string
	After    string
}

func (s *Server) filtersOf(c echo.Context) filters {
	f := filters{Q: strings.TrimSpace(c.QueryParam("q")), After: c.QueryParam("after")}
	if len([]rune(f.Q)) > 200 {
		f.Q = string([]rune(f.Q)[:200])
	}
	if r := c.QueryParam("region"); slices.Contains(profiles.Regions, r) {
		f.Region = r
	}
	if l := c.QueryParam("language"); slices.Contains(filterLangs, l) {
		f.Language = l
	}
	if t := c.QueryParam("theme"); t != "" && s.store.Taxonomy().Has(t) {
		f.Theme = t
	}
	return f
}

// filterLangs are the languages a list can be filtered by: the network's.
var filterLangs = []string{"en", "fr", "es"}

// listPage is one page of a list with its filters and the choices of the
// filter form.
type listPage[T any] struct {
	Filters filters
	Items   []T
	Total   int
	// Next is the query of the next page, or "".
	Next    string
	Regions []string
	Langs   []string
	Themes  []profiles.Theme
	// Names maps city IDs to their names, for the items that show a city.
	Names map[string]string
}

// listCountUpTo is where a list page stops counting: it says "1,000 results
// or more" rather than count every row of a large network on each visit.
const listCountUpTo = 1000

// CountStopped reports whether Total is where the count stopped, not all.
func (l listPage[T]) CountStopped() bool { return l.Total >= listCountUpTo }

func withChoices[T any](s *Server, f filters, res profiles.ListResult[T], base string) listPage[T] {
	lp := listPage[T]{Filters: f, Items: res.Items, Total: res.Total, Regions: profiles.Regions, Langs: filterLangs,
		Themes: s.store.Taxonomy().Themes(), Names: map[string]string{}}
	if res.Next != "" {
		q := make([]string, 0, 5)
		for k, v := range map[string]string{"q": f.Q, "region": f.Region, "language": f.Language, "theme": f.Theme} {
			if v != "" {
				q = append(q, k+"="+url.QueryEscape(v))
			}
		}
		slices.Sort(q)
		q = append(q, "after="+url.QueryEscape(res.Next))
		lp.Next = base + "?" + strings.Join(q, "&")
	}
	return lp
}

const pageSize = 24

func (s *Server) cities(c echo.Context) error {
	f := s.filtersOf(c)
	res, err := s.store.FindCities(c.Request().Context(), profiles.CityFilter{Region: f.Region, Language: f.Language, Q: f.Q,
		Page: profiles.Page{Limit: pageSize, After: f.After, CountUpTo: listCountUpTo}})
	if err != nil {
		return err
	}
	lp := withChoices(s, f, res, "/cities")
	lp.Themes = nil // cities have no themes: their practices and challenges do
	return s.render(c, http.StatusOK, "cities", "web.cities.title", lp)
}

// cityData is a city's page.
type cityData struct {
	City       profiles.City
	Practices  []profiles.Practice
	Challenges []profiles.Challenge
	// Contact is shown to whoever may see it (profiles.Principal.ContactVisible).
	Contact *profiles.Contact
	CanEdit bool
	// PracticesNext and ChallengesNext are the addresses of the next page
	// of each list, or "": a city shows cityListSize of each at a time,
	// the other list staying where it was. PracticesFirst and
	// ChallengesFirst go back to a list's first page once it is paged.
	PracticesNext, ChallengesNext   string
	PracticesFirst, ChallengesFirst string
}

// cityListSize is how many practices and challenges a city's page lists at
// a time.
const cityListSize = profiles.MaxLimit

func (s *Server) city(c echo.Context) error {
	ctx := c.Request().Context()
	p := principalOf(c)
	city, err := s.store.FindCityByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	prAfter, chAfter := c.QueryParam("practices_after"), c.QueryParam("challenges_after")
	prs, err := s.store.FindPractices(ctx, profiles.PracticeFilter{CityID: city.ID, DraftsOf: p.DraftsVisible(),
		Page: profiles.Page{Limit: cityListSize, After: prAfter, NoTotal: true}})
	if err != nil {
		return err
	}
	chs, err := s.store.FindChallenges(ctx, profiles.ChallengeFilter{CityID: city.ID,
		Page: profiles.Page{Limit: cityListSize, After: chAfter, NoTotal: true}})
	if err != nil {
		return err
	}
	d := cityData{City: city, Practices: prs.Items, Challenges: chs.Items, CanEdit: p.MayEditCity(city.ID)}
	// A list's links keep the other list's place.
	at := func(prAfter, chAfter string) string {
		q := url.Values{}
		if prAfter != "" {
			q.Set("practices_after", prAfter)
		}
		if chAfter != "" {
			q.Set("challenges_after", chAfter)
		}
		if len(q) == 0 {
			return "/cities/" + url.PathEscape(city.ID)
		}
		return "/cities/" + url.PathEscape(city.ID) + "?" + q.Encode()
	}
	if prs.Next != "" {
		d.PracticesNext = at(prs.Next, chAfter)
	}
	if chs.Next != "" {
		d.ChallengesNext = at(prAfter, chs.Next)
	}
	if prAfter != "" {
		d.PracticesFirst = at("", chAfter)
	}
	if chAfter != "" {
		d.ChallengesFirst = at(prAfter, "")
	}
	if ok, err := s.contactVisible(ctx, p, "city", city.ID); err != nil {
		return err
	} else if ok {
		d.Contact = city.Contact
	}
	return s.render(c, http.StatusOK, "city", "web.city.title", d)
}

// contactVisible applies the principal's rule on contact details.
func (s *Server) contactVisible(ctx context.Context, p *profiles.Principal, kind, id string) (bool, error) {
	return p.ContactVisible(kind, id, func() (profiles.Counterparts, error) {
		cities, experts, err := s.store.Counterparts(ctx, p.CityID, p.ExpertID)
		return profiles.Counterparts{Cities: cities, Experts: experts}, err
	})
}

func (s *Server) practices(c echo.Context) error {
	f := s.filtersOf(c)
	ctx := c.Request().Context()
	res, err := s.store.FindPractices(ctx, profiles.PracticeFilter{Region: f.Region, Language: f.Language, Theme: f.Theme, Q: f.Q,
		DraftsOf: principalOf(c).DraftsVisible(), Page: profiles.Page{Limit: pageSize, After: f.After, CountUpTo: listCountUpTo}})
	if err != nil {
		return err
	}
	lp := withChoices(s, f, res, "/practices")
	for _, p := range res.Items {
		lp.Names[p.CityID] = s.cityName(p.CityID)
	}
	return s.render(c, http.StatusOK, "practices", "web.practices.title", lp)
}

// cityName is the name of a city from the matching layer's cities: no store
// read per item.
func (s *Server) cityName(id string) string {
	if s.matching == nil {
		return ""
	}
	return s.matching.CityName(id)
}

// practiceData is a practice's page.
type practiceData struct {
	Practice profiles.Practice
	CityName string
	CanEdit  bool
}

func (s *Server) practice(c echo.Context) error {
	p := principalOf(c)
	pr, err := s.store.FindPracticeByID(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if !p.PracticeVisible(pr) {
		return profiles.ErrNotFound
	}
	return s.render(c, http.StatusOK, "practice", "web.practice.title",
		practiceData{Practice: pr, CityName: s.cityName(pr.CityID), CanEdit: p.MayEditCity(pr.CityID)})
}

func (s *Server) experts(c echo.Context) error {
	f := s.filtersOf(c)
	res, err := s.store.FindExperts(c.Request().Context(), profiles.ExpertFilter{Region: f.Region, Language: f.Language, Theme: f.Theme, Q: f.Q,
		Page: profiles.Page{Limit: pageSize, After: f.After, CountUpTo: listCountUpTo}})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "experts", "web.experts.title", withChoices(s, f, res, "/experts"))
}

// expertData is an expert's public profile.
type expertData struct {
	Expert   profiles.Expert
	CityName string
	Contact  *profiles.Contact
}

func (s *Server) expert(c echo.Context) error {
	ctx := c.Request().Context()
	x, err := s.store.FindExpertByID(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	d := expertData{Expert: x}
	if x.CityID != nil {
		d.CityName = s.cityName(*x.CityID)
	}
	if ok, err := s.contactVisible(ctx, principalOf(c), "expert", x.ID); err != nil {
		return err
	} else if ok {
		d.Contact = x.Contact
	}
	x.Contact = nil
	return s.render(c, http.StatusOK, "expert", "web.expert.title", d)
}

// searchData is the answer of a search in cities, practices and experts.
type searchData struct {
	Q          string
	Cities     []profiles.City
	Practices  []profiles.Practice
	Experts    []profiles.Expert
	Challenges []profiles.Challenge
	Names      map[string]string
	// OnSubject are the practices the matcher finds on the subject of the
	// words, in any of the network's languages, with the words matched
	// (workflow.Matching.OnSubject).
	OnSubject []matcher.Suggestion
}

// subjectLimit is how many practices the search page finds on the subject
// of its words.
const subjectLimit = 10

func (s *Server) search(c echo.Context) error {
	ctx := c.Request().Context()
	f := s.filtersOf(c)
	d := searchData{Q: f.Q, Names: map[string]string{}}
	if f.Q != "" {
		// The four kinds are searched at once: a word nobody wrote reads
		// every name and title key of each.
		page := profiles.Page{Limit: 10, NoTotal: true}
		var (
			cs  profiles.ListResult[profiles.City]
			ps  profiles.ListResult[profiles.Practice]
			xs  profiles.ListResult[profiles.Expert]
			chs profiles.ListResult[profiles.Challenge]
		)
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() (err error) {
			cs, err = s.store.FindCities(gctx, profiles.CityFilter{Q: f.Q, Page: page})
			return err
		})
		drafts := principalOf(c).DraftsVisible()
		g.Go(func() (err error) {
			ps, err = s.store.FindPractices(gctx, profiles.PracticeFilter{Q: f.Q, DraftsOf: drafts, Page: page})
			return err
		})
		g.Go(func() (err error) {
			xs, err = s.store.FindExperts(gctx, profiles.ExpertFilter{Q: f.Q, Page: page})
			return err
		})
		g.Go(func() (err error) {
			chs, err = s.store.FindChallenges(gctx, profiles.ChallengeFilter{Q: f.Q, Page: page})
			return err
		})
		// The subject search is the index's work: beside the store's.
		if s.matching != nil {
			g.Go(func() (err error) {
				d.OnSubject, err = s.matching.OnSubject(f.Q, subjectLimit)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		d.Cities, d.Practices, d.Experts, d.Challenges = cs.Items, ps.Items, xs.Items, chs.Items
		for _, p := range ps.Items {
			d.Names[p.CityID] = s.cityName(p.CityID)
		}
		for _, ch := range chs.Items {
			d.Names[ch.CityID] = s.cityName(ch.CityID)
		}
	}
	return s.render(c, http.StatusOK, "search", "web.search.title", d)
}

// compareData is the comparison of a theme's practices, side by side.
type compareData struct {
	Themes     []profiles.Theme
	Theme      string
	Region     string
	Regions    []string
	Language   string
	Langs      []string
	Comparison *workflow.Comparison
}

// comparedOnPage is how many practices the comparison page puts side by
// side, the newest: enough to see what cities do, few enough to read (and
// to group in a few milliseconds; the JSON API compares up to
// workflow.MaxCompared).
const comparedOnPage = 120

func (s *Server) compare(c echo.Context) error {
	f := s.filtersOf(c)
	d := compareData{Themes: s.store.Taxonomy().Themes(), Theme: f.Theme, Region: f.Region, Regions: profiles.Regions,
		Language: f.Language, Langs: filterLangs}
	if f.Theme != "" && s.matching != nil {
		cmp, err := s.matching.Compare(c.Request().Context(), workflow.CompareRequest{Theme: f.Theme, Region: f.Region, Language: f.Language,
			Limit: comparedOnPage})
		if err != nil {
			return err
		}
		d.Comparison = &cmp
	}
	return s.render(c, http.StatusOK, "compare", "web.compare.title", d)
}
