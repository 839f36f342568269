package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/metrics"
	"matchmaker/people"
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
	// Follower keeps the match index in step with Store's change feed. When
	// nil, New builds an index from the store and follows the feed until
	// Background ends.
	Follower *workflow.Follower
	// PrivateReads makes every request need an API key, reads of public
	// profile data too. By default (false) cities, practices, challenges,
	// experts (without contact details), themes and suggestions are readable
	// without a key; every write needs one.
	PrivateReads bool
	// RateLimits bounds how fast one client may call; zero values are the
	// defaults.
	RateLimits RateLimits
	// TrustedProxies are the addresses of the reverse proxies in front of
	// the service. Only a request coming from one of them may name its
	// client in X-Forwarded-For (the address right of the last trusted hop
	// is the client's); anyone else's header is ignored, so that a forged
	// header cannot pick the address rate limits and the audit trail see.
	// Empty: the connection's own address is the client's.
	TrustedProxies []netip.Prefix
	// People are the people who sign in on the pages, whom /v1/users
	// manages. When nil, New builds them over Store, their sign-in links
	// written to the log.
	People *people.People
	// Workflows are the network's workflows the routes call. When nil, New
	// builds them over Store and the follower's index and works their jobs (review
	// rounds) until Background ends.
	Workflows *workflow.Workflows
	// CORSOrigins are the browser origins that may call the API (see
	// ParseCORSOrigins); none by default.
	CORSOrigins []string
	// PublicURL is the address clients reach the service at, such as
	// https://matchmaker.example.net: problem types are absolute URIs under
	// it. Empty: they are relative (/problems/not-found).
	PublicURL string
	// Metrics is the registry the request metrics are registered on
	// (matchmaker_http_*); nil measures nothing.
	Metrics prometheus.Registerer
	// MetricsHandler answers GET /metrics on this listener; nil when the
	// metrics are served on their own address or not at all (404).
	MetricsHandler http.Handler
	// RequestTimeout bounds the work of one request (25 s when zero; the
	// server's write timeout in cmd is longer, so that the answer is still
	// a problem). An export is not bounded as a whole, since a large one
	// takes longer: it is cut when it stalls for this long instead (no row
	// read, or the client takes no data).
	RequestTimeout time.Duration
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
	matching *workflow.Matching
	follower *workflow.Follower
	flows    *workflow.Workflows
	people   *people.People

	publicReads bool
	policies    map[string]policy

	background context.Context
	statuses   map[string]int // the success status of each write route

	metricsHandler http.Handler
	requestTimeout time.Duration

	sp speaker // says problems in the reader's language
}

// IPExtractor says where a request's client address comes from: the
// connection, or X-Forwarded-For when the connection is a trusted proxy's.
// echo's defaults would trust loopback and private networks too: none is
// trusted here unless configured. X-Real-IP is never read.
func IPExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		p = p.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// ranges (10.0.0.1, 10.0.0.0/8, ::1).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or a CIDR range", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// requestTimeout is the default of Config.RequestTimeout.
const requestTimeout = 25 * time.Second

// Route is one entry of the route table.
type Route struct {
	Method, Path string
	Handler      echo.HandlerFunc
}

// New returns the HTTP handler of the service.
func New(cfg Config) *echo.Echo {
	s := &Server{store: cfg.Store, log: cfg.Logger, ready: cfg.Ready, version: cfg.Version, follower: cfg.Follower,
		flows: cfg.Workflows, people: cfg.People, background: cfg.Background, publicReads: !cfg.PrivateReads, policies: policies(),
		statuses: successStatuses(), metricsHandler: cfg.MetricsHandler, requestTimeout: cfg.RequestTimeout}
	if s.requestTimeout <= 0 {
		s.requestTimeout = requestTimeout
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.background == nil {
		s.background = context.Background()
	}
	if s.follower == nil && s.store != nil {
		m := workflow.NewMatchingOnStore(s.store, matcher.NewAnalyzer(workflow.NewLexicon(s.store.Taxonomy())), s.log, workflow.StoreTexts{})
		s.follower = workflow.NewFollower(s.store, m, s.log, workflow.FollowerConfig{})
		if err := s.follower.Build(context.Background()); err != nil {
			s.log.Error("match index not built", "error", err)
		} else if err := s.follower.CatchUp(context.Background()); err != nil {
			s.log.Error("match index not caught up", "error", err)
		}
		go s.follower.Run(s.background)
	}
	if s.follower != nil {
		s.matching = s.follower.Matching()
	}
	if s.flows == nil && s.store != nil {
		flows, err := workflow.New(workflow.Config{Store: s.store, Logger: s.log, Index: s.matching})
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
	if s.people == nil && s.store != nil {
		folks, err := people.New(people.Config{Store: s.store, Logger: s.log})
		if err != nil {
			s.log.Error("people not started", "error", err)
		}
		s.people = folks
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.JSONSerializer = wholeJSON{}
	e.IPExtractor = IPExtractor(cfg.TrustedProxies)
	s.sp = speaker{cat: locale.MustLoad(), base: cfg.PublicURL}
	e.HTTPErrorHandler = errorHandler(s.log, s.sp)
	e.Use(
		// First, so that every answer to a HEAD, errors included, is the
		// answer to the GET without its body.
		headAsGet,
		middleware.RequestID(),
		negotiateLanguage,
	)
	if cfg.Metrics != nil {
		m, err := metrics.NewRequests(cfg.Metrics)
		if err != nil {
			s.log.Error("request metrics not registered", "error", err)
		} else {
			// Before the rest, so that every request is measured, refused
			// ones too, with the status sent.
			e.Use(m.Middleware())
		}
	}
	if mw := cors(cfg.CORSOrigins); mw != nil {
		// Before the keys: a preflight carries none.
		e.Use(mw)
	}
	e.Use(
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic in handler", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err, "stack", string(stack))
			return err
		}}),
		middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
			LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true, HandleError: true,
			LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
				s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
					slog.String("method", v.Method), slog.String("path", v.URIPath), slog.Int("status", v.Status),
					slog.Float64("latency_ms", float64(v.Latency.Microseconds())/1000), slog.String("request_id", v.RequestID))
				return nil
			},
		}),
		// 1 MiB exactly: echo reads "1M" as a decimal megabyte; an import's
		// files may be larger.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.Itoa(maxBodyBytes), Skipper: isImport}),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.Itoa(maxImportBytes), Skipper: func(c echo.Context) bool { return !isImport(c) }}),
		// A request never holds the database longer than this, even when its
		// host died mid-query and TCP would wait much longer. An export
		// streams for as long as it progresses and has a deadline of its own
		// on a stall (see export).
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: s.requestTimeout, Skipper: isExport}),
	)
	if s.follower != nil {
		e.Use(s.positions)
	}
	if s.store != nil {
		// The record of every write first, so that refused ones are in it
		// too; then how fast an address calls (before any key is looked up,
		// so that guessing keys is throttled), who is calling, how fast a key
		// calls, and the replay of a retried POST.
		replicas := &replicaCount{}
		replicas.refresh(s.background, s.store)
		go replicas.follow(s.background, s.store, 5*time.Second)
		perAddress, perKey := rateLimiters(cfg.RateLimits, replicas, s.isOpen)
		e.Use(s.audit)
		e.Use(perAddress...)
		e.Use(s.authenticate)
		e.Use(s.auditActor)
		e.Use(perKey...)
		e.Use(s.idempotency)
	}
	// Last, next to the handlers: a GET that would answer the version the
	// client holds answers 304, after every check of who may read it.
	e.Use(notModified)
	for _, r := range append(s.Routes(), s.pageRoutes()...) {
		e.Add(r.Method, r.Path, r.Handler)
		if r.Method == http.MethodGet {
			// HEAD is GET without the body (RFC 9110, section 9.3.2).
			e.Add(http.MethodHead, r.Path, r.Handler)
		}
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
		Route{http.MethodGet, "/metrics", s.metrics},
		Route{http.MethodGet, "/problems/:type", s.problemType},
		Route{http.MethodGet, "/v1/themes", s.listThemes},
		Route{http.MethodGet, "/v1/themes/:code", s.getTheme},
	)
	routes = append(routes, crud("/v1/cities", cityResource(s))...)
	routes = append(routes, crud("/v1/practices", practiceResource(s.store))...)
	routes = append(routes, crud("/v1/challenges", challengeResource(s.store))...)
	routes = append(routes, crud("/v1/experts", expertResource(s))...)
	routes = append(routes,
		Route{http.MethodGet, "/v1/challenges/:id/suggestions", s.consistent(s.suggestions)},
		Route{http.MethodGet, "/v1/challenges/:id/explain", s.consistent(s.explain)},
		Route{http.MethodGet, "/v1/experts/:id/opportunities", s.consistent(s.opportunities)},
		Route{http.MethodGet, "/v1/cities/:id/partners", s.consistent(s.partners)},
		Route{http.MethodGet, "/v1/search/practices", s.consistent(s.practicesOnSubject)},

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
		Route{http.MethodGet, "/v1/users", s.listUsers},
		Route{http.MethodPost, "/v1/users", s.inviteUser},
		Route{http.MethodGet, "/v1/users/:id", s.getUser},
		Route{http.MethodPost, "/v1/users/:id/disable", s.disableUser},
		Route{http.MethodPost, "/v1/users/:id/enable", s.enableUser},

		Route{http.MethodPost, "/v1/webhooks", s.createWebhook},
		Route{http.MethodGet, "/v1/webhooks", s.listWebhooks},
		Route{http.MethodGet, "/v1/webhooks/:id", s.getWebhook},
		Route{http.MethodDelete, "/v1/webhooks/:id", s.deleteWebhook},
		Route{http.MethodPost, "/v1/webhooks/:id/ping", s.pingWebhook},
		Route{http.MethodGet, "/v1/webhooks/:id/deliveries", s.webhookDeliveries},
		Route{http.MethodGet, "/v1/messages", s.listMessages},
		Route{http.MethodPost, "/v1/messages/:id/retry", s.retryMessage},

		Route{http.MethodPost, "/v1/imports", s.createImport},
		Route{http.MethodGet, "/v1/imports/:id", s.getImport},
		Route{http.MethodGet, "/v1/exports/:kind", s.export},
	)
	return routes
}

// isImport reports whether the request is an import's, whose body holds files.
func isImport(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == "/v1/imports"
}

// isExport reports whether the request is an export's, which streams.
func isExport(c echo.Context) bool {
	return c.Path() == "/v1/exports/:kind"
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
			return newProblem(http.StatusServiceUnavailable, readinessReason(err))
		}
	}
	if s.follower == nil {
		return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
	}
	st := s.follower.Status()
	if !st.CaughtUp {
		return newProblem(http.StatusServiceUnavailable, say(
			"not ready: the match index is catching up with the change feed (at position %d)", st.Position))
	}
	return c.JSON(http.StatusOK, readyResponse{Status: "ready", Index: indexState{
		Position: st.Position, Awaited: st.Awaited, LagSeconds: math.Round(st.Lag.Seconds()*1000) / 1000}})
}

// readyResponse is the answer of a ready service: where its match index stands.
type readyResponse struct {
	Status string     `json:"status"`
	Index  indexState `json:"index"`
}

// indexState says how far the match index has followed the change feed:
// every change at or below position is in it, awaited positions below the
// newest may still commit, and it last read the whole feed lag_seconds ago.
type indexState struct {
	Position   int64   `json:"position"`
	Awaited    int     `json:"awaited"`
	LagSeconds float64 `json:"lag_seconds"`
}

// NotReadyError says why the service is not ready, in words safe to show.
// Build one with NotReadyf, so that it is said in the reader's language.
type NotReadyError struct {
	Reason string
	Text   profiles.Text
}

// NotReadyf is a NotReadyError whose reason, written as format and args, is
// the end of the sentence "not ready: …".
func NotReadyf(format string, args ...any) *NotReadyError {
	t := say("not ready: "+format, args...)
	return &NotReadyError{Reason: strings.TrimPrefix(t.English, "not ready: "), Text: t}
}

// Error returns the reason.
func (e *NotReadyError) Error() string { return e.Reason }

func readinessReason(err error) profiles.Text {
	if nr, ok := err.(*NotReadyError); ok {
		if nr.Text.English == "" {
			return say("not ready: %s", nr.Reason)
		}
		return nr.Text
	}
	return say("not ready: the database is not reachable")
}
