package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"matchmaker/api"
	"matchmaker/profiles/profilestest"
)

// TestForwardedAddressesNeedATrustedProxy: the per-address rate limit keys on
// the connection's address unless the connection comes from a configured
// proxy. A client that forges X-Forwarded-For or X-Real-IP with a new address
// on every request is still limited; behind a trusted proxy, each forwarded
// client has its own allowance, and a forged header from outside the proxy
// changes nothing.
func TestForwardedAddressesNeedATrustedProxy(t *testing.T) {
	store := profilestest.OpenStore(t, profilestest.SQLiteDB(t, true))
	proxies, err := api.ParseTrustedProxies("192.0.2.1, 2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ParseTrustedProxies("10.0.0.300"); err == nil {
		t.Fatal("a bad address was accepted")
	}
	limits := api.RateLimits{PerAddress: 0.001, AddressBurst: 3, PerKey: -1}
	send := func(e http.Handler, remote string, i int) int {
		req := httptest.NewRequest("GET", "/v1/cities", nil)
		req.RemoteAddr = remote
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		req.Header.Set("X-Real-IP", fmt.Sprintf("198.51.100.%d", i))
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec.Code
	}
	cases := []struct {
		name    string
		proxies bool
		remote  string
		limited bool
	}{
		{"forged headers, no proxy configured", false, "192.0.2.1:4000", true},
		{"forged headers from outside the trusted proxies", true, "192.0.2.99:4000", true},
		{"forwarded by a trusted proxy", true, "192.0.2.1:4000", false},
		{"forwarded by a trusted proxy in a range", true, "[2001:db8::7]:4000", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := api.Config{Store: store, RateLimits: limits}
			if tc.proxies {
				cfg.TrustedProxies = proxies
			}
			e := api.New(cfg)
			limited := false
			for i := range 10 {
				if send(e, tc.remote, i) == http.StatusTooManyRequests {
					limited = true
				}
			}
			if limited != tc.limited {
				t.Fatalf("limited: %v, want %v", limited, tc.limited)
			}
		})
	}
}

// TestRateLimitsAreShared: each replica enforces its share of the limits, the
// limit divided by the replicas that follow the change feed, so that N
// replicas behind a load balancer allow the configured limit, not N times it.
func TestRateLimitsAreShared(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		store := profilestest.OpenStore(t, db)
		for _, name := range []string{"replica-a", "replica-b", "replica-c"} {
			if err := store.SaveFollower(t.Context(), name, 0, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		// A burst of 6 a client: a third (or less, once this replica's own
		// follower counts too) is 2 or 1 here.
		e := api.New(api.Config{Store: store, RateLimits: api.RateLimits{PerAddress: 0.001, AddressBurst: 6, PerKey: -1}})
		allowed := 0
		for range 6 {
			req := httptest.NewRequest("GET", "/v1/cities", nil)
			req.RemoteAddr = "192.0.2.7:4000"
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusTooManyRequests {
				allowed++
			}
		}
		if allowed > 2 {
			t.Fatalf("%d of 6 requests allowed with 3 replicas live, want at most 2", allowed)
		}
	})
}
