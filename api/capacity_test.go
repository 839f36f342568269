package api_test

import (
	"strings"
	"sync"
	"testing"
)

// TestConcurrentAcceptancesKeepCapacity invites one expert of capacity 2 to 20
// panels and has all 20 invitations accepted at once: exactly 2 acceptances
// succeed, the others get 409 naming the capacity rule, and the expert ends
// with 2 engagements. The check runs in the transaction that records the
// acceptance, under the expert's row lock (PostgreSQL) or the single writer
// (SQLite); a check made before it let all 20 through.
func TestConcurrentAcceptancesKeepCapacity(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		const n, capacity = 20, 2
		x.act(t, "PATCH", "/v1/experts/{e_mayor}", `{"capacity":2}`)
		ids := make([]string, n)
		for i := range ids {
			p := x.act(t, "POST", "/v1/challenges/{c_waste}/panels", `{"size":2,"pinned":["{e_mayor}"]}`)
			ids[i] = p.ID
			x.ids["p"] = p.ID
			x.act(t, "POST", "/v1/proposals/{p}/transitions", `{"to":"invited"}`)
		}
		statuses := make([]int, n)
		bodies := make([]string, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := x.do(t, "POST", "/v1/proposals/"+id+"/members/{e_mayor}/answer", `{"answer":"accept"}`)
				statuses[i], bodies[i] = r.Status, string(r.Body)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, st := range statuses {
			switch {
			case st == 200:
				ok++
			case st == 409 && strings.Contains(bodies[i], "capacity"):
			default:
				t.Errorf("accept %d: status %d: %s", i, st, bodies[i])
			}
		}
		if ok != capacity {
			t.Fatalf("%d acceptances succeeded, want exactly %d", ok, capacity)
		}
		loads, err := x.store.ExpertLoads(t.Context(), []string{x.ids["e_mayor"]})
		if err != nil {
			t.Fatal(err)
		}
		if got := loads[x.ids["e_mayor"]]; got != capacity {
			t.Fatalf("the expert holds %d engagements, capacity %d", got, capacity)
		}
	})
}
