package notify_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/locale"
	"matchmaker/notify"
	"matchmaker/profiles/profilestest"
)

// BenchmarkDeliver10000 delivers 10,000 queued emails to an SMTP server on
// loopback (emersion/go-smtp, in the process) and reports messages a second,
// on SQLite and on PostgreSQL: claims, rendering in three languages, SMTP
// over Senders connections, marking and the delivery log.
func BenchmarkDeliver10000(b *testing.B) {
	for _, tc := range []struct {
		name string
		open func(testing.TB, bool) profilestest.DB
	}{{"sqlite", profilestest.SQLiteDB}, {"postgres", profilestest.PostgresDB}} {
		b.Run(tc.name, func(b *testing.B) {
			store := profilestest.OpenStore(b, tc.open(b, true))
			ms := startMailServer(b)
			ctx := context.Background()
			o, err := notify.New(notify.Config{Store: store, Logger: quiet, Mailer: smtpMailer(b, ms.url("")), Batch: 200, Senders: 8})
			if err != nil {
				b.Fatal(err)
			}
			const n = 10000
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				err := store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					for j := 0; j < n; j++ {
						if err := o.QueueSignIn(ctx, tx, fmt.Sprintf("p%d-%d@example.org", i, j), "", locale.Langs[j%3], "https://example.org/s", time.Now().Add(time.Hour)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				got, err := o.DeliverAll(ctx)
				total += time.Since(start)
				if err != nil || got != n {
					b.Fatalf("delivered %d: %v", got, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "msgs/s")
			if len(ms.messages()) != n*b.N {
				b.Fatalf("%d arrived, want %d", len(ms.messages()), n*b.N)
			}
		})
	}
}
