package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// Namespace prefixes every metric of the service.
const Namespace = "matchmaker"

// queryBuckets are the matcher's latency buckets, in seconds: a suggestion
// takes a few milliseconds at demo size and tens at 100,000 documents; a
// comparison of a theme's practices can take a second.
var queryBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// Queries measures the matcher's queries.
type Queries struct {
	latency *prometheus.HistogramVec
}

// NewQueries registers the histogram of the matcher's query latency on reg:
// matchmaker_matcher_query_duration_seconds{query}.
func NewQueries(reg prometheus.Registerer) (*Queries, error) {
	q := &Queries{latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Subsystem: "matcher", Name: "query_duration_seconds",
		Help:    "How long the match index took to answer a query, by kind of query (suggest, explain, opportunities, partners, candidates, group).",
		Buckets: queryBuckets,
	}, []string{"query"})}
	if err := reg.Register(q.latency); err != nil {
		return nil, err
	}
	return q, nil
}

// Option is the matcher option that reports every query to q.
func (q *Queries) Option() matcher.Option {
	return matcher.WithQueryObserver(func(query string, took time.Duration) {
		q.latency.WithLabelValues(query).Observe(took.Seconds())
	})
}

// Sources are what the collectors read.
type Sources struct {
	// Store is the database: its pool statistics, its job queue and its
	// outbox.
	Store *profiles.Store
	// Follower keeps the match index in step with the change feed; nil
	// leaves the index metrics out.
	Follower *workflow.Follower
	// Logger says when a count cannot be read (a scrape still answers with
	// the other metrics).
	Logger *slog.Logger
}

// Register adds to reg the Go runtime and process collectors, the database
// pool's statistics, the match index's state and the database backlogs.
func Register(reg prometheus.Registerer, src Sources) error {
	if src.Logger == nil {
		src.Logger = slog.Default()
	}
	cs := []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	if src.Store != nil {
		cs = append(cs,
			collectors.NewDBStatsCollector(src.Store.DB().DB, string(src.Store.Dialect())),
			&backlogCollector{store: src.Store, log: src.Logger})
	}
	if src.Follower != nil {
		cs = append(cs, &indexCollector{follower: src.Follower})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

var (
	indexDocuments = prometheus.NewDesc(Namespace+"_index_documents",
		"Documents in the match index (practices, challenges and experts).", nil, nil)
	indexBuild = prometheus.NewDesc(Namespace+"_index_build_seconds",
		"How long the last full build of the match index took, from the first read to the index ready.", nil, nil)
	indexLag = prometheus.NewDesc(Namespace+"_index_lag_seconds",
		"How long ago the index last read the whole change feed: it holds every write committed before then.", nil, nil)
	indexPosition = prometheus.NewDesc(Namespace+"_index_feed_position",
		"The change feed's position the index holds every change up to.", nil, nil)
	indexAwaited = prometheus.NewDesc(Namespace+"_index_feed_awaited",
		"Positions of the change feed below the newest applied that may still commit.", nil, nil)
	indexCaughtUp = prometheus.NewDesc(Namespace+"_index_caught_up",
		"1 once the index has read the whole change feed since the process started, 0 before (the replica is not ready).", nil, nil)
)

// indexCollector reads the follower's state at each scrape.
type indexCollector struct {
	follower *workflow.Follower
}

func (c *indexCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{indexDocuments, indexBuild, indexLag, indexPosition, indexAwaited, indexCaughtUp} {
		ch <- d
	}
}

func (c *indexCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.follower.Matching()
	st := c.follower.Status()
	caught := 0.0
	if st.CaughtUp {
		caught = 1
	}
	ch <- prometheus.MustNewConstMetric(indexDocuments, prometheus.GaugeValue, float64(m.Index().Len()))
	ch <- prometheus.MustNewConstMetric(indexBuild, prometheus.GaugeValue, m.BuildDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(indexLag, prometheus.GaugeValue, st.Lag.Seconds())
	ch <- prometheus.MustNewConstMetric(indexPosition, prometheus.GaugeValue, float64(st.Position))
	ch <- prometheus.MustNewConstMetric(indexAwaited, prometheus.GaugeValue, float64(st.Awaited))
	ch <- prometheus.MustNewConstMetric(indexCaughtUp, prometheus.GaugeValue, caught)
}

var (
	jobsDesc = prometheus.NewDesc(Namespace+"_jobs",
		"Jobs of the job queue (review rounds) by kind and state, finished ones included until the queue prunes them.",
		[]string{"kind", "state"}, nil)
	outboxDesc = prometheus.NewDesc(Namespace+"_outbox_messages",
		"Messages of the outbox (emails, webhook deliveries) by channel and state.",
		[]string{"channel", "state"}, nil)
	backlogUp = prometheus.NewDesc(Namespace+"_backlog_up",
		"1 when the backlog (jobs, outbox) could be counted at this scrape, 0 when its table could not be read.",
		[]string{"backlog"}, nil)
)

// scrapeTimeout bounds the counts of one scrape: Prometheus's own default
// timeout is 10 s, and a slow database must not hold every scrape.
const scrapeTimeout = 3 * time.Second

// backlogCollector counts the database's queues at each scrape.
type backlogCollector struct {
	store *profiles.Store
	log   *slog.Logger
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- outboxDesc
	ch <- backlogUp
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	c.count(ctx, ch, "jobs", jobsDesc, c.store.JobBacklog)
	// The outbox is the messages' queue; until its migration has run there
	// is no table, and so nothing queued: the count is left out, not failed.
	c.count(ctx, ch, "outbox", outboxDesc, c.store.OutboxBacklog)
}

func (c *backlogCollector) count(ctx context.Context, ch chan<- prometheus.Metric, name string, desc *prometheus.Desc,
	read func(context.Context) ([]profiles.BacklogCount, error)) {
	rows, err := read(ctx)
	if err != nil {
		if !profiles.IsSchemaMissing(err) {
			c.log.Warn("metrics: backlog not counted", "backlog", name, "error", err)
		}
		ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 0, name)
		return
	}
	ch <- prometheus.MustNewConstMetric(backlogUp, prometheus.GaugeValue, 1, name)
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(r.N), r.Group, r.State)
	}
}
