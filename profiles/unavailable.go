package profiles

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUnavailable reports whether err means that the database could not be used
// right now, rather than that the request or the code is wrong: the connection
// was refused, cut or timed out, the server is shutting down or starting up, or
// SQLite stayed locked past its busy timeout or could not read or write its file.
// Such a failure is worth retrying a little later, and the service answers 503
// for it instead of 500. It is true for ErrUnavailable too.
//
// It sits beside the store because only the store knows its drivers' errors; the
// store returns them wrapped, untouched, so the answer is read from their types
// and codes, never from their text.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	switch {
	case errors.Is(err, ErrUnavailable),
		// A deadline that expired while waiting for a connection or an answer.
		errors.Is(err, context.DeadlineExceeded),
		// database/sql and pgx: a connection that is dead or already closed.
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, pgconn.ErrConnClosed),
		// The socket closed under a query: the server went away mid-answer.
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true // includes "the database system is starting up" and too many clients
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgUnavailable(pgErr.Code)
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return sqliteUnavailable(liteErr.Code())
	}
	// Last, so that a driver error that also carries a network cause is judged by
	// its code first: any other network failure (refused, reset, timed out, no
	// route) is the database being out of reach.
	var netErr net.Error
	return errors.As(err, &netErr)
}

// pgUnavailable reports whether a PostgreSQL SQLSTATE says the server cannot serve
// now, as opposed to rejecting the statement.
func pgUnavailable(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	case strings.HasPrefix(code, "53"): // insufficient resources: disk full, out of memory, too many connections
		return true
	}
	switch code {
	case "57P01", // admin_shutdown: terminated by pg_terminate_backend or a fast shutdown
		"57P02", // crash_shutdown
		"57P03", // cannot_connect_now: the database system is starting up or shutting down
		"58030", // io_error
		"25006": // read_only_sql_transaction: a standby answering while a failover ends
		return true
	}
	return false
}

// sqliteUnavailable reports whether a SQLite result code, primary or extended,
// says the file cannot be used now, as opposed to the statement being wrong.
func sqliteUnavailable(code int) bool {
	switch code & 0xff { // the primary code of an extended one
	case sqlite3.SQLITE_BUSY, // still locked by another writer after busy_timeout
		sqlite3.SQLITE_LOCKED,
		sqlite3.SQLITE_IOERR, // disk I/O error
		sqlite3.SQLITE_FULL,
		sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_PROTOCOL,
		sqlite3.SQLITE_READONLY: // the file became read-only, or was moved or deleted
		return true
	}
	return false
}

// IsSchemaMissing reports whether err means that a table the store needs does
// not exist: the database was dropped and created again empty, or restored
// without its schema, and migrations are pending. Like an outage, this is the
// deployment's state, not the request's fault, and it ends without a restart
// once the migrations run again; the service answers 503 for it.
//
// PostgreSQL says so with a code (undefined_table, invalid_schema_name); SQLite
// has none for it, only the generic SQLITE_ERROR, so its message is read.
func IsSchemaMissing(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "42P01" || pgErr.Code == "3F000"
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code()&0xff == sqlite3.SQLITE_ERROR && strings.Contains(liteErr.Error(), "no such table")
	}
	return false
}
