package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
	"matchmaker/workflow"
)

// The comparative view: the practices of many cities on one theme, grouped by
// what they do, each with its context (region, size class) and its results, as
// material for policy recommendations (workflow.Matching.Compare).

func (s *Server) compareTheme(c echo.Context) error {
	q := newQuery(c, "min_similarity", "region", "language")
	minSim := workflow.DefaultMinSimilarity
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
	if _, ok := s.store.Taxonomy().Theme(c.Param("code")); !ok {
		return newProblem(http.StatusNotFound, say("no theme has the code %s", c.Param("code")))
	}
	out, err := s.matching.Compare(c.Request().Context(), workflow.CompareRequest{Theme: c.Param("code"), Region: region, Language: lang, MinSimilarity: minSim})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
