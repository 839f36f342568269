package profiles

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/oklog/ulid/v2"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// Dialect names the database behind a store: "pg" or "sqlite", as the migration
// folders are named.
type Dialect string

// The supported dialects.
const (
	Postgres Dialect = "pg"
	SQLite   Dialect = "sqlite"
)

// DefaultDSN is the zero-setup database: a SQLite file in the working directory.
const DefaultDSN = "matchmaker.db"

// Open connects to the database named by dsn: a postgres:// or postgresql:// URL
// or a libpq key/value string (host=… dbname=…) selects PostgreSQL; anything
// else is a SQLite file path (optionally prefixed with sqlite:// or file:); see
// DSNDialect. It is the one place that picks the database. Its errors never show
// a password.
func Open(ctx context.Context, dsn string) (*bun.DB, Dialect, error) {
	// Spaces around a DSN are a slip of the fingers, not part of a file name.
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		dsn = DefaultDSN
	}
	form, err := formOf(dsn)
	if err != nil {
		return nil, "", err
	}
	if form == sqliteForm {
		return openSQLite(ctx, dsn)
	}
	return openPostgres(ctx, dsn, form)
}

func openPostgres(ctx context.Context, dsn string, form dsnForm) (*bun.DB, Dialect, error) {
	connString := dsn
	if form == urlForm {
		// pgx knows the scheme in lower case only.
		scheme, rest, _ := strings.Cut(dsn, "://")
		connString = strings.ToLower(scheme) + "://" + rest
	}
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, "", fmt.Errorf("open postgres: %w", redactError(err, dsn))
	}
	set := map[string]bool{}
	for _, p := range params(dsn) {
		set[strings.ToLower(p.key)] = true
	}
	// bun writes the arguments into the SQL text itself, so preparing each
	// statement would only add a round trip and churn pgx's statement cache
	// (every page's IN list is a new text): send queries as they are.
	if !set["default_query_exec_mode"] {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	// Without a connect timeout, a server that drops packets instead of
	// refusing them (a host gone, a partition) holds every request that
	// needs a new connection until the kernel gives up, minutes later; with
	// one, the request fails in seconds and answers 503.
	if cfg.ConnectTimeout == 0 && !set["connect_timeout"] {
		cfg.ConnectTimeout = 5 * time.Second
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(20)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	db := bun.NewDB(sqldb, pgdialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("connect to postgres: %w", redactError(err, dsn))
	}
	return db, Postgres, nil
}

func openSQLite(ctx context.Context, dsn string) (*bun.DB, Dialect, error) {
	path := dsn
	if m := dsnScheme.FindString(dsn); m != "" {
		path = dsn[len(m):] // sqlite://path
	}
	path = strings.TrimPrefix(path, "file:")
	query := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	// Foreign keys are off by default in SQLite; WAL lets readers run beside the
	// writer; immediate transactions take the write lock at BEGIN so that two
	// writers queue on busy_timeout instead of failing on a lock upgrade.
	params := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
	if query != "" {
		params += "&" + query
	}
	// The path goes into a file: URI, where '#', '?' and '%' would cut it short.
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	sqldb, err := sql.Open("sqlite", "file:"+escaped+"?"+params)
	if err != nil {
		return nil, "", fmt.Errorf("open sqlite %s: %w", RedactDSN(dsn), redactError(err, dsn))
	}
	// Idle connections are kept as many as may be open: a new one starts
	// with an empty page cache and parses the schema again, which made four
	// queries at once twice slower than one after the other.
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	db := bun.NewDB(sqldb, sqlitedialect.New())
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("open sqlite %s: %w", RedactDSN(dsn), redactError(err, dsn))
	}
	return db, SQLite, nil
}

// Store keeps profiles in a bun database. It is safe for concurrent use.
type Store struct {
	db      *bun.DB
	dialect Dialect
	v       validator
	now     func() time.Time
	newID   func() string
	hub     *hub
	// prepared is whether the reads of store_prepared.go run on
	// statements PostgreSQL prepares.
	prepared bool
	// stmts are the statements of queryApart prepared, on SQLite.
	stmts *sqliteStmts

	// tx and pending are set on the copy of a store that InTx hands out: its
	// writes join one transaction and their changes are recorded at its end.
	tx      *bun.Tx
	pending *changeSet
	// conn is the connection tx runs on, on PostgreSQL: bulk writes reach
	// the driver through it to COPY rows inside the transaction.
	conn *bun.Conn
	// locked holds the rows (table, NUL, ID) whose write lock tx holds
	// already, so that a write nested in another takes it once (lockRow).
	locked map[string]bool
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read time from now, for deterministic tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithEntropy makes new IDs draw randomness from r, for deterministic tests.
func WithEntropy(r io.Reader) Option {
	return func(s *Store) {
		var mu sync.Mutex
		mono := ulid.Monotonic(r, 0)
		s.newID = func() string {
			mu.Lock()
			defer mu.Unlock()
			return strings.ToLower(ulid.MustNew(ulid.Timestamp(s.now()), mono).String())
		}
	}
}

// WithLanguageDetector sets how a missing text language is detected.
func WithLanguageDetector(d LanguageDetector) Option { return func(s *Store) { s.v.detect = d } }

// NewStore returns a store over db, checking theme codes against taxonomy.
func NewStore(db *bun.DB, dialect Dialect, taxonomy *Taxonomy, opts ...Option) *Store {
	s := &Store{db: db, dialect: dialect, v: validator{taxonomy: taxonomy}, now: time.Now, hub: &hub{}}
	s.prepared = dialect == Postgres && prepares(db)
	if dialect == SQLite {
		s.stmts = &sqliteStmts{}
	}
	WithEntropy(rand.Reader)(s)
	for _, o := range opts {
		o(s)
	}
	return s
}

// WithIDs returns a copy of the store that names new rows with next, as the demo
// network does so that its IDs are the same on every machine.
func (s *Store) WithIDs(next func() string) *Store {
	c := *s
	c.newID = next
	return &c
}

// DB returns the underlying database, for health checks and migrations.
func (s *Store) DB() *bun.DB { return s.db }

// Dialect returns the database kind behind the store.
func (s *Store) Dialect() Dialect { return s.dialect }

// Taxonomy returns the theme taxonomy the store checks codes against.
func (s *Store) Taxonomy() *Taxonomy { return s.v.taxonomy }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// timestamp returns the current time as both databases store it: UTC, to the
// microsecond, so that a row reads back equal to what was written.
func (s *Store) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// inTx runs f in a transaction, retried when the database reports a serialisation
// failure or a concurrent version change, so that f always sees a consistent state.
// The audit entry of the request in ctx, if any, is recorded in the same
// transaction (see PendingAudit).
func (s *Store) inTx(ctx context.Context, f func(tx bun.Tx) error) error {
	if s.tx != nil {
		return f(*s.tx)
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := f(tx); err != nil {
				return err
			}
			if err := s.markCommitted(ctx, tx); err != nil {
				return err
			}
			return s.recordAudit(ctx, tx)
		})
		if err == nil {
			commitAudit(ctx)
		}
		if !errors.Is(err, errRetry) {
			return err
		}
	}
	return Conflictf("the row kept changing while it was being written; try again")
}

// lockRow takes the row's write lock for the rest of the transaction, so that
// concurrent read-modify-write updates queue instead of failing. SQLite needs no
// row lock: its immediate transactions already hold the database's write lock.
func (s *Store) lockRow(ctx context.Context, tx bun.Tx, table, id string) error {
	if s.dialect != Postgres || s.locked[table+"\x00"+id] {
		return nil
	}
	if _, err := s.exec(ctx, tx, "SELECT 1 FROM "+table+" WHERE id = ? FOR UPDATE", id); err != nil {
		return fmt.Errorf("lock %s row: %w", table, err)
	}
	s.holdsLock(table, id)
	return nil
}

// holdsLock records that the transaction of an InTx store holds the write
// lock of the row of table with id (on SQLite, its immediate transaction
// holds the database's).
func (s *Store) holdsLock(table, id string) {
	if s.locked != nil {
		s.locked[table+"\x00"+id] = true
	}
}

// idb is where reads go: the transaction of an InTx store, or the database.
func (s *Store) idb() bun.IDB {
	if s.tx != nil {
		return *s.tx
	}
	return s.db
}

// InTx runs f with a store whose writes all join one transaction: they apply
// together or not at all, as when a whole network is imported. Their changes
// are recorded in the feed at the end of the transaction.
func (s *Store) InTx(ctx context.Context, f func(tx *Store) error) error {
	if s.tx != nil {
		return f(s)
	}
	var seq int64
	run := s.db.RunInTx
	var conn *bun.Conn
	if s.dialect == Postgres {
		// On a connection of its own, so that a bulk write can COPY on
		// the connection the transaction runs on.
		c, err := s.db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("begin transaction: %w", err)
		}
		defer c.Close()
		conn, run = &c, c.RunInTx
	}
	err := run(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		inner := *s
		inner.tx, inner.pending, inner.conn, inner.locked = &tx, &changeSet{}, conn, map[string]bool{}
		if err := f(&inner); err != nil {
			return err
		}
		var err error
		if seq, err = s.recordChanges(ctx, tx, inner.pending.list); err != nil {
			return err
		}
		if err := s.markCommitted(ctx, tx); err != nil {
			return err
		}
		return s.recordAudit(ctx, tx)
	})
	if err != nil {
		return err
	}
	commitAudit(ctx)
	s.committed(ctx, seq)
	return nil
}

// errRetry asks inTx to run the transaction again.
var errRetry = errors.New("retry transaction")

// searchKey is the form of a name or title that q searches: lower case, accents
// folded, so that "medellin" finds "Medellín" on both databases alike.
func searchKey(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// likePattern turns a user's search text into a LIKE pattern that matches it
// anywhere, with the LIKE wildcards in it escaped.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(searchKey(strings.TrimSpace(q))) + "%"
}

// Page asks for one page of a list: at most Limit rows after the row with ID After.
type Page struct {
	Limit int
	After string
	// NoTotal spares the count of every matching row, for a reader that
	// shows none (a page of a list, a search): ListResult.Total is then 0.
	// Counting is a pass over every match, where a page is the first few.
	NoTotal bool
	// CountUpTo, when positive, stops the count there: a ListResult.Total
	// equal to it means that many or more. A page that says "1,000 or
	// more" need not count a hundred thousand rows.
	CountUpTo int
	// Newest lists the newest rows first (IDs are in creation order),
	// After then continuing towards older ones.
	Newest bool

	// batch lifts MaxLimit for the store's own full scans.
	batch bool
}

// Default and maximum page sizes.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit && !p.batch:
		return MaxLimit
	}
	return p.Limit
}

// paginate orders by ID, the stable order of every list, and fetches one row more
// than asked to tell whether there is a next page.
func paginate(q *bun.SelectQuery, ps *binds, alias string, p Page) *bun.SelectQuery {
	if p.Newest {
		if p.After != "" {
			q = q.Where("?.id < ?", bun.Ident(alias), ps.v(p.After))
		}
		return q.OrderExpr("?.id DESC", bun.Ident(alias)).Limit(p.limit() + 1)
	}
	if p.After != "" {
		q = q.Where("?.id > ?", bun.Ident(alias), ps.v(p.After))
	}
	return q.OrderExpr("?.id ASC", bun.Ident(alias)).Limit(p.limit() + 1)
}

// countOf selects the count of the rows q selects, or of up to p.CountUpTo
// of them.
func countOf(db bun.IDB, q *bun.SelectQuery, p Page) *bun.SelectQuery {
	if p.CountUpTo <= 0 {
		return q.ColumnExpr("count(*)")
	}
	return db.NewSelect().ColumnExpr("count(*)").TableExpr("(?) AS matching", q.ColumnExpr("1").Limit(p.CountUpTo))
}

// count counts the rows q selects, or up to p.CountUpTo of them.
func count(ctx context.Context, db bun.IDB, q *bun.SelectQuery, p Page) (int, error) {
	var n int
	err := countOf(db, q, p).Scan(ctx, &n)
	return n, err
}

// countRows is count for the rows of the model none (a nil pointer to it)
// that apply's filters select, with the filters' values sent apart (see
// binds).
func (s *Store) countRows(ctx context.Context, none any, apply func(*bun.SelectQuery, *binds) *bun.SelectQuery, p Page) (int, error) {
	db, ps := s.idb(), s.binds()
	var n int
	err := s.scanApart(ctx, db, countOf(db, apply(db.NewSelect().Model(none), ps), p), ps, &n)
	return n, err
}

// pageOfRows reads one page of rows into rows (a pointer to a slice of a
// model; none is a nil pointer to the model) with the filters of apply, each
// row whole as read makes it (see whole), in one statement. When sifts, the
// page's IDs are chosen first, in a subquery, and the rows of those IDs read
// by primary key: the subquery reads only what the filters name, which the
// indexes on (id, status, search_key) and on the lists' (value, owner) hold,
// so that neither a page nor a search of a word nobody wrote reads the texts
// (or the lists) of the rows it passes over. Otherwise the filtered query
// reads the page itself: taking rows in ID order fills a page at once, and
// the subquery would cost more than it spares.
//
// The filters' values go apart from the statement's text (see binds).
func (s *Store) pageOfRows(ctx context.Context, sifts bool, apply func(*bun.SelectQuery, *binds) *bun.SelectQuery, read func(*bun.SelectQuery) *bun.SelectQuery, none, rows any, alias string, p Page) error {
	db, ps := s.idb(), s.binds()
	if !sifts {
		return s.scanApart(ctx, db, paginate(apply(read(db.NewSelect().Model(rows)), ps), ps, alias, p), ps, rows)
	}
	ids := paginate(apply(db.NewSelect().Model(none), ps).ColumnExpr("?.id", bun.Ident(alias)), ps, alias, p)
	order := "?.id ASC"
	if p.Newest {
		order = "?.id DESC"
	}
	q := read(db.NewSelect().Model(rows)).Where("?.id IN (?)", bun.Ident(alias), ids).OrderExpr(order, bun.Ident(alias))
	return s.scanApart(ctx, db, q, ps, rows)
}

// scanBatch is how many rows a full scan reads at a time.
const scanBatch = 1000

// scanAll pages through a list in batches, calling fn on each, for the match index
// that is built from every row at start and refreshed a city at a time.
func scanAll[T any](ctx context.Context, asked Page, find func(Page) (ListResult[T], error), fn func([]T) error) error {
	p := Page{Limit: scanBatch, batch: true, Newest: asked.Newest, NoTotal: true}
	if asked.Limit > 0 && asked.Limit < scanBatch {
		p.Limit = asked.Limit
	}
	for {
		r, err := find(p)
		if err != nil {
			return err
		}
		if len(r.Items) > 0 {
			if err := fn(r.Items); err != nil {
				return err
			}
		}
		if r.Next == "" {
			return nil
		}
		p.After = r.Next
	}
}

// ScanCities calls fn with every city that f selects, a batch at a time, in ID
// order (the newest first with f.Page.Newest), f.Page.Limit at a time when
// it is under a thousand; f's Page is otherwise ignored.
func (s *Store) ScanCities(ctx context.Context, f CityFilter, fn func([]City) error) error {
	return scanAll(ctx, f.Page, func(p Page) (ListResult[City], error) {
		f.Page = p
		return s.FindCities(ctx, f)
	}, fn)
}

// ScanPractices calls fn with every practice that f selects, a batch at a time, in ID
// order (the newest first with f.Page.Newest), f.Page.Limit at a time when
// it is under a thousand; f's Page is otherwise ignored.
// An error of fn stops the scan and is returned.
func (s *Store) ScanPractices(ctx context.Context, f PracticeFilter, fn func([]Practice) error) error {
	return scanAll(ctx, f.Page, func(p Page) (ListResult[Practice], error) {
		f.Page = p
		return s.FindPractices(ctx, f)
	}, fn)
}

// ScanChallenges calls fn with every challenge that f selects, a batch at a time, in ID
// order (the newest first with f.Page.Newest), f.Page.Limit at a time when
// it is under a thousand; f's Page is otherwise ignored.
func (s *Store) ScanChallenges(ctx context.Context, f ChallengeFilter, fn func([]Challenge) error) error {
	return scanAll(ctx, f.Page, func(p Page) (ListResult[Challenge], error) {
		f.Page = p
		return s.FindChallenges(ctx, f)
	}, fn)
}

// ScanExperts calls fn with every expert that f selects, a batch at a time, in ID
// order (the newest first with f.Page.Newest), f.Page.Limit at a time when
// it is under a thousand; f's Page is otherwise ignored.
func (s *Store) ScanExperts(ctx context.Context, f ExpertFilter, fn func([]Expert) error) error {
	return scanAll(ctx, f.Page, func(p Page) (ListResult[Expert], error) {
		f.Page = p
		return s.FindExperts(ctx, f)
	}, fn)
}

// ListResult is one page of a list and the total number of matching rows.
type ListResult[T any] struct {
	Items []T
	Total int
	// Next is the ID to pass as Page.After for the next page, or "" on the last one.
	Next string
}

func pageOf[T any](items []T, total int, p Page, id func(T) string) ListResult[T] {
	r := ListResult[T]{Items: items, Total: total}
	if len(items) > p.limit() {
		r.Items = items[:p.limit()]
		r.Next = id(r.Items[len(r.Items)-1])
	}
	if r.Items == nil {
		r.Items = []T{}
	}
	return r
}

// listSpec names a join table that holds one ordered list of a row.
type listSpec struct {
	table, owner, column string
}

var (
	cityLanguages    = listSpec{"city_languages", "city_id", "language"}
	practiceThemes   = listSpec{"practice_themes", "practice_id", "theme"}
	challengeThemes  = listSpec{"challenge_themes", "challenge_id", "theme"}
	challengeModes   = listSpec{"challenge_modes", "challenge_id", "mode"}
	challengeSkills  = listSpec{"challenge_skills", "challenge_id", "skill"}
	expertLanguages  = listSpec{"expert_languages", "expert_id", "language"}
	expertThemes     = listSpec{"expert_themes", "expert_id", "theme"}
	expertSkills     = listSpec{"expert_skills", "expert_id", "skill"}
	expertModes      = listSpec{"expert_modes", "expert_id", "mode"}
	maxRowsPerInsert = 200
)

// listWrite is one list of a row to write: its values and, for a row stored
// already, what they were.
type listWrite struct {
	spec        listSpec
	was, values []string
}

// writeLists writes lists of owner: every one for a new row (fresh), which has
// none yet, else those that changed.
func writeLists(ctx context.Context, db bun.IDB, owner string, fresh bool, lists ...listWrite) error {
	for _, l := range lists {
		var err error
		if fresh {
			err = insertList(ctx, db, l.spec, owner, l.values)
		} else {
			err = updateList(ctx, db, l.spec, owner, l.was, l.values)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// updateList replaces the list of owner in spec's table, which was was, with
// values, in order; an unchanged list is not written.
func updateList(ctx context.Context, db bun.IDB, spec listSpec, owner string, was, values []string) error {
	if slices.Equal(was, values) {
		return nil
	}
	if _, err := db.NewDelete().TableExpr(spec.table).Where("? = ?", bun.Ident(spec.owner), owner).Exec(ctx); err != nil {
		return fmt.Errorf("clear %s: %w", spec.table, err)
	}
	return insertList(ctx, db, spec, owner, values)
}

// insertList writes the list of a new owner, which has none yet, in order.
func insertList(ctx context.Context, db bun.IDB, spec listSpec, owner string, values []string) error {
	for start := 0; start < len(values); start += maxRowsPerInsert {
		end := min(start+maxRowsPerInsert, len(values))
		var b strings.Builder
		args := []any{bun.Ident(spec.table), bun.Ident(spec.owner), bun.Ident(spec.column)}
		b.WriteString("INSERT INTO ? (?, ?, position) VALUES ")
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, owner, values[i], i)
		}
		if _, err := db.NewRaw(b.String(), args...).Exec(ctx); err != nil {
			return fmt.Errorf("write %s: %w", spec.table, err)
		}
	}
	return nil
}

// owners names the rows whose child rows to read (see readProposalChildren):
// IDs in the database's order. whole says they are every row between the first
// and the last, as on a page of an unfiltered list, so that a range can stand
// for them. PostgreSQL plans a long IN list slowly and, on a small table, as a
// sequential scan; a range it plans at once on the primary key.
type owners struct {
	ids   []string
	whole bool
}

func oneOwner(id string) owners { return owners{ids: []string{id}, whole: true} }

// where returns the condition that selects the owners in column col.
func (o owners) where(col string) (string, []any) {
	first, last := o.ids[0], o.ids[len(o.ids)-1]
	if o.whole {
		return "? BETWEEN ? AND ?", []any{bun.Ident(col), first, last}
	}
	return "? IN (?) AND ? BETWEEN ? AND ?", []any{bun.Ident(col), bun.List(o.ids), bun.Ident(col), first, last}
}

// existsIn adds a filter keeping rows whose list in spec holds value.
//
// It is written as "id IN (the owners holding value)" rather than as a
// correlated EXISTS: with its statistics (Store.Analyze), SQLite then walks
// the list's own index for value, or the rows in ID order for a page, where
// the EXISTS form made it walk another index (status) and test every row.
func existsIn(q *bun.SelectQuery, ps *binds, spec listSpec, alias, value string) *bun.SelectQuery {
	return q.Where("?.id IN (SELECT l.? FROM ? AS l WHERE l.? = ?)",
		bun.Ident(alias), bun.Ident(spec.owner), bun.Ident(spec.table), bun.Ident(spec.column), ps.v(value))
}

// cityCount counts the cities whose ID is $1: 1 or 0.
var cityCount = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return db.NewSelect().Table("cities").ColumnExpr("count(*)").Where("id = ?", arg(1))
}}

// cityExists reports whether a city with id exists, inside db (a
// transaction), as every write of a row of a city checks.
func (s *Store) cityExists(ctx context.Context, db bun.IDB, id string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, db, cityCount, []any{&n}, id); err != nil {
		return false, fmt.Errorf("check city %s: %w", id, err)
	}
	return n > 0, nil
}

// cityHolding says whether a practice, a challenge or an expert names the city
// $1 (the three arguments are that city).
var cityHolding = &stmt{build: func(db *bun.DB, arg func(int) bun.Safe) *bun.SelectQuery {
	return db.NewSelect().ColumnExpr("CASE WHEN EXISTS (SELECT 1 FROM practices WHERE city_id = ?)"+
		" OR EXISTS (SELECT 1 FROM challenges WHERE city_id = ?)"+
		" OR EXISTS (SELECT 1 FROM experts WHERE city_id = ?) THEN 1 ELSE 0 END", arg(1), arg(2), arg(3))
}, custom: true}

// CityHolds reports whether any practice, challenge or expert belongs to the
// city id, in one statement: the match index asks it of a city it has not
// seen before reading the city's rows, which a new city has none of.
func (s *Store) CityHolds(ctx context.Context, id string) (bool, error) {
	var n int
	if err := s.queryRow(ctx, s.idb(), cityHolding, []any{&n}, id, id, id); err != nil {
		return false, fmt.Errorf("rows of city %s: %w", id, err)
	}
	return n > 0, nil
}

// nullString maps "" to NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func contactOf(name, email, phone *string) *Contact {
	c := Contact{Name: deref(name), Email: deref(email), Phone: deref(phone)}
	if c.IsZero() {
		return nil
	}
	return &c
}

func contactFields(c *Contact) (name, email, phone *string) {
	if c == nil {
		return nil, nil, nil
	}
	return nullString(c.Name), nullString(c.Email), nullString(c.Phone)
}

// SQLTx returns the database transaction that a store handed out by InTx writes
// in, so that a library writing its own tables (the job queue) can join it; nil
// on a store outside InTx.
func (s *Store) SQLTx() *sql.Tx {
	if s.tx == nil {
		return nil
	}
	return s.tx.Tx
}

// IDB is where the store's reads and writes go: the transaction of a store
// handed out by InTx, or the database. A package that keeps its own tables
// beside the store's (the outbox) writes through it to join the transaction.
func (s *Store) IDB() bun.IDB { return s.idb() }
