package api

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// suggestionList is one page of a ranked list of suggestions, best first, in
// the envelope of every list: total (how many the whole list holds, ranked at
// most matcher.MaxLimit deep) and the cursor of the next page.
type suggestionList = listResponse[matcher.Suggestion]

// rankedPage is the answer for one page of a ranked list that starts at offset.
func rankedPage(p matcher.Page, offset int) suggestionList {
	out := suggestionList{Items: orEmpty(p.Items), Total: p.Total}
	if next := offset + len(p.Items); len(p.Items) > 0 && next < p.Total && next < matcher.MaxLimit {
		c := encodeCursor(rankPrefix + strconv.Itoa(next))
		out.NextCursor = &c
	}
	return out
}

// rankPrefix marks a cursor of a ranked list: the offset of its page.
const rankPrefix = "rank:"

// rankOffset reads the cursor of a ranked list: the offset of the page.
func rankOffset(q *query) int {
	raw := q.str("cursor")
	if raw == "" {
		return 0
	}
	v, ok := decodeCursor(raw)
	n, err := strconv.Atoi(strings.TrimPrefix(v, rankPrefix))
	if !ok || !strings.HasPrefix(v, rankPrefix) || err != nil || n < 0 || n >= matcher.MaxLimit {
		q.fail("cursor", "not a cursor this service issued: pass next_cursor from a previous page")
		return 0
	}
	return n
}

// readerLanguage is the language of the words of an answer: the request's
// Accept-Language, English without one. The answer says which it chose and
// that it depends on the header. (A middleware doing this for every /v1
// answer can take its place.)
func readerLanguage(c echo.Context) locale.Lang {
	lang := locale.Negotiate(c.Request().Header.Get("Accept-Language"))
	h := c.Response().Header()
	h.Set("Content-Language", string(lang))
	h.Add(echo.HeaderVary, "Accept-Language")
	return lang
}

// inWords names the cities of the suggestions and puts their explanations in
// words in the reader's language.
func (s *Server) inWords(c echo.Context, items []matcher.Suggestion) {
	lang := readerLanguage(c)
	s.matching.NameCities(items)
	s.matching.Reasons().Suggestions(lang, items)
}

// matchQuery reads the options every matching route shares: mode, limit,
// filters on the suggested side, the shared-language rule, similar context and
// per-request weights.
func matchQuery(q *query) matcher.Query {
	mq := matcher.Query{
		Mode:           matcher.Mode(q.enum("mode", profiles.Modes)),
		Limit:          q.intIn("limit", matcher.DefaultLimit, 1, matcher.MaxLimit),
		Region:         q.enum("region", profiles.Regions),
		Country:        q.country("country"),
		Language:       matcher.Lang(q.enum("language", analysedLanguages())),
		SimilarContext: q.boolean("similar_context", false),
	}
	if q.str("require_shared_language") != "" {
		v := q.boolean("require_shared_language", true)
		mq.RequireSharedLanguage = &v
	}
	mq.Weights = weightsParam(q)
	return mq
}

// analysedLanguages are the languages the matcher reads: a language filter
// names one of them.
func analysedLanguages() []string {
	var out []string
	for _, l := range matcher.Languages() {
		out = append(out, string(l))
	}
	return out
}

// matchParams are the query parameters matchQuery reads.
var matchParams = []string{"mode", "limit", "region", "country", "language", "require_shared_language", "similar_context", "weights"}

// listParams are matchParams with the cursor of a ranked list's page.
var listParams = append(slices.Clone(matchParams), "cursor")

// weightsParam reads weights=factor:value,factor:value, checking each against the
// bounds the matcher allows.
func weightsParam(q *query) map[matcher.Factor]float64 {
	raw := q.str("weights")
	if raw == "" {
		return nil
	}
	out := map[matcher.Factor]float64{}
	for _, part := range strings.Split(raw, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), ":")
		f := matcher.Factor(strings.TrimSpace(name))
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		lo, hi, known := matcher.WeightBounds(f)
		switch {
		case !ok || err != nil:
			q.fail("weights", "%q: write factor:value, such as themes:0.3", part)
		case !known:
			q.fail("weights", "unknown factor %q", f)
		case math.IsNaN(v) || v < lo || v > hi:
			q.fail("weights", "%s must be between %g and %g", f, lo, hi)
		default:
			out[f] = v
		}
	}
	return out
}

func (s *Server) suggestions(c echo.Context) error {
	q := newQuery(c, append([]string{"kind"}, listParams...)...)
	kind := matcher.KindPractice
	if k := q.enum("kind", []string{"practices", "experts", "cities"}); k != "" {
		kind, _ = matcher.ParseKind(k)
	}
	mq := matchQuery(q)
	mq.Offset = rankOffset(q)
	if err := q.err(); err != nil {
		return err
	}
	// The index answers alone: it holds every stored challenge and follows
	// every write, and an ID that names no challenge (an unknown one, or a
	// practice or an expert: they share one ID space) is matcher.ErrNotFound,
	// a 404. Reading the row first gave the same answers for a database query
	// on every request: an eighth of the route's CPU under load on SQLite.
	mq.ChallengeID, mq.Kind = c.Param("id"), kind
	page, err := s.matching.Index().SuggestPage(mq)
	if err != nil {
		return err
	}
	s.inWords(c, page.Items)
	return c.JSON(http.StatusOK, rankedPage(page, mq.Offset))
}

// practicesOnSubject finds the practices on the subject of the words q, in
// every language (workflow.Matching.OnSubject).
func (s *Server) practicesOnSubject(c echo.Context) error {
	q := newQuery(c, "q", "limit")
	words := strings.TrimSpace(q.str("q"))
	switch n := utf8.RuneCountInString(words); {
	case n == 0:
		q.fail("q", "is required")
	case n > workflow.MaxSubjectChars:
		q.fail("q", "at most %d characters", workflow.MaxSubjectChars)
	}
	limit := q.intIn("limit", matcher.DefaultLimit, 1, matcher.MaxLimit)
	if err := q.err(); err != nil {
		return err
	}
	items, err := s.matching.OnSubject(words, limit)
	if err != nil {
		return err
	}
	s.inWords(c, items)
	return c.JSON(http.StatusOK, suggestionList{Items: orEmpty(items), Total: len(items)})
}

func (s *Server) explain(c echo.Context) error {
	q := newQuery(c, append([]string{"practice_id", "expert_id", "city_id"}, matchParams...)...)
	mq := matchQuery(q)
	var id string
	var named []string
	for _, p := range []struct {
		param string
		kind  matcher.Kind
	}{{"practice_id", matcher.KindPractice}, {"expert_id", matcher.KindExpert}, {"city_id", matcher.KindCity}} {
		if v := q.str(p.param); v != "" {
			id, mq.Kind = v, p.kind
			named = append(named, p.param)
		}
	}
	if len(named) != 1 {
		for _, p := range []string{"practice_id", "expert_id", "city_id"} {
			q.fail(p, "give exactly one of practice_id, expert_id and city_id")
		}
	}
	if err := q.err(); err != nil {
		return err
	}
	mq.ChallengeID = c.Param("id")
	sug, err := s.matching.Explain(c.Request().Context(), keyOf(c).Principal(), mq, id)
	if err != nil {
		return err
	}
	one := []matcher.Suggestion{sug}
	s.inWords(c, one)
	return c.JSON(http.StatusOK, one[0])
}

func (s *Server) opportunities(c echo.Context) error {
	q := newQuery(c, listParams...)
	mq := matchQuery(q)
	mq.Offset = rankOffset(q)
	if err := q.err(); err != nil {
		return err
	}
	if _, err := s.store.FindExpertByID(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	page, err := s.matching.Index().OpportunitiesPage(c.Param("id"), mq)
	if err != nil {
		return err
	}
	s.inWords(c, page.Items)
	return c.JSON(http.StatusOK, rankedPage(page, mq.Offset))
}

func (s *Server) partners(c echo.Context) error {
	q := newQuery(c, listParams...)
	mq := matchQuery(q)
	mq.Offset = rankOffset(q)
	if err := q.err(); err != nil {
		return err
	}
	if _, err := s.store.FindCityByID(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	page, err := s.matching.Index().PartnersPage(c.Param("id"), mq)
	if errors.Is(err, matcher.ErrNotFound) {
		// The city exists, but the index knows it only through its documents:
		// with none, it has nothing to exchange.
		page, err = matcher.Page{}, nil
	}
	if err != nil {
		return err
	}
	s.inWords(c, page.Items)
	return c.JSON(http.StatusOK, rankedPage(page, mq.Offset))
}

func orEmpty[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}
