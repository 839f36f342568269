package profiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// MaxIdempotencyKeyLen bounds an Idempotency-Key and its scope, in characters.
const MaxIdempotencyKeyLen = 255

type idempotencyRow struct {
	bun.BaseModel `bun:"table:idempotency_keys,alias:ik"`

	Scope       string     `bun:"scope,pk"`
	Key         string     `bun:"idem_key,pk"`
	Method      string     `bun:"method"`
	Path        string     `bun:"path"`
	BodyHash    string     `bun:"body_hash"`
	Status      int        `bun:"status"`
	Header      *string    `bun:"header"`
	Body        []byte     `bun:"body"`
	CreatedAt   time.Time  `bun:"created_at"`
	CompletedAt *time.Time `bun:"completed_at"`
}

// idempotencyResult is what a write made under a reservation recorded in its
// own transaction.
type idempotencyResult struct {
	bun.BaseModel `bun:"table:idempotency_results,alias:ir"`

	Scope       string    `bun:"scope,pk"`
	Key         string    `bun:"idem_key,pk"`
	CommittedAt time.Time `bun:"committed_at"`
	ResultKind  string    `bun:"result_kind"`
	ResultID    string    `bun:"result_id"`
}

// uncommitted is the condition that no write committed under a reservation.
const uncommitted = "NOT EXISTS (SELECT 1 FROM idempotency_results AS ir WHERE ir.scope = ik.scope AND ir.idem_key = ik.idem_key)"

func (r *idempotencyRow) response() (*StoredResponse, error) {
	out := &StoredResponse{
		Scope: r.Scope, Key: r.Key, Method: r.Method, Path: r.Path, BodyHash: r.BodyHash, Status: r.Status,
		Body: r.Body, CreatedAt: r.CreatedAt.UTC(),
	}
	if len(out.Body) == 0 {
		out.Body = nil
	}
	if r.Header != nil {
		if err := json.Unmarshal([]byte(*r.Header), &out.Header); err != nil {
			return nil, fmt.Errorf("decode stored header of %s: %w", r.Key, err)
		}
	}
	return out, nil
}

// checkIdempotencyKey validates the scope and key that name a stored response.
func checkIdempotencyKey(scope, key string) error {
	e := &ValidationError{}
	for _, f := range []struct{ name, value string }{{"scope", scope}, {"key", key}} {
		switch n := utf8.RuneCountInString(f.value); {
		case strings.TrimSpace(f.value) == "":
			e.add(f.name, "is required")
		case n > MaxIdempotencyKeyLen:
			e.add(f.name, "must be at most %d characters, got %d", MaxIdempotencyKeyLen, n)
		}
	}
	return e.err()
}

// ReserveIdempotency records that the POST r (Scope, Key, Method, Path and
// BodyHash) is being served. When no response is stored under its scope and key
// it stores r with Status 0 and returns (nil, nil): the caller serves the
// request, then completes or releases the reservation. Otherwise it returns the
// stored one, for the caller to compare (method, path, body hash), to replay
// (Status > 0) or to refuse as still in progress (Status 0). Of concurrent
// reservations of one scope and key exactly one gets (nil, nil): the insert
// does nothing on a conflict with the primary key, and the loser reads the
// winner's row.
//
// A reservation older than expiry whose write never committed was left by a
// request that died (a crash, a kill): it is taken over, so that a retry is
// served instead of refused until the key is purged. expiry must be longer
// than any request may run (the request deadline); zero never expires.
func (s *Store) ReserveIdempotency(ctx context.Context, r StoredResponse, expiry time.Duration) (*StoredResponse, error) {
	if err := checkIdempotencyKey(r.Scope, r.Key); err != nil {
		return nil, fmt.Errorf("reserve idempotency key: %w", err)
	}
	db := s.idb()
	// A reservation released between our insert and our read leaves no row:
	// then the key is free again, and we try to take it.
	for attempt := 0; attempt < 3; attempt++ {
		res, err := s.exec(ctx, db, `INSERT INTO idempotency_keys (scope, idem_key, method, path, body_hash, status, created_at)
			VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT (scope, idem_key) DO NOTHING`,
			r.Scope, r.Key, clip(r.Method, 16), clip(r.Path, maxAuditPath), r.BodyHash, s.timestamp())
		if err != nil {
			return nil, fmt.Errorf("reserve idempotency key %s: %w", r.Key, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, fmt.Errorf("reserve idempotency key %s: %w", r.Key, err)
		}
		if n == 1 {
			return nil, nil
		}
		if expiry > 0 {
			now := s.timestamp()
			res, err := db.NewUpdate().Model((*idempotencyRow)(nil)).
				Set("method = ?", clip(r.Method, 16)).Set("path = ?", clip(r.Path, maxAuditPath)).Set("body_hash = ?", r.BodyHash).
				Set("created_at = ?", now).
				Where("scope = ? AND idem_key = ? AND status = 0 AND created_at < ?", r.Scope, r.Key, now.Add(-expiry)).Where(uncommitted).
				Exec(ctx)
			if err != nil {
				return nil, fmt.Errorf("take over idempotency key %s: %w", r.Key, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return nil, fmt.Errorf("take over idempotency key %s: %w", r.Key, err)
			} else if n == 1 {
				return nil, nil
			}
		}
		var row idempotencyRow
		err = db.NewSelect().Model(&row).Where("ik.scope = ? AND ik.idem_key = ?", r.Scope, r.Key).Scan(ctx)
		switch {
		case err == nil:
			out, err := row.response()
			if err != nil || out.Status != 0 {
				return out, err
			}
			var res idempotencyResult
			err = db.NewSelect().Model(&res).Where("ir.scope = ? AND ir.idem_key = ?", r.Scope, r.Key).Scan(ctx)
			switch {
			case err == nil:
				at := res.CommittedAt.UTC()
				out.CommittedAt, out.ResultKind, out.ResultID = &at, res.ResultKind, res.ResultID
			case !errors.Is(err, sql.ErrNoRows):
				return nil, fmt.Errorf("read idempotent write %s: %w", r.Key, err)
			}
			return out, nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("read idempotency key %s: %w", r.Key, err)
		}
	}
	return nil, Conflictf("the Idempotency-Key kept being taken and released by other requests; try again")
}

// CompleteIdempotency stores the response to the reserved request of scope and
// key, to be replayed to its retries. ErrNotFound when nothing is reserved under
// them; a *ConflictError when a response is stored already.
func (s *Store) CompleteIdempotency(ctx context.Context, scope, key string, status int, header map[string]string, body []byte) error {
	if err := checkIdempotencyKey(scope, key); err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	if status < 100 || status > 599 {
		return fmt.Errorf("complete idempotency key: %w", &ValidationError{Fields: []FieldError{FieldErrorf("status", "must be an HTTP status, got %d", status)}})
	}
	var headerText *string
	if len(header) > 0 {
		b, err := json.Marshal(header)
		if err != nil {
			return fmt.Errorf("encode header: %w", err)
		}
		headerText = jsonText(b)
	}
	if len(body) == 0 {
		body = nil
	}
	res, err := s.exec(ctx, s.idb(), "UPDATE idempotency_keys SET status = ?, header = ?, body = ?, completed_at = ? WHERE scope = ? AND idem_key = ? AND status = 0",
		status, headerText, body, s.timestamp(), scope, key)
	if err != nil {
		return fmt.Errorf("complete idempotency key %s: %w", key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("complete idempotency key %s: %w", key, err)
	} else if n == 1 {
		return nil
	}
	n, err := s.idb().NewSelect().Model((*idempotencyRow)(nil)).Where("ik.scope = ? AND ik.idem_key = ?", scope, key).Count(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("complete idempotency key %s: %w", key, err)
	case n == 0:
		return fmt.Errorf("complete idempotency key %s: %w", key, ErrNotFound)
	}
	return Conflictf("a response is stored already for Idempotency-Key %q", key)
}

// ReleaseIdempotency drops the reservation of scope and key, as when the first
// request failed: a retry may then run again. A response already stored is
// kept, and so is a reservation under which a write committed (a retry must not
// write again); releasing what is not reserved does nothing, so that a deferred
// release is always safe.
func (s *Store) ReleaseIdempotency(ctx context.Context, scope, key string) error {
	if _, err := s.idb().NewDelete().Model((*idempotencyRow)(nil)).
		Where("scope = ? AND idem_key = ? AND status = 0", scope, key).Where(uncommitted).Exec(ctx); err != nil {
		return fmt.Errorf("release idempotency key %s: %w", key, err)
	}
	return nil
}

// PurgeIdempotency deletes the stored responses and reservations made before
// before, and returns how many. A reservation left behind by a crashed process
// is purged too, which frees its key.
func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int, error) {
	res, err := s.idb().NewDelete().Model((*idempotencyRow)(nil)).
		Where("created_at < ?", before.UTC().Truncate(time.Microsecond)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return int(n), nil
}

// idempotentWrite is the Idempotency-Key a request's writes are made under,
// carried in its context, and what the first of them wrote.
type idempotentWrite struct {
	scope, key string
	kind, id   string
}

type idempotentWriteKey struct{}

// WithIdempotencyKey returns a context whose writes record, in their own
// transaction, that they committed under the reservation of scope and key and
// what they wrote: a retry after a crash between the commit and the stored
// answer is then sent to the result (see ReserveIdempotency).
func WithIdempotencyKey(ctx context.Context, scope, key string) context.Context {
	return context.WithValue(ctx, idempotentWriteKey{}, &idempotentWrite{scope: scope, key: key})
}

// wrote notes what the request of ctx wrote: the first call wins, as the
// first write of a request is what it is about.
func wrote(ctx context.Context, kind, id string) {
	if w, ok := ctx.Value(idempotentWriteKey{}).(*idempotentWrite); ok && w.kind == "" {
		w.kind, w.id = kind, id
	}
}

// markCommitted records in tx that the write of ctx commits with tx.
func (s *Store) markCommitted(ctx context.Context, tx bun.IDB) error {
	w, ok := ctx.Value(idempotentWriteKey{}).(*idempotentWrite)
	if !ok {
		return nil
	}
	// The first write of the request to commit is the one recorded; a
	// reservation already answered records nothing.
	if _, err := s.exec(ctx, tx, `INSERT INTO idempotency_results (scope, idem_key, committed_at, result_kind, result_id)
		SELECT scope, idem_key, ?, ?, ? FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status = 0
		ON CONFLICT (scope, idem_key) DO NOTHING`, s.timestamp(), w.kind, w.id, w.scope, w.key); err != nil {
		return fmt.Errorf("record the idempotent write: %w", err)
	}
	return nil
}
