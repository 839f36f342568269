package profiles

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"time"

	"github.com/uptrace/bun"
)

// The states of a volunteer's application to become an expert.
const (
	// ApplicationUnconfirmed: sent, the emailed link not yet followed.
	ApplicationUnconfirmed = "unconfirmed"
	// ApplicationPending: confirmed, waiting for the secretariat.
	ApplicationPending = "pending"
	// ApplicationApproved: an expert (and its user) now exists.
	ApplicationApproved = "approved"
	// ApplicationDeclined: the secretariat said no.
	ApplicationDeclined = "declined"
)

// ApplicationTTL is how long an application's confirmation link works.
const ApplicationTTL = 7 * 24 * time.Hour

// Application is a practitioner's application to volunteer as an expert. It
// is no expert: it stays out of the experts, the change feed and the match
// index until the secretariat approves it (DecideApplication).
type Application struct {
	ID          string
	Email       string
	Name        string
	Lang        string
	Profile     ExpertInput
	Status      string
	ConsentAt   time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
	ConfirmedAt *time.Time
	DecidedAt   *time.Time
	DecidedBy   string
	Reason      string
	// ExpertID is the expert the approval created.
	ExpertID string
}

// ApplicationInput is what the public form sends.
type ApplicationInput struct {
	Email string
	// Lang is the language the applicant reads ("en", "fr", "es").
	Lang    string
	Profile ExpertInput
	// Consent is the applicant's consent to the privacy terms: required.
	Consent bool
}

type applicationRow struct {
	bun.BaseModel `bun:"table:expert_applications,alias:ap"`

	ID          string     `bun:"id,pk"`
	Email       string     `bun:"email"`
	Name        string     `bun:"name"`
	Lang        string     `bun:"lang"`
	Profile     string     `bun:"profile"`
	Status      string     `bun:"status"`
	TokenHash   string     `bun:"token_hash"`
	ConsentAt   time.Time  `bun:"consent_at"`
	CreatedAt   time.Time  `bun:"created_at"`
	ExpiresAt   time.Time  `bun:"expires_at"`
	ConfirmedAt *time.Time `bun:"confirmed_at"`
	DecidedAt   *time.Time `bun:"decided_at"`
	DecidedBy   string     `bun:"decided_by"`
	Reason      string     `bun:"reason"`
	ExpertID    *string    `bun:"expert_id"`
}

func (r *applicationRow) application() (Application, error) {
	a := Application{ID: r.ID, Email: r.Email, Name: r.Name, Lang: r.Lang, Status: r.Status, ConsentAt: r.ConsentAt.UTC(),
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), ConfirmedAt: utcPtr(r.ConfirmedAt), DecidedAt: utcPtr(r.DecidedAt),
		DecidedBy: r.DecidedBy, Reason: r.Reason, ExpertID: deref(r.ExpertID)}
	if err := json.Unmarshal([]byte(r.Profile), &a.Profile); err != nil {
		return a, fmt.Errorf("application %s: profile: %w", r.ID, err)
	}
	return a, nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreateApplication validates an application (the profile as an expert's,
// the email, the consent, every bad field at once) and stores it
// unconfirmed. It returns the secret of its confirmation link, which the
// store keeps only as a digest.
func (s *Store) CreateApplication(ctx context.Context, in ApplicationInput) (Application, string, error) {
	e := &ValidationError{}
	in.Email = NormalizeEmail(in.Email)
	if a, err := mail.ParseAddress(in.Email); in.Email == "" || err != nil || a.Address != in.Email || len(in.Email) > maxEmailLen {
		e.add("email", "must be a plain email address such as name@example.org")
	}
	in.Lang = enum(e, "lang", in.Lang, UserLangs, false)
	if !in.Consent {
		e.add("consent", "the privacy terms must be accepted")
	}
	// The contact of an expert is the address that applied.
	in.Profile.Contact = &Contact{Name: in.Profile.Name, Email: in.Email}
	in.Profile.CityID = nil
	profile, err := s.v.expert(in.Profile)
	var ve *ValidationError
	if errors.As(err, &ve) {
		e.Fields = append(e.Fields, ve.Fields...)
	} else if err != nil {
		return Application{}, "", err
	}
	if err := e.err(); err != nil {
		return Application{}, "", err
	}
	raw, err := json.Marshal(profile)
	if err != nil {
		return Application{}, "", err
	}
	secret := newSecret()
	now := s.timestamp()
	row := applicationRow{ID: s.newID(), Email: in.Email, Name: profile.Name, Lang: in.Lang, Profile: string(raw), Status: ApplicationUnconfirmed,
		TokenHash: secretDigest(secret), ConsentAt: now, CreatedAt: now, ExpiresAt: now.Add(ApplicationTTL)}
	if _, err := s.idb().NewInsert().Model(&row).Returning("NULL").Exec(ctx); err != nil {
		return Application{}, "", fmt.Errorf("create application: %w", err)
	}
	a, err := row.application()
	return a, secret, err
}

// ConfirmApplication follows an application's emailed link, once: the
// application waits for the secretariat from then on. A secret that is
// unknown, used or expired is ErrNotFound.
func (s *Store) ConfirmApplication(ctx context.Context, secret string) (Application, error) {
	if secret == "" || len(secret) > 4*maxSecretLen {
		return Application{}, fmt.Errorf("confirm application: %w", ErrNotFound)
	}
	now := s.timestamp()
	var row applicationRow
	err := s.inTx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*applicationRow)(nil)).
			Set("status = ?", ApplicationPending).Set("confirmed_at = ?", now).
			Where("token_hash = ?", secretDigest(secret)).Where("status = ?", ApplicationUnconfirmed).Where("expires_at > ?", now).
			Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		return tx.NewSelect().Model(&row).Where("token_hash = ?", secretDigest(secret)).Scan(ctx)
	})
	if err != nil {
		return Application{}, fmt.Errorf("confirm application: %w", err)
	}
	return row.application()
}

// FindApplicationByID returns the application with id, or ErrNotFound.
func (s *Store) FindApplicationByID(ctx context.Context, id string) (Application, error) {
	return findApplication(ctx, s.idb(), id)
}

func findApplication(ctx context.Context, db bun.IDB, id string) (Application, error) {
	var row applicationRow
	err := db.NewSelect().Model(&row).Where("ap.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Application{}, fmt.Errorf("application %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Application{}, fmt.Errorf("find application %s: %w", id, err)
	}
	return row.application()
}

// FindApplications lists the applications in status, oldest first (at most
// MaxLimit).
func (s *Store) FindApplications(ctx context.Context, status string, limit int) ([]Application, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	var rows []applicationRow
	if err := s.idb().NewSelect().Model(&rows).Where("ap.status = ?", status).OrderExpr("ap.created_at, ap.id").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("find applications: %w", err)
	}
	out := make([]Application, 0, len(rows))
	for i := range rows {
		a, err := rows[i].application()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// DecideApplication approves or declines a pending application, once. An
// approval creates the expert profile and the expert's user (who signs in
// with the application's email) in the transaction that marks the
// application approved, so that the expert enters the change feed, and so
// the match index, only then, and never twice: a second decision, even a
// concurrent one, is a *ConflictError.
func (s *Store) DecideApplication(ctx context.Context, id string, approve bool, by, reason string) (Application, error) {
	var out Application
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "expert_applications", id); err != nil {
			return err
		}
		a, err := findApplication(ctx, tx, id)
		if err != nil {
			return err
		}
		if a.Status != ApplicationPending {
			return &ConflictError{Detail: fmt.Sprintf("the application is %s: only a pending application is decided", a.Status)}
		}
		now := s.timestamp()
		q := tx.NewUpdate().Model((*applicationRow)(nil)).Where("id = ?", id).Where("status = ?", ApplicationPending).
			Set("decided_at = ?", now).Set("decided_by = ?", by).Set("reason = ?", reason)
		if approve {
			in, err := s.v.expert(a.Profile)
			if err != nil {
				return err
			}
			row := expertRow{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
			row.set(in)
			ch.add("expert", row.ID, false)
			if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
				return fmt.Errorf("insert expert: %w", err)
			}
			if err := writeExpertLists(ctx, tx, row.ID, true, ExpertInput{}, in); err != nil {
				return err
			}
			u, err := s.checkUser(ctx, tx, UserInput{Email: a.Email, Name: a.Name, Lang: a.Lang, Role: RoleExpert, ExpertID: row.ID, InvitedBy: by})
			if err != nil {
				return err
			}
			urow := userRow{ID: s.newID(), Email: u.Email, Name: u.Name, Lang: u.Lang, Role: u.Role, ExpertID: nullString(u.ExpertID),
				InvitedBy: u.InvitedBy, CreatedAt: now}
			if _, err := tx.NewInsert().Model(&urow).Returning("NULL").Exec(ctx); err != nil {
				if isUniqueViolation(err) {
					return &ConflictError{Detail: "a user with this email was created at the same time"}
				}
				return fmt.Errorf("insert user: %w", err)
			}
			q = q.Set("status = ?", ApplicationApproved).Set("expert_id = ?", row.ID)
		} else {
			q = q.Set("status = ?", ApplicationDeclined)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return fmt.Errorf("decide application: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return &ConflictError{Detail: "the application was decided at the same time"}
		}
		out, err = findApplication(ctx, tx, id)
		return err
	})
	if err != nil {
		return Application{}, fmt.Errorf("decide application %s: %w", id, err)
	}
	return out, nil
}
