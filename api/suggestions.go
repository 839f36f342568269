package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
	"matchmaker/profiles"
)

// suggestionList is a ranked list of suggestions, best first.
type suggestionList struct {
	Items []matcher.Suggestion `json:"items"`
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
			q.fail("weights", fmt.Sprintf("%q: write factor:value, such as themes:0.3", part))
		case !known:
			q.fail("weights", fmt.Sprintf("unknown factor %q", f))
		case math.IsNaN(v) || v < lo || v > hi:
			q.fail("weights", fmt.Sprintf("%s must be between %g and %g", f, lo, hi))
		default:
			out[f] = v
		}
	}
	return out
}

func (s *Server) suggestions(c echo.Context) error {
	q := newQuery(c, append([]string{"kind"}, matchParams...)...)
	kind := matcher.KindPractice
	if k := q.enum("kind", []string{"practices", "experts", "cities"}); k != "" {
		kind, _ = matcher.ParseKind(k)
	}
	mq := matchQuery(q)
	if err := q.err(); err != nil {
		return err
	}
	// The index answers alone: it holds every stored challenge and follows
	// every write, and an ID that names no challenge (an unknown one, or a
	// practice or an expert: they share one ID space) is matcher.ErrNotFound,
	// a 404. Reading the row first gave the same answers for a database query
	// on every request: an eighth of the route's CPU under load on SQLite.
	mq.ChallengeID, mq.Kind = c.Param("id"), kind
	items, err := s.matching.Suggest(mq)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, suggestionList{Items: orEmpty(items)})
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
	return c.JSON(http.StatusOK, sug)
}

func (s *Server) opportunities(c echo.Context) error {
	q := newQuery(c, matchParams...)
	mq := matchQuery(q)
	if err := q.err(); err != nil {
		return err
	}
	if _, err := s.store.FindExpertByID(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	items, err := s.matching.Index().Opportunities(c.Param("id"), mq)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, suggestionList{Items: orEmpty(items)})
}

func (s *Server) partners(c echo.Context) error {
	q := newQuery(c, matchParams...)
	mq := matchQuery(q)
	if err := q.err(); err != nil {
		return err
	}
	if _, err := s.store.FindCityByID(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	items, err := s.matching.Index().Partners(c.Param("id"), mq)
	if errors.Is(err, matcher.ErrNotFound) {
		// The city exists, but the index knows it only through its documents:
		// with none, it has nothing to exchange.
		items, err = nil, nil
	}
	if err != nil {
		return err
	}
	s.matching.NameCities(items)
	return c.JSON(http.StatusOK, suggestionList{Items: orEmpty(items)})
}

func orEmpty[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}
