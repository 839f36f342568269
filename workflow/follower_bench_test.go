package workflow_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// BenchmarkFollowerApply measures how fast a follower applies changes made by
// another store: b.N practices are written in one transaction, then the
// follower, woken by polling, reads and applies them. It reports changes/s.
func BenchmarkFollowerApply(b *testing.B) {
	for _, db := range []struct {
		name string
		db   func(b *testing.B) profilestest.DB
	}{
		{"sqlite", func(b *testing.B) profilestest.DB { return profilestest.SQLiteDB(b, true) }},
		{"postgres", func(b *testing.B) profilestest.DB { return profilestest.PostgresDB(b, true) }},
	} {
		b.Run(db.name, func(b *testing.B) {
			ctx := context.Background()
			d := db.db(b)
			w := profilestest.OpenStore(b, d)
			city, err := w.CreateCity(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}})
			if err != nil {
				b.Fatal(err)
			}
			rs := profilestest.OpenStore(b, d)
			f := workflow.NewFollower(rs, workflow.NewMatching(rs, matcher.NewAnalyzer(workflow.NewLexicon(rs.Taxonomy())), quiet), quiet,
				workflow.FollowerConfig{Poll: time.Hour, NoListen: true})
			if err := f.Build(ctx); err != nil {
				b.Fatal(err)
			}
			wctx, written := profiles.TrackWrites(ctx)
			err = w.InTx(wctx, func(tx *profiles.Store) error {
				for i := range b.N {
					if _, err := tx.CreatePractice(wctx, profiles.PracticeInput{CityID: city.ID, Title: fmt.Sprintf("Tri des déchets %d", i),
						Description: "Les marchands trient les déchets organiques du marché, collectés chaque soir.", Language: "fr", Themes: []string{"waste"}}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := f.CatchUp(ctx); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if !f.Applied(written.Position()) {
				b.Fatalf("position %d not applied: %+v", written.Position(), f.Status())
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
		})
	}
}
