package profiles_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"matchmaker/profiles"
)

// TestDSNForms reads every form of DSN: which database it names, and how it is
// shown in logs and messages, without its password.
func TestDSNForms(t *testing.T) {
	for _, c := range []struct {
		name    string
		dsn     string
		dialect profiles.Dialect // "" when the DSN is refused
		shown   string
	}{
		{"default file", "matchmaker.db", profiles.SQLite, "matchmaker.db"},
		{"relative path", "data/mm.db", profiles.SQLite, "data/mm.db"},
		{"absolute path with spaces", "/var/lib/my data/mm.db", profiles.SQLite, "/var/lib/my data/mm.db"},
		{"file name with an equals sign", "a=b.db", profiles.SQLite, "a=b.db"},
		{"path with host= in it", "./host=db/mm.db", profiles.SQLite, "./host=db/mm.db"},
		{"sqlite scheme", "sqlite://mm.db", profiles.SQLite, "sqlite://mm.db"},
		{"sqlite URI with parameters", "file:mm.db?_pragma=cache_size(2000)", profiles.SQLite, "file:mm.db?_pragma=cache_size(2000)"},

		{"URL without a password", "postgres://app@db:5432/mm", profiles.Postgres, "postgres://app@db:5432/mm"},
		{"URL", "postgres://app:s3cret@db:5432/mm?sslmode=require", profiles.Postgres, "postgres://app:xxxxx@db:5432/mm?sslmode=require"},
		{"postgresql URL", "postgresql://app:s3cret@db/mm", profiles.Postgres, "postgresql://app:xxxxx@db/mm"},
		{"upper-case scheme", "POSTGRES://app:s3cret@db/mm", profiles.Postgres, "POSTGRES://app:xxxxx@db/mm"},
		{"URL with an encoded password", "postgres://app:p%40ss%2Fw@db/mm", profiles.Postgres, "postgres://app:xxxxx@db/mm"},
		{"URL with a raw slash in the password", "postgres://app:pa/ss@db/mm", profiles.Postgres, "postgres://xxxxx@db/mm"},
		{"URL with an at sign in the password", "postgres://app:p@ss@db/mm", profiles.Postgres, "postgres://app:xxxxx@xxxxx@db/mm"},
		{"password as a query parameter", "postgres://db/mm?user=app&password=s3cret&sslmode=disable", profiles.Postgres, "postgres://db/mm?user=app&password=xxxxx&sslmode=disable"},
		{"password in both places", "postgres://app:one@db/mm?password=two", profiles.Postgres, "postgres://app:xxxxx@db/mm?password=xxxxx"},
		{"sslpassword parameter", "postgres://app@db/mm?sslpassword=k3y&sslmode=verify-full", profiles.Postgres, "postgres://app@db/mm?sslpassword=xxxxx&sslmode=verify-full"},
		{"encoded password key", "postgres://db/mm?pass%77ord=s3cret", profiles.Postgres, "postgres://db/mm?pass%77ord=xxxxx"},

		{"key/value", "host=db port=5432 dbname=mm user=app password=s3cret", profiles.Postgres, "host=db port=5432 dbname=mm user=app password=xxxxx"},
		{"key/value, password first", "password=s3cret host=db", profiles.Postgres, "password=xxxxx host=db"},
		{"key/value, quoted password", "host=db password='a b c' dbname=mm", profiles.Postgres, "host=db password=xxxxx dbname=mm"},
		{"key/value, escaped quote", `host=db password='it\'s secret' dbname=mm`, profiles.Postgres, "host=db password=xxxxx dbname=mm"},
		{"key/value, spaces around =", "host = db password = s3cret", profiles.Postgres, "host = db password = xxxxx"},
		{"key/value, unquoted password with a space", "host=db password=two words dbname=mm", profiles.Postgres, "host=db password=xxxxx dbname=mm"},
		{"key/value, unterminated quote", "host=db password='a b", profiles.Postgres, "host=db password=xxxxx"},
		{"key/value, sslpassword", "host=db sslpassword=k3y sslmode=verify-full", profiles.Postgres, "host=db sslpassword=xxxxx sslmode=verify-full"},
		{"key/value, no password", "host=/var/run/postgresql dbname=mm", profiles.Postgres, "host=/var/run/postgresql dbname=mm"},
		{"key/value, a runtime parameter first", "search_path=mm host=db", profiles.Postgres, "search_path=mm host=db"},

		{"an environment assignment pasted whole", "DATABASE_URL=postgres://app:s3cret@db/mm", "", "DATABASE_URL=postgres://app:xxxxx@db/mm"},
		{"another scheme", "mysql://app:s3cret@db/mm", "", "mysql://app:xxxxx@db/mm"},
		{"a misspelt scheme", "postgre://app:s3cret@db/mm", "", "postgre://app:xxxxx@db/mm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := profiles.DSNDialect(c.dsn)
			switch {
			case c.dialect == "" && err == nil:
				t.Errorf("DSNDialect(%q) = %s, want it refused", c.dsn, d)
			case c.dialect != "" && (err != nil || d != c.dialect):
				t.Errorf("DSNDialect(%q) = %q, %v; want %s", c.dsn, d, err, c.dialect)
			}
			if err != nil {
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the refusal shows the password: %v", err)
				}
				if !strings.Contains(err.Error(), c.shown) {
					t.Errorf("the refusal does not name the DSN as %s: %v", c.shown, err)
				}
			}
			if got := profiles.RedactDSN(c.dsn); got != c.shown {
				t.Errorf("RedactDSN(%q)\n got %s\nwant %s", c.dsn, got, c.shown)
			}
		})
	}
}

// TestOpenFailuresShowNoPassword opens DSNs that cannot be opened, each with a
// password: the error says what went wrong and never shows the password, in
// any spelling.
func TestOpenFailuresShowNoPassword(t *testing.T) {
	// A port nobody listens on, so that the connection is refused at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	dir := t.TempDir()
	t.Chdir(dir)
	for _, c := range []struct {
		name, dsn string
		want      string // a part of the error
	}{
		{"URL, refused", "postgres://app:Secret-1@127.0.0.1:" + port + "/mm", "connect to postgres"},
		{"URL, password parameter, refused", "postgres://127.0.0.1:" + port + "/mm?user=app&password=Secret-1", "connect to postgres"},
		{"key/value, refused", "host=127.0.0.1 port=" + port + " user=app password=Secret-1 dbname=mm", "connect to postgres"},
		{"key/value, quoted, refused", "host=127.0.0.1 port=" + port + " password='Secret 1' dbname=mm", "connect to postgres"},
		{"URL, bad port", "postgres://app:Secret-1@db:port/mm", "cannot parse"},
		{"URL, bad escape in the password", "postgres://app:Secret-1%zz@db/mm", "cannot parse"},
		{"URL, stranded password", "postgres://app:Sec/ret-1@db:5432/mm", "cannot parse"},
		{"key/value, bad port", "host=db port=x password=Secret-1", "cannot parse"},
		{"key/value, unterminated quote", "host=db password='Secret 1", "cannot parse"},
		{"key/value, password with a space", "host=db password=Secret 1 dbname=mm", "cannot parse"},
		{"key/value, password with escapes", `host=db port=x password='Se\'cret 1'`, "cannot parse"},
		{"unknown scheme", "mysql://app:Secret-1@db/mm", "not supported"},
		{"URL after spaces, refused", "  postgres://app:Secret-1@127.0.0.1:" + port + "/mm ", "connect to postgres"},
		{"environment assignment", "DATABASE_URL=postgres://app:Secret-1@db/mm", "not a database URL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, _, err := profiles.Open(context.Background(), c.dsn)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded", profiles.RedactDSN(c.dsn))
			}
			msg := err.Error()
			t.Log(msg)
			for _, secret := range []string{"Secret", "cret", "ret-1", "ret 1", `"1"`} {
				if strings.Contains(msg, secret) {
					t.Errorf("the error shows the password (%q): %s", secret, msg)
				}
			}
			if !strings.Contains(msg, c.want) {
				t.Errorf("the error does not say %q: %s", c.want, msg)
			}
			if errors.Unwrap(err) == nil && c.want == "connect to postgres" {
				t.Errorf("the connection error wraps nothing: %s", msg)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a PostgreSQL DSN made a file: %s", filepath.Join(dir, entries[0].Name()))
			}
		})
	}
}
