package profiles

import (
	"fmt"

	gojson "github.com/goccy/go-json"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
)

// A profile is a row, its ordered lists (a city's languages, an expert's
// themes…) in join tables, and its external reference in another table. whole
// reads them in one statement: each list comes as one JSON array, built by
// the database in position order, in a column of the row's select. One
// statement reads one snapshot, so that a row never comes with the lists of
// another version of itself, whatever writes run beside it; and it costs one
// round trip where a statement for each list and one for the reference cost
// three to five (on PostgreSQL, most of a read's time is spent per statement,
// parsing and planning, not in reading the rows).

// whole makes q (a select of a row model whose table has alias) read whole
// rows: the model's columns, each of lists as a JSON array in a column named
// after the list's table, and the row's external reference of kind in
// external_ref. The model declares those columns as scanonly fields of type
// jsonList (trackList for the track record) and *string.
func whole(q *bun.SelectQuery, alias, kind string, lists ...listSpec) *bun.SelectQuery {
	pg := q.Dialect().Name() == dialect.PG
	q = q.ColumnExpr("?TableColumns")
	for _, l := range lists {
		q = q.ColumnExpr(arrayOf(pg, "l.?")+" FROM ? AS l WHERE l.? = ?.id) AS ?",
			bun.Ident(l.column), bun.Ident(l.table), bun.Ident(l.owner), bun.Ident(alias), bun.Ident(l.table))
	}
	return q.ColumnExpr("(SELECT r.ref FROM ? AS r WHERE r.id = ?.id) AS external_ref", bun.Ident(refTables[kind]), bun.Ident(alias))
}

// wholeTrack adds an expert's track record to q (a select of experts whose table
// has alias), as a JSON array of objects in position order, in the column
// expert_track_records.
func wholeTrack(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	pg := q.Dialect().Name() == dialect.PG
	object := "json_object('title', l.title, 'summary', l.summary, 'year', l.year)"
	if pg {
		object = "json_build_object('title', l.title, 'summary', l.summary, 'year', l.year)"
	}
	return q.ColumnExpr(arrayOf(pg, object)+" FROM expert_track_records AS l WHERE l.expert_id = ?.id) AS expert_track_records", bun.Ident(alias))
}

// arrayOf opens the subquery that aggregates value over the rows l of a list
// into one JSON array in position order, [] when there are none; the caller
// closes it with its FROM and WHERE. SQLite has ordered aggregates since 3.44.
func arrayOf(pg bool, value string) string {
	if pg {
		return "(SELECT coalesce(json_agg(" + value + " ORDER BY l.position), '[]')"
	}
	return "(SELECT json_group_array(" + value + " ORDER BY l.position)"
}

// jsonArray is a list read by whole: a JSON array.
type jsonArray[T any] []T

// Scan decodes the array; a list read as NULL (a row read without its
// lists) is empty.
func (l *jsonArray[T]) Scan(v any) error {
	*l = jsonArray[T]{}
	return scanJSON(v, (*[]T)(l))
}

// list returns the list, never nil, so that JSON shows [].
func (l jsonArray[T]) list() []T {
	if l == nil {
		return []T{}
	}
	return l
}

type (
	jsonList  = jsonArray[string]          // a list of codes or words
	trackList = jsonArray[TrackRecordItem] // an expert's track record
)

func scanJSON(v, into any) error {
	var b []byte
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("read a list: a %T, not JSON text", v)
	}
	if err := gojson.Unmarshal(b, into); err != nil {
		return fmt.Errorf("read a list: %w", err)
	}
	return nil
}
