package transfer

import (
	"context"
	"errors"
	"fmt"
	"os"

	"matchmaker/profiles"
)

// ErrBackupPostgres is Backup's answer on PostgreSQL, whose own tools back it up.
var ErrBackupPostgres = errors.New("matchmaker backup copies a SQLite database; back up PostgreSQL with its own tools: pg_dump --format=custom --file=matchmaker.dump \"$DATABASE_URL\" (restore with pg_restore --no-owner --dbname=…)")

// Backup writes a consistent copy of the store's SQLite database to path with
// VACUUM INTO: a read transaction sees one state of the database, so that the
// copy holds every write committed before it started and none after, while the
// service goes on writing. The copy is a complete database file: restoring is
// putting it in place of the database while the service is stopped. Backup
// refuses to overwrite a file, and refuses PostgreSQL (ErrBackupPostgres).
func Backup(ctx context.Context, s *profiles.Store, path string) error {
	if s.Dialect() != profiles.SQLite {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists already: name a new file", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := s.DB().ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
