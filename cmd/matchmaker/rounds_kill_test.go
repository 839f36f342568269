package main

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"matchmaker/profiles/profilestest"
)

// TestRoundOfAKilledReplicaIsFinishedByAnother kills (SIGKILL) the replica
// running a review round in the middle of it, and checks that another replica
// takes the round over and finishes it, exactly once. The round is held in its
// middle without any timing: the test locks the proposals table against
// writes, so the replica that claimed the round computes its panels and then
// waits to store them; once it waits, it is killed, and the lock released. Its
// transaction dies with its connection. The surviving replica's job queue
// hands the round back after --round-rescue-after, runs it again, and stores
// one panel set.
func TestRoundOfAKilledReplicaIsFinishedByAnother(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dsn := profilestest.PostgresDB(t, false).DSN
	// The rescue comes at the first pass of the queue's rescuer (every 30 s)
	// after the claim is RESCUE_AFTER old; the timeout it must exceed bounds
	// the rescued run, which a loaded machine may slow tenfold: 30 s keeps
	// the test within a minute or two and the run far from its limit.
	jobs := []string{"MATCHMAKER_ROUND_TIMEOUT=30s", "MATCHMAKER_ROUND_RESCUE_AFTER=31s"}
	first := startService(t, bin, dsn, jobs...)
	if out, err := runCommand(bin, dsn, "seed"); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hold, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec("LOCK TABLE proposals IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}

	call := func(s *service, method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+loadKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := s.client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	status, b := call(first, "POST", "/v1/review-rounds", `{"name":"Peer reviews","all_open":true,"defaults":{"size":3}}`)
	if status != http.StatusAccepted {
		t.Fatalf("POST round: %d %s", status, b)
	}
	var round struct{ ID string }
	if err := json.Unmarshal(b, &round); err != nil || round.ID == "" {
		t.Fatalf("round: %s", b)
	}
	// The only replica claims the round and, its panels computed, waits on
	// the lock to store them.
	waitFor(t, "the round waiting to store its panels", func() bool {
		var waiting int
		err := db.QueryRow(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
			WHERE NOT l.granted AND c.relname = 'proposals'`).Scan(&waiting)
		return err == nil && waiting > 0
	})
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Another replica comes (a load balancer's pool keeps one running): it
	// finds the round claimed by a worker that no longer answers.
	second := startService(t, bin, dsn, jobs...)

	waitFor(t, "the round finished by the other replica", func() bool {
		status, b := call(second, "GET", "/v1/review-rounds/"+round.ID, "")
		var r struct{ Status string }
		return status == http.StatusOK && json.Unmarshal(b, &r) == nil && r.Status == "done"
	})
	var panels, challenges int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT challenge_id) FROM proposals WHERE round_id = $1`, round.ID).Scan(&panels, &challenges); err != nil {
		t.Fatal(err)
	}
	if panels == 0 || panels != challenges {
		t.Fatalf("the round stored %d panels for %d challenges: want one each", panels, challenges)
	}
	// The queue records the job's completion just after the round's commit.
	var attempts int
	var state string
	waitFor(t, "the round's job completed", func() bool {
		err := db.QueryRow(`SELECT attempt, state FROM river_job WHERE kind = 'review_round'`).Scan(&attempts, &state)
		return err == nil && state == "completed"
	})
	if attempts < 2 {
		t.Fatalf("the round's job completed at attempt %d: want a second attempt, by the other replica", attempts)
	}
}

// waitFor polls ok until it holds, for as long as the test may run: it fails
// the test, naming what it waited for, a little before go test's -timeout
// would panic. What it waits for takes seconds on an idle machine and much
// longer on a loaded one, which is not what the test checks.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := testDeadline(t)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-deadline:
			t.Fatalf("%s: not before the test's time ran out", what)
		case <-tick.C:
		}
	}
}

// testDeadline is closed a little before the test's deadline (go test
// -timeout), so that a wait that never ends fails saying what it waited for
// instead of a panic; with no timeout, it is never closed. The waits of the
// tests that run the binary end there rather than at a limit sized for an
// idle machine. A benchmark has no deadline: its waits end with go test's.
func testDeadline(t testing.TB) <-chan time.Time {
	dt, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return nil
	}
	d, ok := dt.Deadline()
	if !ok {
		return nil
	}
	return time.After(time.Until(d) - time.Until(d)/20)
}
