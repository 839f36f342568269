package bench

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"matchmaker/matcher"
)

// pgConfigs are the text search configurations of the analysed languages.
var pgConfigs = map[matcher.Lang]string{
	matcher.French:  "french",
	matcher.English: "english",
	matcher.Spanish: "spanish",
}

// Postgres is a full-text index of the documents in a schema of its own:
// a table with the text (DocText) and a stored tsvector of it in the
// configuration of its language, a GIN index on that tsvector, and
// ts_rank for the order.
type Postgres struct {
	pool   *pgxpool.Pool
	schema string // as given
	quoted string // as SQL names it
}

// OpenPostgres connects to dsn and creates schema (which must not exist)
// with an empty table.
func OpenPostgres(ctx context.Context, dsn, schema string) (*Postgres, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	p := &Postgres{pool: pool, schema: schema, quoted: pgx.Identifier{schema}.Sanitize()}
	ddl := fmt.Sprintf(`CREATE SCHEMA %[1]s;
CREATE TABLE %[1]s.docs (
	id      text PRIMARY KEY,
	kind    text NOT NULL,
	lang    text NOT NULL,
	city_id text NOT NULL,
	body    text NOT NULL,
	tsv     tsvector GENERATED ALWAYS AS (to_tsvector(CASE lang
		WHEN 'fr' THEN 'french'::regconfig
		WHEN 'es' THEN 'spanish'::regconfig
		ELSE 'english'::regconfig END, body)) STORED
)`, p.quoted)
	if _, err := pool.Exec(ctx, ddl); err != nil {
		pool.Close()
		return nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	return p, nil
}

// Load copies docs into the table (the tsvectors are computed on the way
// in), then builds the GIN index and analyses the table.
func (p *Postgres) Load(ctx context.Context, docs []matcher.Doc) error {
	rows := make([][]any, len(docs))
	for i := range docs {
		d := &docs[i]
		rows[i] = []any{d.ID, string(d.Kind), string(docLang(d)), d.CityID, DocText(d)}
	}
	_, err := p.pool.CopyFrom(ctx, pgx.Identifier{p.schema, "docs"},
		[]string{"id", "kind", "lang", "city_id", "body"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy %d documents: %w", len(docs), err)
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire a connection: %w", err)
	}
	defer conn.Release()
	for _, stmt := range []string{
		`SET maintenance_work_mem = '512MB'`,
		fmt.Sprintf(`CREATE INDEX docs_tsv ON %s.docs USING gin (tsv)`, p.quoted),
		fmt.Sprintf(`ANALYZE %s.docs`, p.quoted),
		`RESET maintenance_work_mem`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}

// Search returns the IDs of the limit best documents that pass f for the
// text of challenge, by ts_rank: the query is an OR of the words of the
// text (Words), each normalised by to_tsquery in the configuration of the
// challenge's language. plainto_tsquery and websearch_to_tsquery AND their
// words, and no document holds fifty given words.
func (p *Postgres) Search(ctx context.Context, challenge *matcher.Doc, f Filter, limit int) ([]string, error) {
	cfg, ok := pgConfigs[docLang(challenge)]
	if !ok {
		cfg = "english"
	}
	words := Words(DocText(challenge))
	if len(words) == 0 {
		return nil, nil
	}
	sql := fmt.Sprintf(`SELECT d.id FROM %s.docs d, to_tsquery(CAST($1 AS regconfig), $2) q
WHERE d.tsv @@ q AND d.kind = $3 AND ($4 = '' OR d.lang = $4) AND d.city_id <> $5
ORDER BY ts_rank(d.tsv, q) DESC, d.id
LIMIT $6`, p.quoted)
	rows, err := p.pool.Query(ctx, sql, cfg, strings.Join(words, " | "), string(f.Kind), string(f.Lang), f.NotCity, limit)
	if err != nil {
		return nil, fmt.Errorf("ts_rank search %s: %w", challenge.ID, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("ts_rank search %s: %w", challenge.ID, err)
	}
	return ids, nil
}

// Drop drops the schema and closes the connections.
func (p *Postgres) Drop(ctx context.Context) error {
	defer p.pool.Close()
	if _, err := p.pool.Exec(ctx, fmt.Sprintf(`DROP SCHEMA %s CASCADE`, p.quoted)); err != nil {
		return fmt.Errorf("drop schema %s: %w", p.schema, err)
	}
	return nil
}
