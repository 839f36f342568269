// Command matchmaker runs the matchmaker service: it pairs cities and experts for
// peer learning. Subcommands: serve (the default), migrate, seed, keys, import,
// export, backup and version;
// --help (or -h) after any of them prints its help and runs nothing.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uptrace/bun"

	"matchmaker/api"
	"matchmaker/demo"
	"matchmaker/matcher"
	"matchmaker/metrics"
	"matchmaker/migrations"
	"matchmaker/notify"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/volunteers"
	"matchmaker/web"
	"matchmaker/workflow"
)

// version is set at build time with -ldflags "-X main.version=..."; otherwise the
// module's build information is used.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "matchmaker:", err)
		os.Exit(1)
	}
}

// cli is the whole configuration: flags, each with its environment variable and a
// default that runs out of the box.
type cli struct {
	DatabaseURL string `name:"database-url" env:"DATABASE_URL" default:"matchmaker.db" help:"Database: a SQLite file path (the default), a postgres:// URL or a libpq key/value string (host=… dbname=…)."`
	LogLevel    string `name:"log-level" env:"MATCHMAKER_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Log level: debug, info, warn or error."`
	LogFormat   string `name:"log-format" env:"MATCHMAKER_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text or json."`

	Serve   serveCmd   `cmd:"" default:"withargs" help:"Run the HTTP API (the default command)."`
	Migrate migrateCmd `cmd:"" help:"Apply or inspect database migrations."`
	Seed    seedCmd    `cmd:"" help:"Load the demo network into the database."`
	Keys    keysCmd    `cmd:"" help:"Create, list and revoke API keys."`
	Import  importCmd  `cmd:"" help:"Import cities, practices, challenges and experts from CSV or JSONL files, all or nothing."`
	Export  exportCmd  `cmd:"" help:"Export one kind of rows as CSV or JSONL."`
	Backup  backupCmd  `cmd:"" help:"Copy the running SQLite database to a new file (PostgreSQL: use pg_dump)."`
	Version versionCmd `cmd:"" help:"Print the version."`
}

type serveCmd struct {
	Addr            string        `name:"addr" env:"MATCHMAKER_ADDR" default:":8080" help:"Address to listen on."`
	Demo            bool          `name:"demo" help:"Load the demo network when the database is empty."`
	NoMigrate       bool          `name:"no-migrate" env:"MATCHMAKER_NO_MIGRATE" help:"Refuse to start when migrations are pending, instead of applying them."`
	ShutdownTimeout time.Duration `name:"shutdown-timeout" env:"MATCHMAKER_SHUTDOWN_TIMEOUT" default:"20s" help:"How long in-flight requests may take to finish on shutdown."`
	AdminKey        string        `name:"admin-key" env:"MATCHMAKER_ADMIN_KEY" help:"Create (or keep) an admin API key with this secret, for automation; at least 16 characters."`
	PrivateReads    bool          `name:"private-reads" env:"MATCHMAKER_PRIVATE_READS" help:"Require an API key for every request, reads of public profile data too."`
	RatePerAddress  float64       `name:"rate-per-address" env:"MATCHMAKER_RATE_PER_ADDRESS" default:"200" help:"Requests a second one client address may make (negative: no limit)."`
	RatePerKey      float64       `name:"rate-per-key" env:"MATCHMAKER_RATE_PER_KEY" default:"100" help:"Requests a second one API key may make (negative: no limit)."`
	TrustedProxies  string        `name:"trusted-proxies" env:"MATCHMAKER_TRUSTED_PROXIES" help:"Comma-separated addresses or CIDR ranges of the reverse proxies in front of the service; only their X-Forwarded-For is believed (default: none, the connection's address is the client's)."`
	FeedPoll        time.Duration `name:"feed-poll" env:"MATCHMAKER_FEED_POLL" default:"1s" help:"How often the match index reads the change feed when no notification wakes it."`
	RoundTimeout    time.Duration `name:"round-timeout" env:"MATCHMAKER_ROUND_TIMEOUT" default:"10m" help:"How long one run of a review round may take before it is stopped and tried again."`
	SMTPURL         string        `name:"smtp-url" env:"MATCHMAKER_SMTP_URL" help:"Mail server: smtp://user:password@host:587 (STARTTLS required; ?starttls=opportunistic or none to relax), smtps://user:password@host:465 (TLS from the first byte). Empty: emails are written to the log and kept in the outbox."`
	MailFrom        string        `name:"mail-from" env:"MATCHMAKER_MAIL_FROM" default:"matchmaker@localhost" help:"Sender address of the emails (its domain names their Message-IDs)."`
	SecretariatMail string        `name:"secretariat-email" env:"MATCHMAKER_SECRETARIAT_EMAIL" help:"Address of the secretariat, told when a review round's panels are ready (empty: not told by email)."`
	LinkSecret      string        `name:"link-secret" env:"MATCHMAKER_LINK_SECRET" help:"Key that signs the links of the emails, at least 32 characters (default: one made once and kept in the database, shared by every replica)."`
	LinkTTL         time.Duration `name:"link-ttl" env:"MATCHMAKER_LINK_TTL" default:"336h" help:"How long the answer links of an email work after it is sent."`
	ReminderAfter   time.Duration `name:"reminder-after" env:"MATCHMAKER_REMINDER_AFTER" default:"168h" help:"How long an invitee has to answer before a reminder."`
	MailAttempts    int           `name:"mail-attempts" env:"MATCHMAKER_MAIL_ATTEMPTS" default:"8" help:"Tries of an email or a webhook delivery before it is dead (visible in GET /v1/messages)."`
	WebhookPrivate  bool          `name:"webhook-allow-private" env:"MATCHMAKER_WEBHOOK_ALLOW_PRIVATE" help:"Let webhook deliveries reach private, loopback and link-local addresses (refused by default)."`
	CORSOrigins     string        `name:"cors-origins" env:"MATCHMAKER_CORS_ORIGINS" help:"Comma-separated browser origins allowed to call the API, such as https://app.example.org (default: none; * for any)."`
	PublicURL       string        `name:"public-url" env:"MATCHMAKER_PUBLIC_URL" help:"The address clients reach the service at, such as https://matchmaker.example.net: the links of the emails and problem types are absolute under it (default: links under http:// and the listen address, problem types relative, /problems/not-found)."`
	MetricsAddr     string        `name:"metrics-addr" env:"MATCHMAKER_METRICS_ADDR" help:"Serve /metrics (Prometheus) on this address, such as 127.0.0.1:9090, instead of on --addr (default: on --addr)."`
	SecureCookies   bool          `name:"secure-cookies" env:"MATCHMAKER_SECURE_COOKIES" help:"Mark the pages' cookies Secure even when --public-url is not https (behind a proxy that terminates TLS)."`
	RoundRescue     time.Duration `name:"round-rescue-after" env:"MATCHMAKER_ROUND_RESCUE_AFTER" help:"How long a round stays claimed by a replica that stopped answering (killed, cut off) before another replica takes it over; longer than --round-timeout (default: the timeout and one minute)."`
}

type migrateCmd struct {
	Up     struct{} `cmd:"" help:"Apply every pending migration."`
	Status struct{} `cmd:"" help:"List applied and pending migrations."`
	Unlock struct{} `cmd:"" help:"Release the migration lock left by a crashed run."`
}

type seedCmd struct {
	Force bool `name:"force" help:"Load even when the database already holds cities (adds a second copy)."`
}

type versionCmd struct{}

// env is what every command shares.
type env struct {
	cli    *cli
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c cli
	kctx, exit, err := parse(&c, args, stdout, stderr)
	if err != nil {
		return err
	}
	if exit != nil {
		if exit.code != 0 {
			return fmt.Errorf("exit status %d", exit.code)
		}
		return nil // --help was printed: nothing runs
	}
	log, err := newLogger(stderr, c.LogLevel, c.LogFormat)
	if err != nil {
		return err
	}
	e := env{cli: &c, log: log, stdout: stdout, stderr: stderr}
	switch kctx.Command() {
	case "serve":
		return e.serve(ctx, c.Serve)
	case "migrate up":
		return e.migrate(ctx, "up")
	case "migrate status":
		return e.migrate(ctx, "status")
	case "migrate unlock":
		return e.migrate(ctx, "unlock")
	case "seed":
		return e.seed(ctx, c.Seed.Force)
	case "keys create":
		return e.keys(ctx, "create")
	case "keys list":
		return e.keys(ctx, "list")
	case "keys revoke <id>":
		return e.keys(ctx, "revoke")
	case "import <file>":
		return e.importFiles(ctx, c.Import)
	case "export":
		return e.export(ctx, c.Export)
	case "backup <file>":
		return e.backup(ctx, c.Backup)
	case "version":
		fmt.Fprintln(stdout, "matchmaker", buildVersion())
		return nil
	}
	return fmt.Errorf("unknown command %q", kctx.Command())
}

// exitRequest is what kong's exit (after it printed --help) does here: it ends
// the parse. Kong expects its exit to end the process; a no-op would let the
// parse go on and run the command the help was asked about.
type exitRequest struct{ code int }

// parse reads the command line into c. A non-nil exitRequest means kong has
// answered already (--help or -h, anywhere) and nothing is to run.
func parse(c *cli, args []string, stdout, stderr io.Writer) (kctx *kong.Context, exit *exitRequest, err error) {
	parser, err := kong.New(c, kong.Name("matchmaker"),
		kong.Description("Pairs cities and experts for peer learning in a world network of local governments."),
		kong.Writers(stdout, stderr), kong.Exit(func(code int) { panic(exitRequest{code}) }))
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			req, ok := r.(exitRequest)
			if !ok {
				panic(r)
			}
			kctx, exit, err = nil, &req, nil
		}
	}()
	kctx, err = parser.Parse(args)
	return kctx, nil, err
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv, ReplaceAttr: durationsInMillis}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// durationsInMillis writes every duration of a log record, ours and the
// libraries' (river's), as a number of milliseconds with the unit in its key:
// "latency_ms":1.234, not "latency":"1.234ms", which a log pipeline would
// have to parse.
func durationsInMillis(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() != slog.KindDuration {
		return a
	}
	key := a.Key
	if !strings.HasSuffix(key, "_ms") {
		key += "_ms"
	}
	return slog.Float64(key, float64(a.Value.Duration().Microseconds())/1000)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
		if info.Main.Version != "" && info.Main.Version != "(devel)" {
			return info.Main.Version
		}
	}
	return "dev"
}

// open connects to the configured database.
func (e env) open(ctx context.Context) (*bun.DB, profiles.Dialect, error) {
	db, dialect, err := profiles.Open(ctx, e.cli.DatabaseURL)
	if err != nil {
		return nil, "", err
	}
	e.log.Info("database open", "dialect", dialect, "database", profiles.RedactDSN(e.cli.DatabaseURL))
	return db, dialect, nil
}

func (e env) migrate(ctx context.Context, action string) error {
	db, dialect, err := e.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := migrations.NewMigrator(db, string(dialect))
	if err != nil {
		return err
	}
	switch action {
	case "up":
		applied, err := migrations.Up(ctx, m)
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(e.stdout, "database is up to date")
		}
		for _, name := range applied {
			fmt.Fprintln(e.stdout, "applied", name)
		}
	case "status":
		if err := m.Init(ctx); err != nil {
			return err
		}
		ms, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return err
		}
		for _, mg := range ms {
			state := "pending"
			if mg.IsApplied() {
				state = "applied " + mg.MigratedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(e.stdout, "%s_%s\t%s\n", mg.Name, mg.Comment, state)
		}
	case "unlock":
		if err := m.Init(ctx); err != nil {
			return err
		}
		if err := m.Unlock(ctx); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, "migration lock released")
	}
	return nil
}

// prepare opens the database, brings its schema up to date (or refuses to when
// pending migrations must not be applied) and builds the store.
func (e env) prepare(ctx context.Context, applyMigrations bool) (*profiles.Store, func(context.Context) error, error) {
	db, dialect, err := e.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := migrations.NewMigrator(db, string(dialect))
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if applyMigrations {
		applied, err := migrations.Up(ctx, m)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		for _, name := range applied {
			e.log.Info("migration applied", "migration", name)
		}
	} else {
		pending, err := migrations.Pending(ctx, m)
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		if len(pending) > 0 {
			db.Close()
			return nil, nil, fmt.Errorf("%d migration(s) pending (%s) and --no-migrate is set: run 'matchmaker migrate up'", len(pending), strings.Join(pending, ", "))
		}
	}
	tax, err := profiles.LoadTaxonomy()
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	store := profiles.NewStore(db, dialect, tax, profiles.WithLanguageDetector(detectLanguage))
	ready := func(ctx context.Context) error {
		if err := store.Ping(ctx); err != nil {
			return api.NotReadyf("the database is not reachable")
		}
		pending, err := migrations.Pending(ctx, m)
		if err != nil {
			return api.NotReadyf("the migration state cannot be read")
		}
		if len(pending) > 0 {
			return api.NotReadyf("%d migration(s) pending", len(pending))
		}
		return nil
	}
	return store, ready, nil
}

func (e env) seed(ctx context.Context, force bool) error {
	store, _, err := e.prepare(ctx, true)
	if err != nil {
		return err
	}
	defer store.DB().Close()
	existing, err := store.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 1}})
	if err != nil {
		return err
	}
	if existing.Total > 0 && !force {
		return fmt.Errorf("the database already holds %d cities: seeding again would add a second copy (use --force to do it anyway)", existing.Total)
	}
	n, err := demo.Load(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "loaded the demo network: %d cities, %d practices, %d challenges, %d experts\n", n.Cities, n.Practices, n.Challenges, n.Experts)
	return nil
}

func (e env) serve(ctx context.Context, cmd serveCmd) error {
	e.log.Info("config", "database", profiles.RedactDSN(e.cli.DatabaseURL), "addr", cmd.Addr, "demo", cmd.Demo,
		"migrate_on_start", !cmd.NoMigrate, "log_level", e.cli.LogLevel, "log_format", e.cli.LogFormat,
		"shutdown_timeout", cmd.ShutdownTimeout, "admin_key_set", cmd.AdminKey != "", "private_reads", cmd.PrivateReads,
		"rate_per_address", cmd.RatePerAddress, "rate_per_key", cmd.RatePerKey, "trusted_proxies", cmd.TrustedProxies,
		"feed_poll", cmd.FeedPoll, "metrics_addr", cmd.MetricsAddr, "round_timeout", cmd.RoundTimeout, "round_rescue_after", cmd.RoundRescue,
		"smtp_url", notify.RedactURL(cmd.SMTPURL), "mail_from", cmd.MailFrom, "public_url", cmd.PublicURL, "cors_origins", cmd.CORSOrigins,
		"secretariat_email", cmd.SecretariatMail, "link_secret_set", cmd.LinkSecret != "", "link_ttl", cmd.LinkTTL,
		"reminder_after", cmd.ReminderAfter, "mail_attempts", cmd.MailAttempts, "webhook_allow_private", cmd.WebhookPrivate,
		"secure_cookies", cmd.SecureCookies || strings.HasPrefix(cmd.PublicURL, "https://"),
		"version", buildVersion())
	proxies, err := api.ParseTrustedProxies(cmd.TrustedProxies)
	if err != nil {
		return err
	}
	corsOrigins, err := api.ParseCORSOrigins(cmd.CORSOrigins)
	if err != nil {
		return err
	}
	publicURL, err := parsePublicURL(cmd.PublicURL)
	if err != nil {
		return err
	}
	cmd.PublicURL = publicURL
	outCfg, err := cmd.outboxConfig()
	if err != nil {
		return err
	}
	store, ready, err := e.prepare(ctx, !cmd.NoMigrate)
	if err != nil {
		return err
	}
	defer func() {
		if err := store.DB().Close(); err != nil {
			e.log.Warn("close database", "error", err)
		} else {
			e.log.Info("database closed")
		}
	}()
	if cmd.Demo {
		existing, err := store.FindCities(ctx, profiles.CityFilter{Page: profiles.Page{Limit: 1}})
		if err != nil {
			return err
		}
		if existing.Total == 0 {
			n, err := demo.Load(ctx, store)
			if err != nil {
				return err
			}
			e.log.Info("demo network loaded", "cities", n.Cities, "practices", n.Practices, "challenges", n.Challenges, "experts", n.Experts)
		} else {
			e.log.Info("database already holds data: demo network not loaded", "cities", existing.Total)
		}
		// A key to try the writes with, as a log record of its own: the one
		// key the log ever holds, of a demo network only. The one an earlier
		// start made is revoked, so that demo keys do not pile up.
		if err := revokeKeysNamed(ctx, store, demoKeyName); err != nil {
			return err
		}
		_, secret, err := store.CreateKey(ctx, profiles.KeyInput{Name: demoKeyName, Role: profiles.RoleAdmin})
		if err != nil {
			return err
		}
		e.log.Info("demo admin key: send it as Authorization: Bearer <key>", "key", secret)
	}
	if cmd.AdminKey != "" {
		k, err := ensureAdminKey(ctx, store, cmd.AdminKey)
		if err != nil {
			return fmt.Errorf("MATCHMAKER_ADMIN_KEY: %w", err)
		}
		e.log.Info("admin key from MATCHMAKER_ADMIN_KEY ready", "key_id", k.ID, "prefix", k.Prefix)
	}

	// The match index is built before the port opens, so that the first
	// suggestion is as good as any later one; it then follows the change
	// feed, which every process's writes go to (this one's, other replicas',
	// seed, keys, imports). /readyz answers 503 until it has caught up.
	// One registry for the whole process, built here and passed down: no
	// package registers on a global one.
	reg := prometheus.NewRegistry()
	queries, err := metrics.NewQueries(reg)
	if err != nil {
		return err
	}
	// The index keeps no text: it reads the texts of the few documents whose
	// evidence it shows from the store, through a cache (under 1.5 KB a
	// document for the index itself; see docs/benchmarks.md).
	matching := workflow.NewMatchingOnStore(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), e.log, workflow.StoreTexts{}, queries.Option())
	follower := workflow.NewFollower(store, matching, e.log, workflow.FollowerConfig{Poll: cmd.FeedPoll})
	if err := metrics.Register(reg, metrics.Sources{Store: store, Follower: follower, Logger: e.log}); err != nil {
		return err
	}
	metricsHandler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, ErrorLog: slog.NewLogLogger(e.log.Handler(), slog.LevelWarn)})
	if err := follower.Build(ctx); err != nil {
		return err
	}
	followCtx, stopFollowing := context.WithCancel(ctx)
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		follower.Run(followCtx)
	}()
	defer func() {
		stopFollowing()
		<-followed
	}()
	// The outbox the workflows write their messages to; its worker and the
	// review rounds run as jobs until ctx ends.
	outCfg.Store, outCfg.Logger = store, e.log
	outbox, err := notify.New(outCfg)
	if err != nil {
		return err
	}
	if !outbox.Mailing() {
		e.log.Info("no mail server configured (MATCHMAKER_SMTP_URL): emails are written to the log and kept in the outbox")
	}
	// The people who sign in on the pages; their sign-in links are emails of
	// the outbox (and log records while no mail server is configured).
	folks, err := people.New(people.Config{Store: store, Logger: e.log, BaseURL: cmd.PublicURL,
		Sender: outboxSignIn{out: outbox, log: people.LogSender{Log: e.log}}})
	if err != nil {
		return err
	}
	// The workflows every door calls.
	flows, err := workflow.New(workflow.Config{Store: store, Logger: e.log, Index: matching, Outbox: outbox,
		Jobs: workflow.JobConfig{Timeout: cmd.RoundTimeout, RescueAfter: cmd.RoundRescue}})
	if err != nil {
		return err
	}
	// /metrics is on the main listener unless it has an address of its own
	// (an internal interface the public cannot reach).
	mainListenerMetrics := metricsHandler
	if cmd.MetricsAddr != "" {
		mainListenerMetrics = nil
		stopMetrics, err := e.serveMetrics(ctx, cmd.MetricsAddr, metricsHandler)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- flows.RunJobs(ctx) }()
	apiHandler := api.New(api.Config{Store: store, Logger: e.log, Ready: ready, Version: buildVersion(), Follower: follower, Workflows: flows, People: folks, Background: ctx,
		PrivateReads: cmd.PrivateReads, RateLimits: api.RateLimits{PerAddress: cmd.RatePerAddress, PerKey: cmd.RatePerKey},
		TrustedProxies: proxies, Metrics: reg, MetricsHandler: mainListenerMetrics, PublicURL: publicURL, CORSOrigins: corsOrigins})
	// Volunteers' applications; their confirmation links are emails of the
	// outbox (and log records while no mail server is configured).
	vols, err := volunteers.New(volunteers.Config{Store: store, People: folks, Logger: e.log, BaseURL: cmd.PublicURL,
		Sender: outboxConfirm{out: outbox, store: store, log: volunteers.LogSender{Log: e.log}}})
	if err != nil {
		return err
	}
	pages, err := web.New(web.Config{Store: store, People: folks, Matching: matching, Workflows: flows, Follower: follower, Logger: e.log,
		Volunteers: vols, IPExtractor: api.IPExtractor(proxies), Metrics: reg, SecureCookies: cmd.SecureCookies || strings.HasPrefix(cmd.PublicURL, "https://")})
	if err != nil {
		return err
	}
	go folks.PurgeExpired(ctx, time.Hour)
	go e.analyzeEvery(ctx, store, time.Hour)
	srv := &http.Server{
		Addr:              cmd.Addr,
		Handler:           doors(apiHandler, pages),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cmd.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cmd.Addr, err)
	}
	e.log.Info("listening", "addr", ln.Addr().String(), "url", "http://"+displayAddr(ln.Addr().String()))
	folks.SetBaseURL("http://" + displayAddr(ln.Addr().String()))
	vols.SetBaseURL("http://" + displayAddr(ln.Addr().String()))
	if cmd.Demo {
		// A person of each kind to sign in as: their links, written to the
		// log as every sign-in link is while no mailer is configured.
		if err := demoPeople(ctx, store, folks); err != nil {
			return err
		}
	}
	served := make(chan error, 1)
	// net/http answers a request it cannot read by itself, in text/plain;
	// the listener turns those answers into problems like every other error.
	go func() { served <- srv.Serve(api.Listener(ln)) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	e.log.Info("shutting down: finishing in-flight requests", "timeout", cmd.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cmd.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	if err := <-jobsDone; err != nil {
		return err
	}
	e.log.Info("server stopped")
	return nil
}

// outboxConfig reads the mail and webhook settings of serve.
func (cmd serveCmd) outboxConfig() (notify.Config, error) {
	cfg := notify.Config{From: cmd.MailFrom, BaseURL: cmd.PublicURL, SecretariatAddress: cmd.SecretariatMail,
		LinkSecret: cmd.LinkSecret, LinkTTL: cmd.LinkTTL, ReminderAfter: cmd.ReminderAfter, MaxAttempts: cmd.MailAttempts,
		Hooks: notify.HookConfig{AllowPrivate: cmd.WebhookPrivate}}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + displayAddr(cmd.Addr)
	}
	if cmd.LinkSecret != "" && len(cmd.LinkSecret) < 32 {
		return cfg, errors.New("MATCHMAKER_LINK_SECRET: at least 32 characters")
	}
	if cmd.MailAttempts < 1 {
		return cfg, errors.New("MATCHMAKER_MAIL_ATTEMPTS: at least 1")
	}
	if cmd.SMTPURL != "" {
		sc, err := notify.ParseSMTPURL(cmd.SMTPURL)
		if err != nil {
			return cfg, fmt.Errorf("MATCHMAKER_SMTP_URL: %w", err)
		}
		cfg.Mailer = notify.NewSMTP(sc)
	}
	return cfg, nil
}

// parsePublicURL checks --public-url: an absolute http or https URL with no
// query or fragment, returned without its trailing slash ("" when not set).
func parsePublicURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("--public-url %q: give an absolute http or https URL such as https://matchmaker.example.net, without query, fragment or credentials", s)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// analyzeEvery refreshes the database's query statistics now and then every
// interval until ctx ends (profiles.Store.Analyze): SQLite gathers none by
// itself, and a list page filtered by theme takes a hundred times longer on
// 100,000 rows without them.
func (e env) analyzeEvery(ctx context.Context, store *profiles.Store, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		if err := store.Analyze(ctx); err != nil && ctx.Err() == nil {
			e.log.Warn("refresh the query statistics", "error", err)
		} else if ctx.Err() == nil {
			e.log.Debug("query statistics refreshed", "took_ms", float64(time.Since(start).Microseconds())/1000)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serveMetrics serves handler at /metrics on addr until the returned stop is
// called.
func (e env) serveMetrics(ctx context.Context, addr string, handler http.Handler) (stop func(), err error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", handler)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second,
		ErrorLog: slog.NewLogLogger(e.log.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (--metrics-addr): %w", addr, err)
	}
	e.log.Info("metrics listening", "addr", ln.Addr().String(), "url", "http://"+displayAddr(ln.Addr().String())+"/metrics")
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("metrics server stopped", "error", err)
		}
	}()
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}

// displayAddr turns a listen address such as [::]:8080 into one a person can open.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return "localhost:" + port
	}
	return net.JoinHostPort(host, port)
}

// doors routes a request to the JSON API (/v1…, health, readiness and the
// OpenAPI document) or to the pages (everything else). Paths are compared
// as they came, uncleaned, so that the API answers exactly as it does alone.
func doors(apiHandler, pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/v1" || strings.HasPrefix(p, "/v1/") || p == "/healthz" || p == "/readyz" || p == "/openapi.json" ||
			p == "/metrics" || strings.HasPrefix(p, "/problems/") || strings.HasPrefix(p, "/links/"):
			apiHandler.ServeHTTP(w, r)
		default:
			pages.ServeHTTP(w, r)
		}
	})
}

// demoPeople makes sure the demo has a member of the secretariat, an officer
// of a city with a challenge and an expert, and sends each a sign-in link.
func demoPeople(ctx context.Context, store *profiles.Store, folks *people.People) error {
	users, err := demo.People(ctx, store)
	if err != nil {
		return err
	}
	for _, in := range users {
		u, err := folks.Ensure(ctx, in)
		if err != nil {
			return fmt.Errorf("demo user %s: %w", in.Email, err)
		}
		if err := folks.SendLink(ctx, u); err != nil {
			return err
		}
	}
	return nil
}
