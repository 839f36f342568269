package metrics

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// requestBuckets are the latency buckets of the HTTP requests, in seconds:
// from a cached read (under a millisecond) to the request deadline (25 s).
var requestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25}

// UnmatchedRoute labels a request no route matches: a label per path sent
// would let anyone grow the series without bound.
const UnmatchedRoute = "unmatched"

// Requests are the HTTP metrics of the service, matchmaker_http_*, by route
// pattern (the route table's path, such as /v1/cities/:id or /cities/:id,
// never the path as sent: an ID in a label would make a series per row),
// method and status. Both doors, the JSON API and the pages, measure into the
// same series.
type Requests struct {
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewRequests registers the request metrics on reg, or returns the ones
// already registered there: each door asks for them, and they share them.
func NewRequests(reg prometheus.Registerer) (*Requests, error) {
	r := &Requests{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "How long the service took to answer an HTTP request, by route pattern, method and status; its _count is the number of requests.",
			Buckets: requestBuckets,
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
	}
	var err error
	if r.duration, err = register(reg, r.duration); err != nil {
		return nil, err
	}
	if r.inFlight, err = register(reg, r.inFlight); err != nil {
		return nil, err
	}
	return r, nil
}

// register registers c on reg, or returns the collector of the same
// description registered before.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("register request metrics: %w", err)
}

// Start counts a request in flight; the function it returns records it, once
// answered, under its route pattern ("" for none: UnmatchedRoute).
func (r *Requests) Start() func(route, method string, status int) {
	start := time.Now()
	r.inFlight.Inc()
	return func(route, method string, status int) {
		r.inFlight.Dec()
		if route == "" || route == "/*" {
			route = UnmatchedRoute
		}
		r.duration.WithLabelValues(route, method, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	}
}

// Middleware measures every request of an echo door under its route
// pattern. It answers an error itself, so that the status recorded is the
// one sent. Both doors use it, so that they count alike.
func (r *Requests) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			done := r.Start()
			err := next(c)
			if err != nil && !c.Response().Committed {
				c.Error(err)
			}
			done(c.Path(), c.Request().Method, c.Response().Status)
			return err
		}
	}
}
