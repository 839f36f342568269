package profiles

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// The forms of a data source name (DSN) that Open accepts.
//
//   - A postgres:// or postgresql:// URL: PostgreSQL.
//   - A libpq key/value string, "host=db.internal dbname=mm user=app password=…":
//     PostgreSQL, as psql and every libpq program read it.
//   - Anything else is the path of a SQLite file, optionally written
//     sqlite://path or file:path (a SQLite URI), with SQLite URI parameters
//     after a '?'.
//
// A URL of any other scheme (mysql://, pg://) is refused rather than taken for
// a file name. Passwords never leave this file unmasked: RedactDSN masks them
// for logs, and Open's errors say nothing of them.
type dsnForm int

const (
	sqliteForm dsnForm = iota
	urlForm
	keywordValueForm
)

// dsnScheme matches the scheme of a URL-shaped DSN; anyURL finds one anywhere,
// so that a pasted "DATABASE_URL=postgres://…" has its password masked too.
var (
	dsnScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)
	anyURL    = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*)://`)
)

// dsnKeyword matches the start of a libpq key/value string.
var dsnKeyword = regexp.MustCompile(`^\s*[A-Za-z_][A-Za-z0-9_]*\s*=`)

// libpqKeywords are the connection keywords of libpq (and pgx): a key/value
// string must name at least one of them, so that a file called "a=b.db" stays a
// SQLite file.
var libpqKeywords = map[string]bool{
	"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true,
	"password": true, "passfile": true, "service": true, "servicefile": true,
	"sslmode": true, "sslcert": true, "sslkey": true, "sslrootcert": true, "sslpassword": true,
	"sslnegotiation": true, "sslsni": true, "connect_timeout": true, "application_name": true,
	"options": true, "target_session_attrs": true, "search_path": true, "require_auth": true,
	"channel_binding": true, "krbsrvname": true, "gssencmode": true,
}

// mask replaces a password wherever a DSN is shown.
const mask = "xxxxx"

// DSNDialect returns the database a DSN names: PostgreSQL for a postgres:// URL
// or a libpq key/value string, SQLite for a file path (the empty DSN is
// DefaultDSN). A URL of another scheme is an error.
func DSNDialect(dsn string) (Dialect, error) {
	form, err := formOf(strings.TrimSpace(dsn))
	if err != nil {
		return "", err
	}
	if form == sqliteForm {
		return SQLite, nil
	}
	return Postgres, nil
}

func formOf(dsn string) (dsnForm, error) {
	if m := dsnScheme.FindStringSubmatch(dsn); m != nil {
		switch strings.ToLower(m[1]) {
		case "postgres", "postgresql":
			return urlForm, nil
		case "sqlite", "file":
			return sqliteForm, nil
		}
		return 0, fmt.Errorf("database %s: the scheme %s:// is not supported: use a postgres:// URL or a libpq key/value string (host=… dbname=…) for PostgreSQL, or a file path for SQLite", RedactDSN(dsn), m[1])
	}
	if strings.Contains(dsn, "://") {
		return 0, fmt.Errorf("database %s: not a database URL: it must start with postgres://, or be a libpq key/value string (host=… dbname=…) or a file path", RedactDSN(dsn))
	}
	if dsnKeyword.MatchString(dsn) {
		for _, p := range keywordValueParams(dsn) {
			if libpqKeywords[strings.ToLower(p.key)] {
				return keywordValueForm, nil
			}
		}
	}
	return sqliteForm, nil
}

// dsnParam is one parameter of a DSN: its key, and where its raw value lies.
type dsnParam struct {
	key        string
	start, end int
}

// params returns the parameters a DSN sets itself, in any form.
func params(dsn string) []dsnParam {
	if dsnScheme.MatchString(dsn) || !dsnKeyword.MatchString(dsn) {
		return queryParams(dsn, 0)
	}
	return keywordValueParams(dsn)
}

// queryParams returns the parameters of the query of a URL or SQLite path, the
// part after the first '?' from position from on.
func queryParams(dsn string, from int) []dsnParam {
	q := strings.IndexByte(dsn[from:], '?')
	if q < 0 {
		return nil
	}
	var out []dsnParam
	pos := from + q + 1
	for pair := range strings.SplitSeq(dsn[pos:], "&") {
		rawKey, _, hasValue := strings.Cut(pair, "=")
		if hasValue {
			key, err := url.QueryUnescape(rawKey)
			if err != nil {
				key = rawKey
			}
			out = append(out, dsnParam{key: key, start: pos + len(rawKey) + 1, end: pos + len(pair)})
		}
		pos += len(pair) + 1
	}
	return out
}

// keywordValueParams reads a libpq key/value string as libpq does (values
// unquoted or in single quotes, with backslash escapes), leniently: a word
// without '=' after a password is taken for more of that password, typed with
// a space and no quotes, so that it is masked too.
func keywordValueParams(s string) []dsnParam {
	var out []dsnParam
	space := func(c byte) bool { return strings.IndexByte(" \t\n\r\v\f", c) >= 0 }
	i, afterPassword := 0, false
	for {
		for i < len(s) && space(s[i]) {
			i++
		}
		if i >= len(s) {
			return out
		}
		start := i
		for i < len(s) && s[i] != '=' && !space(s[i]) {
			i++
		}
		key := s[start:i]
		j := i
		for j < len(s) && space(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '=' {
			if afterPassword {
				out[len(out)-1].end = i
			}
			continue
		}
		i = j + 1
		for i < len(s) && space(s[i]) {
			i++
		}
		vstart := i
		if i < len(s) && s[i] == '\'' {
			for i++; i < len(s) && s[i] != '\''; i++ {
				if s[i] == '\\' {
					i++
				}
			}
			i = min(i+1, len(s))
		} else {
			for ; i < len(s) && !space(s[i]); i++ {
				if s[i] == '\\' {
					i++
				}
			}
			i = min(i, len(s))
		}
		out = append(out, dsnParam{key: key, start: vstart, end: i})
		afterPassword = isPasswordKey(key)
	}
}

func isPasswordKey(key string) bool {
	return strings.Contains(strings.ToLower(key), "password")
}

// secretSpans returns where the passwords of a DSN lie, as [start, end) pairs in
// order: the password of a URL's user information, and the value of every
// parameter whose name holds "password" (password, sslpassword).
func secretSpans(dsn string) [][2]int {
	var spans [][2]int
	from := 0
	if m := anyURL.FindStringIndex(dsn); m != nil {
		// user:password@host, the user information ending at the first '@'
		// before any '/', as pgx reads it.
		p := m[1]
		rest := dsn[p:]
		if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
			if c := strings.IndexByte(rest[:i], ':'); c >= 0 {
				spans = append(spans, [2]int{p + c + 1, p + i})
			}
			p += i + 1
		}
		// An '@' further on means the user information did not end where it
		// seemed to (a password with a '/' in it, not percent-encoded): all
		// up to the last '@' is hidden.
		if j := strings.LastIndexByte(dsn[p:], '@'); j >= 0 {
			spans = append(spans, [2]int{p, p + j})
			p += j + 1
		}
		from = p
	}
	var ps []dsnParam
	if from > 0 || !dsnKeyword.MatchString(dsn) {
		ps = queryParams(dsn, from)
	} else {
		ps = keywordValueParams(dsn)
	}
	for _, p := range ps {
		if isPasswordKey(p.key) {
			spans = append(spans, [2]int{p.start, p.end})
		}
	}
	spans = slices.DeleteFunc(spans, func(s [2]int) bool { return s[0] >= s[1] })
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	return spans
}

// RedactDSN returns dsn with every password in it masked, so that it can be
// logged or shown: in a URL's user information, in a password or sslpassword
// parameter of a URL, and in a libpq key/value string, quoted or not.
func RedactDSN(dsn string) string {
	var b strings.Builder
	last := 0
	for _, s := range secretSpans(dsn) {
		if s[0] < last {
			s[0] = last
		}
		if s[0] >= s[1] {
			continue
		}
		b.WriteString(dsn[last:s[0]])
		b.WriteString(mask)
		last = s[1]
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// secrets returns the passwords of a DSN in every spelling an error message
// could echo: as written, decoded, and the words of each (a malformed DSN is
// split in odd places by the parser that reports on it), longest first.
func secrets(dsn string) []string {
	var out []string
	for _, s := range secretSpans(dsn) {
		raw := dsn[s[0]:s[1]]
		out = append(out, raw, strings.Trim(raw, "'"), strings.ReplaceAll(strings.Trim(raw, "'"), `\`, ""))
		if d, err := url.PathUnescape(raw); err == nil {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(raw); err == nil {
			out = append(out, d)
		}
		for _, w := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune(" \t\n\r\v\f:@/?&='\\", r) }) {
			// A short word is masked where a parser quotes it (`missing "="
			// after "1"`): masked everywhere, it would garble the message.
			out = append(out, strconv.Quote(w))
			if len(w) >= 3 {
				out = append(out, w)
			}
		}
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}

// redactedError is an error whose message had the DSN's passwords masked; it
// still wraps the original, for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redactError returns err with every password of dsn masked in its message. A
// pgx parse error shows the DSN masked by RedactDSN rather than by pgx's own
// best effort.
func redactError(err error, dsn string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		masked := *pe
		masked.ConnString = RedactDSN(dsn)
		msg = masked.Error()
	}
	for _, s := range secrets(dsn) {
		msg = strings.ReplaceAll(msg, s, mask)
	}
	return &redactedError{msg: msg, err: err}
}
