// Package browsertest drives the pages in a real browser for tests: it starts
// the whole service (pages and JSON API, with the demo network) on a fresh
// SQLite file and on a fresh PostgreSQL schema, opens Debian's chromium through
// chromedp, signs people in by following the link they are sent, and checks
// each page with axe-core, failing on serious or critical violations.
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

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"matchmaker/api"
	"matchmaker/demo"
	"matchmaker/matcher"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/volunteers"
	"matchmaker/web"
	"matchmaker/workflow"
)

// Service is the whole service running for one test, with the demo network.
type Service struct {
	// URL is where it listens: http://127.0.0.1:port.
	URL    string
	DB     profilestest.DB
	Store  *profiles.Store
	People *people.People
	// Outbox holds every sign-in link the service sent.
	Outbox *Outbox
	// Users are the demo's people by role: secretariat, city, expert.
	Users map[string]profiles.User
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
func (o *Outbox) SendSignIn(_ context.Context, m people.SignIn) error {
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

// Each runs body on the service over a fresh SQLite database and over a
// fresh PostgreSQL schema (see profilestest.EachDB), each with the demo.
func Each(t *testing.T, body func(t *testing.T, svc *Service)) {
	t.Helper()
	NeedChromium(t)
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) { body(t, Start(t, db)) })
}

// Start runs the service on db with the demo network and its people until
// the test ends.
func Start(t testing.TB, db profilestest.DB) *Service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(&testWriter{t: t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store := profilestest.OpenStore(t, db, profiles.WithLanguageDetector(func(s string) string { return string(matcher.DetectLanguage(s)) }))
	if _, err := demo.Load(ctx, store); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	matching := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), log)
	follower := workflow.NewFollower(store, matching, log, workflow.FollowerConfig{Poll: 100 * time.Millisecond})
	if err := follower.Build(ctx); err != nil {
		t.Fatalf("build index: %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); follower.Run(ctx) }()
	flows, err := workflow.New(workflow.Config{Store: store, Logger: log, Index: matching})
	if err != nil {
		t.Fatal(err)
	}
	go func() { defer wg.Done(); _ = flows.RunJobs(ctx) }()
	outbox := &Outbox{}
	folks, err := people.New(people.Config{Store: store, Sender: outbox, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	apiH := api.New(api.Config{Store: store, Logger: log, Follower: follower, Workflows: flows, Background: ctx,
		RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})
	vols, err := volunteers.New(volunteers.Config{Store: store, People: folks, Sender: outbox, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Config{Store: store, People: folks, Matching: matching, Workflows: flows, Follower: follower, Logger: log,
		SignInRate: 1000, Volunteers: vols})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Doors(apiH, pages))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		wg.Wait()
	})
	folks.SetBaseURL(srv.URL)
	vols.SetBaseURL(srv.URL)
	svc := &Service{URL: srv.URL, DB: db, Store: store, People: folks, Outbox: outbox, Users: map[string]profiles.User{}}
	ins, err := demo.People(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		u, err := folks.Ensure(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		svc.Users[u.Role] = u
	}
	return svc
}

// Doors routes as cmd/matchmaker does: the JSON API's paths to apiH, every
// other path to the pages.
func Doors(apiH, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/v1" || strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/readyz" || p == "/openapi.json":
			apiH.ServeHTTP(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	})
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
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

// Browser is one headless chromium with its own cookies, reading the pages
// in one language (its Accept-Language).
type Browser struct {
	t    testing.TB
	svc  *Service
	ctx  context.Context
	Lang string
}

// Browser starts a fresh chromium that asks for lang ("en", "fr", "es"),
// closed when the test ends.
func (s *Service) Browser(t testing.TB, lang string) *Browser {
	t.Helper()
	path := NeedChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	b := &Browser{t: t, svc: s, ctx: ctx, Lang: lang}
	// The first run starts the browser, tied to the context it runs with:
	// the browser's own, not one of the bounded contexts of later steps.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	b.call(func(ctx context.Context) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}); err != nil {
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
