package profiles_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestIsUnavailable names the errors that mean "the database cannot be used
// now" (503) and those that do not (a bug, a missing row, a bad statement: not
// 503). The real failures behind them are provoked on real databases in
// api/faults_test.go; the server codes here are the ones a test cannot cause
// without restarting the shared server.
func TestIsUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"the store's own", profiles.ErrUnavailable, true},
		{"connection refused", refused, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"socket closed mid-answer", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true},
		{"dead pooled connection", driver.ErrBadConn, true},
		{"pgx connection closed", pgconn.ErrConnClosed, true},
		{"deadline while acquiring a connection", context.DeadlineExceeded, true},
		{"terminated by an administrator", &pgconn.PgError{Code: "57P01"}, true},
		{"server crashed", &pgconn.PgError{Code: "57P02"}, true},
		{"the database system is starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"server disk I/O error", &pgconn.PgError{Code: "58030"}, true},
		{"read-only standby during a failover", &pgconn.PgError{Code: "25006"}, true},

		{"no error", nil, false},
		{"no row", sql.ErrNoRows, false},
		{"not found", profiles.ErrNotFound, false},
		{"conflict", &profiles.ConflictError{Detail: "x"}, false},
		{"a closed pool is a bug", errors.New("sql: database is closed"), false},
		{"client went away", context.Canceled, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"missing table", &pgconn.PgError{Code: "42P01"}, false},
		{"query cancelled", &pgconn.PgError{Code: "57014"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Stores wrap with the operation; the answer must not change.
			if got := profiles.IsUnavailable(fmt.Errorf("find city 42: %w", tc.err)); got != tc.want && tc.err != nil {
				t.Errorf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
			if got := profiles.IsUnavailable(tc.err); got != tc.want {
				t.Errorf("IsUnavailable(%v) unwrapped = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestIsSchemaMissing provokes the error of a missing table on each database,
// and checks that no other failure is taken for it.
func TestIsSchemaMissing(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		_, err := s.DB().NewRaw("SELECT id FROM no_such_table").Exec(context.Background())
		if err == nil || !profiles.IsSchemaMissing(fmt.Errorf("find city 42: %w", err)) {
			t.Fatalf("IsSchemaMissing(%v) = false", err)
		}
		_, err = s.DB().NewRaw("SELECT no_such_column FROM cities").Exec(context.Background())
		if err == nil || profiles.IsSchemaMissing(err) {
			t.Fatalf("a bad column is not a missing schema: %v", err)
		}
	})
	for _, err := range []error{nil, sql.ErrNoRows, profiles.ErrNotFound, &pgconn.PgError{Code: "23505"}, &pgconn.PgError{Code: "57P01"}} {
		if profiles.IsSchemaMissing(err) {
			t.Errorf("IsSchemaMissing(%v) = true", err)
		}
	}
}
