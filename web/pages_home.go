package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// homeData is the home page's data.
type homeData struct{}

func (s *Server) home(c echo.Context) error {
	return s.render(c, http.StatusOK, "home", "web.home.title", homeData{})
}

// Used by the pages of the next steps; kept here so that the foundation
// compiles without them.
var (
	_ = (*Server).renderPart
	_ = principalOf
)
