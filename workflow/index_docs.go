package workflow

import (
	"fmt"

	"matchmaker/matcher"
	"matchmaker/profiles"
)

// ProductionBridge are the parts of the matcher's bridge between languages that
// production uses (matcher.ProductionBridge: the word translations, not the
// EuroVoc concepts; see docs/matching.md, "The bridge").
const ProductionBridge = matcher.ProductionBridge

// NewLexicon turns the theme taxonomy into the matcher's lexicon, with the one
// constructor the matcher's evaluation measures (matcher.TaxonomyLexicon) and
// the ProductionBridge parts of the bridge between languages.
func NewLexicon(tax *profiles.Taxonomy) *matcher.Lexicon {
	themes := make([]matcher.TaxonomyTheme, 0, len(tax.Themes()))
	for _, t := range tax.Themes() {
		themes = append(themes, matcher.TaxonomyTheme{Code: t.Code, Labels: t.Labels, Synonyms: t.Synonyms})
	}
	lex, err := matcher.TaxonomyLexicon(themes, ProductionBridge)
	if err != nil {
		// The bridge reads data embedded in the binary, which the matcher's
		// tests read too: failing here means a broken build, not bad input.
		panic(fmt.Sprintf("matcher lexicon: %v", err))
	}
	return lex
}

// cityContext is what a practice, challenge or expert inherits from its city.
type cityContext struct {
	name            string
	country, region string
	population      int64
	languages       []string
}

func contextOf(c profiles.City) cityContext {
	ctx := cityContext{name: c.Name, country: c.Country, region: c.Region, languages: c.Languages}
	if c.Population != nil {
		ctx.population = *c.Population
	}
	return ctx
}

func practiceDoc(p profiles.Practice, city cityContext) matcher.Doc {
	return matcher.Doc{
		ID: p.ID, Kind: matcher.KindPractice, Name: p.Title, CityID: p.CityID, Lang: matcher.Lang(p.Language),
		Fields: []matcher.Field{
			{Name: "title", Text: p.Title}, {Name: "description", Text: p.Description}, {Name: "results", Text: p.Results},
			{Name: "lessons_learned", Text: p.LessonsLearned}, {Name: "transferability", Text: p.Transferability},
		},
		Themes: p.Themes, Languages: city.languages, Country: city.country, Region: city.region,
		Population: city.population, Status: p.Status,
	}
}

func challengeDoc(c profiles.Challenge, city cityContext) matcher.Doc {
	d := matcher.Doc{
		ID: c.ID, Kind: matcher.KindChallenge, Name: c.Title, CityID: c.CityID, Lang: matcher.Lang(c.Language),
		Fields: []matcher.Field{
			{Name: "title", Text: c.Title}, {Name: "description", Text: c.Description}, {Name: "strategic_result", Text: c.StrategicResult},
		},
		Themes: c.Themes, Languages: city.languages, Country: city.country, Region: city.region,
		Population: city.population, Modes: c.Modes, Skills: c.SkillsNeeded, Status: c.Status,
	}
	if c.Timeframe != nil {
		d.From, d.Until = c.Timeframe.From, c.Timeframe.Until
	}
	return d
}

// expertDoc converts an expert; load is how many engagements they have under way,
// fb what their completed engagements say.
func expertDoc(e profiles.Expert, city *cityContext, load int, fb profiles.Feedback) matcher.Doc {
	d := matcher.Doc{
		ID: e.ID, Kind: matcher.KindExpert, Name: e.Name,
		Fields: []matcher.Field{{Name: "bio", Text: e.Bio}},
		Themes: e.Themes, Languages: e.Languages, Country: e.Country, Role: e.Role, Seniority: e.Seniority,
		Modes: e.Modes, Skills: e.Skills, Capacity: *e.Capacity, Load: load,
		From: e.AvailableFrom, Until: e.AvailableUntil, Paused: !*e.Active,
		Feedback: matcher.Feedback{Completed: fb.Completed, ByMode: fb.ByMode, Rated: fb.Rated, RatingSum: fb.RatingSum},
	}
	if e.CityID != nil {
		d.CityID = *e.CityID
	}
	if city != nil {
		d.Region, d.Population = city.region, city.population
	}
	for _, t := range e.TrackRecord {
		item := matcher.TrackItem{Title: t.Title, Summary: t.Summary}
		if t.Year != nil {
			item.Year = *t.Year
		}
		d.TrackRecord = append(d.TrackRecord, item)
	}
	return d
}
