package people

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"matchmaker/profiles"
)

// Default lifetimes of a sign-in link and of a session.
const (
	DefaultLinkTTL    = 30 * time.Minute
	DefaultSessionTTL = 14 * 24 * time.Hour
)

// SignInPath is the path of the pages that redeems a sign-in link; the link is
// BaseURL + SignInPath + "/" + the secret.
const SignInPath = "/sign-in"

// ErrForbidden is the answer to what the caller's role may not do: an
// invitation, a disabling. Every refusal is a *Refusal, which says why.
var ErrForbidden = errors.New("forbidden")

// Refusal is a refusal of the rules of who may do what to whom, with why in
// words a door says in the reader's language. errors.Is(err, ErrForbidden)
// holds for it.
type Refusal struct {
	Text profiles.Text
}

// refuse is the refusal that says t.
func refuse(t profiles.Text) *Refusal { return &Refusal{Text: t} }

// notStaff refuses whoever is not the secretariat or an admin.
func notStaff() *Refusal {
	return refuse(profiles.Sayf("only the secretariat or an admin may manage the people who sign in"))
}

// Error says why.
func (r *Refusal) Error() string { return r.Text.English }

// Unwrap makes errors.Is(err, ErrForbidden) true.
func (r *Refusal) Unwrap() error { return ErrForbidden }

// SignIn is a sign-in link to send to a person.
type SignIn struct {
	User      profiles.User
	Link      string
	ExpiresAt time.Time
}

// SignInSender delivers sign-in links: by email once the outbox is wired, to
// the log until then. It writes what it queues through tx, the store of the
// transaction that made the link (and, for an invitation, the user): the
// user, the link and its email are written together or not at all.
type SignInSender interface {
	SendSignIn(ctx context.Context, tx *profiles.Store, m SignIn) error
}

// LogSender writes sign-in links to the log, for a service without a mail
// server (and the demo). A link in the log is a key to an account: such logs
// must be kept like secrets.
type LogSender struct{ Log *slog.Logger }

// SendSignIn logs the link.
func (s LogSender) SendSignIn(ctx context.Context, _ *profiles.Store, m SignIn) error {
	s.Log.LogAttrs(ctx, slog.LevelInfo, "sign-in link", slog.String("email", m.User.Email),
		slog.String("role", m.User.Role), slog.String("link", m.Link), slog.Time("expires_at", m.ExpiresAt))
	return nil
}

// Config is what People needs.
type Config struct {
	Store *profiles.Store
	// Sender delivers sign-in links; nil: a LogSender on Logger.
	Sender SignInSender
	Logger *slog.Logger
	// BaseURL is where people open the pages, such as
	// https://matchmaker.example.org; links are made under it.
	BaseURL string
	// LinkTTL and SessionTTL are the lifetimes of a link and a session;
	// zero: the defaults.
	LinkTTL, SessionTTL time.Duration
}

// People invites users, sends them sign-in links and keeps their sessions.
type People struct {
	store      *profiles.Store
	sender     SignInSender
	log        *slog.Logger
	base       string
	linkTTL    time.Duration
	sessionTTL time.Duration
}

// New returns People over cfg.Store.
func New(cfg Config) (*People, error) {
	if cfg.Store == nil {
		return nil, errors.New("people: no store")
	}
	p := &People{store: cfg.Store, sender: cfg.Sender, log: cfg.Logger, base: strings.TrimRight(cfg.BaseURL, "/"),
		linkTTL: cfg.LinkTTL, sessionTTL: cfg.SessionTTL}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.sender == nil {
		p.sender = LogSender{Log: p.log}
	}
	if p.linkTTL <= 0 {
		p.linkTTL = DefaultLinkTTL
	}
	if p.sessionTTL <= 0 {
		p.sessionTTL = DefaultSessionTTL
	}
	if p.base != "" {
		u, err := url.Parse(p.base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("people: base URL %q: write it as http(s)://host[:port]", cfg.BaseURL)
		}
	}
	return p, nil
}

// SessionTTL is how long a session lasts.
func (p *People) SessionTTL() time.Duration { return p.sessionTTL }

// SetBaseURL sets where links point when the configuration did not say (the
// address the service listens on, known once it listens).
func (p *People) SetBaseURL(base string) {
	if p.base == "" {
		p.base = strings.TrimRight(base, "/")
	}
}

// Invite creates a user on behalf of by: the secretariat invites city
// officers, experts and other members of the secretariat; only an admin
// invites an admin. The new user is sent a sign-in link.
func (p *People) Invite(ctx context.Context, by *profiles.Principal, inviter string, in profiles.UserInput) (profiles.User, error) {
	if !by.IsStaff() {
		return profiles.User{}, fmt.Errorf("invite: %w", notStaff())
	}
	if isAdminRole(in.Role) && !by.IsAdmin() {
		return profiles.User{}, fmt.Errorf("invite: %w", refuse(profiles.Sayf("only an admin may invite an admin")))
	}
	in.InvitedBy = inviter
	// One transaction: an invitation whose link or email could not be
	// queued leaves no user behind, and asking again works.
	var u profiles.User
	err := p.store.InTx(ctx, func(tx *profiles.Store) error {
		var err error
		if u, err = tx.CreateUser(ctx, in); err != nil {
			return err
		}
		return p.sendThrough(ctx, tx, u)
	})
	if err != nil {
		return profiles.User{}, fmt.Errorf("invite: %w", err)
	}
	return u, nil
}

// isAdminRole reports whether role names the admin's, in any case and with
// any spaces around it: the store reads it so.
func isAdminRole(role string) bool {
	return strings.ToLower(strings.TrimSpace(role)) == profiles.RoleAdmin
}

// Users returns one page of the users f selects, for by: the secretariat and
// the admins see everyone who may sign in, and no one else does.
func (p *People) Users(ctx context.Context, by *profiles.Principal, f profiles.UserFilter) (profiles.ListResult[profiles.User], error) {
	if !by.IsStaff() {
		return profiles.ListResult[profiles.User]{}, fmt.Errorf("list users: %w", notStaff())
	}
	return p.store.FindUsers(ctx, f)
}

// User returns user id, for by (as Users), or profiles.ErrNotFound.
func (p *People) User(ctx context.Context, by *profiles.Principal, id string) (profiles.User, error) {
	if !by.IsStaff() {
		return profiles.User{}, fmt.Errorf("find user: %w", notStaff())
	}
	return p.store.FindUserByID(ctx, id)
}

// Disable stops user id from signing in, on behalf of by, whose own user (or
// key) ID is byID: their sessions end at once and their unused links are
// void. The secretariat disables anyone but an admin; an admin anyone;
// nobody disables themselves, so that the network never locks out the last
// person who could undo it by mistake. It returns the user as it then stands.
func (p *People) Disable(ctx context.Context, by *profiles.Principal, byID, id string) (profiles.User, error) {
	return p.setDisabled(ctx, by, byID, id, true)
}

// Enable lets a disabled user sign in again, by the rules of Disable; their
// old links stay void: they ask for a new one.
func (p *People) Enable(ctx context.Context, by *profiles.Principal, byID, id string) (profiles.User, error) {
	return p.setDisabled(ctx, by, byID, id, false)
}

// MayChange says whether by, whose own user (or key) ID is byID, may
// disable or re-enable user u: nil, or the *Refusal that says why not. The
// pages ask it to offer only the buttons that work.
func MayChange(by *profiles.Principal, byID string, u profiles.User) error {
	switch {
	case !by.IsStaff():
		return notStaff()
	case byID != "" && u.ID == byID:
		return refuse(profiles.Sayf("nobody disables or re-enables themselves: ask another member of the staff"))
	case u.Role == profiles.RoleAdmin && !by.IsAdmin():
		return refuse(profiles.Sayf("only an admin may disable or re-enable an admin"))
	}
	return nil
}

func (p *People) setDisabled(ctx context.Context, by *profiles.Principal, byID, id string, disabled bool) (profiles.User, error) {
	op := "enable"
	if disabled {
		op = "disable"
	}
	// Before the user is looked up, so that whoever may not manage people
	// learns nothing of who exists.
	if !by.IsStaff() {
		return profiles.User{}, fmt.Errorf("%s user %s: %w", op, id, notStaff())
	}
	// The rule runs on the stored user inside the transaction that changes
	// it.
	u, err := p.store.SetUserDisabled(ctx, id, disabled, func(u profiles.User) error { return MayChange(by, byID, u) })
	if err != nil {
		return profiles.User{}, fmt.Errorf("%s user %s: %w", op, id, err)
	}
	return u, nil
}

// Ensure returns the user with in's email, creating it when there is none, as
// the demo does at every start; it sends nothing.
func (p *People) Ensure(ctx context.Context, in profiles.UserInput) (profiles.User, error) {
	u, err := p.store.FindUserByEmail(ctx, in.Email)
	if err == nil {
		return u, nil
	}
	if !errors.Is(err, profiles.ErrNotFound) {
		return profiles.User{}, err
	}
	return p.store.CreateUser(ctx, in)
}

// RequestSignIn sends a sign-in link to the user with email, if there is one
// who may sign in. It says nothing about whether there is: the page that
// asks answers the same either way, so that it tells no one who has an
// account.
func (p *People) RequestSignIn(ctx context.Context, email string) error {
	u, err := p.store.FindUserByEmail(ctx, email)
	if errors.Is(err, profiles.ErrNotFound) {
		p.log.InfoContext(ctx, "sign-in asked for an address without a user")
		return nil
	}
	if err != nil {
		return err
	}
	return p.send(ctx, u)
}

// SendLink sends user u a sign-in link, as the demo does at start.
func (p *People) SendLink(ctx context.Context, u profiles.User) error { return p.send(ctx, u) }

func (p *People) send(ctx context.Context, u profiles.User) error {
	return p.store.InTx(ctx, func(tx *profiles.Store) error { return p.sendThrough(ctx, tx, u) })
}

// sendThrough mints a link for u and hands it to the sender, both through
// tx: a link whose email could not be queued is not left behind. u is the
// user as the caller just read or made it; the store checks, in tx, that
// they may still sign in.
func (p *People) sendThrough(ctx context.Context, tx *profiles.Store, u profiles.User) error {
	link, err := p.mintLink(ctx, tx, u)
	if err != nil {
		return err
	}
	if err := p.sender.SendSignIn(ctx, tx, link); err != nil {
		return fmt.Errorf("send sign-in link to user %s: %w", u.ID, err)
	}
	return nil
}

// NewLink mints a sign-in link for user id without sending it.
func (p *People) NewLink(ctx context.Context, userID string) (SignIn, error) {
	u, err := p.store.FindUserByID(ctx, userID)
	if err != nil {
		return SignIn{}, err
	}
	return p.mintLink(ctx, p.store, u)
}

// mintLink makes a sign-in link for u through store.
func (p *People) mintLink(ctx context.Context, store *profiles.Store, u profiles.User) (SignIn, error) {
	secret, exp, err := store.CreateSignInLink(ctx, u.ID, p.linkTTL)
	if err != nil {
		return SignIn{}, err
	}
	return SignIn{User: u, Link: p.base + SignInPath + "/" + secret, ExpiresAt: exp}, nil
}

// SignIn redeems a link's secret, once, into a session: the user, the
// session and the session's secret for the cookie. A secret that is unknown,
// used or expired is profiles.ErrNotFound.
func (p *People) SignIn(ctx context.Context, secret string) (profiles.User, profiles.Session, string, error) {
	return p.store.RedeemSignInLink(ctx, secret, p.sessionTTL)
}

// Session returns the user of a session's secret, or profiles.ErrNotFound.
func (p *People) Session(ctx context.Context, secret string) (profiles.User, profiles.Session, error) {
	return p.store.UserBySession(ctx, secret)
}

// SignOut ends the session of secret.
func (p *People) SignOut(ctx context.Context, secret string) error {
	return p.store.DeleteSession(ctx, secret)
}

// SetLang records the language user id chose for the pages.
func (p *People) SetLang(ctx context.Context, userID, lang string) error {
	return p.store.SetUserLang(ctx, userID, lang)
}

// PurgeExpired deletes expired sessions and links every interval until ctx
// ends.
func (p *People) PurgeExpired(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := p.store.PurgeSignIns(ctx); err != nil {
				p.log.WarnContext(ctx, "purge expired sessions", "error", err)
			} else if n > 0 {
				p.log.DebugContext(ctx, "expired sessions and links purged", "rows", n)
			}
		}
	}
}
