package profiles

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Limits of API keys.
const (
	// MaxKeyNameLen bounds the name of a key, in characters.
	MaxKeyNameLen = 100
	// MinSecretLen is the shortest secret EnsureKey accepts: a chosen secret
	// (MATCHMAKER_ADMIN_KEY) shorter than this is too easy to guess.
	MinSecretLen = 16
	// maxSecretLen bounds a chosen secret; generated ones have 55 characters.
	maxSecretLen = 256
	// secretPrefix starts every generated secret, so that a leaked one is
	// recognisable (by secret scanners, say) for what it is.
	secretPrefix = "mm_"
	// prefixLen is how many of a secret's first characters a key shows.
	prefixLen = len(secretPrefix) + 8
)

// secretEncoding spells a secret's random bytes: base32 without padding,
// lowered, so that the secret is case-insensitive to read aloud and safe in a
// header or a shell.
var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

type keyRow struct {
	bun.BaseModel `bun:"table:api_keys,alias:k"`

	ID         string     `bun:"id,pk"`
	Name       string     `bun:"name"`
	Role       string     `bun:"role"`
	CityID     *string    `bun:"city_id"`
	ExpertID   *string    `bun:"expert_id"`
	Scope      *string    `bun:"scope"`
	Prefix     string     `bun:"prefix"`
	SecretHash string     `bun:"secret_hash"`
	CreatedAt  time.Time  `bun:"created_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

func (r *keyRow) key() APIKey {
	k := APIKey{
		ID: r.ID, Name: r.Name, Role: r.Role, CityID: deref(r.CityID), ExpertID: deref(r.ExpertID), Scope: deref(r.Scope),
		Prefix: r.Prefix, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.RevokedAt != nil {
		t := r.RevokedAt.UTC()
		k.RevokedAt = &t
	}
	return k
}

// newSecret returns a fresh secret: "mm_" and 32 random bytes from the
// operating system. It does not draw from the store's entropy, which tests
// make deterministic: a secret must never be predictable.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return secretPrefix + strings.ToLower(secretEncoding.EncodeToString(b[:]))
}

// secretDigest is what the database keeps of a secret: its SHA-256, in hex. A
// lookup by digest reveals nothing useful about the secret through timing,
// since a caller cannot choose the digest of what they send.
func secretDigest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// checkKey validates a new key inside db (a transaction): every bad field in one
// *ValidationError, including a city or an expert that does not exist.
func (s *Store) checkKey(ctx context.Context, db bun.IDB, in KeyInput) (KeyInput, error) {
	e := &ValidationError{}
	in.Name = singleLine(e, "name", in.Name, true)
	if n := utf8.RuneCountInString(in.Name); n > MaxKeyNameLen && !e.has("name") {
		e.add("name", "must be at most %d characters, got %d", MaxKeyNameLen, n)
	}
	in.Role = enum(e, "role", in.Role, KeyRoles, true)
	known := !e.has("role")
	in.CityID = idField(e, "city_id", in.CityID)
	in.ExpertID = idField(e, "expert_id", in.ExpertID)
	in.Scope = strings.ToLower(strings.TrimSpace(in.Scope))

	// bound checks an ID a key is bound to: required for its own role,
	// forbidden for the others (when the role is known), and existing.
	bound := func(field, id, role, table, what string) error {
		switch {
		case e.has(field):
		case known && in.Role == role && id == "":
			e.add(field, "is required for a %s key", role)
		case known && in.Role != role && id != "":
			e.add(field, "must be empty: only a %s key is bound to %s", role, what)
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
	if err := bound("city_id", in.CityID, RoleCity, "cities", "a city"); err != nil {
		return in, err
	}
	if err := bound("expert_id", in.ExpertID, RoleExpert, "experts", "an expert profile"); err != nil {
		return in, err
	}
	switch {
	case known && in.Role != RoleIntegration && in.Scope != "":
		e.add("scope", "must be empty: only an integration key has a scope")
	case known && in.Role == RoleIntegration:
		in.Scope = enum(e, "scope", in.Scope, KeyScopes, true)
	case in.Scope != "":
		in.Scope = enum(e, "scope", in.Scope, KeyScopes, false)
	}
	return in, e.err()
}

// checkSecret validates a chosen secret.
func checkSecret(secret string) error {
	e := &ValidationError{}
	switch n := utf8.RuneCountInString(secret); {
	case n < MinSecretLen:
		e.add("secret", "must be at least %d characters, got %d", MinSecretLen, n)
	case n > maxSecretLen:
		e.add("secret", "must be at most %d characters, got %d", maxSecretLen, n)
	case strings.IndexFunc(secret, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		e.add("secret", "must not contain spaces or control characters")
	}
	return e.err()
}

// insertKey stores a validated key with the digest of secret.
func (s *Store) insertKey(ctx context.Context, db bun.IDB, in KeyInput, secret string) (keyRow, error) {
	row := keyRow{
		ID: s.newID(), Name: in.Name, Role: in.Role, CityID: nullString(in.CityID), ExpertID: nullString(in.ExpertID),
		Scope: nullString(in.Scope), Prefix: secret[:min(prefixLen, len(secret))], SecretHash: secretDigest(secret),
		CreatedAt: s.timestamp(),
	}
	if _, err := db.NewInsert().Model(&row).Returning("NULL").Exec(ctx); err != nil {
		return keyRow{}, fmt.Errorf("insert key: %w", err)
	}
	return row, nil
}

// CreateKey validates in and stores a new key with a fresh secret, which it
// returns: the only time the secret is ever seen, since the store keeps only its
// digest. Every bad field is named in one *ValidationError.
func (s *Store) CreateKey(ctx context.Context, in KeyInput) (APIKey, string, error) {
	secret := newSecret()
	var row keyRow
	err := s.inTx(ctx, func(tx bun.Tx) error {
		in, err := s.checkKey(ctx, tx, in)
		if err != nil {
			return err
		}
		row, err = s.insertKey(ctx, tx, in, secret)
		wrote(ctx, "key", row.ID)
		if err == nil {
			created(ctx, "keys", row.ID)
		}
		return err
	})
	if err != nil {
		return APIKey{}, "", fmt.Errorf("create key: %w", err)
	}
	return row.key(), secret, nil
}

// EnsureKey makes sure a key with secret exists, creating it from in when none
// has it, as for MATCHMAKER_ADMIN_KEY at start: it returns the existing key
// as it is (in is then not compared). A secret shorter than MinSecretLen, or
// with spaces, is a *ValidationError on "secret"; a secret whose key was revoked
// is a *ConflictError, so that a revoked admin key is not brought back by a
// restart. Two processes starting at once create one key.
func (s *Store) EnsureKey(ctx context.Context, secret string, in KeyInput) (APIKey, error) {
	if err := checkSecret(secret); err != nil {
		return APIKey{}, fmt.Errorf("ensure key: %w", err)
	}
	digest := secretDigest(secret)
	var (
		out APIKey
		err error
	)
	// A second attempt reads the key a concurrent process inserted first.
	for attempt := 0; attempt < 2; attempt++ {
		err = s.inTx(ctx, func(tx bun.Tx) error {
			var row keyRow
			err := tx.NewSelect().Model(&row).Where("k.secret_hash = ?", digest).Scan(ctx)
			switch {
			case err == nil:
				if row.RevokedAt != nil {
					return Conflictf("the key of this secret (%s, %s) was revoked: choose another secret", row.ID, row.Prefix)
				}
				out = row.key()
				return nil
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("find key: %w", err)
			}
			in, err := s.checkKey(ctx, tx, in)
			if err != nil {
				return err
			}
			row, err = s.insertKey(ctx, tx, in, secret)
			out = row.key()
			return err
		})
		if !isUniqueViolation(err) {
			break
		}
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("ensure key: %w", err)
	}
	return out, nil
}

// KeyBySecret returns the live key of secret: ErrNotFound when no key has it,
// when its key is revoked, or when the city or the expert profile the key is
// bound to no longer exists (so that deleting a profile locks its keys out
// without a separate revocation). It runs on every authenticated request: one
// query on the unique digest index, its two existence checks on primary keys.
// Nothing is cached, so a revocation holds at once in every process.
func (s *Store) KeyBySecret(ctx context.Context, secret string) (APIKey, error) {
	if secret == "" || len(secret) > 4*maxSecretLen {
		return APIKey{}, fmt.Errorf("find key by secret: %w", ErrNotFound)
	}
	var row keyRow
	if err := s.queryRow(ctx, s.idb(), keyBySecret, []any{&row}, secretDigest(secret)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return APIKey{}, fmt.Errorf("find key by secret: %w", ErrNotFound)
		}
		return APIKey{}, fmt.Errorf("find key by secret: %w", err)
	}
	return row.key(), nil
}

// keyBySecret reads the live key whose secret's digest is $1, as every
// request with a key does (see store_prepared.go).
var keyBySecret = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return db.NewSelect().Model((*keyRow)(nil)).
		Where("k.secret_hash = ?", arg(1)).
		Where("k.revoked_at IS NULL").
		Where("(k.city_id IS NULL OR EXISTS (SELECT 1 FROM cities AS c WHERE c.id = k.city_id))").
		Where("(k.expert_id IS NULL OR EXISTS (SELECT 1 FROM experts AS x WHERE x.id = k.expert_id))")
}}

// FindKeyByID returns the key with id, revoked or not, or ErrNotFound.
func (s *Store) FindKeyByID(ctx context.Context, id string) (APIKey, error) {
	return findKey(ctx, s.idb(), id)
}

func findKey(ctx context.Context, db bun.IDB, id string) (APIKey, error) {
	var row keyRow
	if err := db.NewSelect().Model(&row).Where("k.id = ?", id).Scan(ctx); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return APIKey{}, fmt.Errorf("find key %s: %w", id, ErrNotFound)
		}
		return APIKey{}, fmt.Errorf("find key %s: %w", id, err)
	}
	return row.key(), nil
}

// FindKeys returns one page of the keys, revoked ones included, in ID order
// (creation order).
func (s *Store) FindKeys(ctx context.Context, p Page) (ListResult[APIKey], error) {
	total, err := s.idb().NewSelect().Model((*keyRow)(nil)).Count(ctx)
	if err != nil {
		return ListResult[APIKey]{}, fmt.Errorf("count keys: %w", err)
	}
	var rows []keyRow
	if err := paginate(s.idb().NewSelect().Model(&rows), nil, "k", p).Scan(ctx); err != nil {
		return ListResult[APIKey]{}, fmt.Errorf("find keys: %w", err)
	}
	items := make([]APIKey, len(rows))
	for i := range rows {
		items[i] = rows[i].key()
	}
	return pageOf(items, total, p, func(k APIKey) string { return k.ID }), nil
}

// RevokeKey marks the key with id revoked, now, and returns it; a key revoked
// before keeps its first revocation time. ErrNotFound when there is no such key.
func (s *Store) RevokeKey(ctx context.Context, id string) (APIKey, error) {
	var k APIKey
	err := s.inTx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*keyRow)(nil)).Set("revoked_at = ?", s.timestamp()).
			Where("id = ? AND revoked_at IS NULL", id).Exec(ctx); err != nil {
			return err
		}
		var err error
		k, err = findKey(ctx, tx, id)
		return err
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke key %s: %w", id, err)
	}
	return k, nil
}
