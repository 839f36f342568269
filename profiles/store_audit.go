package profiles

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Bounds of the texts of an audit entry, in characters: longer ones are cut
// rather than refused, so that an odd request is still recorded.
const (
	maxAuditPath = 2000
	maxAuditText = 200
)

type auditRow struct {
	bun.BaseModel `bun:"table:audit_log,alias:a"`

	ID         string    `bun:"id,pk"`
	At         time.Time `bun:"at"`
	KeyID      string    `bun:"key_id"`
	Role       string    `bun:"role"`
	Actor      string    `bun:"actor"`
	Method     string    `bun:"method"`
	Path       string    `bun:"path"`
	Resource   string    `bun:"resource"`
	ResourceID string    `bun:"resource_id"`
	Status     int       `bun:"status"`
	RequestID  string    `bun:"request_id"`
}

func (r *auditRow) entry() AuditEntry {
	return AuditEntry{
		ID: r.ID, At: r.At.UTC(), KeyID: r.KeyID, Role: r.Role, Actor: r.Actor, Method: r.Method, Path: r.Path,
		Resource: r.Resource, ResourceID: r.ResourceID, Status: r.Status, RequestID: r.RequestID,
	}
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// AppendAudit records e in the audit trail, with a new ID when e.ID is empty
// and the current time when e.At is zero. Method and Path are required (a
// *ValidationError otherwise); texts too long for the trail are cut. On a store
// from InTx the entry joins the transaction, so that a write and its record
// commit together. The trail is append-only: the database itself refuses any
// UPDATE or DELETE of it.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) error {
	return s.appendAudit(ctx, s.idb(), e)
}

func (s *Store) appendAudit(ctx context.Context, db bun.IDB, e AuditEntry) error {
	ve := &ValidationError{}
	e.Method = strings.ToUpper(required(ve, "method", clip(e.Method, 16)))
	e.Path = required(ve, "path", clip(e.Path, maxAuditPath))
	e.ID = idField(ve, "id", e.ID)
	if err := ve.err(); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	if e.ID == "" {
		e.ID = s.newID()
	}
	if e.At.IsZero() {
		e.At = s.timestamp()
	}
	if _, err := s.exec(ctx, db, `INSERT INTO audit_log (id, at, key_id, role, actor, method, path, resource, resource_id, status, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.At.UTC().Truncate(time.Microsecond), clip(e.KeyID, maxIDLen), clip(e.Role, maxAuditText), clip(e.Actor, maxAuditText),
		e.Method, e.Path, clip(e.Resource, maxAuditText), clip(e.ResourceID, maxAuditText), e.Status, clip(e.RequestID, maxAuditText)); err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

func (f AuditFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.KeyID != "" {
		q = q.Where("a.key_id = ?", f.KeyID)
	}
	if f.Resource != "" {
		q = q.Where("a.resource = ?", f.Resource)
	}
	if f.ResourceID != "" {
		q = q.Where("a.resource_id = ?", f.ResourceID)
	}
	if f.Method != "" {
		q = q.Where("a.method = ?", strings.ToUpper(f.Method))
	}
	if !f.Since.IsZero() {
		q = q.Where("a.at >= ?", f.Since.UTC().Truncate(time.Microsecond))
	}
	if !f.Until.IsZero() {
		q = q.Where("a.at < ?", f.Until.UTC().Truncate(time.Microsecond))
	}
	return q
}

// FindAudit returns one page of the audit entries that f selects, in ID order,
// which is the order they were recorded in (IDs are ULIDs). Since is inclusive
// and Until exclusive: [Since, Until).
func (s *Store) FindAudit(ctx context.Context, f AuditFilter) (ListResult[AuditEntry], error) {
	total, err := f.apply(s.idb().NewSelect().Model((*auditRow)(nil))).Count(ctx)
	if err != nil {
		return ListResult[AuditEntry]{}, fmt.Errorf("count audit entries: %w", err)
	}
	var rows []auditRow
	if err := paginate(f.apply(s.idb().NewSelect().Model(&rows)), nil, "a", f.Page).Scan(ctx); err != nil {
		return ListResult[AuditEntry]{}, fmt.Errorf("find audit entries: %w", err)
	}
	items := make([]AuditEntry, len(rows))
	for i := range rows {
		items[i] = rows[i].entry()
	}
	return pageOf(items, total, f.Page, func(e AuditEntry) string { return e.ID }), nil
}

// auditOfKeys returns every entry recorded with one of keyIDs, in ID order.
func auditOfKeys(ctx context.Context, db bun.IDB, keyIDs []string) ([]AuditEntry, error) {
	out := []AuditEntry{}
	for _, c := range chunks(keyIDs, idChunk) {
		var rows []auditRow
		if err := db.NewSelect().Model(&rows).Where("a.key_id IN (?)", bun.List(c)).Order("a.id").Scan(ctx); err != nil {
			return nil, fmt.Errorf("read audit entries: %w", err)
		}
		for i := range rows {
			out = append(out, rows[i].entry())
		}
	}
	if len(keyIDs) > idChunk {
		slices.SortFunc(out, func(a, b AuditEntry) int { return strings.Compare(a.ID, b.ID) })
	}
	return out, nil
}

// PendingAudit is the audit entry of a write request in flight. A door puts it in
// the request's context (WithAudit); the store's write transaction records it
// with the write, so that a write and its record commit together or not at all.
// A request that commits nothing (refused, failed, or a write outside a
// transaction) leaves it unrecorded: the door then appends it after the fact,
// with the status it answered. Safe for concurrent use.
type PendingAudit struct {
	mu       sync.Mutex
	entry    AuditEntry
	nested   bool
	recorded bool
}

// NewPendingAudit returns the pending entry e. Its Status is the one recorded
// with a committed write: the status the route answers on success. nested
// marks a route under a row (POST /v1/challenges/{id}/panels) whose creation
// names the row it creates instead.
func NewPendingAudit(e AuditEntry, nested bool) *PendingAudit {
	return &PendingAudit{entry: e, nested: nested}
}

// SetActor names who is calling, once the request's key is known.
func (p *PendingAudit) SetActor(keyID, role, actor string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entry.KeyID, p.entry.Role, p.entry.Actor = keyID, role, actor
}

// Entry returns the entry as it stands.
func (p *PendingAudit) Entry() AuditEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.entry
}

// Recorded reports whether a committed write recorded the entry.
func (p *PendingAudit) Recorded() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.recorded
}

type auditKey struct{}

// WithAudit returns ctx carrying the pending audit entry of its request.
func WithAudit(ctx context.Context, p *PendingAudit) context.Context {
	return context.WithValue(ctx, auditKey{}, p)
}

// AuditOf returns the pending audit entry ctx carries, or nil.
func AuditOf(ctx context.Context) *PendingAudit { return auditOf(ctx) }

func auditOf(ctx context.Context) *PendingAudit {
	p, _ := ctx.Value(auditKey{}).(*PendingAudit)
	return p
}

// created names the row a request creates in its pending audit entry.
func created(ctx context.Context, resource, id string) {
	p := auditOf(ctx)
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.entry.ResourceID == "" || p.nested {
		p.entry.Resource, p.entry.ResourceID = resource, id
	}
}

// recordAudit appends the request's pending entry, if any and not yet recorded,
// inside the transaction tx of its write; commitAudit marks it recorded once that
// transaction has committed.
func (s *Store) recordAudit(ctx context.Context, tx bun.IDB) error {
	p := auditOf(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	if p.recorded {
		p.mu.Unlock()
		return nil
	}
	if p.entry.ID == "" {
		p.entry.ID = s.newID()
	}
	e := p.entry
	p.mu.Unlock()
	return s.appendAudit(ctx, tx, e)
}

func commitAudit(ctx context.Context) {
	if p := auditOf(ctx); p != nil {
		p.mu.Lock()
		p.recorded = true
		p.mu.Unlock()
	}
}
