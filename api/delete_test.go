package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/api"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// deleteReached tells the test when a DELETE request has read the row it
// deletes, or has started deleting it: the moment a concurrent change must land
// to be lost by a version check made apart from the delete.
type deleteReached struct {
	id   atomic.Value // string: the row, once created
	once sync.Once
	ch   chan struct{}
}

func (h *deleteReached) about(q string) bool {
	id, _ := h.id.Load().(string)
	return id != "" && strings.Contains(q, id)
}

func (h *deleteReached) fire() { h.once.Do(func() { close(h.ch) }) }

func (h *deleteReached) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(e.Query)), "DELETE") && h.about(e.Query) {
		h.fire()
	}
	return ctx
}

func (h *deleteReached) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, "experts") && h.about(e.Query) {
		h.fire()
	}
}

// TestDeleteIfMatchLosesNoConcurrentChange: a DELETE with If-Match deletes the
// row only at that version, even when a change commits while the DELETE is
// under way. The change is held open by another connection (PostgreSQL: a row
// lock; SQLite: the write lock) until the DELETE has read the row or started
// deleting it, then committed. The DELETE must answer 412 and the row, changed,
// must remain. (A check made by a read before the delete answered 204 here and
// deleted the change unseen.)
func TestDeleteIfMatchLosesNoConcurrentChange(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		bdb, dialect, err := profiles.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { bdb.Close() })
		tax, err := profiles.LoadTaxonomy()
		if err != nil {
			t.Fatal(err)
		}
		reached := &deleteReached{ch: make(chan struct{})}
		store := profiles.NewStore(bdb.WithQueryHook(reached), dialect, tax)
		e, err := store.CreateExpert(ctx, profiles.ExpertInput{Name: "Awa Diop", Role: "mayor", Country: "SN", Languages: []string{"fr"}})
		if err != nil {
			t.Fatal(err)
		}
		reached.id.Store(e.ID)
		_, key, err := store.CreateKey(ctx, profiles.KeyInput{Name: "admin", Role: profiles.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		bg, stop := context.WithCancel(ctx)
		t.Cleanup(stop)
		h := api.New(api.Config{Store: store, Logger: slog.New(slog.DiscardHandler), Background: bg, RateLimits: api.RateLimits{PerAddress: -1, PerKey: -1}})

		// The change, held open on a connection of its own.
		conn, err := bdb.DB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		begin, lock := "BEGIN", "SELECT id FROM experts WHERE id = $1 FOR UPDATE"
		if dialect == profiles.SQLite {
			begin, lock = "BEGIN IMMEDIATE", "SELECT id FROM experts WHERE id = ?1"
		}
		if _, err := conn.ExecContext(ctx, begin); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, lock, e.ID); err != nil {
			t.Fatal(err)
		}

		status := make(chan int, 1)
		go func() {
			req := httptest.NewRequest(http.MethodDelete, "/v1/experts/"+e.ID, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("If-Match", `"1"`)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			status <- rec.Code
		}()
		// A DELETE that checks the version in its own statement waits on the
		// lock before it reads anything (SQLite) and shows nothing: the change
		// then commits anyway after a while, which cannot change its answer.
		select {
		case <-reached.ch:
		case <-time.After(2 * time.Second):
		}
		update := "UPDATE experts SET bio = 'changed meanwhile', version = version + 1 WHERE id = $1"
		if dialect == profiles.SQLite {
			update = "UPDATE experts SET bio = 'changed meanwhile', version = version + 1 WHERE id = ?1"
		}
		if _, err := conn.ExecContext(ctx, update, e.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
			t.Fatal(err)
		}
		if got := <-status; got != http.StatusPreconditionFailed {
			t.Errorf("DELETE with If-Match \"1\" while the row changed to version 2: status %d, want 412", got)
		}
		after, err := store.FindExpertByID(ctx, e.ID)
		if err != nil {
			t.Fatalf("the changed expert is gone: %v", err)
		}
		if after.Version != 2 || after.Bio != "changed meanwhile" {
			t.Errorf("expert after the refused delete: version %d, bio %q", after.Version, after.Bio)
		}
	})
}

// Deletes with If-Match on every kind: the current version deletes, a stale
// one is refused with 412 and deletes nothing, a missing row is 404.
func TestDeleteIfMatchEveryKind(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		x.create(t, "city", "/v1/cities", `{"name":"Cuenca","country":"EC","region":"latin_america","languages":["es"]}`)
		x.create(t, "practice", "/v1/practices", `{"city_id":"{city}","language":"es","title":"Presupuesto participativo","description":"Los vecinos deciden una parte de las inversiones."}`)
		x.create(t, "challenge", "/v1/challenges", `{"city_id":"{city}","language":"es","title":"Recolección de residuos","description":"Mejorar la recolección de residuos en los barrios."}`)
		x.create(t, "expert", "/v1/experts", `{"name":"Ana Pérez","role":"mayor","country":"EC","languages":["es"]}`)
		for _, kind := range []string{"practices", "challenges", "experts", "cities"} {
			name := strings.TrimSuffix(strings.TrimSuffix(kind, "s"), "ie")
			if kind == "cities" {
				name = "city"
			}
			path := "/v1/" + kind + "/{" + name + "}"
			if r := x.do(t, "DELETE", path, "", "If-Match", `"7"`); r.Status != http.StatusPreconditionFailed {
				t.Fatalf("%s: stale If-Match: %d %s", kind, r.Status, r.Body)
			}
			if r := x.do(t, "GET", path, ""); r.Status != http.StatusOK {
				t.Fatalf("%s: gone after a refused delete: %d", kind, r.Status)
			}
			if r := x.do(t, "DELETE", path, "", "If-Match", `"1"`); r.Status != http.StatusNoContent {
				t.Fatalf("%s: current If-Match: %d %s", kind, r.Status, r.Body)
			}
			if r := x.do(t, "DELETE", path, "", "If-Match", `"1"`); r.Status != http.StatusNotFound {
				t.Fatalf("%s: deleted twice: %d %s", kind, r.Status, r.Body)
			}
		}
	})
}
