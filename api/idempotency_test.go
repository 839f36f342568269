package api_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"matchmaker/profiles"
)

// TestIdempotencyAfterACrash: a process killed while serving a POST with an
// Idempotency-Key leaves its reservation behind. The test leaves one as such
// a process would, in two states: killed before its write committed (the
// retry, once the request deadline has passed, is served anew and creates
// the row once), and killed after its write committed but before the answer
// was stored (the retry is sent, with 303, to what was written, and nothing is
// written again). Before, both keys answered 409 "still being served" for 24
// hours, and the client of the second never learnt its row's ID.
func TestIdempotencyAfterACrash(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		ctx := context.Background()
		admin, err := x.store.KeyBySecret(ctx, x.key)
		if err != nil {
			t.Fatal(err)
		}
		scope := "key:" + admin.ID
		// reserve leaves the reservation a killed request would have left,
		// made long enough ago for its deadline to have passed.
		reserve := func(key, path, body string) {
			sum := sha256.Sum256([]byte(body))
			if prior, err := x.store.ReserveIdempotency(ctx, profiles.StoredResponse{Scope: scope, Key: key, Method: "POST", Path: path,
				BodyHash: hex.EncodeToString(sum[:])}, 0); err != nil || prior != nil {
				t.Fatalf("reserve %s: %v %v", key, prior, err)
			}
		}
		age := func(key string, by time.Duration) {
			if _, err := x.store.DB().NewUpdate().Table("idempotency_keys").Set("created_at = ?", time.Now().UTC().Add(-by)).
				Where("idem_key = ?", key).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		count := func(name string) float64 {
			return x.do(t, "GET", "/v1/cities?q="+name, "").json(t)["total"].(float64)
		}

		// Killed before the write committed.
		cuenca := `{"name":"Cuenca","country":"EC","region":"latin_america","languages":["es"]}`
		reserve("k-uncommitted", "/v1/cities", cuenca)
		if r := x.do(t, "POST", "/v1/cities", cuenca, "Idempotency-Key", "k-uncommitted"); r.Status != 409 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("retry within the deadline: %d %s", r.Status, r.Body)
		}
		age("k-uncommitted", time.Minute)
		if r := x.do(t, "POST", "/v1/cities", cuenca, "Idempotency-Key", "k-uncommitted"); r.Status != 201 {
			t.Fatalf("retry after the deadline: %d %s", r.Status, r.Body)
		}
		if r := x.do(t, "POST", "/v1/cities", cuenca, "Idempotency-Key", "k-uncommitted"); r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("retry after it was served: %d %s", r.Status, r.Body)
		}
		if n := count("cuenca"); n != 1 {
			t.Fatalf("%v cities named Cuenca, want 1", n)
		}

		// Killed after the write committed, before its answer was stored.
		loja := `{"name":"Loja","country":"EC","region":"latin_america","languages":["es"]}`
		reserve("k-committed", "/v1/cities", loja)
		city, err := x.store.CreateCity(profiles.WithIdempotencyKey(ctx, scope, "k-committed"),
			profiles.CityInput{Name: "Loja", Country: "EC", Region: "latin_america", Languages: []string{"es"}})
		if err != nil {
			t.Fatal(err)
		}
		if r := x.do(t, "POST", "/v1/cities", loja, "Idempotency-Key", "k-committed"); r.Status != 409 {
			t.Fatalf("retry within the deadline: %d %s", r.Status, r.Body)
		}
		age("k-committed", time.Minute)
		r := x.do(t, "POST", "/v1/cities", loja, "Idempotency-Key", "k-committed")
		if r.Status != 303 || r.Header.Get("Location") != "/v1/cities/"+city.ID || !strings.Contains(string(r.Body), city.ID) {
			t.Fatalf("retry of a committed write: %d %v %s", r.Status, r.Header, r.Body)
		}
		if n := count("loja"); n != 1 {
			t.Fatalf("%v cities named Loja, want 1", n)
		}
		// Another body under the committed key is still refused.
		if r := x.do(t, "POST", "/v1/cities", cuenca, "Idempotency-Key", "k-committed"); r.Status != 422 {
			t.Fatalf("another body: %d %s", r.Status, r.Body)
		}
	})
}
