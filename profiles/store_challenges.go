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

type challengeRow struct {
	bun.BaseModel `bun:"table:challenges,alias:ch"`

	ID              string    `bun:"id,pk"`
	CityID          string    `bun:"city_id"`
	Title           string    `bun:"title"`
	SearchKey       string    `bun:"search_key"`
	Description     string    `bun:"description"`
	Language        string    `bun:"language"`
	StrategicResult string    `bun:"strategic_result"`
	TimeframeFrom   *string   `bun:"timeframe_from"`
	TimeframeUntil  *string   `bun:"timeframe_until"`
	Status          string    `bun:"status"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
	Version         int64     `bun:"version"`

	// Read by whole only.
	Themes      jsonList `bun:"challenge_themes,scanonly"`
	Modes       jsonList `bun:"challenge_modes,scanonly"`
	Skills      jsonList `bun:"challenge_skills,scanonly"`
	ExternalRef *string  `bun:"external_ref,scanonly"`
}

// wholeChallenges makes q read whole challenges (see whole).
func wholeChallenges(q *bun.SelectQuery) *bun.SelectQuery {
	return whole(q, "ch", KindChallenge, challengeThemes, challengeModes, challengeSkills)
}

func (r *challengeRow) set(in ChallengeInput) {
	r.CityID, r.Title, r.SearchKey, r.Description, r.Language = in.CityID, in.Title, searchKey(in.Title), in.Description, in.Language
	r.StrategicResult, r.Status = in.StrategicResult, in.Status
	r.TimeframeFrom, r.TimeframeUntil = nil, nil
	if in.Timeframe != nil {
		r.TimeframeFrom, r.TimeframeUntil = nullString(in.Timeframe.From), nullString(in.Timeframe.Until)
	}
}

type challengeLists struct{ themes, modes, skills []string }

// lists returns the lists whole read.
func (r *challengeRow) lists() challengeLists {
	return challengeLists{r.Themes.list(), r.Modes.list(), r.Skills.list()}
}

func (r *challengeRow) challenge(l challengeLists) Challenge {
	c := Challenge{
		Meta: Meta{ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version, ExternalRef: deref(r.ExternalRef)},
		ChallengeInput: ChallengeInput{
			CityID: r.CityID, Title: r.Title, Description: r.Description, Language: r.Language,
			Themes: l.themes, Modes: l.modes, SkillsNeeded: l.skills,
			StrategicResult: r.StrategicResult, Status: r.Status,
		},
	}
	if r.TimeframeFrom != nil || r.TimeframeUntil != nil {
		c.Timeframe = &Timeframe{From: deref(r.TimeframeFrom), Until: deref(r.TimeframeUntil)}
	}
	return c
}

// writeChallengeLists writes the lists of the challenge id from in: all of them
// for a new challenge (fresh), else those that differ from was's.
func writeChallengeLists(ctx context.Context, tx bun.IDB, id string, fresh bool, was, in ChallengeInput) error {
	return writeLists(ctx, tx, id, fresh, listWrite{challengeThemes, was.Themes, in.Themes},
		listWrite{challengeModes, was.Modes, in.Modes}, listWrite{challengeSkills, was.SkillsNeeded, in.SkillsNeeded})
}

// ChallengeFilter selects challenges in a list. Empty fields do not filter; Country
// and Region are those of the challenge's city.
type ChallengeFilter struct {
	CityID      string
	Country     string
	Region      string
	Language    string
	Theme       string
	Mode        string
	Status      string
	Q           string // text in the title
	ExternalRef string // the row's external reference, exactly (case-sensitive)
	Page
}

// CreateChallenge validates in and stores a new challenge of an existing city.
func (s *Store) CreateChallenge(ctx context.Context, in ChallengeInput) (Challenge, error) {
	in, err := s.v.challenge(in)
	if err != nil {
		return Challenge{}, err
	}
	now := s.timestamp()
	row := challengeRow{ID: s.newID(), CreatedAt: now, UpdatedAt: now, Version: 1}
	wrote(ctx, "challenge", row.ID)
	created(ctx, "challenges", row.ID)
	row.set(in)
	err = s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		ch.add("challenge", row.ID, false)
		if err := s.requireCity(ctx, tx, "city_id", in.CityID); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert challenge: %w", err)
		}
		return writeChallengeLists(ctx, tx, row.ID, true, ChallengeInput{}, in)
	})
	if err != nil {
		return Challenge{}, fmt.Errorf("create challenge: %w", err)
	}
	return row.challenge(challengeLists{in.Themes, in.Modes, in.SkillsNeeded}), nil
}

// FindChallengeByID returns the challenge with id, or ErrNotFound.
func (s *Store) FindChallengeByID(ctx context.Context, id string) (Challenge, error) {
	return s.findChallenge(ctx, s.idb(), id)
}

// challengeByID reads a challenge by its ID (see store_prepared.go).
var challengeByID = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return wholeChallenges(db.NewSelect().Model((*challengeRow)(nil))).Where("ch.id = ?", arg(1))
}}

func (s *Store) findChallenge(ctx context.Context, db bun.IDB, id string) (Challenge, error) {
	var row challengeRow
	if err := s.queryRow(ctx, db, challengeByID, []any{&row}, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Challenge{}, fmt.Errorf("find challenge %s: %w", id, ErrNotFound)
		}
		return Challenge{}, fmt.Errorf("find challenge %s: %w", id, err)
	}
	return row.challenge(row.lists()), nil
}

func (f ChallengeFilter) apply(q *bun.SelectQuery, ps *binds) *bun.SelectQuery {
	if f.CityID != "" {
		q = q.Where("ch.city_id = ?", ps.v(f.CityID))
	}
	q = cityContext(q, ps, "ch", f.Country, f.Region)
	if f.Language != "" {
		q = q.Where("ch.language = ?", ps.v(strings.ToLower(f.Language)))
	}
	if f.Theme != "" {
		q = existsIn(q, ps, challengeThemes, "ch", strings.ToLower(f.Theme))
	}
	if f.Mode != "" {
		q = existsIn(q, ps, challengeModes, "ch", f.Mode)
	}
	if f.Status != "" {
		q = q.Where("ch.status = ?", ps.v(f.Status))
	}
	if strings.TrimSpace(f.Q) != "" {
		q = q.Where(`ch.search_key LIKE ? ESCAPE '\'`, ps.v(likePattern(f.Q)))
	}
	return withRef(q, ps, KindChallenge, "ch", f.ExternalRef)
}

// FindChallenges returns one page of the challenges that match f, in a stable order.
func (s *Store) FindChallenges(ctx context.Context, f ChallengeFilter) (ListResult[Challenge], error) {
	// A full scan needs no total, and counting a large table per batch is not free.
	total := 0
	if !f.Page.batch && !f.Page.NoTotal {
		var err error
		total, err = s.countRows(ctx, (*challengeRow)(nil), f.apply, f.Page)
		if err != nil {
			return ListResult[Challenge]{}, fmt.Errorf("count challenges: %w", err)
		}
	}
	var rows []challengeRow
	if err := s.pageOfRows(ctx, f.sifts(), f.apply, wholeChallenges, (*challengeRow)(nil), &rows, "ch", f.Page); err != nil {
		return ListResult[Challenge]{}, fmt.Errorf("find challenges: %w", err)
	}
	items := make([]Challenge, len(rows))
	for i := range rows {
		items[i] = rows[i].challenge(rows[i].lists())
	}
	return pageOf(items, total, f.Page, func(c Challenge) string { return c.ID }), nil
}

// ChallengeUpdate changes a challenge; see CityUpdate.
type ChallengeUpdate struct {
	IfVersion int64
	Apply     func(ChallengeInput) (ChallengeInput, error)
}

// UpdateChallenge applies u to the challenge with id atomically.
func (s *Store) UpdateChallenge(ctx context.Context, id string, u ChallengeUpdate) (Challenge, error) {
	var out Challenge
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		if err := s.lockRow(ctx, tx, "challenges", id); err != nil {
			return err
		}
		cur, err := s.findChallenge(ctx, tx, id)
		if err != nil {
			return err
		}
		if u.IfVersion != 0 && u.IfVersion != cur.Version {
			return staleVersion("challenge", id, u.IfVersion, cur.Version)
		}
		in, err := u.Apply(cur.ChallengeInput)
		if err != nil {
			return err
		}
		if in, err = s.v.challenge(in); err != nil {
			return err
		}
		if in.CityID != cur.CityID {
			if err := s.requireCity(ctx, tx, "city_id", in.CityID); err != nil {
				return err
			}
		}
		if reflect.DeepEqual(in, cur.ChallengeInput) {
			// Nothing changes: no write, no new version, the same ETag.
			out = cur
			return nil
		}
		row := challengeRow{ID: id, CreatedAt: cur.CreatedAt, UpdatedAt: s.timestamp(), Version: cur.Version + 1}
		row.set(in)
		if err := updateVersioned(ctx, tx, &row, cur.Version); err != nil {
			return err
		}
		if err := writeChallengeLists(ctx, tx, id, false, cur.ChallengeInput, in); err != nil {
			return err
		}
		ch.add("challenge", id, false)
		out = row.challenge(challengeLists{in.Themes, in.Modes, in.SkillsNeeded})
		out.ExternalRef = cur.ExternalRef
		return nil
	})
	if err != nil {
		return Challenge{}, fmt.Errorf("update challenge %s: %w", id, err)
	}
	return out, nil
}

// DeleteChallenge removes the challenge with id; with ifVersion (not 0) only at that
// version, a *StaleError otherwise.
func (s *Store) DeleteChallenge(ctx context.Context, id string, ifVersion int64) error {
	if err := deleteRow(ctx, s, "challenges", "challenge", id, ifVersion); err != nil {
		return fmt.Errorf("delete challenge %s: %w", id, err)
	}
	return nil
}

// sifts reports whether f may pass over many rows before a page is full (a
// search, a list, a region), rather than take the rows in ID order or look
// one up (see pageOfRows).
func (f ChallengeFilter) sifts() bool {
	return f.Country != "" || f.Region != "" || f.Language != "" || f.Theme != "" || f.Mode != "" || strings.TrimSpace(f.Q) != ""
}
