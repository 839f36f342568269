package notify

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// The channels a message goes by.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
)

// The states of a message. A message waits "pending" (with its attempts and
// the time of its next try) until it is "sent", or "logged" when no mail
// server is configured (its text went to the log; it stays in the outbox), or
// "dead" after its last try failed, or at once when it can never be sent (no
// address, a recipient erased). The secretariat retries a dead or logged one.
const (
	StatePending = "pending"
	StateSent    = "sent"
	StateLogged  = "logged"
	StateDead    = "dead"
)

// States are the states of a message.
var States = []string{StatePending, StateSent, StateLogged, StateDead}

// The kinds of email.
const (
	// KindInvitation invites a member of a sent proposal, with accept and
	// decline links and why they were chosen.
	KindInvitation = "invitation"
	// KindReminder reminds an invitee who has not answered.
	KindReminder = "reminder"
	// KindReplacement invites the member who takes the seat of one who
	// declined.
	KindReplacement = "replacement"
	// KindAccepted tells the city that every invitee accepted, with their
	// contacts.
	KindAccepted = "accepted"
	// KindEngagement confirms an accepted engagement to each member, with an
	// iCalendar attachment of its period.
	KindEngagement = "engagement"
	// KindCancelled tells those who knew of a proposal that it is cancelled.
	KindCancelled = "cancelled"
	// KindCompleted asks the city and the members for the outcome and a
	// rating.
	KindCompleted = "completed"
	// KindRoundPublished tells the secretariat that a review round's panels
	// are ready to be checked and sent.
	KindRoundPublished = "round_published"
	// KindSignIn carries a sign-in link to the web application.
	KindSignIn = "sign_in"
	// KindConfirmEmail asks a volunteer to confirm their email address.
	KindConfirmEmail = "confirm_email"
)

// EmailKinds are the kinds of email, in the order docs/notifications.md shows
// them.
var EmailKinds = []string{KindInvitation, KindReminder, KindReplacement, KindAccepted, KindEngagement,
	KindCancelled, KindCompleted, KindRoundPublished, KindSignIn, KindConfirmEmail}

// The kinds of recipient.
const (
	RecipientExpert      = "expert"
	RecipientCity        = "city"
	RecipientAddress     = "address"
	RecipientSecretariat = "secretariat"
	RecipientWebhook     = "webhook"
)

// Message is one message of the outbox, as the secretariat reads it.
type Message struct {
	ID      string `json:"id"`
	Channel string `json:"channel"`
	Kind    string `json:"kind"`
	// RecipientKind and RecipientID say who hears it: an expert or a city
	// by ID, an email address, the secretariat, or a webhook subscription.
	RecipientKind string `json:"recipient_kind"`
	RecipientID   string `json:"recipient_id"`
	Lang          string `json:"lang,omitempty"`
	ProposalID    string `json:"proposal_id,omitempty"`
	RoundID       string `json:"round_id,omitempty"`
	MemberID      string `json:"member_id,omitempty"`
	State         string `json:"state"`
	Attempts      int    `json:"attempts"`
	MaxAttempts   int    `json:"max_attempts"`
	// NextAttemptAt is when a pending message is tried next.
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty"`
	Address       string     `json:"address,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// Attempt is one try of a message: its delivery log.
type Attempt struct {
	MessageID  string    `json:"message_id"`
	Attempt    int       `json:"attempt"`
	At         time.Time `json:"at"`
	StatusCode int       `json:"status_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	DurationMS int       `json:"duration_ms"`
}

// Config is what an Outbox is built from; zero values take the defaults.
type Config struct {
	Store  *profiles.Store
	Logger *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
	// Mailer sends email; nil writes each email to the log and keeps it in
	// the outbox as "logged", so that the demo works with no mail server.
	Mailer Mailer
	// From is the sender address ("matchmaker@localhost").
	From string
	// BaseURL is where the service is reached from the links of an email
	// ("http://localhost:8080").
	BaseURL string
	// SecretariatAddress receives the secretariat's messages (a published
	// review round); empty: none are written.
	SecretariatAddress string
	// LinkSecret signs the links; empty: a key kept in the database, made
	// by the first replica that needs it and shared by every other.
	LinkSecret string
	// LinkTTL is how long a signed link works after its email is sent (14
	// days).
	LinkTTL time.Duration
	// ReminderAfter is how long an invitee has to answer before a reminder
	// (7 days).
	ReminderAfter time.Duration
	// MaxAttempts is how many tries a message has before it is dead (8).
	MaxAttempts int
	// Backoff is the wait before try n+1 after n failed tries (30 s doubled
	// each time, at most 6 h).
	Backoff func(n int) time.Duration
	// Lease is how long a worker holds the messages it claimed before
	// another may take them (2 min): a worker killed between sending and
	// marking leaves them to be sent again, with the same ID.
	Lease time.Duration
	// Batch is how many messages one claim takes (50); Senders how many
	// connections to the mail server and webhook posts run at once (4).
	Batch, Senders int
	// Hooks configures the webhook client.
	Hooks HookConfig
}

// Outbox writes messages in the transactions of the changes that cause them
// and delivers them. It is safe for concurrent use.
type Outbox struct {
	cfg     Config
	store   *profiles.Store
	log     *slog.Logger
	now     func() time.Time
	cat     *locale.Catalogue
	hooks   *hookClient
	newID   func() string
	secretM sync.Mutex
	secret  []byte

	// crashAfterSend, in tests, stops a delivery between sending and
	// marking, as a worker killed there would.
	crashAfterSend func() bool
}

// New returns the outbox over cfg's store.
func New(cfg Config) (*Outbox, error) {
	if cfg.Store == nil {
		return nil, errors.New("notify: no store")
	}
	cat, err := locale.Load()
	if err != nil {
		return nil, err
	}
	o := &Outbox{cfg: cfg, store: cfg.Store, log: cfg.Logger, now: cfg.Now, cat: cat}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.now == nil {
		o.now = time.Now
	}
	c := &o.cfg
	if c.From == "" {
		c.From = "matchmaker@localhost"
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://localhost:8080"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.LinkTTL <= 0 {
		c.LinkTTL = 14 * 24 * time.Hour
	}
	if c.ReminderAfter <= 0 {
		c.ReminderAfter = 7 * 24 * time.Hour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff == nil {
		c.Backoff = DefaultBackoff
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.Senders <= 0 {
		c.Senders = 4
	}
	if cfg.LinkSecret != "" {
		o.secret = []byte(cfg.LinkSecret)
	}
	o.hooks = newHookClient(c.Hooks)
	var mu sync.Mutex
	mono := ulid.Monotonic(rand.Reader, 0)
	o.newID = func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.ToLower(ulid.MustNew(ulid.Timestamp(o.now()), mono).String())
	}
	return o, nil
}

// DefaultBackoff waits 30 s after the first failed try, doubling each time, at
// most 6 h.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Mailing reports whether a mail server is configured.
func (o *Outbox) Mailing() bool { return o.cfg.Mailer != nil }

// ReminderAfter is how long an invitee has before a reminder.
func (o *Outbox) ReminderAfter() time.Duration { return o.cfg.ReminderAfter }

// timestamp is the current time as both databases store it.
func (o *Outbox) timestamp() time.Time { return o.now().UTC().Truncate(time.Microsecond) }

// ValidationError and the other errors of notify are the profiles ones, so
// that every door maps them the same way.
func invalid(field, format string, args ...any) error {
	return &profiles.ValidationError{Fields: []profiles.FieldError{profiles.FieldErrorf(field, format, args...)}}
}

// withoutCancel is ctx for the bookkeeping that must end even when the
// caller's context does (marking what was sent), bounded.
func withoutCancel(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
}
