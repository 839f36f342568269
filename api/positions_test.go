package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestConsistencyToken holds the writes and the index reads to the
// Matchmaker-Position contract: every write answer carries the position of its
// write (a replayed answer, the position of the first), a read with a position
// this replica's index holds answers as usual, one it does not reach in time
// answers 503 with Retry-After, and a malformed one 400.
func TestConsistencyToken(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		position := func(r response) int64 {
			t.Helper()
			p, err := strconv.ParseInt(r.Header.Get("Matchmaker-Position"), 10, 64)
			if err != nil || p <= 0 {
				t.Fatalf("answer %d carries Matchmaker-Position %q", r.Status, r.Header.Get("Matchmaker-Position"))
			}
			return p
		}
		r := x.do(t, "POST", "/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
		city := position(r)
		x.ids["lyon"] = string(r.json(t)["id"].(string))
		r = x.do(t, "POST", "/v1/challenges", `{"city_id":"{lyon}","title":"Collecte des déchets","description":"Nos camions ne passent pas.","language":"fr","themes":["waste"]}`,
			"Idempotency-Key", "challenge-1")
		if r.Status != http.StatusCreated {
			t.Fatalf("create challenge: %d %s", r.Status, r.Body)
		}
		ch := position(r)
		if ch <= city {
			t.Fatalf("the later write reached %d, not above %d", ch, city)
		}
		x.ids["ch"] = r.json(t)["id"].(string)
		// The replayed answer keeps its write's position.
		x.do(t, "PATCH", "/v1/cities/{lyon}", `{"population":500000}`, "Content-Type", "application/merge-patch+json")
		r = x.do(t, "POST", "/v1/challenges", `{"city_id":"{lyon}","title":"Collecte des déchets","description":"Nos camions ne passent pas.","language":"fr","themes":["waste"]}`,
			"Idempotency-Key", "challenge-1")
		if r.Header.Get("Idempotent-Replayed") != "true" || position(r) != ch {
			t.Fatalf("replayed answer: replayed %q, position %d, want %d", r.Header.Get("Idempotent-Replayed"), position(r), ch)
		}
		// A write that changes nothing the index holds answers the index's position.
		if r := x.do(t, "PATCH", "/v1/cities/{lyon}", `{"population":500000}`, "Content-Type", "application/merge-patch+json"); position(r) < ch {
			t.Fatalf("an unchanged write answered %d, below %d", position(r), ch)
		}

		path := "/v1/challenges/{ch}/suggestions?kind=practices"
		if r := x.do(t, "GET", path, "", "Matchmaker-Position", strconv.FormatInt(ch, 10)); r.Status != http.StatusOK {
			t.Fatalf("read at a reached position: %d %s", r.Status, r.Body)
		}
		for _, bad := range []string{"abc", "-1", "1.5"} {
			if r := x.do(t, "GET", path, "", "Matchmaker-Position", bad); r.Status != http.StatusBadRequest {
				t.Fatalf("position %q: %d %s", bad, r.Status, r.Body)
			}
		}
		// A position no write has reached: the index cannot get there, and
		// says so rather than answer without the write.
		r = x.do(t, "GET", path, "", "Matchmaker-Position", strconv.FormatInt(ch+1000, 10))
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "not yet at") {
			t.Fatalf("read at an unreached position: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	})
}
