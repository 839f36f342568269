// Package browsertest drives the pages in a real browser for tests: it starts
// the whole service (pages and JSON API, with the demo network, its emails
// sent to an SMTP server in the test process) on SQLite and on PostgreSQL,
// opens Debian's chromium through chromedp, signs people in by following the
// link they are sent, and checks each page with axe-core, failing on serious
// or critical violations.
//
// The tests of a package share one chromium (each Browser is a tab in a
// browser context of its own) and one service per database (Shared; Main
// stops them): each journey makes the data it changes its own.
//
// Chromium missing: the test skips, except under CI=true, where it fails.
//
// It is a test helper: only tests import it. It imports the doors (web, api)
// to assemble the service as cmd does.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"matchmaker/api"
	"matchmaker/demo"
	"matchmaker/matcher"
	"matchmaker/notify"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/volunteers"
	"matchmaker/web"
	"matchmaker/workflow"
)

// Service is the whole service running, with the demo network: for one test
// (Start), or for every test of the package on one database (Shared).
type Service struct {
	// URL is where it listens: http://127.0.0.1:port.
	URL      string
	DB       profilestest.DB
	Store    *profiles.Store
	People   *people.People
	Follower *workflow.Follower
	// Outbox holds every sign-in and application link the service sent.
	Outbox *Outbox
	// Mail is the SMTP server the notifications' outbox sends its emails
	// to (invitations with their signed answer links, reminders…).
	Mail *MailServer
	// Users are the demo's people by role: secretariat, city, expert.
	Users map[string]profiles.User

	log *logSink
}

// Outbox is a people.SignInSender that keeps what it is given, for the test
// to follow the links.
type Outbox struct {
	mu   sync.Mutex
	sent []people.SignIn
	// applications are the links that confirm volunteers' applications.
	applications []volunteers.Confirmation
}

// SendApplicationLink keeps m.
func (o *Outbox) SendApplicationLink(_ context.Context, m volunteers.Confirmation) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.applications = append(o.applications, m)
	return nil
}

// LastApplicationLink returns the newest application link sent to email, or "".
func (o *Outbox) LastApplicationLink(email string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.applications) - 1; i >= 0; i-- {
		if o.applications[i].Application.Email == profiles.NormalizeEmail(email) {
			return o.applications[i].Link
		}
	}
	return ""
}

// SendSignIn keeps m.
func (o *Outbox) SendSignIn(_ context.Context, _ *profiles.Store, m people.SignIn) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return nil
}

// LastLink returns the newest link sent to email, or "".
func (o *Outbox) LastLink(email string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.sent) - 1; i >= 0; i-- {
		if o.sent[i].User.Email == profiles.NormalizeEmail(email) {
			return o.sent[i].Link
		}
	}
	return ""
}

// Each runs body on the package's shared service over SQLite and over
// PostgreSQL (see Shared), as subtests named as profilestest.EachDB names
// them. The service is shared: body makes the data it changes its own.
func Each(t *testing.T, body func(t *testing.T, svc *Service)) {
	t.Helper()
	NeedChromium(t)
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { body(t, Shared(t, name)) })
	}
}

// shared are the services the tests of the package share, one per
// database, started by the first test that asks and stopped by Main.
var shared = map[string]*sharedService{"sqlite": {}, "postgres": {}}

type sharedService struct {
	once sync.Once
	svc  *Service
	stop func()
	err  error
}

// Shared is the service on database name ("sqlite" or "postgres") that the
// tests of the package share: started once (the demo loaded, the index built)
// rather than once per test, its log written to t until t ends. A test on it
// makes its own data (its own challenge, expert, addresses) rather than
// counting on what other tests left. PostgreSQL unreachable skips the test,
// or fails it under CI=true, as profilestest.PostgresDB does.
func Shared(t testing.TB, name string) *Service {
	t.Helper()
	s := shared[name]
	if s == nil {
		t.Fatalf("no shared service on %q", name)
	}
	s.once.Do(func() {
		dir, err := os.MkdirTemp("", "browsertest-")
		if err != nil {
			s.err = err
			return
		}
		db, drop, err := profilestest.NewDB(name, dir)
		if err != nil {
			os.RemoveAll(dir)
			s.err = err
			return
		}
		svc, stop, err := start(db)
		if err != nil {
			drop()
			os.RemoveAll(dir)
			s.err = err
			return
		}
		s.svc, s.stop = svc, func() {
			stop()
			drop()
			os.RemoveAll(dir)
		}
	})
	if errors.Is(s.err, profilestest.ErrNoPostgres) && os.Getenv("CI") != "true" {
		t.Skipf("%v: skipping", s.err)
	}
	if s.err != nil {
		t.Fatalf("start the shared service on %s: %v", name, s.err)
	}
	s.svc.log.use(t)
	return s.svc
}

// Main runs the package's tests (call it from TestMain) and then stops what
// they shared: the services of Shared and the browser.
func Main(m *testing.M) int {
	code := m.Run()
	for _, s := range shared {
		if s.stop != nil {
			s.stop()
		}
	}
	stopChromium()
	return code
}

// Start runs the service on db with the demo network and its people until
// the test ends: for a test that needs a database of its own.
func Start(t testing.TB, db profilestest.DB) *Service {
	t.Helper()
	svc, stop, err := start(db)
	if err != nil {
		t.Fatal(err)
	}
	svc.log.use(t)
	t.Cleanup(stop)
	return svc
}

// start assembles the service on db as cmd/matchmaker does, with its emails
// sent to a mail server of its own, and returns it with the function that
// stops it.
func start(db profilestest.DB) (svc *Service, stop func(), err error) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var closers []func()
	stop = func() {
		cancel()
		wg.Wait()
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	sink := &logSink{}
	log := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelWarn}))
	bdb, dialect, err := profiles.Open(ctx, db.DSN)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", db.Name, err)
	}
	closers = append(closers, func() { bdb.Close() })
	tax, err := profiles.LoadTaxonomy()
	if err != nil {
		return nil, nil, err
	}
	store := profiles.NewStore(bdb, dialect, tax, profiles.WithLanguageDetector(func(s string) string { return string(matcher.DetectLanguage(s)) }))
	if _, err := demo.Load(ctx, store); err != nil {
		return nil, nil, fmt.Errorf("load demo: %w", err)
	}
	matching := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), log)
	follower := workflow.NewFollower(store, matching, log, workflow.FollowerConfig{Poll: 100 * time.Millisecond})
	if err := follower.Build(ctx); err != nil {
		return nil, nil, fmt.Errorf("build index: %w", err)
	}
	wg.Add(1)
	go func() { defer wg.Done(); follower.Run(ctx) }()

	// The address is known before the service is built: the emails' links
	// point to it.
	srv := httptest.NewUnstartedServer(nil)
	closers = append(closers, srv.Close)
	base := "http://" + srv.Listener.Addr().String()
	mail, err := startMailServer()
	if err != nil {
		return nil, nil, err
	}
	closers = append(closers, mail.close)
	smtpCfg, err := notify.ParseSMTPURL(mail.URL())
	if err != nil {
		return nil, nil, err
	}
	out, err := notify.New(notify.Config{Store: store, Logger: log, Mailer: notify.NewSMTP(smtpCfg), BaseURL: base})
	if err != nil {
		return nil, nil, err
	}
	flows, err := workflow.New(workflow.Config{Store: store, Logger: log, Index: matching, Outbox: out,
		Jobs: workflow.JobConfig{OutboxPoll: 250 * time.Millisecond}})
	if err != nil {
		return nil, nil, err
	}
	wg.Add(1)
	go func() { defer wg.Done(); _ = flows.RunJobs(ctx) }()
	outbox := &Outbox{}
	folks, err := people.New(people.Config{Store: store, Sender: outbox, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	apiH := api.New(api.Config{Store: store, Logger: log, Follower: follower, Workflows: flows, People: folks, Background: ctx,
		RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})
	vols, err := volunteers.New(volunteers.Config{Store: store, People: folks, Sender: outbox, Logger: log})
	if err != nil {
		return nil, nil, err
	}
	pages, err := web.New(web.Config{Store: store, People: folks, Matching: matching, Workflows: flows, Follower: follower, Logger: log,
		SignInRate: 1000, Volunteers: vols})
	if err != nil {
		return nil, nil, err
	}
	srv.Config.Handler = Doors(apiH, pages)
	srv.Start()
	folks.SetBaseURL(srv.URL)
	vols.SetBaseURL(srv.URL)
	svc = &Service{URL: srv.URL, DB: db, Store: store, People: folks, Follower: follower, Outbox: outbox, Mail: mail,
		Users: map[string]profiles.User{}, log: sink}
	ins, err := demo.People(ctx, store)
	if err != nil {
		return nil, nil, err
	}
	for _, in := range ins {
		u, err := folks.Ensure(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		svc.Users[u.Role] = u
	}
	return svc, stop, nil
}

// Indexed waits until the match index holds every change committed so far:
// what a test writes to the store directly is then suggested and assembled.
func (s *Service) Indexed(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	head, err := s.Store.ReadFeedHead(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Follower.WaitFor(ctx, head.Last); err != nil {
		t.Fatalf("the index did not reach the feed's head %d: %v", head.Last, err)
	}
}

// Doors routes as cmd/matchmaker does: the JSON API's paths (and the
// emails' signed links, /links/) to apiH, every other path to the pages.
func Doors(apiH, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/v1" || strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/readyz" || p == "/openapi.json" ||
			strings.HasPrefix(p, "/problems/") || strings.HasPrefix(p, "/links/"):
			apiH.ServeHTTP(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	})
}

// logSink writes the service's log to the test that uses the service now
// (a shared service serves one test after another), and to stderr between
// tests: a test's log may not be written once it has ended.
type logSink struct {
	mu sync.Mutex
	t  testing.TB
}

// use writes the log to t until t ends.
func (l *logSink) use(t testing.TB) {
	l.mu.Lock()
	l.t = t
	l.mu.Unlock()
	t.Cleanup(func() {
		l.mu.Lock()
		if l.t == t {
			l.t = nil
		}
		l.mu.Unlock()
	})
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.t == nil {
		return os.Stderr.Write(p)
	}
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// chromiumPath finds the browser: $CHROMIUM, or Debian's chromium.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (apt-get install chromium)")
}

// NeedChromium skips the test when no chromium is installed, or fails it
// under CI=true.
func NeedChromium(t testing.TB) string {
	t.Helper()
	p, err := chromiumPath()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need chromium and CI=true: %v", err)
		}
		t.Skipf("browser tests skipped: %v", err)
	}
	return p
}

// Browser is one tab of the shared chromium in a browser context of its own
// (an incognito window: its own cookies and storage), reading the pages in
// one language (its Accept-Language).
type Browser struct {
	t    testing.TB
	svc  *Service
	ctx  context.Context
	Lang string
}

// chromium is the one browser the tests of the package share: starting a
// chromium per test costs seconds each under -race, a new browser context
// (what Browser opens) a few milliseconds.
var chromium struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel func()
}

// sharedChromium starts the shared chromium the first time, and returns its
// context.
func sharedChromium(t testing.TB, path string) context.Context {
	t.Helper()
	chromium.mu.Lock()
	defer chromium.mu.Unlock()
	if chromium.ctx != nil && chromium.ctx.Err() == nil {
		return chromium.ctx
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first run starts the browser, tied to the context it runs with:
	// the browser's own, not one of the bounded contexts of later steps.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	chromium.ctx, chromium.cancel = ctx, func() {
		cancel()
		cancelAlloc()
	}
	return ctx
}

// stopChromium closes the shared chromium, if it was started.
func stopChromium() {
	chromium.mu.Lock()
	defer chromium.mu.Unlock()
	if chromium.cancel != nil {
		chromium.cancel()
		chromium.ctx, chromium.cancel = nil, nil
	}
}

// Browser opens a new tab, in a browser context of its own, that asks for
// lang ("en", "fr", "es"); it is closed when the test ends.
func (s *Service) Browser(t testing.TB, lang string) *Browser {
	t.Helper()
	root := sharedChromium(t, NeedChromium(t))
	ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &Browser{t: t, svc: s, ctx: ctx, Lang: lang}
	// The first run opens the tab, tied to the context it runs with: the
	// tab's own, not one of the bounded contexts of later steps; so it is
	// bounded here by waiting for it, not by its context.
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(ctx) }()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("open a tab: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("chromium opened no tab within a minute")
	}
	b.call(func(ctx context.Context) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}); err != nil {
			return err
		}
		// The page's own locale (Intl, navigator.language) too, as in a
		// browser set to lang.
		if _, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: lang}); err != nil {
			return err
		}
		// axe is injected by the test, not served: the pages' own policy
		// allows no inline script, rightly.
		_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
		return err
	})
	return b
}

// Context is the browser's context, for chromedp actions of a test's own.
func (b *Browser) Context() context.Context { return b.ctx }

// call runs f with the browser's context, bounded to 30 seconds, failing the
// test on its error.
func (b *Browser) call(f func(ctx context.Context) error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := f(ctx); err != nil {
		b.t.Fatalf("browser (%s): %v", b.Lang, err)
	}
}

// Do runs chromedp actions in order, failing the test on the first error.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.call(func(ctx context.Context) error { return chromedp.Do(ctx, steps...) })
}

// Get runs one chromedp action and returns its value, failing the test on
// its error.
func Get[T any](b *Browser, a chromedp.Action[T]) T {
	b.t.Helper()
	var v T
	b.call(func(ctx context.Context) error {
		var err error
		v, err = chromedp.Run(ctx, a)
		return err
	})
	return v
}

// Submit clicks the button sel of a form that leads to another page, and
// waits until that page has loaded. Waiting for something of the old page
// to go away is not enough: it is gone while the new one is still loading,
// and what is asked of the page then can vanish under the question
// ("No node with given id found").
func (b *Browser) Submit(sel string) {
	b.t.Helper()
	Get(b, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	b.Do(chromedp.WaitReady(chromedp.CSS("body")))
}

// Open loads path (such as "/cities") and waits for its body.
func (b *Browser) Open(path string) {
	b.t.Helper()
	b.Do(chromedp.Navigate(b.svc.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// Text is the text of the first element matching a CSS selector, once
// visible.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(Get(b, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// Location is the current path and query.
func (b *Browser) Location() string {
	b.t.Helper()
	return strings.TrimPrefix(Get(b, chromedp.Location()), b.svc.URL)
}

// SignIn signs in as the user with email, as a person does: asks for a link
// on the sign-in page, follows the link the service sent, and confirms.
func (b *Browser) SignIn(email string) {
	b.t.Helper()
	before := b.svc.Outbox.LastLink(email)
	b.Open("/sign-in")
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.Submit(chromedp.CSS("#email")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	link := b.svc.Outbox.LastLink(email)
	if link == "" || link == before {
		b.t.Fatalf("no sign-in link was sent to %s", email)
	}
	b.Do(
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#confirm-sign-in")),
		chromedp.Click(chromedp.CSS("#confirm-sign-in")),
		chromedp.WaitVisible(chromedp.CSS("form[action='/sign-out']")),
	)
}

// SignInAs signs in as the demo user of role (profiles.RoleCity …).
func (b *Browser) SignInAs(role string) profiles.User {
	b.t.Helper()
	u, ok := b.svc.Users[role]
	if !ok {
		b.t.Fatalf("the demo has no %s user", role)
	}
	b.SignIn(u.Email)
	return u
}

//go:embed axe/axe.min.js
var axeSource string

// Violation is one rule axe found broken on a page.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// Axe runs axe-core on the page shown and fails the test on every serious or
// critical violation, naming the rule and the elements.
func (b *Browser) Axe() {
	b.t.Helper()
	b.Do(chromedp.Evaluate[chromedp.Void](axeSource))
	raw := Get(b, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	var vs []Violation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe answered %q: %v", raw, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+" "+n.HTML)
		}
		b.t.Errorf("axe on %s (%s): %s %s: %s\n\t%s", b.Location(), b.Lang, v.Impact, v.ID, v.Help, strings.Join(where, "\n\t"))
	}
}

// Screenshot saves what the window shows (960×720) as a PNG at path.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	b.Do(chromedp.EmulateViewport(960, 720))
	png := Get(b, chromedp.CaptureScreenshot())
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
