package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Limits of users.
const (
	// MaxUserNameLen bounds a person's name, in characters.
	MaxUserNameLen = 200
	// maxEmailLen is the longest address SMTP carries.
	maxEmailLen = 254
)

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID         string     `bun:"id,pk"`
	Email      string     `bun:"email"`
	Name       string     `bun:"name"`
	Lang       string     `bun:"lang"`
	Role       string     `bun:"role"`
	CityID     *string    `bun:"city_id"`
	ExpertID   *string    `bun:"expert_id"`
	InvitedBy  string     `bun:"invited_by"`
	CreatedAt  time.Time  `bun:"created_at"`
	DisabledAt *time.Time `bun:"disabled_at"`
	// LastSignInAt comes from user_sign_ins, joined by selectUsers.
	LastSignInAt *time.Time `bun:"last_sign_in_at,scanonly"`
}

func (r *userRow) user() User {
	u := User{ID: r.ID, Email: r.Email, Name: r.Name, Lang: r.Lang, Role: r.Role, CityID: deref(r.CityID),
		ExpertID: deref(r.ExpertID), InvitedBy: r.InvitedBy, CreatedAt: r.CreatedAt.UTC()}
	if r.DisabledAt != nil {
		t := r.DisabledAt.UTC()
		u.DisabledAt = &t
	}
	if r.LastSignInAt != nil {
		t := r.LastSignInAt.UTC()
		u.LastSignInAt = &t
	}
	return u
}

// userSignInRow is when a user last signed in.
type userSignInRow struct {
	bun.BaseModel `bun:"table:user_sign_ins,alias:si"`

	UserID string    `bun:"user_id,pk"`
	LastAt time.Time `bun:"last_at"`
}

// selectUsers selects users into model with their last sign-in.
func selectUsers(db bun.IDB, model any) *bun.SelectQuery {
	return db.NewSelect().Model(model).ColumnExpr("u.*").ColumnExpr("si.last_at AS last_sign_in_at").
		Join("LEFT JOIN user_sign_ins AS si ON si.user_id = u.id")
}

type signInLinkRow struct {
	bun.BaseModel `bun:"table:sign_in_links,alias:l"`

	TokenHash string     `bun:"token_hash,pk"`
	UserID    string     `bun:"user_id"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
}

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:se"`

	TokenHash string    `bun:"token_hash,pk"`
	UserID    string    `bun:"user_id"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// NormalizeEmail is the form of an address the store keeps and looks up:
// trimmed, lower case, so that Ana@City.org and ana@city.org are one person.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// checkUser validates a new user inside db (a transaction): every bad field
// in one *ValidationError, a city or an expert that does not exist included.
func (s *Store) checkUser(ctx context.Context, db bun.IDB, in UserInput) (UserInput, error) {
	e := &ValidationError{}
	in.Email = NormalizeEmail(in.Email)
	switch a, err := mail.ParseAddress(in.Email); {
	case in.Email == "":
		e.add("email", "is required")
	case err != nil || a.Address != in.Email || len(in.Email) > maxEmailLen:
		e.add("email", "must be a plain email address such as name@example.org")
	}
	in.Name = singleLine(e, "name", in.Name, true)
	if n := utf8.RuneCountInString(in.Name); n > MaxUserNameLen && !e.has("name") {
		e.add("name", "must be at most %d characters, got %d", MaxUserNameLen, n)
	}
	in.Lang = enum(e, "lang", in.Lang, UserLangs, false)
	in.Role = enum(e, "role", in.Role, UserRoles, true)
	known := !e.has("role")
	in.CityID = idField(e, "city_id", in.CityID)
	in.ExpertID = idField(e, "expert_id", in.ExpertID)
	in.InvitedBy = strings.TrimSpace(in.InvitedBy)
	bound := func(field, id, role, table string) error {
		switch {
		case e.has(field):
		case known && in.Role == role && id == "":
			e.add(field, "is required for a %s user", role)
		case known && in.Role != role && id != "":
			if role == RoleCity {
				e.add(field, "must be empty: only a city user is bound to a city")
			} else {
				e.add(field, "must be empty: only an expert user is bound to an expert profile")
			}
		case id != "":
			ok, err := rowExists(ctx, db, table, id)
			if err != nil {
				return err
			}
			if !ok {
				e.add(field, "no %s has the ID %q", role, id)
			}
		}
		return nil
	}
	if err := bound("city_id", in.CityID, RoleCity, "cities"); err != nil {
		return in, err
	}
	if err := bound("expert_id", in.ExpertID, RoleExpert, "experts"); err != nil {
		return in, err
	}
	if !e.has("email") {
		n, err := db.NewSelect().Model((*userRow)(nil)).Where("u.email = ?", in.Email).Count(ctx)
		if err != nil {
			return in, fmt.Errorf("check email: %w", err)
		}
		if n > 0 {
			// Named with the other faults when there are some, so that
			// they are all fixed at once; alone, it is a conflict with
			// the stored users, as a taken reference is.
			if len(e.Fields) > 0 {
				e.add("email", "is already the address of a user")
			} else {
				return in, emailTaken()
			}
		}
	}
	return in, e.err()
}

// emailTaken is the conflict of an address another user has, in any case.
func emailTaken() *ConflictError {
	t := Sayf("a user has this email address already: one address is one person")
	return &ConflictError{Detail: t.English, Text: t, Fields: []FieldError{FieldErrorf("email", "is already the address of a user")}}
}

// CreateUser validates in and stores a new user. Every bad field is named in
// one *ValidationError, an email already taken (in any case) among them; when
// the taken email is the only fault, it is a *ConflictError naming email, as
// it is for the second of two concurrent creations with one address.
func (s *Store) CreateUser(ctx context.Context, in UserInput) (User, error) {
	var row userRow
	err := s.inTx(ctx, func(tx bun.Tx) error {
		in, err := s.checkUser(ctx, tx, in)
		if err != nil {
			return err
		}
		row = userRow{ID: s.newID(), Email: in.Email, Name: in.Name, Lang: in.Lang, Role: in.Role,
			CityID: nullString(in.CityID), ExpertID: nullString(in.ExpertID), InvitedBy: in.InvitedBy, CreatedAt: s.timestamp()}
		wrote(ctx, "user", row.ID)
		created(ctx, "users", row.ID)
		if _, err := tx.NewInsert().Model(&row).Returning("NULL").Exec(ctx); err != nil {
			if isUniqueViolation(err) {
				// Another invitation of the address committed between
				// the check and this insert.
				return emailTaken()
			}
			return fmt.Errorf("insert user: %w", err)
		}
		return nil
	})
	if err != nil {
		return User{}, fmt.Errorf("create user: %w", err)
	}
	return row.user(), nil
}

// liveUser is the condition of a user who may sign in: not disabled, and the
// city or expert profile they are bound to still exists.
const liveUser = "u.disabled_at IS NULL" +
	" AND (u.city_id IS NULL OR EXISTS (SELECT 1 FROM cities AS c WHERE c.id = u.city_id))" +
	" AND (u.expert_id IS NULL OR EXISTS (SELECT 1 FROM experts AS x WHERE x.id = u.expert_id))"

// FindUserByID returns the user with id, or ErrNotFound.
func (s *Store) FindUserByID(ctx context.Context, id string) (User, error) {
	return findUser(ctx, s.idb(), id)
}

func findUser(ctx context.Context, db bun.IDB, id string) (User, error) {
	var row userRow
	if err := selectUsers(db, &row).Where("u.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, fmt.Errorf("find user %s: %w", id, ErrNotFound)
		}
		return User{}, fmt.Errorf("find user %s: %w", id, err)
	}
	return row.user(), nil
}

// UserNames returns the names of the users of ids, by ID, in one read; an ID
// no user has is left out.
func (s *Store) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	names := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return names, nil
	}
	var found, named []string
	err := s.idb().NewSelect().Model((*userRow)(nil)).Column("id", "name").
		Where("u.id IN (?)", bun.List(ids)).Scan(ctx, &found, &named)
	if err != nil {
		return nil, fmt.Errorf("user names: %w", err)
	}
	for i, id := range found {
		names[id] = named[i]
	}
	return names, nil
}

// FindUserByEmail returns the user who may sign in with email (in any case),
// or ErrNotFound: also for a disabled user, or one whose city or expert
// profile is gone.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (User, error) {
	var row userRow
	err := s.idb().NewSelect().Model(&row).Where("u.email = ?", NormalizeEmail(email)).Where(liveUser).Scan(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, fmt.Errorf("find user by email: %w", ErrNotFound)
		}
		return User{}, fmt.Errorf("find user by email: %w", err)
	}
	return row.user(), nil
}

func (f UserFilter) apply(q *bun.SelectQuery) *bun.SelectQuery {
	if f.Role != "" {
		q = q.Where("u.role = ?", strings.ToLower(strings.TrimSpace(f.Role)))
	}
	return q
}

// FindUsers returns one page of the users f selects, in creation order, each
// with their last sign-in.
func (s *Store) FindUsers(ctx context.Context, f UserFilter) (ListResult[User], error) {
	total, err := f.apply(s.idb().NewSelect().Model((*userRow)(nil))).Count(ctx)
	if err != nil {
		return ListResult[User]{}, fmt.Errorf("count users: %w", err)
	}
	var rows []userRow
	if err := paginate(f.apply(selectUsers(s.idb(), &rows)), nil, "u", f.Page).Scan(ctx); err != nil {
		return ListResult[User]{}, fmt.Errorf("find users: %w", err)
	}
	items := make([]User, len(rows))
	for i := range rows {
		items[i] = rows[i].user()
	}
	return pageOf(items, total, f.Page, func(u User) string { return u.ID }), nil
}

// SetUserLang records the language user id chose ("" to follow the browser).
func (s *Store) SetUserLang(ctx context.Context, id, lang string) error {
	e := &ValidationError{}
	lang = enum(e, "lang", lang, UserLangs, false)
	if err := e.err(); err != nil {
		return fmt.Errorf("set language of user %s: %w", id, err)
	}
	res, err := s.idb().NewUpdate().Model((*userRow)(nil)).Set("lang = ?", lang).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("set language of user %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set language of user %s: %w", id, ErrNotFound)
	}
	return nil
}

// DisableUser stops user id from signing in: it ends their sessions and
// voids the sign-in links they have not used.
func (s *Store) DisableUser(ctx context.Context, id string) error {
	_, err := s.SetUserDisabled(ctx, id, true, nil)
	return err
}

// SetUserDisabled disables user id (disabled true: their sessions end and the
// sign-in links they have not used are void) or lets them sign in again, and
// returns the user as it then stands. check, when not nil, is the rule of
// who may make this change: it is given the stored user inside the
// transaction of the change, and its error refuses it. Disabling a disabled
// user, or enabling an enabled one, changes nothing (the time it was disabled
// stays). An unknown user is ErrNotFound.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool, check func(User) error) (User, error) {
	var out User
	err := s.inTx(ctx, func(tx bun.Tx) error {
		if err := s.lockRow(ctx, tx, "users", id); err != nil {
			return err
		}
		u, err := findUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(u); err != nil {
				return err
			}
		}
		switch {
		case disabled && u.DisabledAt == nil:
			now := s.timestamp()
			if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("disabled_at = ?", now).Where("id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("disable user %s: %w", id, err)
			}
			u.DisabledAt = &now
		case !disabled && u.DisabledAt != nil:
			if _, err := tx.NewUpdate().Model((*userRow)(nil)).Set("disabled_at = NULL").Where("id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("enable user %s: %w", id, err)
			}
			u.DisabledAt = nil
		}
		if disabled {
			// Also when already disabled: nothing of theirs may outlive it.
			if _, err := tx.NewDelete().Model((*sessionRow)(nil)).Where("user_id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("end sessions of user %s: %w", id, err)
			}
			if _, err := tx.NewDelete().Model((*signInLinkRow)(nil)).Where("user_id = ? AND used_at IS NULL", id).Exec(ctx); err != nil {
				return fmt.Errorf("void sign-in links of user %s: %w", id, err)
			}
		}
		out = u
		return nil
	})
	if err != nil {
		return User{}, fmt.Errorf("set user %s disabled=%t: %w", id, disabled, err)
	}
	return out, nil
}

// CreateSignInLink stores a one-time sign-in secret for user id, valid for
// ttl, and returns it with its expiry: the only time the secret is seen. A
// user who may not sign in (disabled, profile gone) is ErrNotFound.
func (s *Store) CreateSignInLink(ctx context.Context, userID string, ttl time.Duration) (string, time.Time, error) {
	secret := newSecret()
	now := s.timestamp()
	row := signInLinkRow{TokenHash: secretDigest(secret), UserID: userID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err := s.inTx(ctx, func(tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*userRow)(nil)).Where("u.id = ?", userID).Where(liveUser).Count(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		_, err = tx.NewInsert().Model(&row).Exec(ctx)
		return err
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create sign-in link for user %s: %w", userID, err)
	}
	return secret, row.ExpiresAt, nil
}

// RedeemSignInLink uses a sign-in secret, once, and opens a session of
// sessionTTL for its user: it returns the user, the session and the
// session's secret (for the cookie; the store keeps its digest). A secret
// that is unknown, used, expired, or whose user may no longer sign in is
// ErrNotFound. The link is marked used in the transaction that opens the
// session, by an update that only one of two concurrent redemptions can make.
func (s *Store) RedeemSignInLink(ctx context.Context, secret string, sessionTTL time.Duration) (User, Session, string, error) {
	if secret == "" || len(secret) > 4*maxSecretLen {
		return User{}, Session{}, "", fmt.Errorf("redeem sign-in link: %w", ErrNotFound)
	}
	var (
		user  User
		sess  Session
		token = newSecret()
	)
	err := s.inTx(ctx, func(tx bun.Tx) error {
		now := s.timestamp()
		var link signInLinkRow
		if err := tx.NewSelect().Model(&link).Where("l.token_hash = ?", secretDigest(secret)).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		res, err := tx.NewUpdate().Model((*signInLinkRow)(nil)).Set("used_at = ?", now).
			Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", link.TokenHash, now).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNotFound
		}
		var row userRow
		if err := tx.NewSelect().Model(&row).Where("u.id = ?", link.UserID).Where(liveUser).Scan(ctx); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		srow := sessionRow{TokenHash: secretDigest(token), UserID: row.ID, CreatedAt: now, ExpiresAt: now.Add(sessionTTL)}
		if _, err := tx.NewInsert().Model(&srow).Exec(ctx); err != nil {
			return err
		}
		// The last sign-in commits with the session it opens.
		last := userSignInRow{UserID: row.ID, LastAt: now}
		if _, err := tx.NewInsert().Model(&last).On("CONFLICT (user_id) DO UPDATE").Set("last_at = EXCLUDED.last_at").Exec(ctx); err != nil {
			return fmt.Errorf("record the sign-in: %w", err)
		}
		row.LastSignInAt = &now
		user = row.user()
		sess = Session{UserID: user.ID, CreatedAt: srow.CreatedAt, ExpiresAt: srow.ExpiresAt}
		return nil
	})
	if err != nil {
		return User{}, Session{}, "", fmt.Errorf("redeem sign-in link: %w", err)
	}
	return user, sess, token, nil
}

// UserBySession returns the user of a live session and the session:
// ErrNotFound when the secret is unknown, the session expired, or its user may
// no longer sign in. Nothing is cached, so that a sign-out or a disabled user
// holds at once in every process.
func (s *Store) UserBySession(ctx context.Context, secret string) (User, Session, error) {
	if secret == "" || len(secret) > 4*maxSecretLen {
		return User{}, Session{}, fmt.Errorf("find session: %w", ErrNotFound)
	}
	var sess sessionRow
	err := s.idb().NewSelect().Model(&sess).Where("se.token_hash = ?", secretDigest(secret)).
		Where("se.expires_at > ?", s.timestamp()).Scan(ctx)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, Session{}, fmt.Errorf("find session: %w", ErrNotFound)
		}
		return User{}, Session{}, fmt.Errorf("find session: %w", err)
	}
	var row userRow
	if err := s.idb().NewSelect().Model(&row).Where("u.id = ?", sess.UserID).Where(liveUser).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return User{}, Session{}, fmt.Errorf("find session: %w", ErrNotFound)
		}
		return User{}, Session{}, fmt.Errorf("find session: %w", err)
	}
	return row.user(), Session{UserID: sess.UserID, CreatedAt: sess.CreatedAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC()}, nil
}

// DeleteSession ends the session of secret; ending an unknown one is no error.
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	if _, err := s.idb().NewDelete().Model((*sessionRow)(nil)).Where("token_hash = ?", secretDigest(secret)).Exec(ctx); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PurgeSignIns deletes the sessions and sign-in links that expired before
// now, and returns how many rows went.
func (s *Store) PurgeSignIns(ctx context.Context) (int64, error) {
	now := s.timestamp()
	var total int64
	for _, m := range []any{(*sessionRow)(nil), (*signInLinkRow)(nil)} {
		res, err := s.idb().NewDelete().Model(m).Where("expires_at <= ?", now).Exec(ctx)
		if err != nil {
			return total, fmt.Errorf("purge sign-ins: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
