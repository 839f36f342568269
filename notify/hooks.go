package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/profiles"
)

// The webhook event types.
const (
	EventProposalCreated   = "proposal.created"
	EventProposalInvited   = "proposal.invited"
	EventMemberAccepted    = "proposal.member_accepted"
	EventMemberDeclined    = "proposal.member_declined"
	EventMemberReplaced    = "proposal.member_replaced"
	EventProposalAccepted  = "proposal.accepted"
	EventProposalDeclined  = "proposal.declined"
	EventProposalActive    = "proposal.active"
	EventProposalCompleted = "proposal.completed"
	EventProposalCancelled = "proposal.cancelled"
	EventRoundPublished    = "round.published"
	// EventPing is the test delivery of POST /v1/webhooks/{id}/ping; every
	// subscription receives it.
	EventPing = "webhook.ping"
)

// Events are the event types a subscription may ask for.
var Events = []string{EventProposalCreated, EventProposalInvited, EventMemberAccepted, EventMemberDeclined, EventMemberReplaced,
	EventProposalAccepted, EventProposalDeclined, EventProposalActive, EventProposalCompleted, EventProposalCancelled, EventRoundPublished}

// statusEvents are the events of a proposal's moves.
var statusEvents = map[string]string{
	profiles.ProposalInvited:   EventProposalInvited,
	profiles.ProposalAccepted:  EventProposalAccepted,
	profiles.ProposalDeclined:  EventProposalDeclined,
	profiles.ProposalActive:    EventProposalActive,
	profiles.ProposalCompleted: EventProposalCompleted,
	profiles.ProposalCancelled: EventProposalCancelled,
}

// event is one webhook event before it is queued.
type event struct {
	Type string
	Data map[string]any
}

// proposalEventData is what every proposal event says of the proposal: no
// contact details, no explanations; an integration reads the rest with its key.
func proposalEventData(p profiles.Proposal) map[string]any {
	members := make([]map[string]any, 0, len(p.Members))
	for _, m := range p.Members {
		e := map[string]any{"status": m.Status}
		if m.ExpertID != "" {
			e["expert_id"] = m.ExpertID
		}
		if m.PartnerCityID != "" {
			e["partner_city_id"] = m.PartnerCityID
		}
		members = append(members, e)
	}
	d := map[string]any{"proposal_id": p.ID, "kind": p.Kind, "challenge_id": p.ChallengeID, "city_id": p.CityID,
		"status": p.Status, "version": p.Version, "members": members}
	if p.RoundID != nil {
		d["round_id"] = *p.RoundID
	}
	return d
}

func withMember(d map[string]any, member, replaced string) map[string]any {
	out := make(map[string]any, len(d)+2)
	for k, v := range d {
		out[k] = v
	}
	out["member_id"] = member
	if replaced != "" {
		out["replaced_member_id"] = replaced
	}
	return out
}

// payload is a webhook delivery's body, per the Standard Webhooks convention.
type payload struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// queueEvents writes one delivery per subscription to each event's type. The
// body is fixed now, so that every retry sends the same bytes.
func (o *Outbox) queueEvents(ctx context.Context, db bun.IDB, events []event) error {
	if len(events) == 0 {
		return nil
	}
	types := make([]string, 0, len(events))
	for _, e := range events {
		types = append(types, e.Type)
	}
	var subs []struct {
		WebhookID string `bun:"webhook_id"`
		Event     string `bun:"event"`
	}
	if err := db.NewSelect().Table("webhook_events").Column("webhook_id", "event").
		Where("event IN (?)", bun.List(types)).OrderExpr("webhook_id").Scan(ctx, &subs); err != nil {
		return fmt.Errorf("webhook subscriptions: %w", err)
	}
	if len(subs) == 0 {
		return nil
	}
	now := o.timestamp()
	var items []item
	for _, e := range events {
		for _, s := range subs {
			if s.Event != e.Type {
				continue
			}
			items = append(items, item{channel: ChannelWebhook, kind: e.Type, recipKind: RecipientWebhook, recipID: s.WebhookID,
				proposal: str(e.Data["proposal_id"]), round: str(e.Data["round_id"]),
				data: payload{Type: e.Type, Timestamp: now, Data: e.Data}})
		}
	}
	_, err := o.insert(ctx, db, items)
	return err
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// Webhook is a subscription of an integration to event types.
type Webhook struct {
	ID          string   `json:"id"`
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
	// CreatedBy is the ID of the API key that made it: an integration key
	// reaches only its own subscriptions.
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Secret signs the deliveries ("whsec_" and base64): shown once, when
	// the subscription is made.
	Secret string `json:"secret,omitempty"`
}

// WebhookInput is a new subscription.
type WebhookInput struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
}

type webhookRow struct {
	bun.BaseModel `bun:"table:webhooks,alias:wh"`
	ID            string    `bun:"id,pk"`
	URL           string    `bun:"url"`
	Secret        string    `bun:"secret"`
	Description   string    `bun:"description"`
	CreatedBy     string    `bun:"created_by"`
	CreatedAt     time.Time `bun:"created_at"`
}

type webhookEventRow struct {
	bun.BaseModel `bun:"table:webhook_events"`
	WebhookID     string `bun:"webhook_id,pk"`
	Event         string `bun:"event,pk"`
}

// CreateWebhook subscribes in.URL to in.Events; createdBy is the key that
// asks. Every bad field is named in one *profiles.ValidationError. The answer
// carries the signing secret, the only time it is shown.
func (o *Outbox) CreateWebhook(ctx context.Context, in WebhookInput, createdBy string) (Webhook, error) {
	var fe []profiles.FieldError
	if bad, ok := o.hooks.checkURL(in.URL); !ok {
		fe = append(fe, bad)
	}
	seen := map[string]bool{}
	if len(in.Events) == 0 {
		fe = append(fe, profiles.FieldErrorf("events", "name at least one event type: %s", strings.Join(Events, ", ")))
	}
	for i, e := range in.Events {
		switch {
		case !slices.Contains(Events, e):
			fe = append(fe, profiles.FieldErrorf(fmt.Sprintf("events[%d]", i), "unknown event type %q: one of %s", e, strings.Join(Events, ", ")))
		case seen[e]:
			fe = append(fe, profiles.FieldErrorf(fmt.Sprintf("events[%d]", i), "%q is named twice", e))
		}
		seen[e] = true
	}
	if len([]rune(in.Description)) > 500 {
		fe = append(fe, profiles.FieldErrorf("description", "at most 500 characters"))
	}
	if len(fe) > 0 {
		return Webhook{}, &profiles.ValidationError{Fields: fe}
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return Webhook{}, err
	}
	row := webhookRow{ID: o.newID(), URL: in.URL, Secret: "whsec_" + base64.StdEncoding.EncodeToString(raw), Description: in.Description,
		CreatedBy: createdBy, CreatedAt: o.timestamp()}
	err := o.store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return err
		}
		evs := make([]webhookEventRow, 0, len(in.Events))
		for _, e := range in.Events {
			evs = append(evs, webhookEventRow{WebhookID: row.ID, Event: e})
		}
		_, err := tx.NewInsert().Model(&evs).Exec(ctx)
		return err
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	w := Webhook{ID: row.ID, URL: row.URL, Events: slices.Sorted(slices.Values(in.Events)), Description: row.Description,
		CreatedBy: createdBy, CreatedAt: row.CreatedAt.UTC(), Secret: row.Secret}
	return w, nil
}

// Webhooks lists one page of the subscriptions, without their secrets: those
// createdBy made, or every one when createdBy is "".
func (o *Outbox) Webhooks(ctx context.Context, createdBy string, p profiles.Page) (profiles.ListResult[Webhook], error) {
	db := o.store.DB()
	by := func(q *bun.SelectQuery) *bun.SelectQuery {
		if createdBy != "" {
			q = q.Where("wh.created_by = ?", createdBy)
		}
		return q
	}
	total, err := by(db.NewSelect().Model((*webhookRow)(nil))).Count(ctx)
	if err != nil {
		return profiles.ListResult[Webhook]{}, fmt.Errorf("count webhooks: %w", err)
	}
	limit := p.Limit
	if limit <= 0 {
		limit = profiles.DefaultLimit
	}
	limit = min(limit, profiles.MaxLimit)
	var rows []webhookRow
	q := by(db.NewSelect().Model(&rows))
	if p.After != "" {
		q = q.Where("wh.id > ?", p.After)
	}
	if err := q.OrderExpr("wh.id").Limit(limit + 1).Scan(ctx); err != nil {
		return profiles.ListResult[Webhook]{}, fmt.Errorf("find webhooks: %w", err)
	}
	res := profiles.ListResult[Webhook]{Total: total, Items: []Webhook{}}
	if len(rows) > limit {
		rows = rows[:limit]
		res.Next = rows[limit-1].ID
	}
	for _, r := range rows {
		w, err := o.webhookOf(ctx, db, r)
		if err != nil {
			return res, err
		}
		res.Items = append(res.Items, w)
	}
	return res, nil
}

func (o *Outbox) webhookOf(ctx context.Context, db bun.IDB, r webhookRow) (Webhook, error) {
	var evs []string
	if err := db.NewSelect().Table("webhook_events").Column("event").Where("webhook_id = ?", r.ID).OrderExpr("event").Scan(ctx, &evs); err != nil {
		return Webhook{}, fmt.Errorf("webhook %s events: %w", r.ID, err)
	}
	return Webhook{ID: r.ID, URL: r.URL, Events: evs, Description: r.Description, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}, nil
}

// webhookRow reads the subscription with id. An owner other than "" reaches
// only the subscriptions it created: another's is not found, as if it did not
// exist, so that an integration cannot learn which IDs others hold.
func (o *Outbox) webhookRow(ctx context.Context, db bun.IDB, id, owner string) (webhookRow, error) {
	var r webhookRow
	q := db.NewSelect().Model(&r).Where("wh.id = ?", id)
	if owner != "" {
		q = q.Where("wh.created_by = ?", owner)
	}
	err := q.Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("webhook %s: %w", id, profiles.ErrNotFound)
	}
	return r, err
}

// WebhookByID returns the subscription with id, without its secret. An owner
// other than "" (an integration key's ID) finds only its own subscriptions;
// the staff pass "".
func (o *Outbox) WebhookByID(ctx context.Context, id, owner string) (Webhook, error) {
	r, err := o.webhookRow(ctx, o.store.DB(), id, owner)
	if err != nil {
		return Webhook{}, err
	}
	return o.webhookOf(ctx, o.store.DB(), r)
}

// DeleteWebhook ends the subscription with id; its pending deliveries die
// with it (they stay in the outbox as dead, for the record). An owner other
// than "" may end only a subscription it created.
func (o *Outbox) DeleteWebhook(ctx context.Context, id, owner string) (Webhook, error) {
	var w Webhook
	err := o.store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, err := o.webhookRow(ctx, tx, id, owner)
		if err != nil {
			return err
		}
		if w, err = o.webhookOf(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Model((*webhookRow)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*messageRow)(nil)).Set("state = ?", StateDead).Set("last_error = ?", "the subscription was deleted").
			Where("channel = ? AND recipient_id = ? AND state = ?", ChannelWebhook, id, StatePending).Exec(ctx)
		return err
	})
	if err != nil {
		return Webhook{}, fmt.Errorf("delete webhook %s: %w", id, err)
	}
	return w, nil
}

// PingWebhook queues a webhook.ping delivery to the subscription with id and
// returns the message. An owner other than "" may ping only a subscription it
// created.
func (o *Outbox) PingWebhook(ctx context.Context, id, owner string) (Message, error) {
	var msgID string
	err := o.store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := o.webhookRow(ctx, tx, id, owner); err != nil {
			return err
		}
		ids, err := o.insert(ctx, tx, []item{{channel: ChannelWebhook, kind: EventPing, recipKind: RecipientWebhook, recipID: id,
			data: payload{Type: EventPing, Timestamp: o.timestamp(), Data: map[string]any{"webhook_id": id}}}})
		if err != nil {
			return err
		}
		msgID = ids[0]
		return nil
	})
	if err != nil {
		return Message{}, err
	}
	return o.MessageByID(ctx, msgID)
}

// SignWebhook signs a delivery per the Standard Webhooks convention: the
// base64 HMAC-SHA256, keyed by the secret's bytes (after "whsec_"), of
// "id.timestamp.body", prefixed with the version "v1,".
func SignWebhook(secret, id string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.", id, ts)
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}

// HookConfig configures the webhook client.
type HookConfig struct {
	// AllowPrivate lets deliveries reach private, loopback and link-local
	// addresses (tests, a network's own intranet); off by default, so that
	// a subscription cannot make the service probe its own network.
	AllowPrivate bool
	// Timeout bounds one delivery (10 s).
	Timeout time.Duration
}

// hookClient posts deliveries.
type hookClient struct {
	cfg    HookConfig
	client *http.Client
}

// forbiddenAddress says why the guard refuses an address.
const forbiddenAddress = "the address is private, loopback or link-local: refused"

// errForbiddenAddress is a delivery to an address the guard refuses.
var errForbiddenAddress = errors.New(forbiddenAddress)

func newHookClient(cfg HookConfig) *hookClient {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	h := &hookClient{cfg: cfg}
	dialer := &net.Dialer{Timeout: cfg.Timeout, Control: h.control}
	tr := &http.Transport{
		// No proxy from the environment: the guard must see the address
		// actually dialled.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
	}
	h.client = &http.Client{Transport: tr, Timeout: cfg.Timeout,
		// No redirects, to private addresses or any: a 3xx is an answer,
		// and not a success.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

// control runs on the address actually dialled, after name resolution, so
// that a name that resolves to a private address (DNS rebinding) is refused
// too.
func (h *hookClient) control(_, address string, _ syscall.RawConn) error {
	if h.cfg.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", errForbiddenAddress, address)
	}
	if forbidden(ap.Addr()) {
		return fmt.Errorf("%w: %s", errForbiddenAddress, ap.Addr())
	}
	return nil
}

func forbidden(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsUnspecified() ||
		a.IsMulticast() || a.IsInterfaceLocalMulticast() || cgnat.Contains(a)
}

// cgnat is the shared address space of carrier-grade NAT (RFC 6598), private
// in all but name.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// checkURL refuses, when a subscription is made, what can never be delivered:
// another scheme, credentials, a literal address the guard refuses. It
// returns the field error of url and false when it refuses raw.
func (h *hookClient) checkURL(raw string) (profiles.FieldError, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return profiles.FieldErrorf("url", "must be an absolute http or https URL"), false
	}
	if len(raw) > 2048 {
		return profiles.FieldErrorf("url", "at most 2048 characters"), false
	}
	if u.User != nil {
		return profiles.FieldErrorf("url", "must not carry credentials: the signature authenticates the service"), false
	}
	if u.Fragment != "" {
		return profiles.FieldErrorf("url", "must not have a fragment"), false
	}
	host := u.Hostname()
	if a, err := netip.ParseAddr(host); err == nil && !h.cfg.AllowPrivate && forbidden(a) {
		return profiles.FieldErrorf("url", forbiddenAddress), false
	}
	if !h.cfg.AllowPrivate && (strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")) {
		return profiles.FieldErrorf("url", forbiddenAddress), false
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return profiles.FieldErrorf("url", "has a bad port"), false
		}
	}
	return profiles.FieldError{}, true
}

// post delivers one webhook message, signed.
func (h *hookClient) post(ctx context.Context, w webhookRow, r messageRow) (int, error) {
	body := []byte(r.Data)
	ts := time.Now().Unix()
	sig, err := SignWebhook(w.Secret, r.ID, ts, body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "matchmaker-webhooks/1")
	req.Header.Set("webhook-id", r.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io64k(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// io64k drains a little of the answer so that the connection can be reused.
func io64k(resp *http.Response) (int64, error) {
	buf := make([]byte, 64<<10)
	n, err := resp.Body.Read(buf)
	return int64(n), err
}
