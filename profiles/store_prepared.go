package profiles

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
)

// The reads that nearly every request or every write makes (a row by its ID,
// an API key by its secret, the change feed after a position), and the writes
// every write request makes (see exec), run on PostgreSQL on statements whose
// text never changes, with their arguments sent apart. bun
// writes each argument into the SQL text, so that every other statement is a
// new text that PostgreSQL parses and plans again; under load, planning took
// more of the server's time than executing. On a text that does not change,
// pgx prepares the statement once per connection (its statement cache), and
// PostgreSQL, after a few runs, keeps one plan for it. The text itself is
// built by bun once, not at every read.

// stmt is one such statement: build writes it with bun, marking its n-th
// argument (from 1) with arg(n).
type stmt struct {
	build func(db *bun.DB, arg func(n int) bun.Safe) *bun.SelectQuery
	// custom has PostgreSQL plan the statement with its arguments at each
	// run (see apart).
	custom bool
}

// texts holds the text of each stmt by dialect, built at its first use.
var texts sync.Map // textKey → string

type textKey struct {
	st *stmt
	pg bool
}

// text returns st's SQL text for the store's dialect.
func (s *Store) text(st *stmt) string {
	k := textKey{st, s.dialect == Postgres}
	if t, ok := texts.Load(k); ok {
		return t.(string)
	}
	arg := func(int) bun.Safe { return "?" }
	if k.pg {
		arg = func(n int) bun.Safe { return bun.Safe("$" + strconv.Itoa(n)) }
	}
	t := st.build(s.db, arg).String()
	texts.Store(k, t)
	return t
}

// query runs st with args on db (the database or a transaction of the store).
func (s *Store) query(ctx context.Context, db bun.IDB, st *stmt, args ...any) (*sql.Rows, error) {
	return s.queryApart(ctx, db, s.text(st), args, st.custom)
}

// exec runs text, a statement whose arguments are marked ?, with args on db,
// for the writes every write request makes (its idempotency key, its audit
// entry, its change). On PostgreSQL it is prepared once per connection, as
// query's statements are, its marks numbered. On SQLite, and when the store
// prepares nothing, bun writes the arguments into the text as for any other
// write, so that a time is stored in the one form every comparison of the
// table's times expects.
func (s *Store) exec(ctx context.Context, db bun.IDB, text string, args ...any) (sql.Result, error) {
	if !s.prepared {
		return db.ExecContext(ctx, text, args...)
	}
	h, args, err := s.apart(db, args, false)
	if err != nil {
		return nil, err
	}
	return h.ExecContext(ctx, numbered(text), args...)
}

// queryText is exec for a statement that returns rows (INSERT … RETURNING).
func (s *Store) queryText(ctx context.Context, db bun.IDB, text string, args ...any) (*sql.Rows, error) {
	if !s.prepared {
		return db.QueryContext(ctx, text, args...)
	}
	h, args, err := s.apart(db, args, false)
	if err != nil {
		return nil, err
	}
	return h.QueryContext(ctx, numbered(text), args...)
}

// apart returns the database/sql handle under db, to which arguments go
// apart from the text (bun's own methods write them into it), and args as
// that handle takes them: led, when the store prepares its statements, by
// the mode pgx runs the statement in. That is once prepared on each
// connection, PostgreSQL keeping one plan for it after a few runs; or, when
// custom, an unnamed statement planned with its arguments at each run, for
// the statements whose best plan depends on the values (a page of the
// cities of a region, most of them or a few; the rows of a city, none or a
// thousand): a plan made once for any value, as PostgreSQL keeps for a
// prepared statement, walked a whole table where the value's own plan read
// a few rows of an index.
func (s *Store) apart(db bun.IDB, args []any, custom bool) (interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, []any, error) {
	if s.prepared {
		mode := pgx.QueryExecModeCacheStatement
		if custom {
			mode = pgx.QueryExecModeExec
		}
		args = append([]any{mode}, args...)
	}
	switch d := db.(type) {
	case *bun.DB:
		return d.DB, args, nil
	case bun.Tx:
		return d.Tx, args, nil
	case bun.Conn:
		return d.Conn, args, nil
	}
	return nil, nil, fmt.Errorf("no database under a %T", db)
}

// sqliteStmts keeps, on SQLite, the statements of queryApart prepared (the
// reads of this file and the list pages): the driver prepares every other
// statement again at each run, and parsing the SQL of the reads every
// request makes was a twentieth of the load test's time. database/sql
// prepares each once per connection, when it first runs there, and keeps it
// as long as the connection; SQLite prepares it again by itself after a
// change of the schema.
type sqliteStmts struct {
	m sync.Map // text → *sql.Stmt
	n atomic.Int32
}

// maxSQLiteStmts bounds the texts kept prepared: those of store_prepared.go
// and of the list pages by the filters they set and their sizes (see
// binds). A text beyond it runs as any other statement.
const maxSQLiteStmts = 512

// query runs text with args on db, root (the store's database) or one of
// its transactions, on text's prepared statement; false when db is another
// handle (a connection), or when text is not kept prepared (the query then
// runs as any other).
func (c *sqliteStmts) query(ctx context.Context, root *sql.DB, db bun.IDB, text string, args []any) (*sql.Rows, bool, error) {
	var tx *sql.Tx
	switch d := db.(type) {
	case *bun.DB: // root
	case bun.Tx:
		tx = d.Tx
	default:
		return nil, false, nil
	}
	st, err := c.prepared(ctx, root, text, tx == nil)
	if err != nil {
		return nil, true, err
	}
	if st == nil {
		return nil, false, nil
	}
	if tx != nil {
		// Closed with the transaction; prepared on its connection only
		// when that connection has not prepared it already.
		st = tx.StmtContext(ctx, st)
	}
	rows, err := st.QueryContext(ctx, args...)
	return rows, true, err
}

// prepared returns text's statement on root, preparing it at first use when
// mayPrepare; nil when it is not prepared yet and may not be, or when
// maxSQLiteStmts texts are kept already. A transaction may not: preparing
// takes another connection of the pool, which transactions holding all of
// them would wait for each other to give back.
func (c *sqliteStmts) prepared(ctx context.Context, root *sql.DB, text string, mayPrepare bool) (*sql.Stmt, error) {
	if st, ok := c.m.Load(text); ok {
		return st.(*sql.Stmt), nil
	}
	if !mayPrepare || c.n.Load() >= maxSQLiteStmts {
		return nil, nil
	}
	st, err := root.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if was, loaded := c.m.LoadOrStore(text, st); loaded {
		st.Close()
		return was.(*sql.Stmt), nil
	}
	c.n.Add(1)
	return st, nil
}

// numberedTexts caches numbered.
var numberedTexts sync.Map // string → string

// numbered writes text's marks ? as PostgreSQL's $1, $2…; text holds no ?
// but its marks (no literal, no operator).
func numbered(text string) string {
	if t, ok := numberedTexts.Load(text); ok {
		return t.(string)
	}
	var b strings.Builder
	n := 0
	for _, part := range strings.SplitAfter(text, "?") {
		if p, ok := strings.CutSuffix(part, "?"); ok {
			n++
			b.WriteString(p + "$" + strconv.Itoa(n))
		} else {
			b.WriteString(part)
		}
	}
	t := b.String()
	numberedTexts.Store(text, t)
	return t
}

// queryRow runs st with args on db and scans its first row into dest (a
// model, or a value of each column), sql.ErrNoRows when there is none.
func (s *Store) queryRow(ctx context.Context, db bun.IDB, st *stmt, dest []any, args ...any) error {
	rows, err := s.query(ctx, db, st, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := s.db.ScanRow(ctx, rows, dest...); err != nil {
		return err
	}
	return rows.Close()
}

// queryRows runs st with args on db and scans every row into dest (a pointer
// to a slice of a model or of values).
func (s *Store) queryRows(ctx context.Context, db bun.IDB, st *stmt, dest any, args ...any) error {
	rows, err := s.query(ctx, db, st, args...)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}

// prepares reports whether statements are prepared on db, a PostgreSQL
// database: unless its DSN chose how pgx runs statements (a connection pooler
// may allow no prepared statement) or turned pgx's statement cache off. It
// asks a connection of the pool for its configuration, once, when the store
// is made.
func prepares(db *bun.DB) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return false
	}
	defer conn.Close()
	on := false
	_ = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return nil
		}
		cfg := c.Conn().Config()
		chosen := false
		for _, kv := range params(cfg.ConnString()) {
			switch strings.ToLower(kv.key) {
			case "default_query_exec_mode", "statement_cache_capacity":
				chosen = true
			}
		}
		on = !chosen && cfg.StatementCacheCapacity > 0
		return nil
	})
	return on
}
