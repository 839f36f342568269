package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/metrics"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/volunteers"
	"matchmaker/workflow"
)

//go:embed templates static
var files embed.FS

// Config is what the pages need from the rest of the program.
type Config struct {
	Store  *profiles.Store
	People *people.People
	// Matching and Workflows are the network's workflows the pages call
	// (suggestions, explanations, proposals); the public pages work without.
	Matching  *workflow.Matching
	Workflows *workflow.Workflows
	// Follower keeps Matching in step with the store; a form's answer waits
	// for it to hold the form's write, so that the next page shows it.
	Follower *workflow.Follower
	Logger   *slog.Logger
	// Catalogue holds the pages' messages; nil: locale.Load().
	Catalogue *locale.Catalogue
	// IPExtractor says where a request's client address comes from (the
	// connection's, or X-Forwarded-For from trusted proxies only); nil: the
	// connection's. The sign-in forms are rate-limited by it.
	IPExtractor echo.IPExtractor
	// SignInRate is how many requests a second one address may send to
	// each of the public forms that mail someone (a burst of five): the
	// sign-in form and its links, the volunteers' application form and its
	// confirmation links; zero: 0.2, one every five seconds. Each one may
	// send a mail, or guess a secret.
	SignInRate float64
	// Volunteers takes experts' applications; nil: built on Store and
	// People, its links written to the log.
	Volunteers *volunteers.Volunteers
	// Metrics is the registry of the request metrics, shared with the JSON
	// API (matchmaker_http_*, by route pattern); nil measures nothing.
	Metrics prometheus.Registerer
	// SecureCookies marks every cookie Secure: set it when people reach the
	// service over HTTPS (directly or through a proxy).
	SecureCookies bool
}

// Server holds the pages' dependencies.
type Server struct {
	store     *profiles.Store
	people    *people.People
	matching  *workflow.Matching
	flows     *workflow.Workflows
	follower  *workflow.Follower
	log       *slog.Logger
	cat       *locale.Catalogue
	secure    bool
	templates *templates
	net       networkCache
	cand      candidateCache
	// volunteers takes experts' applications (pages_volunteer.go).
	volunteers *volunteers.Volunteers
}

// Route is one entry of the pages' route table. Auth says who may open it:
// "" anyone, "user" anyone signed in, or a role (profiles.RoleCity …); the
// staff (secretariat, admin) may open every page that asks for a role but
// profiles.RoleAdmin, which only an admin opens (keys, the audit trail).
type Route struct {
	Method, Path string
	Auth         string
	Handler      echo.HandlerFunc
}

// New returns the handler of the pages.
func New(cfg Config) (*echo.Echo, error) {
	s := &Server{store: cfg.Store, people: cfg.People, matching: cfg.Matching, flows: cfg.Workflows, follower: cfg.Follower,
		log: cfg.Logger, cat: cfg.Catalogue, secure: cfg.SecureCookies, volunteers: cfg.Volunteers}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.volunteers == nil && s.store != nil {
		var err error
		if s.volunteers, err = volunteers.New(volunteers.Config{Store: s.store, People: s.people, Logger: s.log}); err != nil {
			return nil, err
		}
	}
	if s.cat == nil {
		var err error
		if s.cat, err = locale.Load(); err != nil {
			return nil, err
		}
	}
	var err error
	if s.templates, err = loadTemplates(); err != nil {
		return nil, err
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, err
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorPage
	e.IPExtractor = cfg.IPExtractor
	if e.IPExtractor == nil {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	signInRate := cfg.SignInRate
	if signInRate <= 0 {
		signInRate = 0.2
	}
	// Asking for links and using them is throttled by address: each ask may
	// send a mail, and each use guesses a secret. So is applying to
	// volunteer, which mails a confirmation link to any address given, and
	// confirming. Each form has its own budget.
	throttle := func() echo.MiddlewareFunc {
		return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
			Skipper: func(c echo.Context) bool { return c.Request().Method != http.MethodPost },
			Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
				Rate: rate.Limit(signInRate), Burst: 5, ExpiresIn: 10 * time.Minute}),
			DenyHandler: func(c echo.Context, _ string, _ error) error {
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(1/signInRate))))
				return echo.NewHTTPError(http.StatusTooManyRequests)
			},
		})
	}
	signInLimit, volunteerLimit := throttle(), throttle()
	e.Use(middleware.RequestID())
	if cfg.Metrics != nil {
		m, err := metrics.NewRequests(cfg.Metrics)
		if err != nil {
			return nil, err
		}
		// Before the rest, so that every request is measured, refused ones
		// too, with the status sent.
		e.Use(m.Middleware())
	}
	e.Use(
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true, LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic in page", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err, "stack", string(stack))
			return err
		}}),
		middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
			LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true, HandleError: true,
			LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
				// The path of a sign-in link is its secret: it is never logged.
				path := v.URIPath
				if strings.HasPrefix(path, people.SignInPath+"/") {
					path = people.SignInPath + "/…"
				}
				if strings.HasPrefix(path, volunteers.ConfirmPath+"/") {
					path = volunteers.ConfirmPath + "/…"
				}
				s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "page",
					slog.String("method", v.Method), slog.String("path", path), slog.Int("status", v.Status),
					slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID))
				return nil
			},
		}),
		middleware.BodyLimit("1M"),
		middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: 25 * time.Second}),
		securityHeaders,
	)
	e.StaticFS("/static", static)
	pages := e.Group("",
		middleware.CSRFWithConfig(middleware.CSRFConfig{
			TokenLookup:    "form:" + csrfField + ",header:" + echo.HeaderXCSRFToken,
			ContextKey:     csrfContextKey,
			CookieName:     "mm_csrf",
			CookiePath:     "/",
			CookieHTTPOnly: true,
			CookieSecure:   s.secure,
			CookieSameSite: http.SameSiteLaxMode,
			CookieMaxAge:   int((24 * time.Hour).Seconds()),
		}),
		s.session,
		s.audit,
		s.awaitIndex,
	)
	for _, r := range s.Routes() {
		h := r.Handler
		if r.Auth != "" {
			h = s.require(r.Auth, h)
		}
		switch {
		case strings.HasPrefix(r.Path, people.SignInPath):
			h = signInLimit(h)
		case r.Path == "/volunteer" || strings.HasPrefix(r.Path, volunteers.ConfirmPath):
			h = volunteerLimit(h)
		}
		pages.Add(r.Method, r.Path, h)
		if r.Method == http.MethodGet {
			pages.Add(http.MethodHead, r.Path, h)
		}
	}
	if s.store != nil {
		// The home page's count, ahead of its first visit (see Warm).
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s.Warm(ctx)
		cancel()
	}
	return e, nil
}

// Routes is the route table of the pages: every page, in one place.
func (s *Server) Routes() []Route {
	return append([]Route{
		{http.MethodGet, "/", "", s.home},
		{http.MethodGet, "/cities", "", s.cities},
		{http.MethodGet, "/cities/:id", "", s.city},
		{http.MethodGet, "/practices", "", s.practices},
		{http.MethodGet, "/practices/:id", "", s.practice},
		{http.MethodGet, "/experts", "", s.experts},
		{http.MethodGet, "/experts/:id", "", s.expert},
		{http.MethodGet, "/search", "", s.search},
		{http.MethodGet, "/compare", "", s.compare},
		{http.MethodGet, "/challenges/:id", "", s.challenge},
		{http.MethodGet, "/challenges/:id/why", "", s.why},

		{http.MethodGet, "/my/city", "city", s.myCity},
		{http.MethodGet, "/my/city/edit", "city", s.editCityForm},
		{http.MethodPost, "/my/city/edit", "city", s.editCity},
		{http.MethodGet, "/my/challenges/new", "city", s.newChallengeForm},
		{http.MethodPost, "/my/challenges", "city", s.createChallenge},
		{http.MethodGet, "/my/challenges/:id/edit", "city", s.editChallengeForm},
		{http.MethodPost, "/my/challenges/:id/edit", "city", s.editChallenge},
		{http.MethodGet, "/my/practices/new", "city", s.newPracticeForm},
		{http.MethodPost, "/my/practices", "city", s.createPractice},
		{http.MethodGet, "/my/practices/:id/edit", "city", s.editPracticeForm},
		{http.MethodPost, "/my/practices/:id/edit", "city", s.editPractice},
		{http.MethodPost, "/challenges/:id/pairings", "city", s.askPairing},
		{http.MethodGet, "/proposals/:id", "user", s.proposal},
		{http.MethodPost, "/proposals/:id/answer", "user", s.answerProposal},
		{http.MethodPost, "/proposals/:id/outcomes", "user", s.recordOutcome},

		{http.MethodGet, "/lang/:lang", "", s.switchLang},
		{http.MethodGet, "/sign-in", "", s.signInForm},
		{http.MethodPost, "/sign-in", "", s.requestSignIn},
		{http.MethodGet, "/sign-in/:token", "", s.confirmSignIn},
		{http.MethodPost, "/sign-in/:token", "", s.signIn},
		{http.MethodPost, "/sign-out", "user", s.signOut},
	}, s.staffRoutes()...)
}

// RouteTable lists the method, path and access of every page, for tests.
func RouteTable() []Route { return (&Server{}).Routes() }

// indexWait bounds how long a form's answer waits for the match index to hold
// the form's write.
const indexWait = 2 * time.Second

// awaitIndex makes the answer to a form wait (up to indexWait) until this
// process's match index holds what the form wrote, so that the page it leads
// to (a new challenge's suggestions) sees the write.
func (s *Server) awaitIndex(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.follower == nil || c.Request().Method == http.MethodGet || c.Request().Method == http.MethodHead {
			return next(c)
		}
		ctx, w := profiles.TrackWrites(c.Request().Context())
		c.SetRequest(c.Request().WithContext(ctx))
		c.Response().Before(func() {
			if seq := w.Position(); seq > 0 {
				wctx, cancel := context.WithTimeout(ctx, indexWait)
				_ = s.follower.WaitFor(wctx, seq)
				cancel()
			}
		})
		return next(c)
	}
}

// securityHeaders forbid what no page needs: other origins' scripts, styles
// and frames, sniffing, and the Referer to other sites.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
			"frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		return next(c)
	}
}

// errorPage answers every error of a page with a page, in the reader's
// language: the status's own message, never an internal detail (that is
// logged once, with the request ID).
func (s *Server) errorPage(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "web.error.internal"
	var he *echo.HTTPError
	var ve *profiles.ValidationError
	var re *workflow.RuleError
	v := s.viewOf(c)
	var details []string
	switch {
	case errors.Is(err, profiles.ErrNotFound):
		status, msg = http.StatusNotFound, "web.error.not_found"
	case errors.Is(err, errForbidden), errors.Is(err, people.ErrForbidden):
		status, msg = http.StatusForbidden, "web.error.forbidden"
	case errors.Is(err, profiles.ErrConflict):
		status, msg = http.StatusConflict, "web.error.conflict"
	case errors.As(err, &ve):
		status, msg = http.StatusUnprocessableEntity, "web.error.invalid"
		for _, f := range ve.Fields {
			details = append(details, v.T("staff.problem.field", "Field", f.Field, "Message", v.Say(f.Text())))
		}
	case errors.As(err, &re):
		// The network's hard rules cannot be kept: the detail says which.
		status, msg, details = http.StatusConflict, "web.error.rule", []string{v.Say(re.Text)}
	case errors.Is(err, matcher.ErrInvalidQuery):
		status, msg = http.StatusBadRequest, "web.error.bad_request"
	case errors.Is(err, profiles.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "web.error.unavailable"
	case errors.As(err, &he):
		status = he.Code
		switch {
		case he.Code == http.StatusNotFound:
			msg = "web.error.not_found"
		case he.Code == http.StatusMethodNotAllowed:
			msg = "web.error.not_found"
		case he.Code == http.StatusForbidden && strings.Contains(fmt.Sprint(he.Message), "csrf"):
			msg = "web.error.csrf"
		case he.Code == http.StatusBadRequest && strings.Contains(fmt.Sprint(he.Message), "csrf"):
			status, msg = http.StatusForbidden, "web.error.csrf"
		case he.Code == http.StatusRequestEntityTooLarge:
			msg = "web.error.too_large"
		case he.Code == http.StatusTooManyRequests:
			msg = "web.error.too_many"
		case he.Code < 500:
			msg = "web.error.bad_request"
		}
	}
	if status >= 500 {
		s.log.Error("page failed", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
			"method", c.Request().Method, "path", c.Path(), "error", err)
	}
	if rerr := s.render(c, status, "error", "web.error.title", errorData{Status: status, Message: v.T(msg), Details: details}); rerr != nil {
		s.log.Error("error page failed", "error", rerr)
	}
}

type errorData struct {
	Status  int
	Message string
	// Details are the network's own words on what to change, in the
	// reader's language, for the errors of a person's input; never an
	// internal error.
	Details []string
}

// errForbidden refuses a page to someone signed in whose role may not open it.
var errForbidden = errors.New("forbidden")
