package profiles

import (
	"context"
	"fmt"
)

// Backlogs are the work the service has queued in the database, counted for
// the operator's metrics: jobs of the job queue (river's table river_job) and
// messages of the outbox (table outbox_messages). Both tables are written by
// the workflows; the store only counts them.

// BacklogCount is how many rows of one group (a job kind, an outbox channel)
// are in one state.
type BacklogCount struct {
	// Group is the job's kind ("review_round") or the message's channel
	// ("email", "webhook").
	Group string `bun:"grp"`
	// State is the row's state as its table says it ("available",
	// "running", "completed", …; "pending", "sent", …).
	State string `bun:"state"`
	// N is the number of rows.
	N int64 `bun:"n"`
}

// JobBacklog counts the job queue's jobs by kind and state. The queue keeps
// finished jobs for a while (river prunes them after a day), so completed
// and discarded jobs are counted too.
func (s *Store) JobBacklog(ctx context.Context) ([]BacklogCount, error) {
	return s.backlog(ctx, "job queue", `SELECT kind AS grp, CAST(state AS TEXT) AS state, COUNT(*) AS n
		FROM river_job GROUP BY kind, state ORDER BY kind, state`)
}

// OutboxBacklog counts the outbox's messages by channel and state. Before the
// outbox's migration has run there is no table: the error is then one that
// IsSchemaMissing recognises.
func (s *Store) OutboxBacklog(ctx context.Context) ([]BacklogCount, error) {
	return s.backlog(ctx, "outbox", `SELECT channel AS grp, state, COUNT(*) AS n
		FROM outbox_messages GROUP BY channel, state ORDER BY channel, state`)
}

func (s *Store) backlog(ctx context.Context, what, query string) ([]BacklogCount, error) {
	var out []BacklogCount
	if err := s.db.NewRaw(query).Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("count the %s: %w", what, err)
	}
	return out, nil
}
