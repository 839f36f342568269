package api

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/profiles"
)

// The comparative view: the practices of many cities on one theme, grouped by
// what they do, each with its context (region, size class) and its results, as
// material for policy recommendations.

// maxCompared bounds the practices one comparison groups.
const maxCompared = 2000

// defaultMinSimilarity is how alike two groups must be to merge when the
// request does not say.
const defaultMinSimilarity = 0.2

// comparison is the answer of GET /v1/themes/{code}/compare.
type comparison struct {
	Theme     profiles.Theme    `json:"theme"`
	Practices int               `json:"practices"`
	Groups    []comparisonGroup `json:"groups"`
}

// comparisonGroup is practices that resemble each other, the most central first.
type comparisonGroup struct {
	Size     int      `json:"size"`
	Cohesion float64  `json:"cohesion"`
	Terms    []string `json:"terms"`
	Concepts []string `json:"concepts"`
	// Regions and SizeClasses count the contexts the group's practices come
	// from: a practice found in many contexts travels well.
	Regions     map[string]int     `json:"regions"`
	SizeClasses map[string]int     `json:"size_classes"`
	Countries   []string           `json:"countries"`
	Practices   []comparedPractice `json:"practices"`
}

// comparedPractice is one practice with its city's context and its results.
type comparedPractice struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	Language  string           `json:"language"`
	CityID    string           `json:"city_id"`
	CityName  string           `json:"city_name"`
	Country   string           `json:"country"`
	Region    string           `json:"region"`
	SizeClass string           `json:"size_class,omitempty"`
	Period    *profiles.Period `json:"period,omitempty"`
	Results   string           `json:"results,omitempty"`
	Lessons   string           `json:"lessons_learned,omitempty"`
}

func (s *Server) compareTheme(c echo.Context) error {
	q := newQuery(c, "min_similarity", "region", "language")
	minSim := defaultMinSimilarity
	if v := q.str("min_similarity"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f >= 1 {
			q.fail("min_similarity", "must be a number between 0 and 1, such as 0.2")
		} else {
			minSim = f
		}
	}
	region := q.enum("region", profiles.Regions)
	lang := q.language("language")
	if err := q.err(); err != nil {
		return err
	}
	theme, ok := s.store.Taxonomy().Theme(c.Param("code"))
	if !ok {
		return newProblem(http.StatusNotFound, say("no theme has the code %s", c.Param("code")))
	}
	ctx := c.Request().Context()
	byID := map[string]profiles.Practice{}
	var ids []string
	err := s.store.ScanPractices(ctx, profiles.PracticeFilter{Theme: theme.Code, Status: "published", Region: region, Language: lang}, func(batch []profiles.Practice) error {
		for _, p := range batch {
			if len(ids) < maxCompared {
				byID[p.ID] = p
				ids = append(ids, p.ID)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	out := comparison{Theme: theme, Practices: len(ids), Groups: []comparisonGroup{}}
	if len(ids) == 0 {
		return c.JSON(http.StatusOK, out)
	}
	groups, err := s.matching.Index().Group(ids, minSim)
	if err != nil {
		return err
	}
	cities := map[string]profiles.City{}
	for _, g := range groups {
		cg := comparisonGroup{Size: len(g.IDs), Cohesion: round6(g.Cohesion), Terms: orEmpty(g.Terms), Concepts: orEmpty(g.Concepts),
			Regions: map[string]int{}, SizeClasses: map[string]int{}, Countries: []string{}, Practices: []comparedPractice{}}
		for _, id := range g.IDs {
			p := byID[id]
			city, ok := cities[p.CityID]
			if !ok {
				city, err = s.store.FindCityByID(ctx, p.CityID)
				if err != nil {
					return err
				}
				cities[p.CityID] = city
			}
			var pop int64
			if city.Population != nil {
				pop = *city.Population
			}
			cp := comparedPractice{ID: p.ID, Title: p.Title, Language: p.Language, CityID: city.ID, CityName: city.Name,
				Country: city.Country, Region: city.Region, SizeClass: matcher.SizeClass(pop), Period: p.Period,
				Results: p.Results, Lessons: p.LessonsLearned}
			cg.Practices = append(cg.Practices, cp)
			cg.Regions[city.Region]++
			if cp.SizeClass != "" {
				cg.SizeClasses[cp.SizeClass]++
			}
			if !slices.Contains(cg.Countries, city.Country) {
				cg.Countries = append(cg.Countries, city.Country)
			}
		}
		slices.Sort(cg.Countries)
		out.Groups = append(out.Groups, cg)
	}
	slices.SortStableFunc(out.Groups, func(a, b comparisonGroup) int { return cmp.Compare(b.Size, a.Size) })
	return c.JSON(http.StatusOK, out)
}
