package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"

	"matchmaker/profiles/profilestest"
)

// TestDatabaseURLForms starts the commands on PostgreSQL named in each form a
// DSN can take, each with a password (the test server trusts every password):
// PostgreSQL is the database chosen, no SQLite file is made, and neither the
// logs (config and database open) nor the output show the password.
func TestDatabaseURLForms(t *testing.T) {
	u, err := url.Parse(profilestest.PostgresDB(t, false).DSN)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(u.Host)
	user := u.User.Username()
	dbname := strings.TrimPrefix(u.Path, "/")
	schema := u.Query().Get("search_path")
	withPassword := *u
	withPassword.User = url.UserPassword(user, "Pw-0ne/two")
	q := u.Query()
	q.Set("password", "Pw-0ne")
	inQuery := *u
	inQuery.RawQuery = q.Encode()

	for _, c := range []struct{ name, dsn string }{
		{"URL", withPassword.String()},
		{"URL, password parameter", inQuery.String()},
		{"key/value", fmt.Sprintf("host=%s port=%s user=%s dbname=%s search_path=%s sslmode=disable password=Pw-0ne", host, port, user, dbname, schema)},
		{"key/value, quoted password", fmt.Sprintf("host=%s port=%s user=%s dbname=%s search_path=%s sslmode=disable password='Pw 0ne'", host, port, user, dbname, schema)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			var stdout, logs bytes.Buffer
			err := run(context.Background(), []string{"--database-url", c.dsn, "serve", "--no-migrate", "--addr", freeAddr(t)}, &stdout, &logs)
			if err == nil || !strings.Contains(err.Error(), "pending") {
				t.Fatalf("serve --no-migrate on an empty schema: %v\n%s", err, logs.String())
			}
			for _, want := range []string{"msg=config", "msg=\"database open\" dialect=pg", "xxxxx"} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("the logs lack %s:\n%s", want, logs.String())
				}
			}
			if strings.Contains(logs.String()+stdout.String(), "0ne") {
				t.Errorf("the password is shown:\n%s%s", logs.String(), stdout.String())
			}
			if entries, _ := os.ReadDir("."); len(entries) > 0 {
				t.Errorf("a PostgreSQL DSN made a file: %s", entries[0].Name())
			}
		})
	}
}

// TestDatabaseOpenFailureShowsNoPassword is what a person sees when the
// database cannot be opened: the error run returns (main prints it) and the
// logs say what failed, and never show the password.
func TestDatabaseOpenFailureShowsNoPassword(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close() // nobody listens there now
	for _, c := range []struct{ name, dsn string }{
		{"URL, refused", "postgres://app:Pw-0ne@127.0.0.1:" + port + "/mm"},
		{"key/value, refused", "host=127.0.0.1 port=" + port + " user=app password='Pw 0ne' dbname=mm"},
		{"key/value, bad port", "host=db port=x password=Pw-0ne"},
		{"unknown scheme", "mysql://app:Pw-0ne@db/mm"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			var stdout, logs bytes.Buffer
			err := run(context.Background(), []string{"--database-url", c.dsn, "migrate", "up"}, &stdout, &logs)
			if err == nil {
				t.Fatal("migrate up succeeded")
			}
			t.Log(err)
			if shown := err.Error() + logs.String() + stdout.String(); strings.Contains(shown, "0ne") {
				t.Errorf("the password is shown:\n%s", shown)
			}
			if entries, _ := os.ReadDir("."); len(entries) > 0 {
				t.Errorf("the DSN made a file: %s", entries[0].Name())
			}
		})
	}
}
