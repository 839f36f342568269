package profiles

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// Change is one entry of the change feed: a committed write to a row the match
// index holds. Every write to a city, practice, challenge or expert, and every
// write that moves an expert's load or feedback, records one in its own
// transaction, so that an index following the feed misses none, whichever
// process made the write.
type Change struct {
	Seq     int64  // position in the feed
	Kind    string // "city", "practice", "challenge" or "expert"
	ID      string
	Deleted bool
	At      time.Time
}

// ChangesChannel is the PostgreSQL notification channel a commit of changes
// notifies (a trigger on the changes table sends it).
const ChangesChannel = "matchmaker_changes"

// changeSet collects the changes of one transaction, one per row.
type changeSet struct {
	list []Change
	at   map[string]int
}

func (c *changeSet) add(kind, id string, deleted bool) {
	key := kind + "\x00" + id
	if i, ok := c.at[key]; ok {
		c.list[i].Deleted = deleted
		return
	}
	if c.at == nil {
		c.at = map[string]int{}
	}
	c.at[key] = len(c.list)
	c.list = append(c.list, Change{Kind: kind, ID: id, Deleted: deleted})
}

// experts records that the experts' load or feedback moved.
func (c *changeSet) experts(ids []string) {
	for _, id := range ids {
		c.add("expert", id, false)
	}
}

// write runs f in a transaction as inTx does and records the changes f adds in
// the feed, in the same transaction, so that the write and its feed entries
// commit together. On a store from InTx, the changes wait for the end of the
// outer transaction.
func (s *Store) write(ctx context.Context, f func(tx bun.Tx, ch *changeSet) error) error {
	if s.tx != nil {
		return f(*s.tx, s.pending)
	}
	var seq int64
	err := s.inTx(ctx, func(tx bun.Tx) error {
		ch := &changeSet{}
		if err := f(tx, ch); err != nil {
			return err
		}
		var err error
		seq, err = s.recordChanges(ctx, tx, ch.list)
		return err
	})
	if err != nil {
		return err
	}
	s.committed(ctx, seq)
	return nil
}

// recordChanges inserts changes into the feed inside tx and returns the highest
// position given, or 0 when there are none. It runs last in the transaction, so
// that a position is given shortly before its commit: the window in which a
// follower sees a later position commit first stays short.
func (s *Store) recordChanges(ctx context.Context, tx bun.IDB, changes []Change) (int64, error) {
	var last int64
	at := s.timestamp()
	for start := 0; start < len(changes); start += maxRowsPerInsert {
		end := min(start+maxRowsPerInsert, len(changes))
		var b strings.Builder
		args := make([]any, 0, 4*(end-start))
		b.WriteString("INSERT INTO changes (kind, id, op, at) VALUES ")
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?)")
			op := "upsert"
			if changes[i].Deleted {
				op = "delete"
			}
			args = append(args, changes[i].Kind, changes[i].ID, op, at)
		}
		b.WriteString(" RETURNING seq")
		rows, err := s.queryText(ctx, tx, b.String(), args...)
		if err != nil {
			return 0, fmt.Errorf("record changes: %w", err)
		}
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				rows.Close()
				return 0, fmt.Errorf("record changes: %w", err)
			}
			last = max(last, seq)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return 0, fmt.Errorf("record changes: %w", err)
		}
	}
	return last, nil
}

// committed tells the context's Writes and the local followers that changes up
// to seq committed.
func (s *Store) committed(ctx context.Context, seq int64) {
	if seq == 0 {
		return
	}
	if w, ok := ctx.Value(writesKey{}).(*Writes); ok {
		w.observe(seq)
	}
	s.hub.wake()
}

// Writes collects the feed position of the writes made with one context: the
// consistency token a client can hand to another replica.
type Writes struct{ seq atomic.Int64 }

type writesKey struct{}

// TrackWrites returns a context whose committed writes report their feed
// position to the returned Writes.
func TrackWrites(ctx context.Context) (context.Context, *Writes) {
	w := &Writes{}
	return context.WithValue(ctx, writesKey{}, w), w
}

// Position returns the highest feed position the context's writes reached, or 0
// when none recorded a change.
func (w *Writes) Position() int64 { return w.seq.Load() }

func (w *Writes) observe(seq int64) {
	for {
		cur := w.seq.Load()
		if seq <= cur || w.seq.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// hub holds the channels woken by this process's commits; copies of a store
// share it.
type hub struct {
	mu    sync.Mutex
	chans map[chan struct{}]struct{}
}

func (h *hub) wake() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.chans {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Commits returns a channel that receives after every commit of changes made
// through this store (in this process), and a function that stops it. Sends
// never block: a burst of commits may give one receive.
func (s *Store) Commits() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	s.hub.mu.Lock()
	if s.hub.chans == nil {
		s.hub.chans = map[chan struct{}]struct{}{}
	}
	s.hub.chans[c] = struct{}{}
	s.hub.mu.Unlock()
	return c, func() {
		s.hub.mu.Lock()
		delete(s.hub.chans, c)
		s.hub.mu.Unlock()
	}
}

type changeRow struct {
	Seq  int64     `bun:"seq"`
	Kind string    `bun:"kind"`
	ID   string    `bun:"id"`
	Op   string    `bun:"op"`
	At   time.Time `bun:"at"`
}

// changesAfter reads at most $2 changes after the position $1.
var changesAfter = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return db.NewSelect().Table("changes").Column("seq", "kind", "id", "op", "at").Where("seq > ?", arg(1)).
		OrderExpr("seq ASC LIMIT ?", arg(2))
}}

// ReadChanges returns, in feed order, at most limit changes: those after
// position after and those at the positions in missing (numbers a follower has
// not seen below its highest, which may still commit).
func (s *Store) ReadChanges(ctx context.Context, after int64, missing []int64, limit int) ([]Change, error) {
	var rows []changeRow
	var err error
	if len(missing) == 0 {
		// What every follower reads at every commit: a statement prepared
		// once (see store_prepared.go).
		err = s.queryRows(ctx, s.db, changesAfter, &rows, after, limit)
	} else {
		err = s.db.NewSelect().Table("changes").Column("seq", "kind", "id", "op", "at").
			Where("seq > ? OR seq IN (?)", after, bun.List(missing)).OrderExpr("seq ASC").Limit(limit).Scan(ctx, &rows)
	}
	if err != nil {
		return nil, fmt.Errorf("read changes after %d: %w", after, err)
	}
	out := make([]Change, len(rows))
	for i, r := range rows {
		out[i] = Change{Seq: r.Seq, Kind: r.Kind, ID: r.ID, Deleted: r.Op == "delete", At: r.At.UTC()}
	}
	return out, nil
}

// FeedHead is where the feed stands when an index build starts.
type FeedHead struct {
	// Last is the highest committed position, 0 on an empty feed.
	Last int64
	// Recent are the committed positions from the first change recorded at or
	// after the time asked for, in order: the numbers between them that are
	// missing may belong to writes still committing.
	Recent []int64
}

// ReadFeedHead reads the feed's head and its positions from the first change
// recorded at or after since.
func (s *Store) ReadFeedHead(ctx context.Context, since time.Time) (FeedHead, error) {
	var h FeedHead
	if err := s.db.NewSelect().Table("changes").ColumnExpr("COALESCE(MAX(seq), 0)").Scan(ctx, &h.Last); err != nil {
		return FeedHead{}, fmt.Errorf("read feed head: %w", err)
	}
	if err := s.db.NewRaw("SELECT seq FROM changes WHERE seq >= (SELECT MIN(seq) FROM changes WHERE at >= ?) ORDER BY seq",
		since.UTC()).Scan(ctx, &h.Recent); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return FeedHead{}, fmt.Errorf("read feed head: %w", err)
	}
	return h, nil
}

// SaveFollower records that the follower name has applied every change up to
// seq, at time at, so that pruning keeps what it still needs.
func (s *Store) SaveFollower(ctx context.Context, name string, seq int64, at time.Time) error {
	if _, err := s.db.NewRaw("INSERT INTO feed_followers (name, seq, seen_at) VALUES (?, ?, ?) "+
		"ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, seen_at = excluded.seen_at",
		name, seq, at.UTC().Truncate(time.Microsecond)).Exec(ctx); err != nil {
		return fmt.Errorf("save follower %s: %w", name, err)
	}
	return nil
}

// LiveFollowers counts the followers that recorded their position at or after
// since: the serving replicas, each of which follows the feed.
func (s *Store) LiveFollowers(ctx context.Context, since time.Time) (int, error) {
	n, err := s.db.NewSelect().TableExpr("feed_followers").Where("seen_at >= ?", since.UTC().Truncate(time.Microsecond)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count live followers: %w", err)
	}
	return n, nil
}

// ForgetFollower removes the follower name, as a replica that stops does, so
// that pruning no longer waits for it.
func (s *Store) ForgetFollower(ctx context.Context, name string) error {
	if _, err := s.db.NewDelete().TableExpr("feed_followers").Where("name = ?", name).Exec(ctx); err != nil {
		return fmt.Errorf("forget follower %s: %w", name, err)
	}
	return nil
}

// PrunedTo returns the highest position pruning has removed: a follower whose
// position is below it has missed changes.
func (s *Store) PrunedTo(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.NewSelect().Table("feed_pruned").Column("seq").Where("id = 1").Scan(ctx, &seq); err != nil {
		return 0, fmt.Errorf("read feed prune position: %w", err)
	}
	return seq, nil
}

// PruneChanges deletes the changes recorded before before that every follower
// seen since liveSince has applied, forgets the followers not seen since, and
// returns how many changes it deleted. A follower not seen since liveSince is no
// longer waited for: if it comes back, its position is below PrunedTo and it
// builds its index again.
func (s *Store) PruneChanges(ctx context.Context, before, liveSince time.Time) (int, error) {
	var n int64
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		liveSince := liveSince.UTC().Truncate(time.Microsecond)
		if _, err := tx.NewDelete().TableExpr("feed_followers").Where("seen_at < ?", liveSince).Exec(ctx); err != nil {
			return err
		}
		var keep sql.NullInt64
		if err := tx.NewSelect().Table("feed_followers").ColumnExpr("MIN(seq)").Scan(ctx, &keep); err != nil {
			return err
		}
		q := tx.NewSelect().Table("changes").ColumnExpr("COALESCE(MAX(seq), 0)").Where("at < ?", before.UTC())
		if keep.Valid {
			q = q.Where("seq <= ?", keep.Int64)
		}
		var cut int64
		if err := q.Scan(ctx, &cut); err != nil {
			return err
		}
		if cut == 0 {
			return nil
		}
		if _, err := tx.NewUpdate().Table("feed_pruned").Set("seq = ?", cut).Where("id = 1 AND seq < ?", cut).Exec(ctx); err != nil {
			return err
		}
		res, err := tx.NewDelete().TableExpr("changes").Where("seq <= ?", cut).Exec(ctx)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune changes: %w", err)
	}
	return int(n), nil
}

// listenCheck is how long a listening connection waits for a notification
// before it checks that its store is still open.
const listenCheck = 5 * time.Second

// ErrNoNotifications is returned by ListenChanges on a database that sends no
// notifications (SQLite): there, a process's own writes wake its followers
// (Commits) and polling finds the others'.
var ErrNoNotifications = errors.New("the database sends no change notifications")

// ListenChanges holds one connection of its own listening for commits of
// changes by any process, calling listening once it listens and wake at every
// notification, until ctx ends or the connection fails; it returns why it
// stopped. Notifications sent while no connection listens are lost: the caller
// reconnects and reads the feed again.
func (s *Store) ListenChanges(ctx context.Context, listening, wake func()) error {
	if s.dialect != Postgres {
		return ErrNoNotifications
	}
	conn, err := s.db.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("listen for changes: %w", err)
	}
	defer conn.Close()
	var failed error
	_ = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			failed = fmt.Errorf("listen for changes: driver connection is %T, not pgx", dc)
			return driver.ErrBadConn
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
			failed = fmt.Errorf("listen for changes: %w", err)
			return driver.ErrBadConn
		}
		listening()
		for {
			wctx, cancel := context.WithTimeout(ctx, listenCheck)
			_, err := pc.WaitForNotification(wctx)
			cancel()
			switch {
			case err == nil:
				wake()
				continue
			case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
				// A quiet spell: the connection stays valid. A store
				// closed meanwhile (its program stopping without
				// cancelling ctx) must let the connection go.
				perr := s.db.DB.PingContext(ctx)
				if perr == nil {
					continue
				}
				failed = fmt.Errorf("listen for changes: %w", perr)
			default:
				failed = fmt.Errorf("listen for changes: %w", err)
			}
			// The connection still listens: it must not go back to the
			// pool, where notifications would pile up unread.
			return driver.ErrBadConn
		}
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return failed
}
