package profiles

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// The list pages and their counts are built with bun, whose filters differ
// from one request to the next, but their values go apart from the text as
// those of store_prepared.go do: bun writes a mark where a filter's value
// goes, and the values are sent beside it. A page's text then depends only on
// which filters are set and on its size, so that SQLite keeps it prepared
// (see sqliteStmts) instead of parsing every page again; it re-prepares a
// statement by itself when a bound value could change its plan (its
// statistics keep the spread of values, SQLITE_ENABLE_STAT4). PostgreSQL
// plans each page with its values, at each run (see apart): the plan of a
// region's cities depends on the region.

// binds collects, in order, the values of one statement that bun writes
// with marks in their place.
type binds struct {
	pg   bool
	args []any
}

// binds returns a collector for one statement of the store's dialect.
func (s *Store) binds() *binds { return &binds{pg: s.dialect == Postgres} }

// v stands for the value x in a query built for ps. A nil ps writes x into
// the text, as bun writes any value.
func (ps *binds) v(x any) any {
	if ps == nil {
		return x
	}
	return param{ps, []any{x}}
}

// in stands for the values xs of an "IN (?)" in a query built for ps.
func (ps *binds) in(xs []string) any {
	if ps == nil {
		return bun.List(xs)
	}
	vs := make([]any, len(xs))
	for i, x := range xs {
		vs[i] = x
	}
	return param{ps, vs}
}

// param is one or more values of a statement, written as marks separated by
// commas ($1, $2 on PostgreSQL; ? on SQLite) as bun writes the text, each
// value collected as its mark is written: a statement's text is written once,
// in order.
type param struct {
	ps *binds
	xs []any
}

var _ schema.QueryAppender = param{}

func (p param) AppendQuery(_ schema.QueryGen, b []byte) ([]byte, error) {
	for i, x := range p.xs {
		if i > 0 {
			b = append(b, ", "...)
		}
		p.ps.args = append(p.ps.args, x)
		if p.ps.pg {
			b = strconv.AppendInt(append(b, '$'), int64(len(p.ps.args)), 10)
		} else {
			b = append(b, '?')
		}
	}
	return b, nil
}

// scanApart runs q, built with ps, on db with ps's values sent apart, and
// scans its rows into dest (a pointer to a slice of a model, or to values of
// the one row's columns).
func (s *Store) scanApart(ctx context.Context, db bun.IDB, q *bun.SelectQuery, ps *binds, dest ...any) error {
	ps.args = ps.args[:0]
	text, err := q.AppendQuery(s.db.QueryGen(), nil)
	if err != nil {
		return err
	}
	rows, err := s.queryApart(ctx, db, string(text), ps.args, true)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest...) // closes rows
}

// queryApart runs text, whose values args go apart from it, on db: on a
// statement SQLite keeps prepared, and on PostgreSQL on one its connection
// keeps prepared or, when custom, planned with args at each run (see apart).
func (s *Store) queryApart(ctx context.Context, db bun.IDB, text string, args []any, custom bool) (*sql.Rows, error) {
	if s.stmts != nil {
		if rows, ok, err := s.stmts.query(ctx, s.db.DB, db, text, args); ok {
			return rows, err
		}
	}
	h, args, err := s.apart(db, args, custom)
	if err != nil {
		return nil, err
	}
	return h.QueryContext(ctx, text, args...)
}
