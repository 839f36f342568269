package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

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
