package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// Config is what the HTTP layer needs from the rest of the program.
type Config struct {
	Store  *profiles.Store
	Logger *slog.Logger
	// Ready reports whether the service can serve: database reachable and
	// migrations applied. /readyz answers 503 with its error otherwise.
	Ready func(ctx context.Context) error
	// Version is the build version shown by /healthz.
	Version string
	// Matching is the match index kept in step with Store. When nil, New builds
	// one from the store and subscribes it to the store's writes.
	Matching *Matching
	// PrivateReads makes every request need an API key, reads of public
	// profile data too. By default (false) cities, practices, challenges,
	// experts (without contact details), themes and suggestions are readable
	// without a key; every write needs one.
	PrivateReads bool
	// RateLimits bounds how fast one client may call; zero values are the
	// defaults.
	RateLimits RateLimits
	// Workflows are the network's workflows the routes call. When nil, New
	// builds them over Store and Matching and works their jobs (review
	// rounds) until Background ends.
	Workflows *workflow.Workflows
	// Background bounds the background work New starts itself (review
	// rounds when it builds the workflows, the purge of idempotency keys).
	// Nil means it runs until it ends.
	Background context.Context
}

// Server holds the handlers' dependencies.
type Server struct {
	store    *profiles.Store
	log      *slog.Logger
	ready    func(ctx context.Context) error
	version  string
	matching *Matching
	flows    *workflow.Workflows

	publicReads bool
	policies    map[string]policy

	background context.Context
	statuses   map[string]int // the success status of each write route
}

// requestTimeout bounds the work of one request; the server's write timeout
// (30 s in cmd) is longer, so that the answer is still a problem.
const requestTimeout = 25 * time.Second

// Route is one entry of the route table.
type Route struct {
	Method, Path string
	Handler      echo.HandlerFunc
}

// New returns the HTTP handler of the service.
func New(cfg Config) *echo.Echo {
	s := &Server{store: cfg.Store, log: cfg.Logger, ready: cfg.Ready, version: cfg.Version, matching: cfg.Matching,
		flows: cfg.Workflows, background: cfg.Background, publicReads: !cfg.PrivateReads, policies: policies(),
		statuses: successStatuses()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.background == nil {
		s.background = context.Background()
	}
	if s.matching == nil && s.store != nil {
		s.matching = NewMatching(s.store, matcher.NewAnalyzer(NewLexicon(s.store.Taxonomy())), s.log)
		if err := s.matching.Build(context.Background()); err != nil {
			s.log.Error("match index not built", "error", err)
		}
		s.store.Subscribe(s.matching.OnChange)
	}
	if s.flows == nil && s.store != nil {
		flows, err := NewWorkflows(workflow.Config{Store: s.store, Logger: s.log}, s.matching)
		if err != nil {
			s.log.Error("workflows not started", "error", err)
		} else {
			s.flows = flows
			go func() {
				if err := flows.RunJobs(s.background); err != nil {
					s.log.Error("job workers stopped", "error", err)
				}
			}()
		}
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(s.log)
	e.Use(
		middleware.RequestID(),
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic in handler", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err, "stack", string(stack))
			return err
		}}),
		middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
			LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true, HandleError: true,
			LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
				s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
					slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
					slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID))
				return nil
			},
		}),
		// 1 MiB exactly: echo reads "1M" as a decimal megabyte.
		middleware.BodyLimit(strconv.Itoa(maxBodyBytes)),
		// A request never holds the database longer than this, even when its
		// host died mid-query and TCP would wait much longer.
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: requestTimeout}),
	)
	if s.store != nil {
		// The record of every write first, so that refused ones are in it
		// too; then how fast an address calls (before any key is looked up,
		// so that guessing keys is throttled), who is calling, how fast a key
		// calls, and the replay of a retried POST.
		perAddress, perKey := rateLimiters(cfg.RateLimits, s.isOpen)
		e.Use(s.audit)
		e.Use(perAddress...)
		e.Use(s.authenticate)
		e.Use(s.auditActor)
		e.Use(perKey...)
		e.Use(s.idempotency)
	}
	for _, r := range s.Routes() {
		e.Add(r.Method, r.Path, r.Handler)
	}
	if s.store != nil {
		go s.purgeIdempotency(s.background)
	}
	return e
}

// Routes is the route table of the service: every route, in one place. The tests
// hold the OpenAPI document to it.
func (s *Server) Routes() []Route {
	var routes []Route
	routes = append(routes,
		Route{http.MethodGet, "/healthz", s.healthz},
		Route{http.MethodGet, "/readyz", s.readyz},
		Route{http.MethodGet, "/openapi.json", serveOpenAPI},
		Route{http.MethodGet, "/v1/themes", s.listThemes},
		Route{http.MethodGet, "/v1/themes/:code", s.getTheme},
	)
	routes = append(routes, crud("/v1/cities", cityResource(s))...)
	routes = append(routes, crud("/v1/practices", practiceResource(s.store))...)
	routes = append(routes, crud("/v1/challenges", challengeResource(s.store))...)
	routes = append(routes, crud("/v1/experts", expertResource(s))...)
	routes = append(routes,
		Route{http.MethodGet, "/v1/challenges/:id/suggestions", s.suggestions},
		Route{http.MethodGet, "/v1/challenges/:id/explain", s.explain},
		Route{http.MethodGet, "/v1/experts/:id/opportunities", s.opportunities},
		Route{http.MethodGet, "/v1/cities/:id/partners", s.partners},

		Route{http.MethodPost, "/v1/challenges/:id/panels", s.createPanel},
		Route{http.MethodPost, "/v1/challenges/:id/tutoring-teams", s.createTeam},
		Route{http.MethodPost, "/v1/challenges/:id/pairings", s.createPairing},
		Route{http.MethodGet, "/v1/proposals", s.listProposals},
		Route{http.MethodGet, "/v1/proposals/:id", s.getProposal},
		Route{http.MethodPost, "/v1/proposals/:id/edits", s.editProposal},
		Route{http.MethodPost, "/v1/proposals/:id/transitions", s.transitionProposal},
		Route{http.MethodPost, "/v1/proposals/:id/members/:member_id/answer", s.answerProposal},
		Route{http.MethodGet, "/v1/proposals/:id/history", s.proposalHistory},
		Route{http.MethodPost, "/v1/proposals/:id/outcomes", s.createOutcome},
		Route{http.MethodGet, "/v1/proposals/:id/outcomes", s.listOutcomes},
		Route{http.MethodPost, "/v1/review-rounds", s.createRound},
		Route{http.MethodGet, "/v1/review-rounds", s.listRounds},
		Route{http.MethodGet, "/v1/review-rounds/:id", s.getRound},
		Route{http.MethodPost, "/v1/review-rounds/:id/scores", s.saveScores},
		Route{http.MethodGet, "/v1/review-rounds/:id/benchmark", s.roundBenchmark},
		Route{http.MethodGet, "/v1/themes/:code/compare", s.compareTheme},

		Route{http.MethodGet, "/v1/experts/:id/export", s.exportExpert},
		Route{http.MethodPost, "/v1/experts/:id/erase", s.eraseExpert},
		Route{http.MethodPost, "/v1/keys", s.createKey},
		Route{http.MethodGet, "/v1/keys", s.listKeys},
		Route{http.MethodDelete, "/v1/keys/:id", s.revokeKey},
		Route{http.MethodGet, "/v1/audit", s.listAudit},
	)
	return routes
}

// RouteTable lists the method and path of every route, for documentation tests.
func RouteTable() []Route {
	return (&Server{}).Routes()
}

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok", "version": s.version})
}

func (s *Server) readyz(c echo.Context) error {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			s.log.Warn("not ready", "error", err)
			return newProblem(http.StatusServiceUnavailable, "not ready: "+readinessReason(err))
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// NotReadyError says why the service is not ready, in words safe to show.
type NotReadyError struct{ Reason string }

// Error returns the reason.
func (e *NotReadyError) Error() string { return e.Reason }

func readinessReason(err error) string {
	if nr, ok := err.(*NotReadyError); ok {
		return nr.Reason
	}
	return "the database is not reachable"
}
