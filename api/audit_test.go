package api_test

import (
	"context"
	"net/http"
	"testing"
)

// TestAuditCommitsWithItsWrite: a write and its audit record commit together.
// With the audit table out of reach, a write must not commit unrecorded: it
// fails whole (5xx, nothing stored). (Written after the request, the record was
// lost while the city stayed: 201 with no trace in the trail.)
func TestAuditCommitsWithItsWrite(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		ctx := context.Background()
		db := x.store.DB()
		if _, err := db.ExecContext(ctx, "ALTER TABLE audit_log RENAME TO audit_log_away"); err != nil {
			t.Fatal(err)
		}
		r := x.do(t, "POST", "/v1/cities", `{"name":"Cuenca","country":"EC","region":"latin_america","languages":["es"]}`)
		if _, err := db.ExecContext(ctx, "ALTER TABLE audit_log_away RENAME TO audit_log"); err != nil {
			t.Fatal(err)
		}
		if r.Status < 500 {
			t.Errorf("a write whose record cannot be written: status %d, want 5xx: %s", r.Status, r.Body)
		}
		list := x.do(t, "GET", "/v1/cities?q=cuenca", "")
		if n := int(list.json(t)["total"].(float64)); n != 0 {
			t.Errorf("%d cities stored without their audit record", n)
		}

		// With the table back, the write and its record land together, once.
		c := x.create(t, "city", "/v1/cities", `{"name":"Cuenca","country":"EC","region":"latin_america","languages":["es"]}`)
		if r := x.do(t, "DELETE", "/v1/cities/{city}", ""); r.Status != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		trail := x.do(t, "GET", "/v1/audit?resource=cities&resource_id="+c["id"].(string), "").json(t)
		items := trail["items"].([]any)
		if len(items) != 2 {
			t.Fatalf("%d audit entries for a create and a delete: %v", len(items), items)
		}
		for i, want := range []float64{201, 204} {
			if got := items[i].(map[string]any)["status"].(float64); got != want {
				t.Errorf("entry %d: status %v, want %v", i, got, want)
			}
		}
	})
}
