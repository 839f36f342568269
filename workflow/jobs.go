package workflow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"matchmaker/profiles"
)

// Review rounds run as jobs of river (github.com/riverqueue/river), claimed from
// the database: PostgreSQL through riverdatabasesql over the store's *sql.DB,
// SQLite through riversqlite. A round and its job are stored in one transaction.
// Any replica's worker claims it; one that dies mid-round leaves the job
// running until river's rescuer hands it back (JobRescueAfter), and another
// worker runs it again from the stored request. FinishRound stores a round's
// panels once: a second run of a round already done stores nothing.

// roundArgs is the job of one review round.
type roundArgs struct {
	RoundID string `json:"round_id"`
}

// Kind names the job in river's tables.
func (roundArgs) Kind() string { return "review_round" }

// InsertOpts make a round's job unique by its round.
func (roundArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: roundAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// roundAttempts is how many times a round's job is tried before the round is
// marked failed: a shutdown or a lost database ends an attempt, and the next
// one starts over from the stored request.
const roundAttempts = 5

// JobConfig tunes the job workers; zero values take the defaults.
type JobConfig struct {
	// Workers is how many rounds one process runs at once (1).
	Workers int
	// Timeout bounds one run of a round (10 min).
	Timeout time.Duration
	// RescueAfter is how long a job stays claimed by a worker that stopped
	// answering (a replica killed mid-round) before another may take it: it
	// must exceed Timeout (Timeout + 1 min).
	RescueAfter time.Duration
	// PollInterval is how often an idle worker looks for jobs (1 s).
	PollInterval time.Duration
	// OutboxPoll is how often the outbox worker looks for due messages
	// (1 s), and how often the outbox's queue is polled for its next job
	// (never more often than PollInterval); OutboxWorkers how many outbox
	// jobs one process runs at once (2).
	OutboxPoll    time.Duration
	OutboxWorkers int
	// NoOutbox leaves the outbox to other replicas (and to tests that
	// deliver by hand): no outbox or reminder job is worked here.
	NoOutbox bool
}

// jobs is the queue's client: it inserts jobs and, once started, works them.
type jobs struct {
	client *river.Client[*sql.Tx]
}

func (w *Workflows) newJobs(cfg JobConfig) error {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.RescueAfter <= cfg.Timeout {
		cfg.RescueAfter = cfg.Timeout + time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.OutboxPoll <= 0 {
		cfg.OutboxPoll = time.Second
	}
	if cfg.OutboxWorkers <= 0 {
		cfg.OutboxWorkers = 2
	}
	var drv riverdriver.Driver[*sql.Tx]
	switch w.store.Dialect() {
	case profiles.Postgres:
		drv = riverdatabasesql.New(w.store.DB().DB)
	default:
		drv = riversqlite.New(w.store.DB().DB)
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &roundWorker{w: w}); err != nil {
		return err
	}
	queues := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	var periodic []*river.PeriodicJob
	if !cfg.NoOutbox {
		if err := river.AddWorkerSafely(workers, &outboxWorker{w: w, poll: cfg.OutboxPoll}); err != nil {
			return err
		}
		if err := river.AddWorkerSafely(workers, &reminderWorker{w: w}); err != nil {
			return err
		}
		// The outbox's jobs come once a period and work for all of it: its
		// queue is polled at the outbox's own pace, not at the rounds'. Each
		// poll of a queue is a write on SQLite, and a fast PollInterval set
		// for the rounds would otherwise double the polls for nothing, and
		// slow the rounds on a busy machine.
		outboxPoll := max(cfg.OutboxPoll, cfg.PollInterval)
		queues[outboxQueue] = river.QueueConfig{MaxWorkers: cfg.OutboxWorkers,
			FetchPollInterval: outboxPoll, FetchCooldown: min(outboxPoll, time.Second)}
		periodic = append(periodic,
			river.NewPeriodicJob(river.PeriodicInterval(outboxPeriod), func() (river.JobArgs, *river.InsertOpts) { return outboxArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(reminderPeriod), func() (river.JobArgs, *river.InsertOpts) { return reminderArgs{}, nil },
				&river.PeriodicJobOpts{RunOnStart: true}))
	}
	if err := river.AddWorkerSafely(workers, &importWorker{w: w}); err != nil {
		return err
	}
	client, err := river.NewClient(drv, &river.Config{
		Logger:               w.log.With("component", "jobs"),
		Queues:               queues,
		PeriodicJobs:         periodic,
		Workers:              workers,
		JobTimeout:           cfg.Timeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		// The PostgreSQL driver over database/sql has no listener: workers
		// poll, which also holds on SQLite.
		PollOnly: true,
	})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	w.jobs = &jobs{client: client}
	return nil
}

// RunJobs works the jobs (review rounds, the outbox, reminders) until ctx ends, then stops: a round cut
// short is tried again by the next worker to claim it, here or on another
// replica. It returns once the workers have stopped.
func (w *Workflows) RunJobs(ctx context.Context) error {
	// A shutdown that comes while the workers start (the service may be
	// stopped as soon as it answers) is a stop, not a failure.
	if err := w.queueLeftRounds(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if err := w.jobs.client.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("start the job workers: %w", err)
	}
	<-ctx.Done()
	stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.jobs.client.StopAndCancel(stop); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stop the job workers: %w", err)
	}
	return nil
}

// enqueueRound stores a new round and its job in one transaction.
func (w *Workflows) enqueueRound(ctx context.Context, r profiles.ReviewRound) (profiles.ReviewRound, error) {
	var out profiles.ReviewRound
	err := w.store.InTx(ctx, func(tx *profiles.Store) error {
		var err error
		if out, err = tx.CreateRound(ctx, r); err != nil {
			return err
		}
		if _, err := w.jobs.client.InsertTx(ctx, tx.SQLTx(), roundArgs{RoundID: out.ID}, nil); err != nil {
			return fmt.Errorf("queue round %s: %w", out.ID, err)
		}
		return nil
	})
	return out, err
}

// roundWorker runs a round's job.
type roundWorker struct {
	river.WorkerDefaults[roundArgs]
	w *Workflows
}

// Work runs the round. On its last attempt a failure marks the round failed
// with the reason, so that the secretariat hears of it.
func (rw *roundWorker) Work(ctx context.Context, job *river.Job[roundArgs]) error {
	w, id := rw.w, job.Args.RoundID
	err := w.RunRound(ctx, id)
	if err == nil || errors.Is(err, profiles.ErrNotFound) {
		if err != nil {
			w.log.Warn("review round gone before it ran", "round", id)
		}
		return nil
	}
	if ctx.Err() != nil {
		w.log.Info("review round interrupted: it runs again", "round", id, "attempt", job.Attempt)
		return err
	}
	w.log.Error("review round failed", "round", id, "attempt", job.Attempt, "error", err)
	if job.Attempt >= job.MaxAttempts {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if uerr := w.store.UpdateRoundProgress(bg, id, profiles.RoundFailed, 0, "the round could not be assembled: "+err.Error()); uerr != nil {
			w.log.Error("review round state not saved", "round", id, "error", uerr)
		}
		return river.JobCancel(err)
	}
	return err
}

// queueLeftRounds gives a job to every round left queued or running without
// one, as by a version that ran rounds in its own process. A round's job is
// unique: one that has a job, in any state, is left as it is, so that every
// replica may do this at start.
func (w *Workflows) queueLeftRounds(ctx context.Context) error {
	rs, err := w.store.RoundsToResume(ctx)
	if err != nil {
		return fmt.Errorf("rounds left queued: %w", err)
	}
	for _, r := range rs {
		res, err := w.jobs.client.Insert(ctx, roundArgs{RoundID: r.ID}, nil)
		if err != nil {
			return fmt.Errorf("queue round %s: %w", r.ID, err)
		}
		if !res.UniqueSkippedAsDuplicate {
			w.log.Info("review round queued as a job", "round", r.ID, "name", r.Name)
		}
	}
	return nil
}

// The outbox is delivered by a job that a replica's worker claims every
// outboxPeriod and that works for that long, looking for due messages every
// OutboxPoll; the messages themselves are claimed row by row with a lease
// (notify.DeliverDue), so that two such jobs, on two replicas, never take the
// same message while both live. Reminders are queued by an hourly job.
const (
	outboxQueue    = "outbox"
	outboxPeriod   = 30 * time.Second
	reminderPeriod = time.Hour
)

// outboxArgs is the job that delivers the outbox for one period.
type outboxArgs struct{}

// Kind names the job in river's tables.
func (outboxArgs) Kind() string { return "outbox_delivery" }

// InsertOpts put the job on the outbox's queue, once per period.
func (outboxArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: outboxQueue, MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: outboxPeriod}}
}

// outboxWorker delivers due messages for one period.
type outboxWorker struct {
	river.WorkerDefaults[outboxArgs]
	w    *Workflows
	poll time.Duration
}

// Work delivers what is due, then looks again every poll, until the period
// ends (the next job takes over) or the process stops.
func (ow *outboxWorker) Work(ctx context.Context, _ *river.Job[outboxArgs]) error {
	end := time.Now().Add(outboxPeriod)
	t := time.NewTicker(ow.poll)
	defer t.Stop()
	for {
		if _, err := ow.w.out.DeliverAll(ctx); err != nil && ctx.Err() == nil {
			ow.w.log.Error("outbox delivery", "error", err)
		}
		if time.Now().After(end) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// reminderArgs is the job that queues the reminders.
type reminderArgs struct{}

// Kind names the job in river's tables.
func (reminderArgs) Kind() string { return "outbox_reminders" }

// InsertOpts put the job on the outbox's queue, once per period.
func (reminderArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: outboxQueue, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: reminderPeriod}}
}

// reminderWorker queues the reminders that are due.
type reminderWorker struct {
	river.WorkerDefaults[reminderArgs]
	w *Workflows
}

// Work queues a reminder to every invitee who has not answered in time.
func (rw *reminderWorker) Work(ctx context.Context, _ *river.Job[reminderArgs]) error {
	n, err := rw.w.out.QueueReminders(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		rw.w.log.Info("reminders queued", "count", n)
	}
	return nil
}
