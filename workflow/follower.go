package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"matchmaker/profiles"
)

// FollowerConfig tunes a Follower; a zero field takes its default.
type FollowerConfig struct {
	// Poll is how often the feed is read when nothing wakes the follower, so
	// that a lost notification only delays (1 s).
	Poll time.Duration
	// Horizon is how long a missing position is waited for before it is taken
	// for a rolled-back write (30 s): longer than any write transaction (a
	// request's deadline is 25 s), with a margin.
	Horizon time.Duration
	// Retention is how long changes are kept in the feed (1 h), and how long a
	// silent follower is waited for before pruning goes past it.
	Retention time.Duration
	// PruneEvery is how often the follower prunes old changes (1 min).
	PruneEvery time.Duration
	// SaveEvery is how often the follower records its position (10 s).
	SaveEvery time.Duration
	// NoListen turns PostgreSQL notifications off: the follower then reads the
	// feed on its own commits and on Poll only, as when every notification is
	// lost.
	NoListen bool
	// Name names the follower among the others (random by default).
	Name string
	// Now is the clock (time.Now).
	Now func() time.Time
}

// readBatch is how many changes one read of the feed returns at most.
const readBatch = 1000

// Follower keeps a Matching in step with the store's change feed: it reads the
// feed from its last position whenever a write commits (a PostgreSQL
// notification from any process, or a commit through its own store) and on a
// timer, applies each change, and retries a change that failed until it
// applies. It is safe for concurrent use.
type Follower struct {
	store *profiles.Store
	m     *Matching
	log   *slog.Logger
	cfg   FollowerConfig
	wake  chan struct{}

	mu  sync.Mutex
	pos position
	// moved is closed and replaced whenever pos moves.
	moved chan struct{}
	// caughtUp is set once the follower has read the whole feed since start.
	caughtUp bool
	// fresh is when the follower last read the whole feed.
	fresh   time.Time
	lastErr error
	saved   time.Time
	pruned  time.Time
	// prunedChecked is when Run last read how far the feed was pruned.
	prunedChecked time.Time
}

// NewFollower returns a follower of store's change feed that applies it to m.
func NewFollower(store *profiles.Store, m *Matching, log *slog.Logger, cfg FollowerConfig) *Follower {
	if log == nil {
		log = slog.Default()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = 30 * time.Second
	}
	if cfg.Retention <= 0 {
		cfg.Retention = time.Hour
	}
	if cfg.PruneEvery <= 0 {
		cfg.PruneEvery = time.Minute
	}
	if cfg.SaveEvery <= 0 {
		cfg.SaveEvery = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Name == "" {
		var b [8]byte
		rand.Read(b[:])
		cfg.Name = "follower-" + hex.EncodeToString(b[:])
	}
	return &Follower{store: store, m: m, log: log, cfg: cfg, wake: make(chan struct{}, 1), moved: make(chan struct{})}
}

// Matching returns the index the follower keeps.
func (f *Follower) Matching() *Matching { return f.m }

// Build reads the feed's head, then builds the index from every row: a change
// that commits during the scan is read again from the feed afterwards, so none
// is lost between the build and the follow.
func (f *Follower) Build(ctx context.Context) error {
	now := f.cfg.Now()
	// A change recorded shortly before the head may not have committed yet;
	// twice the horizon covers clocks that differ between replicas.
	head, err := f.store.ReadFeedHead(ctx, now.Add(-2*f.cfg.Horizon))
	if err != nil {
		return fmt.Errorf("build index: %w", err)
	}
	if err := f.m.Build(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	f.pos = startAt(head.Last, head.Recent, now)
	f.movedLocked()
	f.mu.Unlock()
	f.log.Info("match index at feed position", "position", head.Last, "awaited", len(f.pos.missing))
	return nil
}

// StartAtHead takes the feed's head as the follower's position without
// building the index, for an index its caller filled from the same rows (as
// the benchmarks do with synthetic documents).
func (f *Follower) StartAtHead(ctx context.Context) error {
	now := f.cfg.Now()
	head, err := f.store.ReadFeedHead(ctx, now.Add(-2*f.cfg.Horizon))
	if err != nil {
		return fmt.Errorf("read feed head: %w", err)
	}
	f.mu.Lock()
	f.pos = startAt(head.Last, head.Recent, now)
	f.movedLocked()
	f.mu.Unlock()
	return nil
}

// Run follows the feed until ctx ends. Build must have run first. It returns
// nil when ctx ends; errors of the database are logged and retried.
func (f *Follower) Run(ctx context.Context) error {
	commits, stop := f.store.Commits()
	defer stop()
	if !f.cfg.NoListen {
		go f.listen(ctx)
	}
	ticker := time.NewTicker(f.cfg.Poll)
	defer ticker.Stop()
	backoff := 50 * time.Millisecond
	for {
		f.mu.Lock()
		check := time.Since(f.prunedChecked) >= prunedCheckEvery
		f.mu.Unlock()
		err := f.catchUp(ctx, check)
		if ctx.Err() != nil {
			f.forget()
			return nil
		}
		f.mu.Lock()
		f.lastErr = err
		f.mu.Unlock()
		if err != nil {
			if closedDB(err) {
				f.log.Info("database closed: the match index stops following the change feed")
				return nil
			}
			f.log.Error("match index not brought up to date: retrying", "error", err, "retry_in", backoff)
			// Only the timer wakes a failing follower, so that a flood of
			// notifications does not turn into a flood of failing reads.
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, f.cfg.Poll, 5*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		f.housekeep(ctx)
		select {
		case <-ctx.Done():
		case <-commits:
		case <-f.wake:
		case <-ticker.C:
		}
	}
}

// closedDB reports whether err comes from a database the program closed, as
// when it stops: database/sql gives no sentinel for it.
func closedDB(err error) bool {
	return strings.Contains(err.Error(), "sql: database is closed")
}

// CatchUp reads the feed once until it has applied every committed change, as
// Run does at every wake-up; it is for a caller that needs the index current
// before it goes on (Run must not be running yet).
func (f *Follower) CatchUp(ctx context.Context) error {
	return f.catchUp(ctx, true)
}

// prunedCheckEvery is how often Run reads how far the feed was pruned. Only
// changes older than the retention (an hour) are pruned, and only past a
// follower silent for as long: reading it at every wake-up (every write)
// would cost a statement for a case that takes an hour to arise.
const prunedCheckEvery = time.Second

// catchUp is CatchUp; checkPruned says whether to read how far the feed was
// pruned first (Run does once a prunedCheckEvery).
func (f *Follower) catchUp(ctx context.Context, checkPruned bool) error {
	if checkPruned {
		checked := time.Now() // a pace, not a position in the feed: the real clock
		pruned, err := f.store.PrunedTo(ctx)
		if err != nil {
			return err
		}
		f.mu.Lock()
		low := f.pos.low()
		f.mu.Unlock()
		if pruned > low {
			f.log.Warn("the change feed was pruned past this index's position: building it again", "position", low, "pruned_to", pruned)
			if err := f.Build(ctx); err != nil {
				return err
			}
		}
		f.mu.Lock()
		f.prunedChecked = checked
		f.mu.Unlock()
	}
	for {
		f.mu.Lock()
		after, missing := f.pos.high, f.pos.waiting()
		f.mu.Unlock()
		cs, err := f.store.ReadChanges(ctx, after, missing, readBatch)
		if err != nil {
			return err
		}
		for _, seg := range segments(cs) {
			if err := f.applyAll(ctx, seg); err != nil {
				return err
			}
			f.mu.Lock()
			for _, c := range seg {
				f.pos.advance(c.Seq, f.cfg.Now())
			}
			f.movedLocked()
			f.mu.Unlock()
		}
		if len(cs) < readBatch {
			break
		}
	}
	now := f.cfg.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := f.pos.expire(now.Add(-f.cfg.Horizon)); n > 0 {
		f.log.Debug("feed positions never committed", "count", n)
		f.movedLocked()
	}
	if !f.caughtUp {
		f.log.Info("match index caught up with the change feed", "position", f.pos.high)
	}
	f.caughtUp, f.fresh = true, now
	return nil
}

// applyWorkers is how many changes of one segment are applied at once on
// PostgreSQL, where each one's read of its row is mostly waiting for the
// server. On SQLite the reads run in the process and the work is the CPU's:
// one at a time is as fast (measured, docs/benchmarks.md).
const applyWorkers = 8

// segments cuts a read of the feed where a city changes: the changes between
// two city changes are independent of one another (each names its own row)
// and are applied together; a city change, which the documents of its city
// inherit, is applied alone, after the changes before it and before those
// after it.
func segments(cs []profiles.Change) [][]profiles.Change {
	var out [][]profiles.Change
	start := 0
	for i, c := range cs {
		if c.Kind != "city" {
			continue
		}
		if i > start {
			out = append(out, cs[start:i])
		}
		out = append(out, cs[i:i+1])
		start = i + 1
	}
	if start < len(cs) {
		out = append(out, cs[start:])
	}
	return out
}

// applyAll applies the changes of one segment, each row once (applying a
// change reads the row's latest state, so the last change of a row stands for
// the earlier ones), several at a time. On a failure none of the segment's
// positions move and the whole segment is read and applied again.
func (f *Follower) applyAll(ctx context.Context, seg []profiles.Change) error {
	last := map[string]profiles.Change{}
	var order []string
	for _, c := range seg {
		key := c.Kind + "\x00" + c.ID
		if _, seen := last[key]; !seen {
			order = append(order, key)
		}
		last[key] = c
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(1)
	if f.store.Dialect() == profiles.Postgres {
		g.SetLimit(applyWorkers)
	}
	for _, key := range order {
		c := last[key]
		g.Go(func() error {
			if err := f.m.apply(gctx, c); err != nil {
				f.mu.Lock()
				f.pos.retry(c.Seq, f.cfg.Now())
				f.mu.Unlock()
				return fmt.Errorf("apply change %d (%s %s): %w", c.Seq, c.Kind, c.ID, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// movedLocked wakes the waiters on the position; f.mu is held.
func (f *Follower) movedLocked() {
	close(f.moved)
	f.moved = make(chan struct{})
}

// housekeep records the follower's position and prunes old changes, each at
// its own pace; a failure is logged and tried again next time.
func (f *Follower) housekeep(ctx context.Context) {
	now := f.cfg.Now()
	f.mu.Lock()
	save, prune, low := now.Sub(f.saved) >= f.cfg.SaveEvery, now.Sub(f.pruned) >= f.cfg.PruneEvery, f.pos.low()
	f.mu.Unlock()
	if save {
		if err := f.store.SaveFollower(ctx, f.cfg.Name, low, now); err != nil {
			f.log.Warn("follower position not saved", "error", err)
		} else {
			f.mu.Lock()
			f.saved = now
			f.mu.Unlock()
		}
	}
	if prune && !f.saved.IsZero() {
		n, err := f.store.PruneChanges(ctx, now.Add(-f.cfg.Retention), now.Add(-f.cfg.Retention))
		if err != nil {
			f.log.Warn("change feed not pruned", "error", err)
			return
		}
		if n > 0 {
			f.log.Info("change feed pruned", "changes", n)
		}
		f.mu.Lock()
		f.pruned = now
		f.mu.Unlock()
	}
}

// forget removes the follower's saved position as it stops, so that pruning
// no longer waits for it.
func (f *Follower) forget() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := f.store.ForgetFollower(ctx, f.cfg.Name); err != nil && !closedDB(err) {
		f.log.Warn("follower position not removed", "error", err)
	}
}

// listen wakes the follower at every PostgreSQL notification of a commit, and
// once more whenever it starts listening again, for the commits it missed.
func (f *Follower) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := f.store.ListenChanges(ctx, func() {
			backoff = 100 * time.Millisecond
			f.Poke()
		}, f.Poke)
		if errors.Is(err, profiles.ErrNoNotifications) || ctx.Err() != nil {
			return
		}
		if closedDB(err) {
			return
		}
		f.log.Warn("change notifications lost: listening again; polling meanwhile", "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// Poke makes the follower read the feed now.
func (f *Follower) Poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Applied reports whether the change at feed position seq is in the index.
func (f *Follower) Applied(seq int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.caughtUp && f.pos.applied(seq) || seq <= 0
}

// WaitFor waits until the change at feed position seq is in the index, or ctx
// ends (its error is returned then).
func (f *Follower) WaitFor(ctx context.Context, seq int64) error {
	poked := false
	for {
		f.mu.Lock()
		done := seq <= 0 || f.caughtUp && f.pos.applied(seq)
		moved := f.moved
		f.mu.Unlock()
		if done {
			return nil
		}
		if !poked {
			// A position the follower has not read yet: read now rather
			// than at the next notification or tick.
			f.Poke()
			poked = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-moved:
		}
	}
}

// FollowerStatus is where a follower stands.
type FollowerStatus struct {
	// Position: every change at or below it is in the index.
	Position int64
	// Head is the highest position applied; Awaited how many positions below
	// it may still commit.
	Head    int64
	Awaited int
	// CaughtUp tells whether the follower has read the whole feed since it
	// started.
	CaughtUp bool
	// Lag is how long ago the follower last read the whole feed: the index
	// holds every change committed before then.
	Lag time.Duration
	// Err is why the last read failed, nil when it did not.
	Err error
}

// Status returns where the follower stands.
func (f *Follower) Status() FollowerStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := FollowerStatus{Position: f.pos.low(), Head: f.pos.high, Awaited: len(f.pos.missing), CaughtUp: f.caughtUp, Err: f.lastErr}
	if !f.fresh.IsZero() {
		st.Lag = max(0, f.cfg.Now().Sub(f.fresh))
	}
	return st
}
