//go:build loadtest

package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/api"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// TestLoad runs a bounded load against the real handler on a loopback port, on
// SQLite and on PostgreSQL: K workers with keep-alive connections, each sending
// requests back to back for a fixed time, in a fixed mix of 80% suggestions, 15%
// reads and 5% writes, over a store whose index holds 100,000 synthetic documents.
// It fails on any error (a transport error or a status outside 2xx) and on any
// lost or duplicated write; it reports the speed without asserting it.
//
// Run it with `make loadtest`. LOADTEST_DURATION (default 20s) is the measured
// time, LOADTEST_WARMUP (default 2s) the time before it whose latencies are not
// counted, LOADTEST_WORKERS (default 8,16) a comma-separated list of worker counts
// tried one after the other on the same setup, LOADTEST_AUTH=all sends the API
// key with every request (by default only the writes send it: the reads are of
// public data), LOADTEST_CPUPROFILE, when set, a file name prefix for a CPU
// profile of each run (warm-up included, setup not), and LOADTEST_MEMPROFILE the
// same for its allocations.
func TestLoad(t *testing.T) {
	cfg := loadConfigFromEnv(t)
	corpus := matcher.CorpusConfig{Docs: 100_000, Seed: 7}
	start := time.Now()
	docs := matcher.SyntheticCorpus(corpus)
	queries := matcher.SyntheticQueries(corpus, loadChallenges, 50)
	t.Logf("corpus: %d documents and %d challenges generated in %s", len(docs), len(queries), time.Since(start).Round(time.Millisecond))
	var report, verdicts []string
	for _, dbName := range []string{"sqlite", "postgres"} {
		t.Run(dbName, func(t *testing.T) {
			var db profilestest.DB
			if dbName == "sqlite" {
				db = profilestest.SQLiteDB(t, true)
			} else {
				db = profilestest.PostgresDB(t, true)
			}
			env := setupLoad(t, db, docs, queries)
			for _, workers := range cfg.workers {
				res := runLoad(t, env, cfg, workers)
				env.verify(t, res)
				rows := res.table(dbName, workers)
				verdict := res.verdict(dbName, workers)
				t.Logf("\n%s%s\n%s", loadTableHeader, strings.Join(rows, "\n"), verdict)
				report, verdicts = append(report, rows...), append(verdicts, verdict)
			}
		})
	}
	t.Logf("load test, %s measured after %s of warm-up on each database, GOMAXPROCS=%d:\n\n%s%s\n\n%s",
		cfg.duration, cfg.warmup, runtime.GOMAXPROCS(0), loadTableHeader, strings.Join(report, "\n"), strings.Join(verdicts, "\n"))
}

// What the setup holds besides the 100,000 indexed documents: challenge rows to
// ask suggestions for, and rows the reads and writes go to.
const (
	loadChallenges = 1000 // challenges stored and indexed, each about 50 distinct terms
	loadCities     = 200
	loadPractices  = 2000
	loadExperts    = 1000
	patchCities    = 20 // cities the PATCHes go to; so do the first patchPractices practices
	patchPractices = 50
)

// loadConfig is what the environment sets for a run.
type loadConfig struct {
	duration, warmup time.Duration
	workers          []int
}

func loadConfigFromEnv(t *testing.T) loadConfig {
	t.Helper()
	c := loadConfig{duration: 20 * time.Second, warmup: 2 * time.Second, workers: []int{8, 16}}
	dur := func(name string, into *time.Duration, min time.Duration) {
		if v := os.Getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d < min {
				t.Fatalf("%s=%q: want a duration of at least %s, such as 20s", name, v, min)
			}
			*into = d
		}
	}
	dur("LOADTEST_DURATION", &c.duration, time.Second)
	dur("LOADTEST_WARMUP", &c.warmup, 0)
	if v := os.Getenv("LOADTEST_WORKERS"); v != "" {
		c.workers = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 || n > 1024 {
				t.Fatalf("LOADTEST_WORKERS=%q: want worker counts from 1 to 1024, such as 8,16,32", v)
			}
			c.workers = append(c.workers, n)
		}
	}
	return c
}

// loadEnv is a served store and what the workers pick their requests from.
type loadEnv struct {
	name       string // the database: sqlite or postgres
	store      *profiles.Store
	matching   *workflow.Matching
	follower   *workflow.Follower
	base       string
	key        string // the API key the writes send
	keyedReads bool   // whether reads and suggestions send it too
	client     *http.Client
	challenges []string // challenge IDs: stored rows, indexed with the corpus
	cities     []string
	practices  []string
	experts    []string
	cursors    []string      // list paths with a cursor, pages 2 to 10
	texts      []matcher.Doc // practices of the corpus, whose texts new rows take
}

// setupLoad stores the challenges, builds the index from the corpus as
// BenchmarkSuggestionsHTTP does, then stores the rows that reads and writes use
// through the store's change hook, so that they are indexed as the service
// indexes its writes, and serves the handler on loopback.
func setupLoad(t *testing.T, db profilestest.DB, docs, queries []matcher.Doc) *loadEnv {
	t.Helper()
	ctx := context.Background()
	start := time.Now()
	store := profilestest.OpenStore(t, db)
	qs := slices.Clone(queries)
	// The challenges asked about are rows, as in service, indexed under their
	// IDs; the 100,000 documents are not rows: they go into the index directly,
	// as BenchmarkSuggestionsHTTP puts them. Reads and writes go to rows of
	// their own (seed).
	storeQueries(t, store, "Load", qs)
	env := &loadEnv{name: db.Name, store: store}
	// Texts for the practices stored and created: those of synthetic practices.
	for _, d := range docs {
		if d.Kind == matcher.KindPractice && len(env.texts) < 1000 {
			env.texts = append(env.texts, d)
		}
	}
	for _, q := range qs {
		env.challenges = append(env.challenges, q.ID)
	}
	// The index keeps no text, as `serve` runs it: it reads the texts of the
	// documents it explains from the store through its cache, and those of
	// the synthetic documents, which are not rows, from the corpus.
	byID := make(map[string]*matcher.Doc, len(docs))
	for i := range docs {
		byID[docs[i].ID] = &docs[i]
	}
	synthetic := func(id string) (matcher.Doc, bool) {
		if d, ok := byID[id]; ok {
			return *d, true
		}
		return matcher.Doc{}, false
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	env.matching = workflow.NewMatchingOnStore(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), log,
		workflow.StoreTexts{Fallback: synthetic})
	if err := env.matching.Index().Build(append(slices.Clone(docs), qs...), nil); err != nil {
		t.Fatal(err)
	}
	env.follower = workflow.NewFollower(store, env.matching, log, workflow.FollowerConfig{})
	if err := env.follower.StartAtHead(ctx); err != nil {
		t.Fatal(err)
	}
	go env.follower.Run(t.Context())
	built := time.Now()
	env.seed(t)
	// The index applies the seeded rows from the feed, as it would any write:
	// waiting for it here keeps that setup work out of the first run.
	head, err := store.ReadFeedHead(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := env.follower.WaitFor(wctx, head.Last); err != nil {
		t.Fatalf("the index did not apply the seeded rows: %v", err)
	}
	// Statistics, and on PostgreSQL the visibility map, as `serve` refreshes
	// them at start and every hour (and PostgreSQL's autovacuum soon after a
	// bulk write): without the map, counting a page's total reads every row.
	if err := store.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	env.base, env.key = serveForLoad(t, store, env.follower, log)
	env.keyedReads = os.Getenv("LOADTEST_AUTH") == "all"
	env.client = loadClient(256)
	env.collectCursors(t)
	env.sanity(t)
	t.Logf("setup on %s: %d documents indexed (%d synthetic, %d challenges, %d practices and %d experts stored), index built in %s, rows in %s",
		db.Name, env.matching.Index().Len(), len(docs), len(qs), loadPractices, loadExperts,
		built.Sub(start).Round(time.Millisecond), time.Since(built).Round(time.Millisecond))
	return env
}

// seed stores the cities, practices and experts that reads and writes go to.
func (env *loadEnv) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	langs := [][]string{{"fr"}, {"en"}, {"es"}, {"fr", "en"}, {"es", "en"}}
	year := 2019
	err := env.store.InTx(ctx, func(tx *profiles.Store) error {
		for i := range loadCities {
			c, err := tx.CreateCity(ctx, profiles.CityInput{Name: fmt.Sprintf("Load city %d", i), Country: "FR",
				Region: "europe", Languages: langs[i%len(langs)]})
			if err != nil {
				return err
			}
			env.cities = append(env.cities, c.ID)
		}
		for i := range loadPractices {
			d := env.texts[i%len(env.texts)]
			p, err := tx.CreatePractice(ctx, profiles.PracticeInput{CityID: env.cities[i%loadCities],
				Title: d.Fields[0].Text, Description: d.Fields[len(d.Fields)-1].Text, Language: string(d.Lang),
				Themes: []string{"waste", "sdg11"}, Results: "Recycling rate up from 12% to 31% in four years."})
			if err != nil {
				return err
			}
			env.practices = append(env.practices, p.ID)
		}
		roles := profiles.Roles
		for i := range loadExperts {
			city := env.cities[i%loadCities]
			e, err := tx.CreateExpert(ctx, profiles.ExpertInput{
				Name: fmt.Sprintf("Load expert %d", i), Role: roles[i%len(roles)], Country: "FR", CityID: &city,
				Languages: langs[i%len(langs)], Bio: env.texts[(i+500)%len(env.texts)].Fields[0].Text,
				Themes: []string{"waste", "circular_economy"}, Skills: []string{"source separation", "landfill management"},
				TrackRecord: []profiles.TrackRecordItem{{Title: "Plan directeur", Summary: "Pilotage du plan", Year: &year}},
			})
			if err != nil {
				return err
			}
			env.experts = append(env.experts, e.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// serveForLoad serves the service's handler on a loopback port with the timeouts
// cmd/matchmaker serves it with, until the test ends, and returns its URL and
// the API key the writes are sent with. It is the one place that configures the
// handler and its access control.
func serveForLoad(t *testing.T, store *profiles.Store, f *workflow.Follower, log *slog.Logger) (string, string) {
	t.Helper()
	// A secretariat's key: it may write every profile.
	_, key, err := store.CreateKey(context.Background(), profiles.KeyInput{Name: "load test", Role: profiles.RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	// The default rate limits (200 requests a second per address) would
	// throttle a client that sends everything from 127.0.0.1: they are set
	// far above the load, so that the limiters run but never refuse.
	handler := api.New(api.Config{Store: store, Logger: log, Follower: f, RateLimits: unlimited})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String(), key
}

// loadClient is a keep-alive client that keeps up to conns idle connections to
// the server, so that no worker opens a new one in the middle of a run.
func loadClient(conns int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// collectCursors follows the practice and expert lists to their tenth page, so
// that list reads ask for later pages too.
func (env *loadEnv) collectCursors(t *testing.T) {
	t.Helper()
	for _, path := range []string{"/v1/practices?limit=20", "/v1/experts?limit=20"} {
		next := ""
		for range 9 {
			p := path
			if next != "" {
				p += "&cursor=" + next
			}
			var page struct {
				NextCursor *string `json:"next_cursor"`
			}
			status, body, err := env.do(http.MethodGet, p, "", nil)
			if err != nil || status != http.StatusOK || json.Unmarshal(body, &page) != nil || page.NextCursor == nil {
				t.Fatalf("GET %s: %d %v: %.300s", p, status, err, body)
			}
			next = *page.NextCursor
			env.cursors = append(env.cursors, path+"&cursor="+next)
		}
	}
}

// sanity checks that each kind of suggestion answers with scored items, so that
// the load measures real answers.
func (env *loadEnv) sanity(t *testing.T) {
	t.Helper()
	for _, kind := range suggestionKinds {
		p := suggestionPath(env.challenges[0], kind)
		status, body, err := env.do(http.MethodGet, p, "", nil)
		if err != nil || status != http.StatusOK || !bytes.Contains(body, []byte(`"score"`)) {
			t.Fatalf("GET %s: %d %v: %.300s", p, status, err, body)
		}
	}
}

var suggestionKinds = []string{"practices", "experts", "cities"}

// suggestionPath asks for suggestions as BenchmarkSuggestionsHTTP does: the top
// 10 with their explanations, in either language.
func suggestionPath(challenge, kind string) string {
	return "/v1/challenges/" + challenge + "/suggestions?kind=" + kind + "&require_shared_language=false"
}

// do sends one request and reads the whole answer. Writes send the API key;
// reads only when keyedReads is set: public data needs none.
func (env *loadEnv) do(method, path, contentType string, body []byte, header ...string) (int, []byte, error) {
	return env.doInto(new(bytes.Buffer), method, path, contentType, body, header...)
}

// doInto is do reading the answer into buf, which a worker keeps from one
// request to the next: the answer is valid until buf's next use.
func (env *loadEnv) doInto(buf *bytes.Buffer, method, path, contentType string, body []byte, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, env.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if method != http.MethodGet || env.keyedReads {
		req.Header.Set("Authorization", "Bearer "+env.key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := env.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes(), err
}

// The classes of requests the report gives figures for.
const (
	classSuggestion = iota
	classRead
	classWrite
	classCount
)

var classNames = [classCount]string{"suggestions", "reads", "writes"}

// loadResult is what one run saw.
type loadResult struct {
	duration time.Duration
	lat      [classCount][]time.Duration // requests started inside the measured window
	errs     [classCount]int             // every error, warm-up included

	mu         sync.Mutex
	errSamples []string
	marker     string
	cities     []string         // IDs of the cities the POSTs created, acknowledged with 201
	practices  []string         // the same for practices
	patched    map[string]int64 // acknowledged PATCHes of each row
	versions   map[string]int64 // the version of each PATCH target before the run
	perSecond  []atomic.Int64   // suggestions finished in each second of the window

	// CPU time over the whole run (warm-up included): this process, client
	// and server together, and the PostgreSQL server's processes, which share
	// the same cores.
	wall, cpu, pgCPU time.Duration
	requests         int // every request of the run, warm-up included
	load             string
	// What the process allocated over the run (client and server), and
	// its collections: the same on a loaded machine as on a quiet one.
	allocs, allocBytes uint64
	gcs                uint32
}

// runLoad runs workers workers for the warm-up then the measured time.
func runLoad(t *testing.T, env *loadEnv, cfg loadConfig, workers int) *loadResult {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	res := &loadResult{duration: cfg.duration, marker: "lt" + hex.EncodeToString(b[:]),
		patched: map[string]int64{}, versions: map[string]int64{},
		perSecond: make([]atomic.Int64, int(cfg.duration/time.Second)+1)}
	ctx := context.Background()
	for _, id := range env.cities[:patchCities] {
		c, err := env.store.FindCityByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		res.versions[id] = c.Version
	}
	for _, id := range env.practices[:patchPractices] {
		p, err := env.store.FindPracticeByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		res.versions[id] = p.Version
	}
	var memBefore runtime.MemStats
	runtime.ReadMemStats(&memBefore)
	cpuBefore, pgBefore, runStart := processCPU(), postgresCPU(), time.Now()
	stop := startProfile(t, fmt.Sprintf("%s.%s.%d", os.Getenv("LOADTEST_CPUPROFILE"), env.name, workers))
	stopAllocs := startAllocProfile(t, fmt.Sprintf("%s.%s.%d", os.Getenv("LOADTEST_MEMPROFILE"), env.name, workers))
	windowStart := time.Now().Add(cfg.warmup)
	end := windowStart.Add(cfg.duration)
	var seq atomic.Int64     // numbers the writes, so that every created name is unique
	var counted atomic.Int64 // every request sent
	var wg sync.WaitGroup
	lats := make([][classCount][]time.Duration, workers)
	errs := make([][classCount]int, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &loadWorker{env: env, res: res, rng: mrand.New(mrand.NewPCG(uint64(workers), uint64(w))), seq: &seq}
			for n := 0; ; n++ {
				started := time.Now()
				if !started.Before(end) {
					return
				}
				class, err := wk.one(n)
				done := time.Now()
				counted.Add(1)
				if err != nil {
					errs[w][class]++
					res.sample(err)
				}
				if !started.Before(windowStart) {
					lats[w][class] = append(lats[w][class], done.Sub(started))
					if class == classSuggestion && done.Before(end) {
						res.perSecond[done.Sub(windowStart)/time.Second].Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	res.wall, res.cpu, res.pgCPU = time.Since(runStart), processCPU()-cpuBefore, postgresCPU()-pgBefore
	res.requests = int(counted.Load())
	var memAfter runtime.MemStats
	runtime.ReadMemStats(&memAfter)
	res.allocs, res.allocBytes = memAfter.Mallocs-memBefore.Mallocs, memAfter.TotalAlloc-memBefore.TotalAlloc
	res.gcs = memAfter.NumGC - memBefore.NumGC
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		res.load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if stop != nil {
		stop()
	}
	if stopAllocs != nil {
		stopAllocs()
	}
	for w := range workers {
		for c := range classCount {
			res.lat[c] = append(res.lat[c], lats[w][c]...)
			res.errs[c] += errs[w][c]
		}
	}
	return res
}

// startProfile starts a CPU profile into path when LOADTEST_CPUPROFILE is set,
// and returns what stops it; nil when it is not set.
func startProfile(t *testing.T, path string) func() {
	t.Helper()
	if os.Getenv("LOADTEST_CPUPROFILE") == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		t.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		t.Logf("CPU profile of the run in %s", path)
	}
}

// startAllocProfile writes the allocation profile at the start of a run into
// path+".before" when LOADTEST_MEMPROFILE is set, and returns what writes it
// again at the end into path: what the run allocated is the difference,
// `go tool pprof -sample_index=alloc_space -diff_base path.before path`. It
// returns nil when the variable is not set.
func startAllocProfile(t *testing.T, path string) func() {
	t.Helper()
	if os.Getenv("LOADTEST_MEMPROFILE") == "" {
		return nil
	}
	write := func(name string) {
		runtime.GC() // the profile is as of the last collection
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
	}
	write(path + ".before")
	return func() {
		write(path)
		t.Logf("allocation profile of the run in %s (base %s.before)", path, path)
	}
}

func (r *loadResult) sample(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errSamples) < 10 {
		r.errSamples = append(r.errSamples, err.Error())
	}
}

// loadWorker sends one worker's requests.
type loadWorker struct {
	env *loadEnv
	res *loadResult
	rng *mrand.Rand
	seq *atomic.Int64
	buf bytes.Buffer // the last answer read
}

// one sends the worker's n-th request, drawn from the mix: 80% suggestions, 15%
// reads, 5% writes.
func (wk *loadWorker) one(n int) (int, error) {
	switch r := wk.rng.IntN(100); {
	case r < 80:
		env := wk.env
		return classSuggestion, wk.get(suggestionPath(env.challenges[wk.rng.IntN(len(env.challenges))], suggestionKinds[n%len(suggestionKinds)]))
	case r < 95:
		return classRead, wk.read()
	default:
		return classWrite, wk.write()
	}
}

// read gets one row or one page of a list.
func (wk *loadWorker) read() error {
	env := wk.env
	pick := func(ids []string) string { return ids[wk.rng.IntN(len(ids))] }
	switch wk.rng.IntN(6) {
	case 0:
		return wk.get("/v1/cities/" + pick(env.cities))
	case 1:
		return wk.get("/v1/practices/" + pick(env.practices))
	case 2:
		return wk.get("/v1/experts/" + pick(env.experts))
	case 3:
		return wk.get("/v1/cities?region=europe&limit=20")
	case 4:
		return wk.get("/v1/practices?limit=20")
	default:
		return wk.get(pick(env.cursors))
	}
}

func (wk *loadWorker) get(path string) error {
	status, body, err := wk.env.doInto(&wk.buf, http.MethodGet, path, "", nil)
	return checkStatus(http.MethodGet, path, status, body, err)
}

func checkStatus(method, path string, status int, body []byte, err error) error {
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if status < 200 || status > 299 {
		return fmt.Errorf("%s %s: status %d: %.200s", method, path, status, body)
	}
	return nil
}

// write creates a city or a practice named with the run's marker, with an
// Idempotency-Key as a client that retries sends, or patches one of the PATCH
// targets with a value no other PATCH sets, so that every
// acknowledged PATCH makes a new version.
func (wk *loadWorker) write() error {
	env, res := wk.env, wk.res
	n := wk.seq.Add(1)
	name := fmt.Sprintf("%s-%06d", res.marker, n)
	switch r := wk.rng.IntN(10); {
	case r < 4:
		body := fmt.Sprintf(`{"name":%q,"country":"SN","region":"africa","population":%d,"languages":["fr"]}`, name, 10_000+n)
		return wk.create("/v1/cities", body, name, &res.cities)
	case r < 7:
		d := env.texts[wk.rng.IntN(len(env.texts))]
		body, _ := json.Marshal(profiles.PracticeInput{CityID: env.cities[wk.rng.IntN(len(env.cities))],
			Title: name + " " + d.Fields[0].Text, Description: d.Fields[len(d.Fields)-1].Text,
			Language: string(d.Lang), Themes: []string{"waste"}})
		return wk.create("/v1/practices", string(body), name, &res.practices)
	case r < 9:
		id := env.cities[wk.rng.IntN(patchCities)]
		return wk.patch("/v1/cities/"+id, id, fmt.Sprintf(`{"population":%d}`, 1_000_000+n))
	default:
		id := env.practices[wk.rng.IntN(patchPractices)]
		return wk.patch("/v1/practices/"+id, id, fmt.Sprintf(`{"results":%q}`, name+": recycling rate up"))
	}
}

func (wk *loadWorker) create(path, body, idempotencyKey string, ids *[]string) error {
	status, out, err := wk.env.doInto(&wk.buf, http.MethodPost, path, "application/json", []byte(body), "Idempotency-Key", idempotencyKey)
	if err := checkStatus(http.MethodPost, path, status, out, err); err != nil {
		return err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(out, &created); err != nil || created.ID == "" || status != http.StatusCreated {
		return fmt.Errorf("POST %s: %d without an id: %.200s", path, status, out)
	}
	wk.res.mu.Lock()
	*ids = append(*ids, created.ID)
	wk.res.mu.Unlock()
	return nil
}

func (wk *loadWorker) patch(path, id, body string) error {
	status, out, err := wk.env.doInto(&wk.buf, http.MethodPatch, path, "application/merge-patch+json", []byte(body))
	if err := checkStatus(http.MethodPatch, path, status, out, err); err != nil {
		return err
	}
	wk.res.mu.Lock()
	wk.res.patched[id]++
	wk.res.mu.Unlock()
	return nil
}

// verify fails the test on any error of the run and on any write lost or made
// twice: every acknowledged row is stored (and indexed, for practices), the rows
// named with the run's marker are exactly those acknowledged, and each PATCH
// target moved one version for each acknowledged PATCH.
func (env *loadEnv) verify(t *testing.T, res *loadResult) {
	t.Helper()
	ctx := context.Background()
	// A write is answered once the index holds it, or after 2 s: on a
	// starved machine the index may still be applying the last writes. It
	// must get to every committed change.
	head, err := env.store.ReadFeedHead(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := env.follower.WaitFor(wctx, head.Last); err != nil {
		t.Errorf("the index did not reach the feed's head %d within a minute: %+v", head.Last, env.follower.Status())
	}
	total := 0
	for c := range classCount {
		total += res.errs[c]
	}
	if total > 0 {
		t.Errorf("%d requests failed (suggestions %d, reads %d, writes %d); first ones:\n%s",
			total, res.errs[classSuggestion], res.errs[classRead], res.errs[classWrite], strings.Join(res.errSamples, "\n"))
	}
	for _, tbl := range []struct {
		table, column string
		ids           []string
		find          func(string) error
	}{
		{"cities", "name", res.cities, func(id string) error { _, err := env.store.FindCityByID(ctx, id); return err }},
		{"practices", "title", res.practices, func(id string) error {
			if _, err := env.store.FindPracticeByID(ctx, id); err != nil {
				return err
			}
			if _, ok := env.matching.Index().Doc(id); !ok {
				return fmt.Errorf("practice %s is stored but not indexed", id)
			}
			return nil
		}},
	} {
		seen := map[string]bool{}
		for _, id := range tbl.ids {
			if seen[id] {
				t.Errorf("%s: id %s acknowledged twice", tbl.table, id)
			}
			seen[id] = true
			if err := tbl.find(id); err != nil {
				t.Errorf("%s: acknowledged write lost: %v", tbl.table, err)
			}
		}
		n, err := env.store.DB().NewSelect().Table(tbl.table).Where("? LIKE ?", bun.Ident(tbl.column), res.marker+"-%").Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != len(tbl.ids) {
			t.Errorf("%s: %d rows carry the run's marker, %d creations were acknowledged", tbl.table, n, len(tbl.ids))
		}
	}
	for id, before := range res.versions {
		var version int64
		if c, err := env.store.FindCityByID(ctx, id); err == nil {
			version = c.Version
		} else if p, err := env.store.FindPracticeByID(ctx, id); err == nil {
			version = p.Version
		} else {
			t.Fatalf("PATCH target %s: %v", id, err)
		}
		if want := before + res.patched[id]; version != want {
			t.Errorf("PATCH target %s: version %d, want %d (%d before, %d PATCHes acknowledged)", id, version, want, before, res.patched[id])
		}
	}
	patches := int64(0)
	for _, n := range res.patched {
		patches += n
	}
	t.Logf("writes verified: %d cities and %d practices created, %d PATCHes; none lost, none duplicated",
		len(res.cities), len(res.practices), patches)
}

// loadTableHeader heads the report's table.
const loadTableHeader = "| database | workers | class | requests | req/s | p50 ms | p99 ms | max ms | errors |\n|---|---|---|---|---|---|---|---|---|\n"

// table gives the report's rows of one run: one per class, then all together.
func (r *loadResult) table(db string, workers int) []string {
	var rows []string
	var all []time.Duration
	errs := 0
	row := func(name string, lat []time.Duration, errs int) string {
		slices.Sort(lat)
		return fmt.Sprintf("| %s | %d | %s | %d | %.0f | %s | %s | %s | %d |", db, workers, name, len(lat),
			float64(len(lat))/r.duration.Seconds(), ms(quantile(lat, 0.50)), ms(quantile(lat, 0.99)), ms(quantile(lat, 1)), errs)
	}
	for c := range classCount {
		rows = append(rows, row(classNames[c], slices.Clone(r.lat[c]), r.errs[c]))
		all = append(all, r.lat[c]...)
		errs += r.errs[c]
	}
	return append(rows, row("all", all, errs))
}

// verdict says whether the suggestions met the target: 2,000 a second sustained,
// p99 at most 50 ms, no error.
func (r *loadResult) verdict(db string, workers int) string {
	lat := slices.Clone(r.lat[classSuggestion])
	slices.Sort(lat)
	rps := float64(len(lat)) / r.duration.Seconds()
	worst := int64(-1)
	var seconds []string
	for i := range int(r.duration / time.Second) {
		n := r.perSecond[i].Load()
		if worst < 0 || n < worst {
			worst = n
		}
		seconds = append(seconds, strconv.FormatInt(n, 10))
	}
	p99 := quantile(lat, 0.99)
	met := "met"
	if rps < 2000 || p99 > 50*time.Millisecond || r.errs[classSuggestion] > 0 {
		met = "NOT met"
	}
	cores := func(d time.Duration) float64 { return d.Seconds() / r.wall.Seconds() }
	perReq := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(max(r.requests, 1)) }
	return fmt.Sprintf("%s, %d workers: %.0f suggestions/s sustained (slowest second %d), p99 %s ms, %d errors: target 2,000/s at p99 ≤ 50 ms %s\n"+
		"CPU: this process (client and server) used %.2f cores, %.2f ms a request; PostgreSQL %.2f cores, %.2f ms a request; load average at the end %s\n"+
		"allocations (client and server): %.0f a request, %.0f KB a request, %d collections\n"+
		"suggestions in each second: %s",
		db, workers, rps, worst, ms(p99), r.errs[classSuggestion], met,
		cores(r.cpu), perReq(r.cpu), cores(r.pgCPU), perReq(r.pgCPU), r.load,
		float64(r.allocs)/float64(max(r.requests, 1)), float64(r.allocBytes)/1024/float64(max(r.requests, 1)), r.gcs, strings.Join(seconds, " "))
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// postgresCPU is the CPU time the processes named postgres on this machine have
// used, from /proc; 0 where there is no /proc. A backend that ends between two
// readings takes its time with it: the run's connections stay open throughout.
func postgresCPU() time.Duration {
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total time.Duration
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ...: utime and stime are the 14th and 15th fields.
		open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if open < 0 || end < open || string(b[open+1:end]) != "postgres" {
			continue
		}
		f := strings.Fields(string(b[end+1:]))
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * tick
	}
	return total
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)))
	return sorted[min(i, len(sorted)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}
