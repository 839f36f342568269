package volunteers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"matchmaker/people"
	"matchmaker/profiles"
)

// ConfirmPath is the path of the pages that confirms an application; the
// emailed link is BaseURL + ConfirmPath + "/" + the secret.
const ConfirmPath = "/volunteer/confirm"

// ErrForbidden refuses a decision to anyone but the secretariat or an admin.
var ErrForbidden = errors.New("forbidden")

// Confirmation is the link that confirms an application, to send to the
// address that applied.
type Confirmation struct {
	Application profiles.Application
	Link        string
	ExpiresAt   time.Time
}

// Sender delivers confirmation links: by email once the outbox is wired, to
// the log until then.
type Sender interface {
	SendApplicationLink(ctx context.Context, m Confirmation) error
}

// LogSender writes confirmation links to the log, for a service without a
// mail server (and the demo).
type LogSender struct{ Log *slog.Logger }

// SendApplicationLink logs the link.
func (s LogSender) SendApplicationLink(ctx context.Context, m Confirmation) error {
	s.Log.LogAttrs(ctx, slog.LevelInfo, "application confirmation link", slog.String("email", m.Application.Email),
		slog.String("link", m.Link), slog.Time("expires_at", m.ExpiresAt))
	return nil
}

// Config is what Volunteers needs.
type Config struct {
	Store *profiles.Store
	// People sends an approved volunteer their first sign-in link; nil:
	// none is sent (they ask for one on the sign-in page).
	People *people.People
	// Sender delivers confirmation links; nil: a LogSender on Logger.
	Sender Sender
	Logger *slog.Logger
	// BaseURL is where people open the pages; links are made under it.
	BaseURL string
}

// Volunteers takes applications and their decisions.
type Volunteers struct {
	store  *profiles.Store
	people *people.People
	sender Sender
	log    *slog.Logger
	base   string
}

// New returns Volunteers over cfg.Store.
func New(cfg Config) (*Volunteers, error) {
	if cfg.Store == nil {
		return nil, errors.New("volunteers: no store")
	}
	v := &Volunteers{store: cfg.Store, people: cfg.People, sender: cfg.Sender, log: cfg.Logger, base: strings.TrimRight(cfg.BaseURL, "/")}
	if v.log == nil {
		v.log = slog.Default()
	}
	if v.sender == nil {
		v.sender = LogSender{Log: v.log}
	}
	return v, nil
}

// SetBaseURL sets where links point when the configuration did not say.
func (v *Volunteers) SetBaseURL(base string) {
	if v.base == "" {
		v.base = strings.TrimRight(base, "/")
	}
}

// Apply stores an application, unconfirmed, and sends its confirmation link
// to the address that applied. Every bad field is in one
// *profiles.ValidationError.
func (v *Volunteers) Apply(ctx context.Context, in profiles.ApplicationInput) (profiles.Application, error) {
	a, secret, err := v.store.CreateApplication(ctx, in)
	if err != nil {
		return profiles.Application{}, err
	}
	link := v.base + ConfirmPath + "/" + secret
	if err := v.sender.SendApplicationLink(ctx, Confirmation{Application: a, Link: link, ExpiresAt: a.ExpiresAt}); err != nil {
		return a, fmt.Errorf("send confirmation of application %s: %w", a.ID, err)
	}
	v.log.InfoContext(ctx, "application received", "application_id", a.ID)
	return a, nil
}

// Confirm follows a confirmation link, once; the application then waits for
// the secretariat. An unknown, used or expired link is profiles.ErrNotFound.
func (v *Volunteers) Confirm(ctx context.Context, secret string) (profiles.Application, error) {
	return v.store.ConfirmApplication(ctx, secret)
}

// Pending lists the confirmed applications waiting for a decision, oldest
// first.
func (v *Volunteers) Pending(ctx context.Context) ([]profiles.Application, error) {
	return v.store.FindApplications(ctx, profiles.ApplicationPending, profiles.MaxLimit)
}

// Decide approves or declines a pending application on behalf of by (the
// secretariat or an admin; actor names them for the record). An approved
// volunteer is an expert from then on, and is sent a sign-in link.
func (v *Volunteers) Decide(ctx context.Context, by *profiles.Principal, actor, id string, approve bool, reason string) (profiles.Application, error) {
	if !by.IsStaff() {
		return profiles.Application{}, fmt.Errorf("decide application: only the secretariat or an admin: %w", ErrForbidden)
	}
	a, err := v.store.DecideApplication(ctx, id, approve, actor, strings.TrimSpace(reason))
	if err != nil {
		return a, err
	}
	if approve && v.people != nil {
		u, err := v.store.FindUserByEmail(ctx, a.Email)
		if err == nil {
			err = v.people.SendLink(ctx, u)
		}
		if err != nil {
			// The approval stands; they can ask for a link on the sign-in page.
			v.log.WarnContext(ctx, "approved volunteer not sent a sign-in link", "application_id", a.ID, "error", err)
		}
	}
	return a, nil
}
