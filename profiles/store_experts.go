package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

type expertRow struct {
	bun.BaseModel `bun:"table:experts,alias:e"`

	ID             string    `bun:"id,pk"`
	Name           string    `bun:"name"`
	SearchKey      string    `bun:"search_key"`
	Role           string    `bun:"role"`
	Seniority      string    `bun:"seniority"`
	CityID         *string   `bun:"city_id"`
	Country        string    `bun:"country"`
	Bio            string    `bun:"bio"`
	Capacity       int       `bun:"capacity"`
	AvailableFrom  *string   `bun:"available_from"`
	AvailableUntil *string   `bun:"available_until"`
	Active         bool      `bun:"active"`
	ContactName    *string   `bun:"contact_name"`
	ContactEmail   *string   `bun:"contact_email"`
	ContactPhone   *string   `bun:"contact_phone"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
	Version        int64     `bun:"version"`

	// Read by whole only.
	Languages   jsonList  `bun:"expert_languages,scanonly"`
	Themes      jsonList  `bun:"expert_themes,scanonly"`
	Skills      jsonList  `bun:"expert_skills,scanonly"`
	Modes       jsonList  `bun:"expert_modes,scanonly"`
	Track       trackList `bun:"expert_track_records,scanonly"`
	ExternalRef *string   `bun:"external_ref,scanonly"`
}

// wholeExperts makes q read whole experts (see whole), their track records
// included.
func wholeExperts(q *bun.SelectQuery) *bun.SelectQuery {
	return wholeTrack(whole(q, "e", KindExpert, expertLanguages, expertThemes, expertSkills, expertModes), "e")
}

type trackRecordRow struct {
	bun.BaseModel `bun:"table:expert_track_records,alias:tr"`

	ExpertID string `bun:"expert_id,pk"`
	Position int    `bun:"position,pk"`
	Title    string `bun:"title"`
	Summary  string `bun:"summary"`
	Year     *int   `bun:"year"`
}

func (r *expertRow) set(in ExpertInput) {
	r.Name, r.SearchKey, r.Role, r.Seniority, r.CityID = in.Name, searchKey(in.Name), in.Role, in.Seniority, in.CityID
	r.Country, r.Bio, r.Capacity, r.Active = in.Country, in.Bio, *in.Capacity, *in.Active
	r.AvailableFrom, r.AvailableUntil = nullString(in.AvailableFrom), nullString(in.AvailableUntil)
	r.ContactName, r.ContactEmail, r.ContactPhone = contactFields(in.Contact)
}

type expertLists struct {
	languages, themes, skills, modes []string
	track                            []TrackRecordItem
}

// lists returns the lists whole read.
func (r *expertRow) lists() expertLists {
	return expertLists{r.Languages.list(), r.Themes.list(), r.Skills.list(), r.Modes.list(), r.Track.list()}
}

func listsOfExpert(in ExpertInput) expertLists {
	return expertLists{in.Languages, in.Themes, in.Skills, in.Modes, in.TrackRecord}
}

func (r *expertRow) expert(l expertLists) Expert {
	capacity, active := r.Capacity, r.Active
	return Expert{
		Meta: Meta{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version, ExternalRef: deref(r.ExternalRef)},
		ExpertInput: ExpertInput{
			Name: r.Name, Role: r.Role, Seniority: r.Seniority, CityID: r.CityID, Country: r.Country,
			Languages: l.languages, Bio: r.Bio, Themes: l.themes,
			Skills: l.skills, TrackRecord: l.track, Modes: l.modes,
			Capacity: &capacity, AvailableFrom: deref(r.AvailableFrom), AvailableUntil: deref(r.AvailableUntil),
			Active: &active, Contact: contactOf(r.ContactName, r.ContactEmail, r.ContactPhone),
		},
	}
}

// writeExpertLists writes the lists and the track record of the expert id
// from in: all of them for a new expert (fresh), else those that differ from
// was's.
func writeExpertLists(ctx context.Context, tx bun.IDB, id string, fresh bool, was, in ExpertInput) error {
	err := writeLists(ctx, tx, id, fresh, listWrite{expertLanguages, was.Languages, in.Languages},
		listWrite{expertThemes, was.Themes, in.Themes}, listWrite{expertSkills, was.Skills, in.Skills},
		listWrite{expertModes, was.Modes, in.Modes})
	if err != nil || (!fresh && reflect.DeepEqual(was.TrackRecord, in.TrackRecord)) {
		return err
	}
	if !fresh {
		if _, err := tx.NewDelete().Model((*trackRecordRow)(nil)).Where("expert_id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("clear track record: %w", err)
		}
	}
	if len(in.TrackRecord) == 0 {
		return nil
	}
	rows := make([]trackRecordRow, len(in.TrackRecord))
	for i, t := range in.TrackRecord {
		rows[i] = trackRecordRow{ExpertID: id, Position: i, Title: t.Title, Summary: t.Summary, Year: t.Year}
	}
	if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
		return fmt.Errorf("write track record: %w", err)
	}
	return nil
}

// ExpertFilter selects experts in a list. Empty fields do not filter; Region is
// the region of the expert's affiliated city.
type ExpertFilter struct {
	CityID      string
	Country     string
	Region      string
	Language    string
	Theme       string
	Role        string
	Mode        string
	Q           string // text in the name
	ExternalRef string // the row's external reference, exactly (case-sensitive)
	Page
}

// CreateExpert validates in and stores a new expert profile.
func (s *Store) CreateExpert(ctx context.Context, in ExpertInput) (Expert, error) {
	in, err := s.v.expert(in)
	if err != nil {
		return Expert{}, err
	}
	now := s.timestamp()
	row := expertRow{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
	wrote(ctx, "expert", row.ID)
	created(ctx, "experts", row.ID)
	row.set(in)
	err = s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		ch.add("expert", row.ID, false)
		if in.CityID != nil {
			if err := s.requireCity(ctx, tx, "city_id", *in.CityID); err != nil {
				return err
			}
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert expert: %w", err)
		}
		return writeExpertLists(ctx, tx, row.ID, true, ExpertInput{}, in)
	})
	if err != nil {
		return Expert{}, fmt.Errorf("create expert: %w", err)
	}
	return row.expert(listsOfExpert(in)), nil
}

// FindExpertByID returns the expert with id, or ErrNotFound.
func (s *Store) FindExpertByID(ctx context.Context, id string) (Expert, error) {
	return s.findExpert(ctx, s.idb(), id)
}

// expertByID reads a expert by its ID (see store_prepared.go).
var expertByID = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return wholeExperts(db.NewSelect().Model((*expertRow)(nil))).Where("e.id = ?", arg(1))
}}

func (s *Store) findExpert(ctx context.Context, db bun.IDB, id string) (Expert, error) {
	var row expertRow
	if err := s.queryRow(ctx, db, expertByID, []any{&row}, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Expert{}, fmt.Errorf("find expert %s: %w", id, ErrNotFound)
		}
		return Expert{}, fmt.Errorf("find expert %s: %w", id, err)
	}
	return row.expert(row.lists()), nil
}

func (f ExpertFilter) apply(q *bun.SelectQuery, ps *binds) *bun.SelectQuery {
	if f.CityID != "" {
		q = q.Where("e.city_id = ?", ps.v(f.CityID))
	}
	if f.Country != "" {
		q = q.Where("e.country = ?", ps.v(strings.ToUpper(f.Country)))
	}
	q = cityContext(q, ps, "e", "", f.Region)
	if f.Language != "" {
		q = existsIn(q, ps, expertLanguages, "e", strings.ToLower(f.Language))
	}
	if f.Theme != "" {
		q = existsIn(q, ps, expertThemes, "e", strings.ToLower(f.Theme))
	}
	if f.Role != "" {
		q = q.Where("e.role = ?", ps.v(f.Role))
	}
	if f.Mode != "" {
		q = existsIn(q, ps, expertModes, "e", f.Mode)
	}
	if strings.TrimSpace(f.Q) != "" {
		q = q.Where(`e.search_key LIKE ? ESCAPE '\'`, ps.v(likePattern(f.Q)))
	}
	return withRef(q, ps, KindExpert, "e", f.ExternalRef)
}

// FindExperts returns one page of the experts that match f, in a stable order.
func (s *Store) FindExperts(ctx context.Context, f ExpertFilter) (ListResult[Expert], error) {
	// A full scan needs no total, and counting a large table per batch is not free.
	total := 0
	if !f.Page.batch && !f.Page.NoTotal {
		var err error
		total, err = s.countRows(ctx, (*expertRow)(nil), f.apply, f.Page)
		if err != nil {
			return ListResult[Expert]{}, fmt.Errorf("count experts: %w", err)
		}
	}
	var rows []expertRow
	if err := s.pageOfRows(ctx, f.sifts(), f.apply, wholeExperts, (*expertRow)(nil), &rows, "e", f.Page); err != nil {
		return ListResult[Expert]{}, fmt.Errorf("find experts: %w", err)
	}
	items := make([]Expert, len(rows))
	for i := range rows {
		items[i] = rows[i].expert(rows[i].lists())
	}
	return pageOf(items, total, f.Page, func(e Expert) string { return e.ID }), nil
}

// ExpertUpdate changes an expert; see CityUpdate.
type ExpertUpdate struct {
	IfVersion int64
	Apply     func(ExpertInput) (ExpertInput, error)
}

// UpdateExpert applies u to the expert with id atomically.
func (s *Store) UpdateExpert(ctx context.Context, id string, u ExpertUpdate) (Expert, error) {
	var out Expert
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "experts", id); err != nil {
			return err
		}
		cur, err := s.findExpert(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IfVersion != 0 && u.IfVersion != cur.Version {
			return staleVersion("expert", id, u.IfVersion, cur.Version)
		}
		in, err := u.Apply(cur.ExpertInput)
		if err != nil {
			return err
		}
		if in, err = s.v.expert(in); err != nil {
			return err
		}
		if in.CityID != nil && (cur.CityID == nil || *in.CityID != *cur.CityID) {
			if err := s.requireCity(ctx, tx, "city_id", *in.CityID); err != nil {
				return err
			}
		}
		if reflect.DeepEqual(in, cur.ExpertInput) {
			// Nothing changes: no write, no new version, the same ETag.
			out = cur
			return nil
		}
		row := expertRow{ID: id, CreatedAt: cur.CreatedAt, UpdatedAt: s.timestamp(), Version: cur.Version + 1}
		row.set(in)
		if err := updateVersioned(ctx, tx, &row, cur.Version); err != nil {
			return err
		}
		if err := writeExpertLists(ctx, tx, id, false, cur.ExpertInput, in); err != nil {
			return err
		}
		ch.add("expert", id, false)
		out = row.expert(listsOfExpert(in))
		out.ExternalRef = cur.ExternalRef
		return nil
	})
	if err != nil {
		return Expert{}, fmt.Errorf("update expert %s: %w", id, err)
	}
	return out, nil
}

// DeleteExpert removes the expert with id; with ifVersion (not 0) only at that
// version, a *StaleError otherwise.
func (s *Store) DeleteExpert(ctx context.Context, id string, ifVersion int64) error {
	if err := deleteRow(ctx, s, "experts", "expert", id, ifVersion); err != nil {
		return fmt.Errorf("delete expert %s: %w", id, err)
	}
	return nil
}

// sifts reports whether f may pass over many rows before a page is full (a
// search, a list, a region), rather than take the rows in ID order or look
// one up (see pageOfRows).
func (f ExpertFilter) sifts() bool {
	return f.Country != "" || f.Region != "" || f.Language != "" || f.Theme != "" || f.Role != "" || f.Mode != "" || strings.TrimSpace(f.Q) != ""
}
