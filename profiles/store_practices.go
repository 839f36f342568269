package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

type practiceRow struct {
	bun.BaseModel `bun:"table:practices,alias:p"`

	ID              string    `bun:"id,pk"`
	CityID          string    `bun:"city_id"`
	Title           string    `bun:"title"`
	SearchKey       string    `bun:"search_key"`
	Description     string    `bun:"description"`
	Language        string    `bun:"language"`
	PeriodStart     *int      `bun:"period_start"`
	PeriodEnd       *int      `bun:"period_end"`
	Results         string    `bun:"results"`
	LessonsLearned  string    `bun:"lessons_learned"`
	Transferability string    `bun:"transferability"`
	Status          string    `bun:"status"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
	Version         int64     `bun:"version"`

	// Read by whole only.
	Themes      jsonList `bun:"practice_themes,scanonly"`
	ExternalRef *string  `bun:"external_ref,scanonly"`
}

// wholePractices makes q read whole practices (see whole).
func wholePractices(q *bun.SelectQuery) *bun.SelectQuery {
	return whole(q, "p", KindPractice, practiceThemes)
}

func (r *practiceRow) set(in PracticeInput) {
	r.CityID, r.Title, r.SearchKey, r.Description, r.Language = in.CityID, in.Title, searchKey(in.Title), in.Description, in.Language
	r.PeriodStart, r.PeriodEnd = nil, nil
	if in.Period != nil {
		r.PeriodStart, r.PeriodEnd = in.Period.Start, in.Period.End
	}
	r.Results, r.LessonsLearned, r.Transferability, r.Status = in.Results, in.LessonsLearned, in.Transferability, in.Status
}

func (r *practiceRow) practice(themes []string) Practice {
	p := Practice{
		Meta: Meta{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version, ExternalRef: deref(r.ExternalRef)},
		PracticeInput: PracticeInput{
			CityID: r.CityID, Title: r.Title, Description: r.Description, Language: r.Language, Themes: themes,
			Results: r.Results, LessonsLearned: r.LessonsLearned, Transferability: r.Transferability, Status: r.Status,
		},
	}
	if r.PeriodStart != nil || r.PeriodEnd != nil {
		p.Period = &Period{Start: r.PeriodStart, End: r.PeriodEnd}
	}
	return p
}

// PracticeFilter selects practices in a list. Empty fields do not filter; Country
// and Region are those of the practice's city.
type PracticeFilter struct {
	CityID   string
	Country  string
	Region   string
	Language string
	Theme    string
	Status   string
	Q        string // text in the title
	// DraftsOf, when set, keeps draft practices out of the list but those of
	// the city it names (none when it names no city): a draft is visible to
	// its city and the secretariat only. Nil lists drafts with the rest.
	DraftsOf    *string
	ExternalRef string // the row's external reference, exactly (case-sensitive)
	Page
}

// CreatePractice validates in and stores a new practice of an existing city.
func (s *Store) CreatePractice(ctx context.Context, in PracticeInput) (Practice, error) {
	in, err := s.v.practice(in)
	if err != nil {
		return Practice{}, err
	}
	now := s.timestamp()
	row := practiceRow{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
	wrote(ctx, "practice", row.ID)
	created(ctx, "practices", row.ID)
	row.set(in)
	err = s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		ch.add("practice", row.ID, false)
		if err := s.requireCity(ctx, tx, "city_id", in.CityID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert practice: %w", err)
		}
		return insertList(ctx, tx, practiceThemes, row.ID, in.Themes)
	})
	if err != nil {
		return Practice{}, fmt.Errorf("create practice: %w", err)
	}
	return row.practice(in.Themes), nil
}

// requireCity turns a reference to a missing city into a validation error of field.
func (s *Store) requireCity(ctx context.Context, tx bun.IDB, field, id string) error {
	ok, err := s.cityExists(ctx, tx, id)
	if err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: []FieldError{FieldErrorf(field, "no city with id %q", id)}}
	}
	return nil
}

// FindPracticeByID returns the practice with id, or ErrNotFound.
func (s *Store) FindPracticeByID(ctx context.Context, id string) (Practice, error) {
	return s.findPractice(ctx, s.idb(), id)
}

// practiceByID reads a practice by its ID (see store_prepared.go).
var practiceByID = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return wholePractices(db.NewSelect().Model((*practiceRow)(nil))).Where("p.id = ?", arg(1))
}}

func (s *Store) findPractice(ctx context.Context, db bun.IDB, id string) (Practice, error) {
	var row practiceRow
	if err := s.queryRow(ctx, db, practiceByID, []any{&row}, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Practice{}, fmt.Errorf("find practice %s: %w", id, ErrNotFound)
		}
		return Practice{}, fmt.Errorf("find practice %s: %w", id, err)
	}
	return row.practice(row.Themes.list()), nil
}

func (f PracticeFilter) apply(q *bun.SelectQuery, ps *binds) *bun.SelectQuery {
	if f.CityID != "" {
		q = q.Where("p.city_id = ?", ps.v(f.CityID))
	}
	q = cityContext(q, ps, "p", f.Country, f.Region)
	if f.Language != "" {
		q = q.Where("p.language = ?", ps.v(strings.ToLower(f.Language)))
	}
	if f.Theme != "" {
		q = existsIn(q, ps, practiceThemes, "p", strings.ToLower(f.Theme))
	}
	if f.Status != "" {
		q = q.Where("p.status = ?", ps.v(f.Status))
	}
	if f.DraftsOf != nil {
		// The statuses other than draft by equality, so that the status
		// index answers (a count over "<> draft" scanned every row).
		shown := ps.in(slices.DeleteFunc(slices.Clone(PracticeStatuses), func(st string) bool { return st == "draft" }))
		if *f.DraftsOf == "" {
			q = q.Where("p.status IN (?)", shown)
		} else {
			q = q.Where("(p.status IN (?) OR p.city_id = ?)", shown, ps.v(*f.DraftsOf))
		}
	}
	if strings.TrimSpace(f.Q) != "" {
		q = q.Where(`p.search_key LIKE ? ESCAPE '\'`, ps.v(likePattern(f.Q)))
	}
	return withRef(q, ps, KindPractice, "p", f.ExternalRef)
}

// cityContext filters rows of alias by the country and region of their city.
func cityContext(q *bun.SelectQuery, ps *binds, alias, country, region string) *bun.SelectQuery {
	// "city_id IN (…)" rather than a correlated EXISTS, as existsIn says.
	if country != "" {
		q = q.Where("?.city_id IN (SELECT cc.id FROM cities AS cc WHERE cc.country = ?)", bun.Ident(alias), ps.v(strings.ToUpper(country)))
	}
	if region != "" {
		q = q.Where("?.city_id IN (SELECT cr.id FROM cities AS cr WHERE cr.region = ?)", bun.Ident(alias), ps.v(region))
	}
	return q
}

// FindPractices returns one page of the practices that match f, in a stable order.
func (s *Store) FindPractices(ctx context.Context, f PracticeFilter) (ListResult[Practice], error) {
	// A full scan needs no total, and counting a large table per batch is not free.
	total := 0
	if !f.Page.batch && !f.Page.NoTotal {
		var err error
		total, err = s.countRows(ctx, (*practiceRow)(nil), f.apply, f.Page)
		if err != nil {
			return ListResult[Practice]{}, fmt.Errorf("count practices: %w", err)
		}
	}
	var rows []practiceRow
	if err := s.pageOfRows(ctx, f.sifts(), f.apply, wholePractices, (*practiceRow)(nil), &rows, "p", f.Page); err != nil {
		return ListResult[Practice]{}, fmt.Errorf("find practices: %w", err)
	}
	items := make([]Practice, len(rows))
	for i := range rows {
		items[i] = rows[i].practice(rows[i].Themes.list())
	}
	return pageOf(items, total, f.Page, func(p Practice) string { return p.ID }), nil
}

// PracticeUpdate changes a practice; see CityUpdate.
type PracticeUpdate struct {
	IfVersion int64
	Apply     func(PracticeInput) (PracticeInput, error)
}

// UpdatePractice applies u to the practice with id atomically.
func (s *Store) UpdatePractice(ctx context.Context, id string, u PracticeUpdate) (Practice, error) {
	var out Practice
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "practices", id); err != nil {
			return err
		}
		cur, err := s.findPractice(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IfVersion != 0 && u.IfVersion != cur.Version {
			return staleVersion("practice", id, u.IfVersion, cur.Version)
		}
		in, err := u.Apply(cur.PracticeInput)
		if err != nil {
			return err
		}
		if in, err = s.v.practice(in); err != nil {
			return err
		}
		if in.CityID != cur.CityID {
			if err := s.requireCity(ctx, tx, "city_id", in.CityID); err != nil {
				return err
			}
		}
		if reflect.DeepEqual(in, cur.PracticeInput) {
			// Nothing changes: no write, no new version, the same ETag.
			out = cur
			return nil
		}
		row := practiceRow{ID: id, CreatedAt: cur.CreatedAt, UpdatedAt: s.timestamp(), Version: cur.Version + 1}
		row.set(in)
		if err := updateVersioned(ctx, tx, &row, cur.Version); err != nil {
			return err
		}
		if err := updateList(ctx, tx, practiceThemes, id, cur.Themes, in.Themes); err != nil {
			return err
		}
		ch.add("practice", id, false)
		out = row.practice(in.Themes)
		out.ExternalRef = cur.ExternalRef
		return nil
	})
	if err != nil {
		return Practice{}, fmt.Errorf("update practice %s: %w", id, err)
	}
	return out, nil
}

// DeletePractice removes the practice with id; with ifVersion (not 0) only at
// that version, a *StaleError otherwise.
func (s *Store) DeletePractice(ctx context.Context, id string, ifVersion int64) error {
	if err := deleteRow(ctx, s, "practices", "practice", id, ifVersion); err != nil {
		return fmt.Errorf("delete practice %s: %w", id, err)
	}
	return nil
}

// deleteRow deletes one row by ID from table, with its change; its join rows
// go with it (ON DELETE CASCADE). With ifVersion (not 0) the version is checked
// by the DELETE itself, so that a change committed in between is never deleted
// unseen; when nothing was deleted, the same transaction tells a missing row
// (ErrNotFound) from a changed one (*StaleError).
func deleteRow(ctx context.Context, s *Store, table, kind, id string, ifVersion int64) error {
	return s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := deleteVersioned(ctx, tx, table, kind, id, ifVersion); err != nil {
			return err
		}
		ch.add(kind, id, true)
		return nil
	})
}

// deleteVersioned is deleteRow inside a transaction.
func deleteVersioned(ctx context.Context, tx bun.IDB, table, kind, id string, ifVersion int64) error {
	q := tx.NewDelete().TableExpr(table).Where("id = ?", id)
	if ifVersion != 0 {
		q = q.Where("version = ?", ifVersion)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	var current int64
	if err := tx.NewSelect().TableExpr(table).Column("version").Where("id = ?", id).Scan(ctx, &current); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	}
	return Stalef("%s %s is at version %d, not %d: read it again before deleting it", kind, id, current, ifVersion)
}

// sifts reports whether f may pass over many rows before a page is full (a
// search, a list, a region), rather than take the rows in ID order or look
// one up (see pageOfRows).
func (f PracticeFilter) sifts() bool {
	return f.Country != "" || f.Region != "" || f.Language != "" || f.Theme != "" || strings.TrimSpace(f.Q) != ""
}
