package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"matchmaker/profiles/profilestest"
)

// BenchmarkWriteToVisible measures how long a write made on one replica takes
// to be visible on another: the time from the write's answer on replica A to
// the first answer of replica B that shows it, B being asked every millisecond
// without a token (explain answers 404 for a practice its index does not hold
// yet). It reports the median and the 99th percentile over the iterations.
// With the token, the same read is answered once B holds the write, in about
// the same time (token_p50_ms, token_p99_ms).
//
// On PostgreSQL B is woken by a notification; on SQLite (two processes on one
// file) by its poll, every --feed-poll (1 s by default).
func BenchmarkWriteToVisible(b *testing.B) {
	bin := buildBinary(b)
	for _, db := range []struct {
		name string
		dsn  func(b *testing.B) string
	}{
		{"postgres", func(b *testing.B) string { return profilestest.PostgresDB(b, false).DSN }},
		{"sqlite", func(b *testing.B) string { return filepath.Join(b.TempDir(), "m.db") }},
	} {
		b.Run(db.name, func(b *testing.B) {
			dsn := db.dsn(b)
			a := &replica{t: b, service: startService(b, bin, dsn)}
			other := &replica{t: b, service: startService(b, bin, dsn)}
			home := a.create("/v1/cities", `{"name":"Lyon","country":"FR","region":"europe","languages":["fr"]}`)
			away := a.create("/v1/cities", `{"name":"Dakar","country":"SN","region":"africa","languages":["fr"]}`)
			ch := a.create("/v1/challenges", fmt.Sprintf(`{"city_id":%q,"title":"Collecte des déchets","description":"Nos camions ne passent pas.","language":"fr","themes":["waste"]}`, home.id))
			other.eventually("the challenge", "/v1/challenges/"+ch.id+"/suggestions", func(status int, _ []string) bool { return status == http.StatusOK })

			var plain, token []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				body := fmt.Sprintf(`{"city_id":%q,"title":"Collecte en charrette %d","description":"Des charrettes collectent les déchets.","language":"fr","themes":["waste"],"status":"published"}`, away.id, i)
				p := a.create("/v1/practices", body)
				written := time.Now()
				path := "/v1/challenges/" + ch.id + "/explain?practice_id=" + p.id
				for {
					status, _, _ := other.do(http.MethodGet, path, "", "")
					if status == http.StatusOK {
						break
					}
					if status != http.StatusNotFound {
						b.Fatalf("explain answered %d", status)
					}
					if time.Since(written) > 30*time.Second {
						b.Fatalf("practice %s not visible on the other replica after 30 s", p.id)
					}
					time.Sleep(time.Millisecond)
				}
				plain = append(plain, time.Since(written))

				// The same with the token, on a new write.
				p = a.create("/v1/practices", body)
				written = time.Now()
				status, _, _ := other.do(http.MethodGet, "/v1/challenges/"+ch.id+"/explain?practice_id="+p.id, "", strconv.FormatInt(p.position, 10))
				if status != http.StatusOK {
					b.Fatalf("explain with the token answered %d", status)
				}
				token = append(token, time.Since(written))
			}
			b.StopTimer()
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.ReportMetric(ms(percentile(plain, 50)), "p50_ms")
			b.ReportMetric(ms(percentile(plain, 99)), "p99_ms")
			b.ReportMetric(ms(percentile(token, 50)), "token_p50_ms")
			b.ReportMetric(ms(percentile(token, 99)), "token_p99_ms")
		})
	}
}

// percentile returns the p-th percentile of ds (nearest rank).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}
