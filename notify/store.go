package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/profiles"
)

// messageRow is a row of outbox_messages.
type messageRow struct {
	bun.BaseModel `bun:"table:outbox_messages,alias:om"`

	ID            string     `bun:"id,pk"`
	Channel       string     `bun:"channel"`
	Kind          string     `bun:"kind"`
	RecipientKind string     `bun:"recipient_kind"`
	RecipientID   string     `bun:"recipient_id"`
	Lang          string     `bun:"lang"`
	ProposalID    *string    `bun:"proposal_id"`
	RoundID       *string    `bun:"round_id"`
	MemberID      *string    `bun:"member_id"`
	OtherID       *string    `bun:"other_id"`
	Data          string     `bun:"data"`
	DedupeKey     *string    `bun:"dedupe_key"`
	State         string     `bun:"state"`
	Attempts      int        `bun:"attempts"`
	MaxAttempts   int        `bun:"max_attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	LeaseOwner    *string    `bun:"lease_owner"`
	LeaseUntil    *time.Time `bun:"lease_until"`
	LastError     string     `bun:"last_error"`
	Address       string     `bun:"address"`
	CreatedAt     time.Time  `bun:"created_at"`
	SentAt        *time.Time `bun:"sent_at"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r messageRow) message() Message {
	return Message{ID: r.ID, Channel: r.Channel, Kind: r.Kind, RecipientKind: r.RecipientKind, RecipientID: r.RecipientID,
		Lang: r.Lang, ProposalID: deref(r.ProposalID), RoundID: deref(r.RoundID), MemberID: deref(r.MemberID),
		State: r.State, Attempts: r.Attempts, MaxAttempts: r.MaxAttempts, NextAttemptAt: r.NextAttemptAt.UTC(),
		LastError: r.LastError, Address: r.Address, CreatedAt: r.CreatedAt.UTC(), SentAt: utcPtr(r.SentAt)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// attemptRow is a row of outbox_attempts.
type attemptRow struct {
	bun.BaseModel `bun:"table:outbox_attempts"`

	MessageID  string    `bun:"message_id,pk"`
	Attempt    int       `bun:"attempt,pk"`
	At         time.Time `bun:"at"`
	StatusCode int       `bun:"status_code"`
	Error      string    `bun:"error"`
	DurationMS int       `bun:"duration_ms"`
}

// item is a message to write: what composition decided.
type item struct {
	channel, kind      string
	recipKind, recipID string
	lang               string
	proposal, round    string
	member, other      string
	data               any
	dedupe             string
	notBefore          time.Time
	maxAttempts        int
}

// insert writes items into the outbox through db (the transaction of the
// change that causes them). An item whose dedupe key is already there is
// skipped: the same invitation is never queued twice.
func (o *Outbox) insert(ctx context.Context, db bun.IDB, items []item) ([]string, error) {
	now := o.timestamp()
	ids := make([]string, 0, len(items))
	for _, it := range items {
		data := "{}"
		if it.data != nil {
			b, err := json.Marshal(it.data)
			if err != nil {
				return nil, fmt.Errorf("outbox %s: %w", it.kind, err)
			}
			data = string(b)
		}
		at := now
		if it.notBefore.After(now) {
			at = it.notBefore.UTC().Truncate(time.Microsecond)
		}
		max := it.maxAttempts
		if max <= 0 {
			max = o.cfg.MaxAttempts
		}
		row := messageRow{ID: o.newID(), Channel: it.channel, Kind: it.kind, RecipientKind: it.recipKind, RecipientID: it.recipID,
			Lang: it.lang, ProposalID: ptr(it.proposal), RoundID: ptr(it.round), MemberID: ptr(it.member), OtherID: ptr(it.other),
			Data: data, DedupeKey: ptr(it.dedupe), State: StatePending, MaxAttempts: max, NextAttemptAt: at, CreatedAt: now}
		q := db.NewInsert().Model(&row)
		if it.dedupe != "" {
			q = q.On("CONFLICT (dedupe_key) DO NOTHING")
		}
		if _, err := q.Exec(ctx); err != nil {
			return nil, fmt.Errorf("outbox %s to %s: %w", it.kind, it.recipID, err)
		}
		ids = append(ids, row.ID)
		if it.channel == ChannelEmail {
			o.log.Info("message queued", "message", row.ID, "kind", it.kind, "to", it.recipKind+":"+it.recipID, "proposal", it.proposal)
		}
	}
	return ids, nil
}

// MessageFilter selects messages of the outbox.
type MessageFilter struct {
	State string
	// Recipient is an expert's, a city's or a subscription's ID, or an
	// email address.
	Recipient string
	// Webhook selects the deliveries of one subscription.
	Webhook string
	Kind    string
	profiles.Page
}

// Messages lists one page of the outbox, oldest first.
func (o *Outbox) Messages(ctx context.Context, f MessageFilter) (profiles.ListResult[Message], error) {
	db := o.store.DB()
	apply := func(q *bun.SelectQuery) *bun.SelectQuery {
		if f.State != "" {
			q = q.Where("om.state = ?", f.State)
		}
		if f.Recipient != "" {
			q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("om.recipient_id = ?", f.Recipient).WhereOr("om.address = ?", f.Recipient)
			})
		}
		if f.Webhook != "" {
			q = q.Where("om.channel = ? AND om.recipient_id = ?", ChannelWebhook, f.Webhook)
		}
		if f.Kind != "" {
			q = q.Where("om.kind = ?", f.Kind)
		}
		return q
	}
	total, err := apply(db.NewSelect().Model((*messageRow)(nil))).Count(ctx)
	if err != nil {
		return profiles.ListResult[Message]{}, fmt.Errorf("count messages: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = profiles.DefaultLimit
	}
	limit = min(limit, profiles.MaxLimit)
	var rows []messageRow
	q := apply(db.NewSelect().Model(&rows))
	if f.After != "" {
		q = q.Where("om.id > ?", f.After)
	}
	if err := q.OrderExpr("om.id ASC").Limit(limit + 1).Scan(ctx); err != nil {
		return profiles.ListResult[Message]{}, fmt.Errorf("find messages: %w", err)
	}
	res := profiles.ListResult[Message]{Items: make([]Message, 0, len(rows)), Total: total}
	for i, r := range rows {
		if i == limit {
			res.Next = rows[i-1].ID
			break
		}
		res.Items = append(res.Items, r.message())
	}
	return res, nil
}

// MessageByID returns the message with id.
func (o *Outbox) MessageByID(ctx context.Context, id string) (Message, error) {
	var row messageRow
	err := o.store.DB().NewSelect().Model(&row).Where("om.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, fmt.Errorf("message %s: %w", id, profiles.ErrNotFound)
	}
	if err != nil {
		return Message{}, fmt.Errorf("message %s: %w", id, err)
	}
	return row.message(), nil
}

// Attempts is the delivery log of the message with id, oldest first.
func (o *Outbox) Attempts(ctx context.Context, ids ...string) (map[string][]Attempt, error) {
	out := map[string][]Attempt{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []attemptRow
	if err := o.store.DB().NewSelect().Model(&rows).Where("message_id IN (?)", bun.List(ids)).
		OrderExpr("message_id, attempt").Scan(ctx); err != nil {
		return nil, fmt.Errorf("message attempts: %w", err)
	}
	for _, r := range rows {
		out[r.MessageID] = append(out[r.MessageID], Attempt{MessageID: r.MessageID, Attempt: r.Attempt, At: r.At.UTC(),
			StatusCode: r.StatusCode, Error: r.Error, DurationMS: r.DurationMS})
	}
	return out, nil
}

// Retry puts a dead or logged message back in the queue, due now, with its
// tries counted afresh. A pending or sent message is a *profiles.ConflictError.
func (o *Outbox) Retry(ctx context.Context, id string) (Message, error) {
	now := o.timestamp()
	res, err := o.store.DB().NewUpdate().Model((*messageRow)(nil)).
		Set("state = ?", StatePending).Set("attempts = 0").Set("next_attempt_at = ?", now).
		Set("lease_owner = NULL").Set("lease_until = NULL").
		Where("id = ? AND state IN (?)", id, bun.List([]string{StateDead, StateLogged})).Exec(ctx)
	if err != nil {
		return Message{}, fmt.Errorf("retry message %s: %w", id, err)
	}
	m, err := o.MessageByID(ctx, id)
	if err != nil {
		return m, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return m, &profiles.ConflictError{Detail: fmt.Sprintf("message %s is %s: only a dead or logged message is retried", id, m.State)}
	}
	return m, nil
}

// claim takes up to n due messages for this worker (owner) until the lease
// ends. The conditions are repeated outside the subquery so that PostgreSQL,
// which re-reads a row another claim just updated, skips it instead of taking
// it twice; SQLite runs one writer at a time.
func (o *Outbox) claim(ctx context.Context, owner string, n int) ([]messageRow, error) {
	now := o.timestamp()
	until := now.Add(o.cfg.Lease)
	db := o.store.DB()
	_, err := db.NewRaw(`UPDATE outbox_messages SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM outbox_messages WHERE state = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
			ORDER BY next_attempt_at, id LIMIT ?)
		AND state = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)`,
		owner, until, StatePending, now, now, n, StatePending, now, now).Exec(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim messages: %w", err)
	}
	var rows []messageRow
	if err := db.NewSelect().Model(&rows).Where("om.lease_owner = ? AND om.state = ?", owner, StatePending).OrderExpr("om.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("read claimed messages: %w", err)
	}
	return rows, nil
}

// outcome is what one try of a message came to.
type outcome struct {
	row        messageRow
	err        error
	permanent  bool // no try can ever succeed
	logged     bool // written to the log, no mail server
	address    string
	statusCode int
	took       time.Duration
}

// mark records the outcomes of one claim: each row only if this worker still
// holds it.
func (o *Outbox) mark(ctx context.Context, owner string, outs []outcome) error {
	now := o.timestamp()
	return o.store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, oc := range outs {
			r := oc.row
			q := tx.NewUpdate().Model((*messageRow)(nil)).Set("lease_owner = NULL").Set("lease_until = NULL").
				Set("address = ?", oc.address).Where("id = ? AND lease_owner = ?", r.ID, owner)
			errText := ""
			switch {
			case oc.err == nil && oc.logged:
				q = q.Set("state = ?", StateLogged).Set("last_error = ''").Set("sent_at = ?", now)
			case oc.err == nil:
				q = q.Set("state = ?", StateSent).Set("last_error = ''").Set("sent_at = ?", now)
			default:
				errText = truncate(oc.err.Error(), 1000)
				q = q.Set("last_error = ?", errText)
				if oc.permanent || r.Attempts >= r.MaxAttempts {
					q = q.Set("state = ?", StateDead)
				} else {
					q = q.Set("next_attempt_at = ?", now.Add(o.cfg.Backoff(r.Attempts)))
				}
			}
			res, err := q.Exec(ctx)
			if err != nil {
				return fmt.Errorf("mark message %s: %w", r.ID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // the lease ran out and another worker took it
			}
			a := attemptRow{MessageID: r.ID, Attempt: r.Attempts, At: now, StatusCode: oc.statusCode, Error: errText, DurationMS: int(oc.took.Milliseconds())}
			if _, err := tx.NewInsert().Model(&a).On("CONFLICT (message_id, attempt) DO NOTHING").Exec(ctx); err != nil {
				return fmt.Errorf("log attempt of message %s: %w", r.ID, err)
			}
		}
		return nil
	})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
