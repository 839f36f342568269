package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// metrics answers GET /metrics with the handler cmd gave, or 404 when the
// metrics are served on another address (--metrics-addr) or not at all.
func (s *Server) metrics(c echo.Context) error {
	if s.metricsHandler == nil {
		return newProblem(http.StatusNotFound, say("metrics are not served on this address"))
	}
	s.metricsHandler.ServeHTTP(c.Response(), c.Request())
	return nil
}
