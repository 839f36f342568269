package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// requestBuckets are the latency buckets of the HTTP requests, in seconds:
// from a cached read (under a millisecond) to the request deadline (25 s).
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25}

// requestMetrics are the HTTP metrics of the service, by route pattern (the
// route table's path, such as /v1/cities/:id, never the path as sent: an ID
// in a label would make a series per row), method and status.
type requestMetrics struct {
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// unmatchedRoute labels a request no route matches: a label per path sent
// would let anyone grow the series without bound.
const unmatchedRoute = "unmatched"

func newRequestMetrics(reg prometheus.Registerer) (*requestMetrics, error) {
	m := &requestMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "matchmaker", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "How long the service took to answer an HTTP request, by route pattern, method and status; its _count is the number of requests.",
			Buckets: requestBuckets,
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "matchmaker", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
	}
	for _, c := range []prometheus.Collector{m.duration, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// middleware measures every request, refused ones included: it runs before
// the rate limits and the keys, and answers an error itself so that the
// status it records is the one sent.
func (m *requestMetrics) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		err := next(c)
		if err != nil && !c.Response().Committed {
			c.Error(err)
		}
		route := c.Path()
		if route == "" || route == "/*" {
			route = unmatchedRoute
		}
		status := c.Response().Status
		m.duration.WithLabelValues(route, c.Request().Method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
		return err
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
