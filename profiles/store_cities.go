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

type cityRow struct {
	bun.BaseModel `bun:"table:cities,alias:c"`

	ID           string    `bun:"id,pk"`
	Name         string    `bun:"name"`
	SearchKey    string    `bun:"search_key"`
	Country      string    `bun:"country"`
	Region       string    `bun:"region"`
	Population   *int64    `bun:"population"`
	Kind         string    `bun:"kind"`
	Latitude     *float64  `bun:"latitude"`
	Longitude    *float64  `bun:"longitude"`
	ContactName  *string   `bun:"contact_name"`
	ContactEmail *string   `bun:"contact_email"`
	ContactPhone *string   `bun:"contact_phone"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
	Version      int64     `bun:"version"`

	// Read by whole only.
	Languages   jsonList `bun:"city_languages,scanonly"`
	ExternalRef *string  `bun:"external_ref,scanonly"`
}

// wholeCities makes q read whole cities (see whole).
func wholeCities(q *bun.SelectQuery) *bun.SelectQuery {
	return whole(q, "c", KindCity, cityLanguages)
}

func (r *cityRow) set(in CityInput) {
	r.Name, r.SearchKey, r.Country, r.Region = in.Name, searchKey(in.Name), in.Country, in.Region
	r.Population, r.Kind, r.Latitude, r.Longitude = in.Population, in.Kind, in.Latitude, in.Longitude
	r.ContactName, r.ContactEmail, r.ContactPhone = contactFields(in.Contact)
}

func (r *cityRow) city(langs []string) City {
	return City{
		Meta: Meta{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version, ExternalRef: deref(r.ExternalRef)},
		CityInput: CityInput{
			Name: r.Name, Country: r.Country, Region: r.Region, Population: r.Population, Kind: r.Kind,
			Languages: langs, Latitude: r.Latitude, Longitude: r.Longitude,
			Contact: contactOf(r.ContactName, r.ContactEmail, r.ContactPhone),
		},
	}
}

// CityFilter selects cities in a list. Empty fields do not filter.
type CityFilter struct {
	Country     string
	Region      string
	Language    string
	Q           string // text in the name
	ExternalRef string // the row's external reference, exactly (case-sensitive)
	Page
}

// CreateCity validates in and stores a new city.
func (s *Store) CreateCity(ctx context.Context, in CityInput) (City, error) {
	in, err := s.v.city(in)
	if err != nil {
		return City{}, err
	}
	now := s.timestamp()
	row := cityRow{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
	wrote(ctx, "city", row.ID)
	created(ctx, "cities", row.ID)
	row.set(in)
	err = s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		ch.add("city", row.ID, false)
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert city: %w", err)
		}
		return insertList(ctx, tx, cityLanguages, row.ID, in.Languages)
	})
	if err != nil {
		return City{}, fmt.Errorf("create city: %w", err)
	}
	return row.city(in.Languages), nil
}

// FindCityByID returns the city with id, or ErrNotFound.
func (s *Store) FindCityByID(ctx context.Context, id string) (City, error) {
	return s.findCity(ctx, s.idb(), id)
}

// cityByID reads a city by its ID (see store_prepared.go).
var cityByID = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return wholeCities(db.NewSelect().Model((*cityRow)(nil))).Where("c.id = ?", arg(1))
}}

func (s *Store) findCity(ctx context.Context, db bun.IDB, id string) (City, error) {
	var row cityRow
	if err := s.queryRow(ctx, db, cityByID, []any{&row}, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return City{}, fmt.Errorf("find city %s: %w", id, ErrNotFound)
		}
		return City{}, fmt.Errorf("find city %s: %w", id, err)
	}
	return row.city(row.Languages.list()), nil
}

func (f CityFilter) apply(q *bun.SelectQuery, ps *binds) *bun.SelectQuery {
	if f.Country != "" {
		q = q.Where("c.country = ?", ps.v(strings.ToUpper(f.Country)))
	}
	if f.Region != "" {
		q = q.Where("c.region = ?", ps.v(f.Region))
	}
	if f.Language != "" {
		q = existsIn(q, ps, cityLanguages, "c", strings.ToLower(f.Language))
	}
	if strings.TrimSpace(f.Q) != "" {
		q = q.Where(`c.search_key LIKE ? ESCAPE '\'`, ps.v(likePattern(f.Q)))
	}
	return withRef(q, ps, KindCity, "c", f.ExternalRef)
}

// FindCities returns one page of the cities that match f, in a stable order.
func (s *Store) FindCities(ctx context.Context, f CityFilter) (ListResult[City], error) {
	// A full scan needs no total, and counting a large table per batch is not free.
	total := 0
	if !f.Page.batch && !f.Page.NoTotal {
		var err error
		total, err = s.countRows(ctx, (*cityRow)(nil), f.apply, f.Page)
		if err != nil {
			return ListResult[City]{}, fmt.Errorf("count cities: %w", err)
		}
	}
	var rows []cityRow
	if err := s.pageOfRows(ctx, f.sifts(), f.apply, wholeCities, (*cityRow)(nil), &rows, "c", f.Page); err != nil {
		return ListResult[City]{}, fmt.Errorf("find cities: %w", err)
	}
	items := make([]City, len(rows))
	for i := range rows {
		items[i] = rows[i].city(rows[i].Languages.list())
	}
	return pageOf(items, total, f.Page, func(c City) string { return c.ID }), nil
}

// CityUpdate changes a city: Apply receives the current writable fields and returns
// the new ones; IfVersion, when not zero, is the version the caller last saw.
type CityUpdate struct {
	IfVersion int64
	Apply     func(CityInput) (CityInput, error)
}

// UpdateCity applies u to the city with id atomically: concurrent updates are
// serialised on the row's version, so none is lost.
func (s *Store) UpdateCity(ctx context.Context, id string, u CityUpdate) (City, error) {
	var out City
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "cities", id); err != nil {
			return err
		}
		cur, err := s.findCity(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IfVersion != 0 && u.IfVersion != cur.Version {
			return staleVersion("city", id, u.IfVersion, cur.Version)
		}
		in, err := u.Apply(cur.CityInput)
		if err != nil {
			return err
		}
		if in, err = s.v.city(in); err != nil {
			return err
		}
		if reflect.DeepEqual(in, cur.CityInput) {
			// Nothing changes: no write, no new version, the same ETag.
			out = cur
			return nil
		}
		row := cityRow{ID: id, CreatedAt: cur.CreatedAt, UpdatedAt: s.timestamp(), Version: cur.Version + 1}
		row.set(in)
		if err := updateVersioned(ctx, tx, &row, cur.Version); err != nil {
			return err
		}
		if err := updateList(ctx, tx, cityLanguages, id, cur.Languages, in.Languages); err != nil {
			return err
		}
		ch.add("city", id, false)
		out = row.city(in.Languages)
		out.ExternalRef = cur.ExternalRef
		return nil
	})
	if err != nil {
		return City{}, fmt.Errorf("update city %s: %w", id, err)
	}
	return out, nil
}

// DeleteCity removes the city with id. A city that still has practices, challenges
// or affiliated experts is kept (ErrConflict) unless cascade is set: then its
// practices and challenges are deleted with it and its experts are detached from
// it, since a person's profile outlives their affiliation. With ifVersion (not 0)
// the city is deleted only at that version (a *StaleError otherwise), checked by
// the DELETE itself.
func (s *Store) DeleteCity(ctx context.Context, id string, ifVersion int64, cascade bool) error {
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "cities", id); err != nil {
			return err
		}
		if ok, err := s.cityExists(ctx, tx, id); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("find city %s: %w", id, ErrNotFound)
		}
		var practiceIDs, challengeIDs, expertIDs []string
		if err := tx.NewSelect().Table("practices").Column("id").Where("city_id = ?", id).Scan(ctx, &practiceIDs); err != nil {
			return fmt.Errorf("find practices of city: %w", err)
		}
		if err := tx.NewSelect().Table("challenges").Column("id").Where("city_id = ?", id).Scan(ctx, &challengeIDs); err != nil {
			return fmt.Errorf("find challenges of city: %w", err)
		}
		if err := tx.NewSelect().Table("experts").Column("id").Where("city_id = ?", id).Scan(ctx, &expertIDs); err != nil {
			return fmt.Errorf("find experts of city: %w", err)
		}
		if !cascade && len(practiceIDs)+len(challengeIDs)+len(expertIDs) > 0 {
			return Conflictf(
				"the city still has practices (%d), challenges (%d) and affiliated experts (%d): delete or move them first, or delete with cascade=true (which deletes its practices and challenges and detaches its experts)",
				len(practiceIDs), len(challengeIDs), len(expertIDs))
		}
		for _, t := range []struct {
			table, kind string
			ids         []string
		}{{"practices", "practice", practiceIDs}, {"challenges", "challenge", challengeIDs}} {
			if len(t.ids) == 0 {
				continue
			}
			if _, err := tx.NewDelete().TableExpr(t.table).Where("city_id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("delete %s of city: %w", t.table, err)
			}
			for _, pid := range t.ids {
				ch.add(t.kind, pid, true)
			}
		}
		if len(expertIDs) > 0 {
			if _, err := tx.NewUpdate().Table("experts").Set("city_id = NULL").Set("version = version + 1").
				Set("updated_at = ?", s.timestamp()).Where("city_id = ?", id).Exec(ctx); err != nil {
				return fmt.Errorf("detach experts of city: %w", err)
			}
			for _, eid := range expertIDs {
				ch.add("expert", eid, false)
			}
		}
		// Last, with the version: a city changed meanwhile rolls all of it back.
		if err := deleteVersioned(ctx, tx, "cities", "city", id, ifVersion); err != nil {
			return err
		}
		ch.add("city", id, true)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete city %s: %w", id, err)
	}
	return nil
}

// staleVersion is the conflict of a write made against a version that has changed.
func staleVersion(kind, id string, seen, current int64) error {
	return Stalef("%s %s is at version %d, not %d: read it again and reapply your change", kind, id, current, seen)
}

// updateVersioned writes row only if the stored version is still prev; otherwise
// another writer got there first and the transaction is run again.
func updateVersioned(ctx context.Context, tx bun.Tx, row any, prev int64) error {
	res, err := tx.NewUpdate().Model(row).WherePK().Where("version = ?", prev).ExcludeColumn("created_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return errRetry
	}
	return nil
}

// sifts reports whether f may pass over many rows before a page is full (a
// search, a list, a region), rather than take the rows in ID order or look
// one up (see pageOfRows).
func (f CityFilter) sifts() bool {
	return f.Country != "" || f.Region != "" || f.Language != "" || strings.TrimSpace(f.Q) != ""
}
