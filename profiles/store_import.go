package profiles

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// Bulk writes, for imports: many rows of one kind in one transaction, created
// or updated by the reference the network knows them by (external_ref), with
// multi-row statements instead of one round trip per row and list. Every row
// written records its change in the feed like any other write, so that every
// replica's index follows an import.

// The kinds of rows an import or an export holds, as the change feed names them.
const (
	KindCity      = "city"
	KindPractice  = "practice"
	KindChallenge = "challenge"
	KindExpert    = "expert"
)

// Kinds lists the kinds in the order an import writes them: cities first, since
// the others refer to them.
var Kinds = []string{KindCity, KindPractice, KindChallenge, KindExpert}

// refTables names the table of each kind's external references.
var refTables = map[string]string{
	KindCity: "city_refs", KindPractice: "practice_refs", KindChallenge: "challenge_refs", KindExpert: "expert_refs",
}

// rowTables names the table of each kind's rows.
var rowTables = map[string]string{
	KindCity: "cities", KindPractice: "practices", KindChallenge: "challenges", KindExpert: "experts",
}

// MaxRefLen bounds an external reference, in bytes.
const MaxRefLen = 200

// Put is one row of a bulk write: ID names the stored row it replaces ("" for a
// new row), Ref the external reference the row is known by ("" for none), In
// its writable fields.
type Put[T any] struct {
	ID  string
	Ref string
	In  T
}

// PutResult says what a bulk write did: the ID of each row in the order given,
// and how many rows were created, updated, or left as they were because nothing
// in them changed.
type PutResult struct {
	IDs                         []string
	Created, Updated, Unchanged int
}

// ValidateCity returns in normalised as the store keeps it, or a
// *ValidationError naming every bad field. It reads no database: a city_id is
// checked when the row is written.
func (s *Store) ValidateCity(in CityInput) (CityInput, error) { return s.v.city(in) }

// ValidatePractice is ValidateCity for a practice.
func (s *Store) ValidatePractice(in PracticeInput) (PracticeInput, error) { return s.v.practice(in) }

// ValidateChallenge is ValidateCity for a challenge.
func (s *Store) ValidateChallenge(in ChallengeInput) (ChallengeInput, error) {
	return s.v.challenge(in)
}

// ValidateExpert is ValidateCity for an expert.
func (s *Store) ValidateExpert(in ExpertInput) (ExpertInput, error) { return s.v.expert(in) }

// bulkChunk is how many rows one multi-row statement of a bulk write holds. bun
// writes the values into the statement, so that PostgreSQL's limit of 65,535
// parameters does not apply; the chunk keeps each statement a few hundred
// kilobytes.
const bulkChunk = 500

// LookupRefs returns the ID of the stored row of kind each key names: the row
// whose external reference is the key (exactly: references are compared as
// given), or else the row whose ID is the key when that row has no reference
// (as an export writes a row without one). Keys that name nothing are left out.
func (s *Store) LookupRefs(ctx context.Context, kind string, keys []string) (map[string]string, error) {
	refTable, ok := refTables[kind]
	if !ok {
		return nil, fmt.Errorf("lookup references: unknown kind %q", kind)
	}
	out := make(map[string]string, len(keys))
	db := s.idb()
	for start := 0; start < len(keys); start += bulkChunk {
		chunk := keys[start:min(start+bulkChunk, len(keys))]
		var byRef []struct {
			ID  string `bun:"id"`
			Ref string `bun:"ref"`
		}
		if err := db.NewSelect().TableExpr(refTable).Column("id", "ref").Where("ref IN (?)", bun.List(chunk)).Scan(ctx, &byRef); err != nil {
			return nil, fmt.Errorf("lookup %s references: %w", kind, err)
		}
		for _, r := range byRef {
			out[r.Ref] = r.ID
		}
		var rest []string
		for _, k := range chunk {
			if _, ok := out[k]; !ok {
				rest = append(rest, k)
			}
		}
		if len(rest) == 0 {
			continue
		}
		var byID []string
		if err := db.NewSelect().TableExpr("? AS t", bun.Ident(rowTables[kind])).Column("t.id").
			Where("t.id IN (?)", bun.List(rest)).
			Where("NOT EXISTS (SELECT 1 FROM ? AS r WHERE r.id = t.id)", bun.Ident(refTable)).
			Scan(ctx, &byID); err != nil {
			return nil, fmt.Errorf("lookup %s IDs: %w", kind, err)
		}
		for _, id := range byID {
			out[id] = id
		}
	}
	return out, nil
}

// RefsOf returns the external reference of each row of kind in ids that has one.
func (s *Store) RefsOf(ctx context.Context, kind string, ids []string) (map[string]string, error) {
	refTable, ok := refTables[kind]
	if !ok {
		return nil, fmt.Errorf("read references: unknown kind %q", kind)
	}
	return readRefs(ctx, s.idb(), refTable, ids)
}

func readRefs(ctx context.Context, db bun.IDB, refTable string, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for start := 0; start < len(ids); start += bulkChunk {
		chunk := ids[start:min(start+bulkChunk, len(ids))]
		var rows []struct {
			ID  string `bun:"id"`
			Ref string `bun:"ref"`
		}
		if err := db.NewSelect().TableExpr(refTable).Column("id", "ref").Where("id IN (?)", bun.List(chunk)).Scan(ctx, &rows); err != nil {
			return nil, fmt.Errorf("read %s: %w", refTable, err)
		}
		for _, r := range rows {
			out[r.ID] = r.Ref
		}
	}
	return out, nil
}

// stored is what a bulk write needs of a row already stored.
type stored[T any] struct {
	in        T
	version   int64
	createdAt time.Time
}

// written is one row a bulk write stores: new (version 1) or replacing a
// stored one.
type written[T any] struct {
	id        string
	in        T
	version   int64
	createdAt time.Time
	updatedAt time.Time
	replaces  bool
}

// bulkKind is what a bulk write of one kind needs to know.
type bulkKind[T any] struct {
	kind     string
	validate func(T) (T, error)
	// current reads (and, on PostgreSQL, locks) the stored rows with ids.
	current func(ctx context.Context, tx bun.Tx, ids []string) (map[string]stored[T], error)
	// write stores rows: inserts the new ones, overwrites the replaced ones,
	// and rewrites their lists.
	write func(ctx context.Context, tx bun.Tx, rows []written[T]) error
}

// put is the bulk write of one kind: every row is validated, the stored rows
// it replaces are read inside the transaction, rows whose fields did not
// change are left alone, and the rest are written with their references and
// their changes in the feed.
func put[T any](ctx context.Context, s *Store, k bulkKind[T], puts []Put[T]) (PutResult, error) {
	ins := make([]T, len(puts))
	for i, p := range puts {
		in, err := k.validate(p.In)
		if err != nil {
			return PutResult{}, fmt.Errorf("%s %d of %d: %w", k.kind, i+1, len(puts), err)
		}
		ins[i] = in
		if len(p.Ref) > MaxRefLen || strings.ContainsFunc(p.Ref, func(r rune) bool { return r < ' ' }) {
			return PutResult{}, &ValidationError{Fields: []FieldError{FieldErrorf("external_ref", "must be at most %d bytes without control characters", MaxRefLen)}}
		}
	}
	var res PutResult
	err := s.write(ctx, func(tx bun.Tx, ch *changeSet) error {
		res = PutResult{IDs: make([]string, len(puts))}
		var ids []string
		seen := map[string]bool{}
		for _, p := range puts {
			if p.ID != "" {
				if seen[p.ID] {
					return Conflictf("%s %s is given twice in one import", k.kind, p.ID)
				}
				seen[p.ID] = true
				ids = append(ids, p.ID)
			}
		}
		cur := map[string]stored[T]{}
		for start := 0; start < len(ids); start += bulkChunk {
			chunk := ids[start:min(start+bulkChunk, len(ids))]
			c, err := k.current(ctx, tx, chunk)
			if err != nil {
				return err
			}
			for id, v := range c {
				cur[id] = v
			}
		}
		refs, err := readRefs(ctx, tx, refTables[k.kind], ids)
		if err != nil {
			return err
		}
		now := s.timestamp()
		var rows []written[T]
		type refRow struct{ id, ref string }
		var newRefs []refRow
		for i, p := range puts {
			w := written[T]{id: p.ID, in: ins[i], version: 1, createdAt: now, updatedAt: now}
			if p.ID == "" {
				w.id = s.newID()
				res.Created++
			} else {
				c, ok := cur[p.ID]
				if !ok {
					return fmt.Errorf("%s %s: %w", k.kind, p.ID, ErrNotFound)
				}
				if old, has := refs[p.ID]; has && p.Ref != "" && old != p.Ref {
					return &ConflictError{Detail: fmt.Sprintf("%s %s is known by the reference %q, not %q", k.kind, p.ID, old, p.Ref)}
				}
				if reflect.DeepEqual(c.in, ins[i]) {
					// The fields are as stored: no write, no new version;
					// a row found by its ID takes the reference it was
					// given.
					if _, has := refs[p.ID]; p.Ref != "" && !has {
						newRefs = append(newRefs, refRow{p.ID, p.Ref})
						refs[p.ID] = p.Ref
					}
					res.IDs[i] = p.ID
					res.Unchanged++
					continue
				}
				w.version, w.createdAt, w.replaces = c.version+1, c.createdAt, true
				res.Updated++
			}
			if p.Ref != "" {
				if _, has := refs[w.id]; !has {
					newRefs = append(newRefs, refRow{w.id, p.Ref})
					refs[w.id] = p.Ref
				}
			}
			res.IDs[i] = w.id
			rows = append(rows, w)
			ch.add(k.kind, w.id, false)
		}
		for start := 0; start < len(rows); start += bulkChunk {
			if err := k.write(ctx, tx, rows[start:min(start+bulkChunk, len(rows))]); err != nil {
				return err
			}
		}
		if s.conn != nil && len(newRefs) > 0 {
			rows := make([][]any, len(newRefs))
			for i, r := range newRefs {
				rows[i] = []any{r.id, r.ref}
			}
			if err := s.copyFrom(ctx, refTables[k.kind], []string{"id", "ref"}, rows); err != nil {
				if isUniqueViolation(err) {
					return &ConflictError{Detail: fmt.Sprintf("another write gave one of these %s references to another row meanwhile: import again", k.kind)}
				}
				return fmt.Errorf("write %s references: %w", k.kind, err)
			}
			newRefs = nil
		}
		for start := 0; start < len(newRefs); start += bulkChunk {
			chunk := newRefs[start:min(start+bulkChunk, len(newRefs))]
			var b strings.Builder
			args := make([]any, 0, 1+2*len(chunk))
			args = append(args, bun.Ident(refTables[k.kind]))
			b.WriteString("INSERT INTO ? (id, ref) VALUES ")
			for j, r := range chunk {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?)")
				args = append(args, r.id, r.ref)
			}
			if _, err := tx.NewRaw(b.String(), args...).Exec(ctx); err != nil {
				if isUniqueViolation(err) {
					return &ConflictError{Detail: fmt.Sprintf("another write gave one of these %s references to another row meanwhile: import again", k.kind)}
				}
				return fmt.Errorf("write %s references: %w", k.kind, err)
			}
		}
		return nil
	})
	if err != nil {
		return PutResult{}, fmt.Errorf("import %ss: %w", k.kind, err)
	}
	return res, nil
}

// lockRows locks the rows with ids of table on PostgreSQL for the rest of the
// transaction (SQLite's immediate transaction holds the whole database).
func (s *Store) lockRows(ctx context.Context, tx bun.Tx, table string, ids []string) error {
	if s.dialect != Postgres || len(ids) == 0 {
		return nil
	}
	if _, err := tx.NewRaw("SELECT 1 FROM ? WHERE id IN (?) FOR UPDATE", bun.Ident(table), bun.List(ids)).Exec(ctx); err != nil {
		return fmt.Errorf("lock %s rows: %w", table, err)
	}
	return nil
}

// upsertRows inserts rows (a pointer to a slice of a row struct) and, for those
// whose ID is stored already, overwrites every column but id and created_at.
func upsertRows(ctx context.Context, tx bun.Tx, rows any) error {
	t := tx.Dialect().Tables().Get(reflect.TypeOf(rows).Elem().Elem())
	q := tx.NewInsert().Model(rows).On("CONFLICT (id) DO UPDATE")
	for _, f := range t.Fields {
		if f.Name == "id" || f.Name == "created_at" {
			continue
		}
		q = q.Set("? = EXCLUDED.?", bun.Ident(f.Name), bun.Ident(f.Name))
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("write %s: %w", t.Name, err)
	}
	return nil
}

// writeRows stores the rows of a bulk write: when the store can copy (see
// copyFrom), the new ones are copied and those that replace a stored row
// upserted; otherwise all of them are upserted in one statement.
func writeRows[R any](ctx context.Context, s *Store, tx bun.Tx, rows []R, replaces func(i int) bool) error {
	if s.conn == nil {
		return upsertRows(ctx, tx, &rows)
	}
	var fresh, old []R
	for i := range rows {
		if replaces(i) {
			old = append(old, rows[i])
		} else {
			fresh = append(fresh, rows[i])
		}
	}
	if len(old) > 0 {
		if err := upsertRows(ctx, tx, &old); err != nil {
			return err
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	t := tx.Dialect().Tables().Get(reflect.TypeFor[R]())
	cols := make([]string, len(t.Fields))
	for j, f := range t.Fields {
		cols[j] = f.Name
	}
	vals := make([][]any, len(fresh))
	for i := range fresh {
		v := reflect.ValueOf(&fresh[i]).Elem()
		r := make([]any, len(t.Fields))
		for j, f := range t.Fields {
			if fv := f.Value(v); !(f.IsPtr && fv.IsNil()) && !(f.NullZero && f.IsZero(fv)) {
				r[j] = fv.Interface()
			}
		}
		vals[i] = r
	}
	if err := s.copyFrom(ctx, t.Name, cols, vals); err != nil {
		return fmt.Errorf("write %s: %w", t.Name, err)
	}
	return nil
}

// copyFrom writes rows into table with PostgreSQL's COPY, on the connection
// of the store's transaction (so inside it). An import's rows are a few
// hundred kilobytes of text per statement: sent as COPY data, the server
// neither parses nor plans them as SQL, which halves its work on the rows and
// lists of an import (see docs/benchmarks.md). Only a store from InTx on
// PostgreSQL has the connection.
func (s *Store) copyFrom(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return s.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy into %s: the connection is a %T, not pgx's", table, dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
}

// replaceLists rewrites, for every owner, its list in spec's table: the lists
// of replaced rows are cleared first, then every list is inserted with
// multi-row statements, or copied when the store can.
func (s *Store) replaceLists(ctx context.Context, tx bun.IDB, spec listSpec, owners []string, replaced []string, values func(i int) []string) error {
	if len(replaced) > 0 {
		if _, err := tx.NewDelete().TableExpr(spec.table).Where("? IN (?)", bun.Ident(spec.owner), bun.List(replaced)).Exec(ctx); err != nil {
			return fmt.Errorf("clear %s: %w", spec.table, err)
		}
	}
	if s.conn != nil {
		var rows [][]any
		for i, owner := range owners {
			for pos, v := range values(i) {
				rows = append(rows, []any{owner, v, pos})
			}
		}
		if err := s.copyFrom(ctx, spec.table, []string{spec.owner, spec.column, "position"}, rows); err != nil {
			return fmt.Errorf("write %s: %w", spec.table, err)
		}
		return nil
	}
	var b strings.Builder
	var args []any
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		if _, err := tx.NewRaw(b.String(), args...).Exec(ctx); err != nil {
			return fmt.Errorf("write %s: %w", spec.table, err)
		}
		b.Reset()
		args, n = args[:0], 0
		return nil
	}
	for i, owner := range owners {
		for pos, v := range values(i) {
			if n == 0 {
				b.WriteString("INSERT INTO ? (?, ?, position) VALUES ")
				args = append(args, bun.Ident(spec.table), bun.Ident(spec.owner), bun.Ident(spec.column))
			} else {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, owner, v, pos)
			n++
			if n == 4*bulkChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// splitWritten returns the IDs of rows and those of the rows that replace a
// stored one.
func splitWritten[T any](rows []written[T]) (ids, replaced []string) {
	ids = make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
		if r.replaces {
			replaced = append(replaced, r.id)
		}
	}
	return ids, replaced
}

// PutCities creates or updates many cities in one transaction (see Put).
func (s *Store) PutCities(ctx context.Context, puts []Put[CityInput]) (PutResult, error) {
	return put(ctx, s, bulkKind[CityInput]{
		kind:     KindCity,
		validate: s.v.city,
		current: func(ctx context.Context, tx bun.Tx, ids []string) (map[string]stored[CityInput], error) {
			if err := s.lockRows(ctx, tx, "cities", ids); err != nil {
				return nil, err
			}
			var rows []cityRow
			if err := wholeCities(tx.NewSelect().Model(&rows)).Where("c.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
				return nil, fmt.Errorf("read cities: %w", err)
			}
			out := make(map[string]stored[CityInput], len(rows))
			for i := range rows {
				c := rows[i].city(rows[i].Languages.list())
				out[c.ID] = stored[CityInput]{in: c.CityInput, version: c.Version, createdAt: c.CreatedAt}
			}
			return out, nil
		},
		write: func(ctx context.Context, tx bun.Tx, ws []written[CityInput]) error {
			rows := make([]cityRow, len(ws))
			for i, w := range ws {
				rows[i] = cityRow{ID: w.id, CreatedAt: w.createdAt, UpdatedAt: w.updatedAt, Version: w.version}
				rows[i].set(w.in)
			}
			if err := writeRows(ctx, s, tx, rows, func(i int) bool { return ws[i].replaces }); err != nil {
				return err
			}
			ids, replaced := splitWritten(ws)
			return s.replaceLists(ctx, tx, cityLanguages, ids, replaced, func(i int) []string { return ws[i].in.Languages })
		},
	}, puts)
}

// PutPractices creates or updates many practices in one transaction (see Put).
// Their cities must be stored.
func (s *Store) PutPractices(ctx context.Context, puts []Put[PracticeInput]) (PutResult, error) {
	return put(ctx, s, bulkKind[PracticeInput]{
		kind:     KindPractice,
		validate: s.v.practice,
		current: func(ctx context.Context, tx bun.Tx, ids []string) (map[string]stored[PracticeInput], error) {
			if err := s.lockRows(ctx, tx, "practices", ids); err != nil {
				return nil, err
			}
			var rows []practiceRow
			if err := wholePractices(tx.NewSelect().Model(&rows)).Where("p.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
				return nil, fmt.Errorf("read practices: %w", err)
			}
			out := make(map[string]stored[PracticeInput], len(rows))
			for i := range rows {
				p := rows[i].practice(rows[i].Themes.list())
				out[p.ID] = stored[PracticeInput]{in: p.PracticeInput, version: p.Version, createdAt: p.CreatedAt}
			}
			return out, nil
		},
		write: func(ctx context.Context, tx bun.Tx, ws []written[PracticeInput]) error {
			rows := make([]practiceRow, len(ws))
			for i, w := range ws {
				rows[i] = practiceRow{ID: w.id, CreatedAt: w.createdAt, UpdatedAt: w.updatedAt, Version: w.version}
				rows[i].set(w.in)
			}
			if err := writeRows(ctx, s, tx, rows, func(i int) bool { return ws[i].replaces }); err != nil {
				return cityMissing(err)
			}
			ids, replaced := splitWritten(ws)
			return s.replaceLists(ctx, tx, practiceThemes, ids, replaced, func(i int) []string { return ws[i].in.Themes })
		},
	}, puts)
}

// PutChallenges creates or updates many challenges in one transaction (see
// Put). Their cities must be stored.
func (s *Store) PutChallenges(ctx context.Context, puts []Put[ChallengeInput]) (PutResult, error) {
	return put(ctx, s, bulkKind[ChallengeInput]{
		kind:     KindChallenge,
		validate: s.v.challenge,
		current: func(ctx context.Context, tx bun.Tx, ids []string) (map[string]stored[ChallengeInput], error) {
			if err := s.lockRows(ctx, tx, "challenges", ids); err != nil {
				return nil, err
			}
			var rows []challengeRow
			if err := wholeChallenges(tx.NewSelect().Model(&rows)).Where("ch.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
				return nil, fmt.Errorf("read challenges: %w", err)
			}
			out := make(map[string]stored[ChallengeInput], len(rows))
			for i := range rows {
				c := rows[i].challenge(rows[i].lists())
				out[c.ID] = stored[ChallengeInput]{in: c.ChallengeInput, version: c.Version, createdAt: c.CreatedAt}
			}
			return out, nil
		},
		write: func(ctx context.Context, tx bun.Tx, ws []written[ChallengeInput]) error {
			rows := make([]challengeRow, len(ws))
			for i, w := range ws {
				rows[i] = challengeRow{ID: w.id, CreatedAt: w.createdAt, UpdatedAt: w.updatedAt, Version: w.version}
				rows[i].set(w.in)
			}
			if err := writeRows(ctx, s, tx, rows, func(i int) bool { return ws[i].replaces }); err != nil {
				return cityMissing(err)
			}
			ids, replaced := splitWritten(ws)
			for _, l := range []struct {
				spec   listSpec
				values func(i int) []string
			}{
				{challengeThemes, func(i int) []string { return ws[i].in.Themes }},
				{challengeModes, func(i int) []string { return ws[i].in.Modes }},
				{challengeSkills, func(i int) []string { return ws[i].in.SkillsNeeded }},
			} {
				if err := s.replaceLists(ctx, tx, l.spec, ids, replaced, l.values); err != nil {
					return err
				}
			}
			return nil
		},
	}, puts)
}

// PutExperts creates or updates many experts in one transaction (see Put).
// Their affiliation cities must be stored.
func (s *Store) PutExperts(ctx context.Context, puts []Put[ExpertInput]) (PutResult, error) {
	return put(ctx, s, bulkKind[ExpertInput]{
		kind:     KindExpert,
		validate: s.v.expert,
		current: func(ctx context.Context, tx bun.Tx, ids []string) (map[string]stored[ExpertInput], error) {
			if err := s.lockRows(ctx, tx, "experts", ids); err != nil {
				return nil, err
			}
			var rows []expertRow
			if err := wholeExperts(tx.NewSelect().Model(&rows)).Where("e.id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
				return nil, fmt.Errorf("read experts: %w", err)
			}
			out := make(map[string]stored[ExpertInput], len(rows))
			for i := range rows {
				e := rows[i].expert(rows[i].lists())
				out[e.ID] = stored[ExpertInput]{in: e.ExpertInput, version: e.Version, createdAt: e.CreatedAt}
			}
			return out, nil
		},
		write: func(ctx context.Context, tx bun.Tx, ws []written[ExpertInput]) error {
			rows := make([]expertRow, len(ws))
			for i, w := range ws {
				rows[i] = expertRow{ID: w.id, CreatedAt: w.createdAt, UpdatedAt: w.updatedAt, Version: w.version}
				rows[i].set(w.in)
			}
			if err := writeRows(ctx, s, tx, rows, func(i int) bool { return ws[i].replaces }); err != nil {
				return cityMissing(err)
			}
			ids, replaced := splitWritten(ws)
			for _, l := range []struct {
				spec   listSpec
				values func(i int) []string
			}{
				{expertLanguages, func(i int) []string { return ws[i].in.Languages }},
				{expertThemes, func(i int) []string { return ws[i].in.Themes }},
				{expertSkills, func(i int) []string { return ws[i].in.Skills }},
				{expertModes, func(i int) []string { return ws[i].in.Modes }},
			} {
				if err := s.replaceLists(ctx, tx, l.spec, ids, replaced, l.values); err != nil {
					return err
				}
			}
			if len(replaced) > 0 {
				if _, err := tx.NewDelete().Model((*trackRecordRow)(nil)).Where("expert_id IN (?)", bun.List(replaced)).Exec(ctx); err != nil {
					return fmt.Errorf("clear track records: %w", err)
				}
			}
			var track []trackRecordRow
			for _, w := range ws {
				for pos, t := range w.in.TrackRecord {
					track = append(track, trackRecordRow{ExpertID: w.id, Position: pos, Title: t.Title, Summary: t.Summary, Year: t.Year})
				}
			}
			if s.conn != nil {
				return writeRows(ctx, s, tx, track, func(int) bool { return false })
			}
			for start := 0; start < len(track); start += bulkChunk {
				chunk := track[start:min(start+bulkChunk, len(track))]
				if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
					return fmt.Errorf("write track records: %w", err)
				}
			}
			return nil
		},
	}, puts)
}

// cityMissing turns a foreign-key failure on city_id (a city deleted while the
// import ran) into a conflict a person can act on.
func cityMissing(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "foreign key") {
		return &ConflictError{Detail: "a city the import refers to was deleted while it ran: import again"}
	}
	return err
}

// ExistingIDs returns which of ids name a stored row of kind.
func (s *Store) ExistingIDs(ctx context.Context, kind string, ids []string) (map[string]bool, error) {
	table, ok := rowTables[kind]
	if !ok {
		return nil, fmt.Errorf("find IDs: unknown kind %q", kind)
	}
	out := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += bulkChunk {
		var found []string
		if err := s.idb().NewSelect().TableExpr("?", bun.Ident(table)).Column("id").
			Where("id IN (?)", bun.List(ids[start:min(start+bulkChunk, len(ids))])).Scan(ctx, &found); err != nil {
			return nil, fmt.Errorf("find %s IDs: %w", kind, err)
		}
		for _, id := range found {
			out[id] = true
		}
	}
	return out, nil
}
