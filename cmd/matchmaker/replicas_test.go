package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"matchmaker/profiles/profilestest"
)

// TestReplicas runs several `matchmaker serve` processes on one database, as
// replicas behind a load balancer: every write made on one reaches the match
// index of the others, with and without the consistency token; seed and keys
// run from other processes reach the running servers; a replica paused past
// the feed's wake-ups catches up, and so does one cut from the database
// (PostgreSQL) while the others write. Nothing is timed: reads without the token
// wait, up to a deadline, for the replicas to converge; reads with it must
// answer the write at once or 503 with Retry-After, never a stale answer.
//
// On PostgreSQL three replicas run; on SQLite two processes share one file (WAL
// lets them: the one that did not write finds the other's changes by polling).
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for _, db := range []struct {
		name     string
		replicas int
		dsn      func(t *testing.T) string
	}{
		{"postgres", 3, func(t *testing.T) string { return profilestest.PostgresDB(t, false).DSN }},
		{"sqlite", 2, func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") }},
	} {
		t.Run(db.name, func(t *testing.T) {
			dsn := db.dsn(t)
			var rs []*replica
			// On PostgreSQL the last replica reaches the database through a
			// relay, so that its connections can be cut.
			var relay *profilestest.Relay
			for i := range db.replicas {
				own := dsn
				if i == db.replicas-1 && strings.HasPrefix(dsn, "postgres") {
					relay, own = profilestest.StartRelay(t, dsn)
				}
				rs = append(rs, &replica{t: t, service: startService(t, bin, own)})
			}
			n := len(rs)
			for round := range n {
				w := rs[round%n]
				readers := []*replica{}
				for i := 1; i < n; i++ {
					readers = append(readers, rs[(round+i)%n])
				}
				t.Logf("round %d: writes on replica %d", round, round%n)
				everyKind(t, w, readers)
			}

			// seed, from another process, reaches every running server.
			out, err := runCommand(bin, dsn, "seed")
			if err != nil {
				t.Fatalf("seed: %v\n%s", err, out)
			}
			seeded := rs[0].firstChallenge()
			for _, r := range rs {
				r.eventually("a seeded challenge's suggestions", "/v1/challenges/"+seeded+"/suggestions?kind=practices", func(status int, ids []string) bool {
					return status == http.StatusOK && len(ids) > 0
				})
			}
			// keys create, from another process: the new key writes on every replica.
			out, err = runCommand(bin, dsn, "keys", "create", "--role", "secretariat", "--name", "from another process")
			if err != nil {
				t.Fatalf("keys create: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			secret := lines[len(lines)-1]
			for i, r := range rs {
				status, _, _ := r.doWith(secret, "POST", "/v1/cities", fmt.Sprintf(`{"name":"Keyed %d","country":"FR","region":"europe","languages":["fr"]}`, i), "")
				if status != http.StatusCreated {
					t.Fatalf("replica %d refused the key created by another process: %d", i, status)
				}
			}

			// A replica paused past the feed's wake-ups catches up when it
			// goes on, and honours the token of a write made meanwhile.
			paused := rs[n-1]
			if err := paused.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			city := rs[0].create("/v1/cities", `{"name":"Pause","country":"FR","region":"europe","languages":["fr"]}`)
			ch := rs[0].create("/v1/challenges", fmt.Sprintf(`{"city_id":%q,"title":"Collecte des déchets la nuit","description":"Les camions de collecte passent la nuit.","language":"fr","themes":["waste"]}`, city.id))
			other := rs[0].create("/v1/cities", `{"name":"Pause Sud","country":"SN","region":"africa","languages":["fr"]}`)
			p := rs[0].create("/v1/practices", fmt.Sprintf(`{"city_id":%q,"title":"Collecte nocturne des déchets","description":"Nos camions de collecte passent la nuit dans les quartiers.","language":"fr","themes":["waste"],"status":"published"}`, other.id))
			// Longer than the polling period: the pause spans wake-ups.
			time.Sleep(2500 * time.Millisecond)
			if err := paused.cmd.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			paused.strict("after SIGCONT, the practice written during the pause", "/v1/challenges/"+ch.id+"/suggestions?kind=practices", p.position, func(status int, ids []string) bool {
				return status == http.StatusOK && slices.Contains(ids, p.id)
			})
			if relay == nil {
				return
			}

			// A replica cut from the database while the others write
			// catches up with nothing missed once it is back.
			cut := rs[n-1]
			relay.Cut()
			cut.eventually("the cut replica is not ready", "/readyz", func(status int, _ []string) bool { return status == http.StatusServiceUnavailable })
			during := rs[0].create("/v1/practices", fmt.Sprintf(`{"city_id":%q,"title":"Collecte nocturne des déchets en charrette","description":"Nos charrettes de collecte passent la nuit dans les quartiers.","language":"fr","themes":["waste"],"status":"published"}`, other.id))
			gone := rs[0].delete("/v1/practices/" + p.id)
			relay.Restore(t)
			suggestions := "/v1/challenges/" + ch.id + "/suggestions?kind=practices"
			cut.strict("after the outage, the writes made during it", suggestions, max(during.position, gone), func(status int, ids []string) bool {
				return status == http.StatusOK && slices.Contains(ids, during.id) && !slices.Contains(ids, p.id)
			})
			cut.eventually("the replica is ready again", "/readyz", func(status int, _ []string) bool { return status == http.StatusOK })
		})
	}
}

// everyKind creates, changes and deletes a row of every kind the match index
// holds on w, and checks after each write that the readers follow: the first
// with the write's token, the others without.
func everyKind(t *testing.T, w *replica, readers []*replica) {
	t.Helper()
	check := func(what, path string, pos int64, ok func(int, []string) bool) {
		t.Helper()
		for i, r := range readers {
			if i == 0 {
				r.strict(what, path, pos, ok)
			} else {
				r.eventually(what, path, ok)
			}
		}
	}
	has := func(id string) func(int, []string) bool {
		return func(status int, ids []string) bool { return status == http.StatusOK && slices.Contains(ids, id) }
	}
	hasNot := func(id string) func(int, []string) bool {
		return func(status int, ids []string) bool { return status == http.StatusOK && !slices.Contains(ids, id) }
	}
	status := func(want int) func(int, []string) bool {
		return func(status int, _ []string) bool { return status == want }
	}

	a := w.create("/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
	b := w.create("/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"]}`)
	ch := w.create("/v1/challenges", fmt.Sprintf(`{"city_id":%q,"title":"Collecte des déchets dans les quartiers denses","description":"Nos camions de collecte ne passent pas dans les rues étroites.","language":"fr","themes":["waste"]}`, a.id))
	practices := "/v1/challenges/" + ch.id + "/suggestions?kind=practices"
	experts := "/v1/challenges/" + ch.id + "/suggestions?kind=experts"
	check("a new challenge's suggestions", practices, ch.position, status(http.StatusOK))

	p := w.create("/v1/practices", fmt.Sprintf(`{"city_id":%q,"title":"Collecte des déchets en charrette dans les rues étroites","description":"Des charrettes collectent les déchets des quartiers denses.","language":"fr","themes":["waste"],"status":"published"}`, b.id))
	check("a new practice suggested", practices, p.position, has(p.id))
	pos := w.patch("/v1/practices/"+p.id, `{"status":"draft"}`)
	check("a practice put back to draft no longer suggested", practices, pos, hasNot(p.id))
	pos = w.patch("/v1/practices/"+p.id, `{"status":"published"}`)
	check("a practice published again", practices, pos, has(p.id))

	// What a practice inherits from its city follows the city.
	pos = w.patch("/v1/cities/"+b.id, `{"region":"middle_east_west_asia"}`)
	check("a practice found by its city's new region", practices+"&region=middle_east_west_asia", pos, has(p.id))

	e := w.create("/v1/experts", fmt.Sprintf(`{"name":"Aminata Diallo","role":"technical_officer","country":"SN","languages":["fr"],"themes":["waste"],"city_id":%q,"bio":"Collecte des déchets dans les quartiers denses."}`, b.id))
	check("a new expert suggested", experts, e.position, has(e.id))
	pos = w.patch("/v1/experts/"+e.id, `{"active":false}`)
	check("a paused expert no longer suggested", experts, pos, hasNot(e.id))
	pos = w.patch("/v1/experts/"+e.id, `{"active":true}`)
	check("an expert back from a pause", experts, pos, has(e.id))
	pos = w.delete("/v1/experts/" + e.id)
	check("a deleted expert no longer suggested", experts, pos, hasNot(e.id))
	pos = w.delete("/v1/practices/" + p.id)
	check("a deleted practice no longer suggested", practices, pos, hasNot(p.id))

	pos = w.patch("/v1/challenges/"+ch.id, `{"status":"closed"}`)
	check("a closed challenge", practices, pos, status(http.StatusConflict))
	pos = w.delete("/v1/challenges/" + ch.id)
	check("a deleted challenge", practices, pos, status(http.StatusNotFound))
	w.delete("/v1/cities/" + a.id + "?cascade=true")
	w.delete("/v1/cities/" + b.id + "?cascade=true")
}

// replica is one running `matchmaker serve`, as a client sees it.
type replica struct {
	t testing.TB
	*service
}

// written is what a write answered: the new row's ID and the feed position.
type written struct {
	id       string
	position int64
}

func (r *replica) do(method, path, body, position string) (int, []byte, http.Header) {
	return r.doWith(loadKey, method, path, body, position)
}

func (r *replica) doWith(key, method, path, body, position string) (int, []byte, http.Header) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	switch method {
	case http.MethodPatch:
		req.Header.Set("Content-Type", "application/merge-patch+json")
	case http.MethodPost:
		req.Header.Set("Content-Type", "application/json")
	}
	if position != "" {
		req.Header.Set("Matchmaker-Position", position)
	}
	res, err := r.client.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	return res.StatusCode, b, res.Header
}

// write sends a write, requires want, and returns its answer's position.
func (r *replica) write(method, path, body string, want int) ([]byte, int64) {
	r.t.Helper()
	status, b, h := r.do(method, path, body, "")
	if status != want {
		r.t.Fatalf("%s %s answered %d, want %d: %s", method, path, status, want, b)
	}
	pos, err := strconv.ParseInt(h.Get("Matchmaker-Position"), 10, 64)
	if err != nil || pos <= 0 {
		r.t.Fatalf("%s %s answered Matchmaker-Position %q", method, path, h.Get("Matchmaker-Position"))
	}
	return b, pos
}

func (r *replica) create(path, body string) written {
	r.t.Helper()
	b, pos := r.write(http.MethodPost, path, body, http.StatusCreated)
	var v struct{ ID string }
	if err := json.Unmarshal(b, &v); err != nil || v.ID == "" {
		r.t.Fatalf("POST %s: %s", path, b)
	}
	return written{id: v.ID, position: pos}
}

func (r *replica) patch(path, body string) int64 {
	r.t.Helper()
	_, pos := r.write(http.MethodPatch, path, body, http.StatusOK)
	return pos
}

func (r *replica) delete(path string) int64 {
	r.t.Helper()
	_, pos := r.write(http.MethodDelete, path, "", http.StatusNoContent)
	return pos
}

// read returns the status of a GET and the IDs of the items it lists.
func (r *replica) read(path, position string) (int, []string, http.Header, []byte) {
	r.t.Helper()
	status, b, h := r.do(http.MethodGet, path, "", position)
	var list struct{ Items []struct{ ID string } }
	json.Unmarshal(b, &list)
	ids := make([]string, len(list.Items))
	for i, it := range list.Items {
		ids[i] = it.ID
	}
	return status, ids, h, b
}

// eventually reads path without a token until ok holds, for as long as the
// test may run.
func (r *replica) eventually(what, path string, ok func(int, []string) bool) {
	r.t.Helper()
	deadline := testDeadline(r.t)
	for {
		status, ids, _, b := r.read(path, "")
		if ok(status, ids) {
			return
		}
		select {
		case <-deadline:
			r.t.Fatalf("%s: %s did not converge before the test's time ran out: %d %s", what, r.base, status, b)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// strict reads path with the token pos: every answer is either right or 503
// with Retry-After (then it asks again, for as long as the test may run); a
// wrong answer fails.
func (r *replica) strict(what, path string, pos int64, ok func(int, []string) bool) {
	r.t.Helper()
	deadline := testDeadline(r.t)
	for {
		status, ids, h, b := r.read(path, strconv.FormatInt(pos, 10))
		if status != http.StatusServiceUnavailable {
			if !ok(status, ids) {
				r.t.Fatalf("%s: %s answered with position %d a stale %d %s", what, r.base, pos, status, b)
			}
			return
		}
		if h.Get("Retry-After") == "" {
			r.t.Fatalf("%s: 503 without Retry-After: %s", what, b)
		}
		select {
		case <-deadline:
			r.t.Fatalf("%s: %s still not at position %d when the test's time ran out: %s", what, r.base, pos, b)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// firstChallenge returns the ID of an open challenge, read from the store.
func (r *replica) firstChallenge() string {
	r.t.Helper()
	status, ids, _, b := r.read("/v1/challenges?status=open&limit=1", "")
	if status != http.StatusOK || len(ids) == 0 {
		r.t.Fatalf("no open challenge: %d %s", status, b)
	}
	return ids[0]
}

// runCommand runs another matchmaker command on dsn and returns its output.
func runCommand(bin, dsn string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dsn, "MATCHMAKER_LOG_FORMAT=json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return out.String() + errb.String(), err
	}
	return out.String(), nil
}
