package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"matchmaker/matcher"
	"matchmaker/profiles"
)

// The matching reads every door shows: suggestions for a challenge, the
// explanation of one pair ("why not X?"), and the comparative view of a
// theme. The rules of who may see what (drafts) are the principal's.

// SuggestPage answers one page of the suggestions of query q, best first,
// with every item named. The index answers alone: it holds every stored
// challenge and follows every write; an ID that names no challenge is
// matcher.ErrNotFound.
func (m *Matching) SuggestPage(q matcher.Query) (matcher.Page, error) {
	page, err := m.ix.SuggestPage(q)
	if err != nil {
		return page, err
	}
	m.NameCities(page.Items)
	return page, nil
}

// Suggest is SuggestPage's items.
func (m *Matching) Suggest(q matcher.Query) ([]matcher.Suggestion, error) {
	page, err := m.SuggestPage(q)
	return page.Items, err
}

// OnSubject returns the practices on the subject of words, best first, at
// most limit (at most matcher.MaxLimit), each with its explanation (the words
// matched, the subjects shared) and named: the matcher reads the words as the
// title of a challenge, so that they find the same subject in other words and
// other languages ("budget participatif" finds "presupuesto participativo"
// and "participatory budgeting"), where a name or title search finds the
// words as written. A few words seldom say their language ("transport",
// "budget"), and the translations the matcher adds depend on it: unless the
// words say it clearly, they are read in each of the three languages, and
// each practice keeps its best reading. Draft practices are never found.
//
// Words are read up to MaxSubjectChars characters: the matcher analyses them
// whole, in up to three languages, whichever door they come through.
func (m *Matching) OnSubject(words string, limit int) ([]matcher.Suggestion, error) {
	words = strings.TrimSpace(words)
	if words == "" {
		return nil, nil
	}
	if utf8.RuneCountInString(words) > MaxSubjectChars {
		words = string([]rune(words)[:MaxSubjectChars])
	}
	limit = min(max(limit, 1), matcher.MaxLimit)
	lang, sure := matcher.DetectLanguageConfidence(words)
	langs := []matcher.Lang{lang}
	if lang == "" || sure < subjectSure {
		langs = matcher.Languages()
	}
	no := false
	best := map[string]matcher.Suggestion{}
	for _, l := range langs {
		subject := matcher.Doc{ID: "words", Kind: matcher.KindChallenge, Lang: l,
			Fields: []matcher.Field{{Name: "title", Text: words}}}
		items, err := m.ix.Suggest(matcher.Query{Challenge: &subject, OneOff: true, Kind: matcher.KindPractice,
			Limit: limit, RequireSharedLanguage: &no, Weights: subjectOnly})
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if had, ok := best[it.ID]; !ok || it.Score > had.Score {
				best[it.ID] = it
			}
		}
	}
	items := slices.SortedFunc(maps.Values(best), func(a, b matcher.Suggestion) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(a.ID, b.ID)
	})
	items = items[:min(len(items), limit)]
	m.NameCities(items)
	return items, nil
}

// MaxSubjectChars is how many characters of words a search by subject reads
// (OnSubject); the API refuses longer ones.
const MaxSubjectChars = 200

// subjectOnly are the weights of a search by subject: words have no city,
// so the context factors would only favour the practices written in the
// language the words were read in (language) and those of a country
// (geography); the subject factors (text, concepts, themes) rank alone.
var subjectOnly = map[matcher.Factor]float64{matcher.FactorLanguage: 0, matcher.FactorGeography: 0}

// subjectSure is the confidence of the language detected in OnSubject's
// words under which they are read in each language: a phrase such as
// "gestion des déchets" says it (0.85), a word alone seldom does ("déchets"
// 0.44, "water" nothing).
const subjectSure = 0.75

// NameCities gives city suggestions their names, and the others the name of
// their city, which the index does not keep (it knows cities by ID), from the
// cities the matching layer follows: no store read per item.
func (m *Matching) NameCities(items []matcher.Suggestion) {
	for i := range items {
		it := &items[i]
		if it.Kind == matcher.KindCity && it.Name == "" {
			it.Name = m.CityName(it.ID)
		}
		if it.CityID != "" && it.CityName == "" {
			it.CityName = m.CityName(it.CityID)
		}
	}
}

// Explain says why id (a practice, an expert or a city, as q.Kind says) has
// the score it has for challenge q.ChallengeID, or why it is excluded, for
// principal p: a draft practice p may not see does not exist for p. A city
// without a practice in the index is explained as excluded for want of one.
func (m *Matching) Explain(ctx context.Context, p *profiles.Principal, q matcher.Query, id string) (matcher.Suggestion, error) {
	ch, err := m.store.FindChallengeByID(ctx, q.ChallengeID)
	if err != nil {
		return matcher.Suggestion{}, err
	}
	if q.Kind == matcher.KindPractice {
		pr, err := m.store.FindPracticeByID(ctx, id)
		if err == nil && !p.PracticeVisible(pr) {
			err = fmt.Errorf("practice %s: %w", id, profiles.ErrNotFound)
		}
		if err != nil {
			return matcher.Suggestion{}, err
		}
	}
	sug, err := m.ix.Explain(q, id)
	if errors.Is(err, matcher.ErrNotFound) && q.Kind == matcher.KindCity {
		if _, ferr := m.store.FindCityByID(ctx, id); ferr == nil {
			mode, _ := matcher.ParseMode(string(q.Mode))
			if q.Mode == "" && len(ch.Modes) > 0 {
				mode, _ = matcher.ParseMode(ch.Modes[0]) // the challenge's first mode, as the index answers
			}
			sug, err = matcher.Suggestion{ID: id, Kind: matcher.KindCity, Explanation: matcher.Explanation{
				Mode: mode, Excluded: true, Exclusions: []matcher.Reason{{Code: matcher.ReasonCityNoPractice}},
				Contributions: []matcher.Contribution{},
			}}, nil
		}
	}
	if err != nil {
		return matcher.Suggestion{}, err
	}
	one := []matcher.Suggestion{sug}
	m.NameCities(one)
	return one[0], nil
}

// MaxCompared bounds the practices one comparison groups.
const MaxCompared = 2000

// errEnough stops a scan that has read what it needs.
var errEnough = errors.New("enough rows read")

// DefaultMinSimilarity is how alike two groups of a comparison must be to
// merge when the caller does not say.
const DefaultMinSimilarity = 0.2

// CompareRequest asks for the comparative view of a theme.
type CompareRequest struct {
	Theme         string
	Region        string  // "": every region
	Language      string  // "": every language
	MinSimilarity float64 // 0: DefaultMinSimilarity
	// Limit is how many practices are compared at most, the newest first:
	// 0 or more than MaxCompared is MaxCompared. A page compares fewer, to
	// answer in its time.
	Limit int
}

// Comparison is the practices of many cities on one theme, grouped by what
// they do, each with its context (region, size class) and its results, as
// material for policy recommendations.
type Comparison struct {
	Theme     profiles.Theme `json:"theme"`
	Practices int            `json:"practices"`
	// Limited is set when the theme has more practices than were compared:
	// the newest were.
	Limited bool              `json:"limited"`
	Groups  []ComparisonGroup `json:"groups"`
}

// ComparisonGroup is practices that resemble each other, the most central first.
type ComparisonGroup struct {
	Size     int      `json:"size"`
	Cohesion float64  `json:"cohesion"`
	Terms    []string `json:"terms"`
	Concepts []string `json:"concepts"`
	// Regions and SizeClasses count the contexts the group's practices come
	// from: a practice found in many contexts travels well.
	Regions     map[string]int     `json:"regions"`
	SizeClasses map[string]int     `json:"size_classes"`
	Countries   []string           `json:"countries"`
	Practices   []ComparedPractice `json:"practices"`
}

// ComparedPractice is one practice with its city's context and its results.
type ComparedPractice struct {
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

// Compare builds the comparative view of a theme from its published
// practices (drafts are never compared). An unknown theme is
// profiles.ErrNotFound.
func (m *Matching) Compare(ctx context.Context, r CompareRequest) (Comparison, error) {
	theme, ok := m.store.Taxonomy().Theme(r.Theme)
	if !ok {
		return Comparison{}, fmt.Errorf("theme %q: %w", r.Theme, profiles.ErrNotFound)
	}
	minSim := r.MinSimilarity
	if minSim <= 0 {
		minSim = DefaultMinSimilarity
	}
	limit := r.Limit
	if limit <= 0 || limit > MaxCompared {
		limit = MaxCompared
	}
	byID := map[string]profiles.Practice{}
	var ids []string
	limited := false
	err := m.store.ScanPractices(ctx, profiles.PracticeFilter{Theme: theme.Code, Status: "published", Region: r.Region, Language: r.Language,
		Page: profiles.Page{Newest: true, Limit: limit + 1}}, func(batch []profiles.Practice) error {
		for _, p := range batch {
			if len(ids) == limit {
				limited = true
				return errEnough
			}
			byID[p.ID] = p
			ids = append(ids, p.ID)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return Comparison{}, err
	}
	out := Comparison{Theme: theme, Practices: len(ids), Limited: limited, Groups: []ComparisonGroup{}}
	if len(ids) == 0 {
		return out, nil
	}
	groups, err := m.ix.Group(ids, minSim)
	if err != nil {
		return Comparison{}, err
	}
	cities := map[string]cityContext{}
	for _, g := range groups {
		cg := ComparisonGroup{Size: len(g.IDs), Cohesion: math.Round(g.Cohesion*1e6) / 1e6, Terms: orEmpty(g.Terms), Concepts: orEmpty(g.Concepts),
			Regions: map[string]int{}, SizeClasses: map[string]int{}, Countries: []string{}, Practices: []ComparedPractice{}}
		for _, id := range g.IDs {
			p := byID[id]
			city, ok := cities[p.CityID]
			if !ok {
				// The index's cities, with a read for one it does not
				// hold yet (written a moment ago).
				if city = m.city(p.CityID); city.name == "" {
					c, err := m.store.FindCityByID(ctx, p.CityID)
					if err != nil {
						return Comparison{}, err
					}
					city = contextOf(c)
				}
				cities[p.CityID] = city
			}
			cp := ComparedPractice{ID: p.ID, Title: p.Title, Language: p.Language, CityID: p.CityID, CityName: city.name,
				Country: city.country, Region: city.region, SizeClass: matcher.SizeClass(city.population), Period: p.Period,
				Results: p.Results, Lessons: p.LessonsLearned}
			cg.Practices = append(cg.Practices, cp)
			cg.Regions[city.region]++
			if cp.SizeClass != "" {
				cg.SizeClasses[cp.SizeClass]++
			}
			if !slices.Contains(cg.Countries, city.country) {
				cg.Countries = append(cg.Countries, city.country)
			}
		}
		slices.Sort(cg.Countries)
		out.Groups = append(out.Groups, cg)
	}
	slices.SortStableFunc(out.Groups, func(a, b ComparisonGroup) int { return cmp.Compare(b.Size, a.Size) })
	return out, nil
}
