package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"matchmaker/metrics"
)

// requestMetrics measures every request, refused ones included: it runs
// before the rate limits and the keys, and answers an error itself so that
// the status it records is the one sent. The series are the pages' too
// (metrics.Requests).
func requestMetrics(m *metrics.Requests) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			done := m.Start()
			err := next(c)
			if err != nil && !c.Response().Committed {
				c.Error(err)
			}
			done(c.Path(), c.Request().Method, c.Response().Status)
			return err
		}
	}
}

// metrics answers GET /metrics with the handler cmd gave, or 404 when the
// metrics are served on another address (--metrics-addr) or not at all.
func (s *Server) metrics(c echo.Context) error {
	if s.metricsHandler == nil {
		return newProblem(http.StatusNotFound, say("metrics are not served on this address"))
	}
	s.metricsHandler.ServeHTTP(c.Response(), c.Request())
	return nil
}
