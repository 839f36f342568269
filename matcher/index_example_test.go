package matcher_test

import (
	"fmt"
	"time"

	"matchmaker/matcher"
)

// practiceRow stands for the store's row of a practice with its city, as
// the HTTP layer reads it.
type practiceRow struct {
	ID, CityID, Language, Title, Description, Results, Status string
	Themes                                                    []string
	CityCountry, CityRegion                                   string
	CityPopulation                                            int64
	CityLanguages                                             []string
}

// practiceDoc converts a row into a Doc: the caller's only duty towards
// the index.
func practiceDoc(r practiceRow) matcher.Doc {
	return matcher.Doc{
		ID: r.ID, Kind: matcher.KindPractice, CityID: r.CityID, Lang: matcher.Lang(r.Language),
		Fields: []matcher.Field{
			{Name: "title", Text: r.Title},
			{Name: "description", Text: r.Description},
			{Name: "results", Text: r.Results},
		},
		Themes: r.Themes, Status: r.Status,
		Country: r.CityCountry, Region: r.CityRegion, Population: r.CityPopulation, Languages: r.CityLanguages,
	}
}

func ExampleIndex_Suggest() {
	lex := matcher.NewLexicon([]matcher.LexiconEntry{
		{Concept: "waste", Lang: matcher.French, Term: "tri à la source"},
		{Concept: "waste", Lang: matcher.English, Term: "household recycling"},
	})
	ix := matcher.NewIndex(matcher.NewAnalyzer(lex),
		matcher.WithClock(func() time.Time { return time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC) }))

	// At start: every row, with progress in the log.
	docs := []matcher.Doc{
		practiceDoc(practiceRow{ID: "p1", CityID: "leeds", Language: "en", Status: "published",
			Title:       "Household recycling in dense streets",
			Description: "Door-to-door household recycling with sorting ambassadors.",
			Themes:      []string{"waste"}, CityCountry: "GB", CityRegion: "europe", CityLanguages: []string{"en"}}),
		{ID: "c1", Kind: matcher.KindChallenge, CityID: "abidjan", Lang: matcher.French, Country: "CI", Region: "africa",
			Languages: []string{"fr"}, Themes: []string{"waste"}, Fields: []matcher.Field{
				{Name: "title", Text: "Tri à la source des déchets ménagers"},
				{Name: "description", Text: "Organiser le tri à la source dans les quartiers denses."}}},
	}
	if err := ix.Build(docs, func(done, total int) { /* log.Printf("index: %d/%d", done, total) */ }); err != nil {
		fmt.Println(err)
		return
	}
	// On every create or update through the API: ix.Upsert(doc); on delete: ix.Delete(id).

	// GET /v1/challenges/c1/suggestions?kind=practices
	kind, _ := matcher.ParseKind("practices")
	got, err := ix.Suggest(matcher.Query{ChallengeID: "c1", Kind: kind})
	if err != nil { // errors.Is: ErrNotFound -> 404, ErrClosed -> 409, ErrInvalidQuery -> 400
		fmt.Println(err)
		return
	}
	for _, s := range got {
		c := s.Explanation.SharedConcepts[0]
		fmt.Printf("%s %s %.3f: %s / %s\n", s.Kind, s.ID, s.Score, c.QueryWords[0], c.DocWords[0])
	}

	// GET /v1/challenges/c1/explain?practice_id=p1
	ex, _ := ix.Explain(matcher.Query{ChallengeID: "c1", Kind: matcher.KindPractice}, "p1")
	fmt.Println(ex.Score == got[0].Score, ex.Explanation.Excluded)
	// Output:
	// practice p1 0.525: Tri à la source / Household recycling
	// true false
}
