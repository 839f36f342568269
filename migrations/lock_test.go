package migrations_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"matchmaker/migrations"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// TestRunCutWhileTakingTheLockLeavesNoLock stops a run at the worst moment for
// bun's lock row: PostgreSQL has committed it, and the answer that says so has
// not reached the run when its context ends (SIGTERM during a start, or a
// deadline). The run cannot tell whether the row is there, so it must clear it
// on its way out; otherwise every later start fails on a lock nobody holds.
//
// A proxy between the run and the server holds back that one answer until the
// context is cancelled, so the moment is reached every time, without timing.
func TestRunCutWhileTakingTheLockLeavesNoLock(t *testing.T) {
	db := profilestest.PostgresDB(t, false)
	u, err := url.Parse(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newHoldingProxy(t, u.Host, [][]byte{[]byte("INSERT INTO "), []byte("bun_migration_locks")})
	u.Host = proxy.addr()
	q := u.Query()
	q.Set("sslmode", "disable") // the proxy reads the queries as they pass
	// The lock's key is the same for every run on the server (tests on other
	// schemas take it too): this run's sessions are told apart by their name.
	name := "matchmaker-cut-run-" + q.Get("search_path")
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	viaProxy := openBun(t, profilestest.DB{Name: "postgres", DSN: u.String(), Dialect: profiles.Postgres})
	m, err := migrations.NewMigrator(viaProxy, string(profiles.Postgres))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := migrations.Up(ctx, m)
		done <- err
	}()
	select {
	case <-proxy.held:
	case err := <-done:
		t.Fatalf("the run ended before it wrote its lock row: %v", err)
	}
	direct := openBun(t, db)
	advisoryLocks := func() int {
		t.Helper()
		var n int
		if err := direct.NewRaw("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = ?",
			name).Scan(context.Background(), &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := advisoryLocks(); n != 1 {
		t.Fatalf("the run holds %d advisory locks while it writes its lock row, want 1", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cut run returned %v, want a cancellation", err)
	}

	if n, err := direct.NewSelect().Table("bun_migration_locks").Count(context.Background()); err != nil || n != 0 {
		t.Errorf("the cut run left its lock row: %d rows, %v", n, err)
	}
	if n := advisoryLocks(); n != 0 {
		t.Errorf("the cut run returned and still holds the migration lock: %d sessions", n)
	}
	m2, err := migrations.NewMigrator(direct, string(profiles.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(context.Background(), m2); err != nil {
		t.Fatalf("the next start does not migrate: %v", err)
	}
}

// holdingProxy forwards TCP connections to a PostgreSQL server, except that it
// holds back the server's answer to the first query containing every one of its
// patterns; held is closed once that whole answer (up to ReadyForQuery) has
// arrived from the server, which means the statement has completed there.
type holdingProxy struct {
	ln       net.Listener
	target   string
	patterns [][]byte
	claimed  atomic.Bool
	held     chan struct{}
	heldOnce sync.Once
}

func newHoldingProxy(t *testing.T, target string, patterns [][]byte) *holdingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdingProxy{ln: ln, target: target, patterns: patterns, held: make(chan struct{})}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.pipe(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return p
}

func (p *holdingProxy) addr() string { return p.ln.Addr().String() }

// readyForQuery is the message that ends every answer of the server.
var readyForQuery = []byte{'Z', 0, 0, 0, 5}

func (p *holdingProxy) pipe(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var holding atomic.Bool // this connection sent the query whose answer is held
	go func() {
		defer server.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if p.matches(buf[:n]) && p.claimed.CompareAndSwap(false, true) {
					holding.Store(true) // before the query leaves: its answer comes after
				}
				if _, err := server.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var held []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			if holding.Load() {
				held = append(held, buf[:n]...)
				if bytes.Contains(held, readyForQuery) {
					p.heldOnce.Do(func() { close(p.held) })
				}
			} else if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *holdingProxy) matches(b []byte) bool {
	for _, pat := range p.patterns {
		if !bytes.Contains(b, pat) {
			return false
		}
	}
	return true
}
