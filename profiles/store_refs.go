package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// External references through the API: an integrator syncing from a CRM sets
// a row's external_ref when it creates or changes the row, and finds the row
// by it. A reference names one row of its kind, exactly as given: references
// are case-sensitive and never trimmed (a CRM's keys "crm-7" and "CRM-7" are
// two keys), as an import compares them. The ref tables' UNIQUE constraint
// keeps them unique inside the writing transaction, concurrent writers
// included.

// withRef narrows q (whose row table has alias) to the row of kind whose
// reference is ref; "" does not filter.
func withRef(q *bun.SelectQuery, ps *binds, kind, alias, ref string) *bun.SelectQuery {
	if ref == "" {
		return q
	}
	return q.Where("?.id IN (SELECT r.id FROM ? AS r WHERE r.ref = ?)", bun.Ident(alias), bun.Ident(refTables[kind]), ps.v(ref))
}

// checkRef returns the field error of a bad reference, or nil.
func checkRef(ref string) *FieldError {
	if len(ref) > MaxRefLen || strings.ContainsFunc(ref, func(r rune) bool { return r < ' ' }) {
		fe := FieldErrorf("external_ref", "must be at most %d bytes without control characters", MaxRefLen)
		return &fe
	}
	return nil
}

// withRefError adds a bad reference's error to those of the row's fields
// (validate's), so that every bad field is named at once.
func withRefError[In any](ref string, in In, validate func(In) (In, error)) error {
	fe := checkRef(ref)
	if fe == nil {
		return nil
	}
	fields := []FieldError{*fe}
	var ve *ValidationError
	if _, err := validate(in); errors.As(err, &ve) {
		fields = append(ve.Fields, fields...)
	}
	return &ValidationError{Fields: fields}
}

// setRef gives the row of kind with id the reference ref ("" removes it), in
// tx; a new row (fresh) has none to remove. A reference another row of the
// kind has is a conflict naming the field.
func setRef(ctx context.Context, tx bun.IDB, kind, id, ref string, fresh bool) error {
	table := refTables[kind]
	if !fresh {
		if _, err := tx.NewDelete().TableExpr("?", bun.Ident(table)).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("clear %s reference: %w", kind, err)
		}
	}
	if ref == "" {
		return nil
	}
	if _, err := tx.NewRaw("INSERT INTO ? (id, ref) VALUES (?, ?)", bun.Ident(table), id, ref).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			t := Sayf("the external_ref %q names another row of this kind already: a reference names one row", ref)
			return &ConflictError{Detail: t.English, Text: t,
				Fields: []FieldError{FieldErrorf("external_ref", "names another row already")}}
		}
		return fmt.Errorf("write %s reference: %w", kind, err)
	}
	return nil
}

// createWithRef runs create and gives the new row its reference, in one
// transaction.
func createWithRef[T, In any](ctx context.Context, s *Store, kind, ref string, in In, validate func(In) (In, error),
	create func(tx *Store) (T, error), meta func(*T) *Meta) (T, error) {
	var out T
	if err := withRefError(ref, in, validate); err != nil {
		return out, err
	}
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if out, err = create(tx); err != nil {
			return err
		}
		m := meta(&out)
		if err := setRef(ctx, *tx.tx, kind, m.ID, ref, true); err != nil {
			return err
		}
		m.ExternalRef = ref
		return nil
	})
	if err != nil {
		var zero T
		return zero, fmt.Errorf("create %s: %w", kind, err)
	}
	return out, nil
}

// updateWithRef runs update with apply, which also receives the row's
// reference and returns the one it will have, and writes that, in one
// transaction. A change of the reference alone is a new version of the row
// too: its representation, and so its ETag, changed.
func updateWithRef[T, In any](ctx context.Context, s *Store, kind, id string, apply func(In, string) (In, string, error),
	validate func(In) (In, error), update func(tx *Store, apply func(In) (In, error)) (T, error), meta func(*T) *Meta) (T, error) {
	var out T
	table := rowTables[kind]
	err := s.InTx(ctx, func(tx *Store) error {
		// The row's version and reference, in one statement that also
		// takes the row's write lock on PostgreSQL (see lockRow).
		var (
			version int64
			ref     *string
		)
		q := tx.idb().NewSelect().TableExpr("? AS t", bun.Ident(table)).Column("t.version").
			ColumnExpr("(SELECT r.ref FROM ? AS r WHERE r.id = t.id)", bun.Ident(refTables[kind])).Where("t.id = ?", id)
		if tx.dialect == Postgres {
			q = q.For("UPDATE OF t")
		}
		if err := q.Scan(ctx, &version, &ref); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("find %s %s: %w", kind, id, ErrNotFound)
			}
			return fmt.Errorf("find %s %s: %w", kind, id, err)
		}
		tx.holdsLock(table, id) // update need not take it again (see lockRow)
		cur := deref(ref)
		next := cur
		var err error
		out, err = update(tx, func(in In) (In, error) {
			var err error
			if in, next, err = apply(in, cur); err != nil {
				return in, err
			}
			return in, withRefError(next, in, validate)
		})
		if err != nil || next == cur {
			return err
		}
		if err := setRef(ctx, *tx.tx, kind, id, next, false); err != nil {
			return err
		}
		m := meta(&out)
		m.ExternalRef = next
		if m.Version == version {
			now := tx.timestamp()
			if _, err := tx.idb().NewUpdate().TableExpr("?", bun.Ident(table)).Set("version = version + 1").Set("updated_at = ?", now).
				Where("id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("update %s %s: %w", kind, id, err)
			}
			m.Version, m.UpdatedAt = version+1, now
			tx.pending.add(kind, id, false)
		}
		return nil
	})
	if err != nil {
		var zero T
		return zero, fmt.Errorf("update %s %s: %w", kind, id, err)
	}
	return out, nil
}

// CreateCityWithRef is CreateCity for a city known by the external reference
// ref ("" for none).
func (s *Store) CreateCityWithRef(ctx context.Context, in CityInput, ref string) (City, error) {
	return createWithRef(ctx, s, KindCity, ref, in, s.v.city,
		func(tx *Store) (City, error) { return tx.CreateCity(ctx, in) }, func(c *City) *Meta { return &c.Meta })
}

// UpdateCityWithRef is UpdateCity whose apply also receives the city's
// external reference ("" for none) and returns the one it will have.
func (s *Store) UpdateCityWithRef(ctx context.Context, id string, ifVersion int64, apply func(CityInput, string) (CityInput, string, error)) (City, error) {
	return updateWithRef(ctx, s, KindCity, id, apply, s.v.city, func(tx *Store, a func(CityInput) (CityInput, error)) (City, error) {
		return tx.UpdateCity(ctx, id, CityUpdate{IfVersion: ifVersion, Apply: a})
	}, func(c *City) *Meta { return &c.Meta })
}

// CreatePracticeWithRef is CreateCityWithRef for a practice.
func (s *Store) CreatePracticeWithRef(ctx context.Context, in PracticeInput, ref string) (Practice, error) {
	return createWithRef(ctx, s, KindPractice, ref, in, s.v.practice,
		func(tx *Store) (Practice, error) { return tx.CreatePractice(ctx, in) }, func(p *Practice) *Meta { return &p.Meta })
}

// UpdatePracticeWithRef is UpdateCityWithRef for a practice.
func (s *Store) UpdatePracticeWithRef(ctx context.Context, id string, ifVersion int64, apply func(PracticeInput, string) (PracticeInput, string, error)) (Practice, error) {
	return updateWithRef(ctx, s, KindPractice, id, apply, s.v.practice, func(tx *Store, a func(PracticeInput) (PracticeInput, error)) (Practice, error) {
		return tx.UpdatePractice(ctx, id, PracticeUpdate{IfVersion: ifVersion, Apply: a})
	}, func(p *Practice) *Meta { return &p.Meta })
}

// CreateChallengeWithRef is CreateCityWithRef for a challenge.
func (s *Store) CreateChallengeWithRef(ctx context.Context, in ChallengeInput, ref string) (Challenge, error) {
	return createWithRef(ctx, s, KindChallenge, ref, in, s.v.challenge,
		func(tx *Store) (Challenge, error) { return tx.CreateChallenge(ctx, in) }, func(c *Challenge) *Meta { return &c.Meta })
}

// UpdateChallengeWithRef is UpdateCityWithRef for a challenge.
func (s *Store) UpdateChallengeWithRef(ctx context.Context, id string, ifVersion int64, apply func(ChallengeInput, string) (ChallengeInput, string, error)) (Challenge, error) {
	return updateWithRef(ctx, s, KindChallenge, id, apply, s.v.challenge, func(tx *Store, a func(ChallengeInput) (ChallengeInput, error)) (Challenge, error) {
		return tx.UpdateChallenge(ctx, id, ChallengeUpdate{IfVersion: ifVersion, Apply: a})
	}, func(c *Challenge) *Meta { return &c.Meta })
}

// CreateExpertWithRef is CreateCityWithRef for an expert.
func (s *Store) CreateExpertWithRef(ctx context.Context, in ExpertInput, ref string) (Expert, error) {
	return createWithRef(ctx, s, KindExpert, ref, in, s.v.expert,
		func(tx *Store) (Expert, error) { return tx.CreateExpert(ctx, in) }, func(e *Expert) *Meta { return &e.Meta })
}

// UpdateExpertWithRef is UpdateCityWithRef for an expert.
func (s *Store) UpdateExpertWithRef(ctx context.Context, id string, ifVersion int64, apply func(ExpertInput, string) (ExpertInput, string, error)) (Expert, error) {
	return updateWithRef(ctx, s, KindExpert, id, apply, s.v.expert, func(tx *Store, a func(ExpertInput) (ExpertInput, error)) (Expert, error) {
		return tx.UpdateExpert(ctx, id, ExpertUpdate{IfVersion: ifVersion, Apply: a})
	}, func(e *Expert) *Meta { return &e.Meta })
}
