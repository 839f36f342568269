package transfer_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
)

// A backup taken while four writers add cities holds every city whose write
// was acknowledged before the backup began, and is a sound database that the
// service opens as its own (the restore: the copy put in place of the file).
func TestBackupUnderWriteLoad(t *testing.T) {
	db := profilestest.SQLiteDB(t, true)
	s := openStore(t, db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu    sync.Mutex
		acked []string
		n     atomic.Int64
		wg    sync.WaitGroup
		fail  = make(chan error, 4)
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				c, err := s.CreateCity(context.Background(), profiles.CityInput{Name: fmt.Sprintf("Ville %d-%d", w, i), Country: "FR", Region: "europe", Languages: []string{"fr"}})
				if err != nil {
					fail <- err
					return
				}
				mu.Lock()
				acked = append(acked, c.ID)
				mu.Unlock()
				n.Add(1)
			}
		}()
	}
	for n.Load() < 200 {
		select {
		case err := <-fail:
			t.Fatal(err)
		default:
		}
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := transfer.Backup(context.Background(), s, path); err != nil {
		t.Fatal(err)
	}
	written := n.Load()
	for n.Load() < written+100 {
		select {
		case err := <-fail:
			t.Fatal(err)
		default:
		}
	}
	cancel()
	wg.Wait()

	restored := openStore(t, profilestest.DB{Name: "sqlite", DSN: path, Dialect: profiles.SQLite})
	var check string
	if err := restored.DB().NewRaw("PRAGMA integrity_check").Scan(context.Background(), &check); err != nil || check != "ok" {
		t.Fatalf("integrity check of the backup: %q %v", check, err)
	}
	exists, err := restored.ExistingIDs(context.Background(), profiles.KindCity, before)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range before {
		if !exists[id] {
			t.Errorf("city %s, acknowledged before the backup, is not in it", id)
		}
	}
	all, err := restored.FindCities(context.Background(), profiles.CityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cities acknowledged before the backup, %d in it, %d written in all", len(before), all.Total, n.Load())
	if all.Total < len(before) || int64(all.Total) > n.Load() {
		t.Errorf("the backup holds %d cities", all.Total)
	}
	if err := transfer.Backup(context.Background(), s, path); err == nil {
		t.Error("a second backup overwrote the first")
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	s := openStore(t, profilestest.PostgresDB(t, true))
	err := transfer.Backup(context.Background(), s, filepath.Join(t.TempDir(), "b.db"))
	if !errors.Is(err, transfer.ErrBackupPostgres) {
		t.Fatalf("got %v", err)
	}
}
