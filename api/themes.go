package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

func (s *Server) listThemes(c echo.Context) error {
	q := newQuery(c, "kind")
	kind := q.enum("kind", []string{"policy", "sdg"})
	if err := q.err(); err != nil {
		return err
	}
	items := []profiles.Theme{}
	for _, t := range s.store.Taxonomy().Themes() {
		if kind == "" || t.Kind == kind {
			items = append(items, t)
		}
	}
	return c.JSON(http.StatusOK, wholeList(items))
}

func (s *Server) getTheme(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	t, ok := s.store.Taxonomy().Theme(strings.ToLower(c.Param("code")))
	if !ok {
		return newProblem(http.StatusNotFound, say("no theme with this code: see GET /v1/themes"))
	}
	return c.JSON(http.StatusOK, t)
}
