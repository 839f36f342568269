package transfer_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/transfer"
	"matchmaker/workflow"
)

// Imported rows reach the index of another replica through the change feed:
// a follower on its own store sees the imported practices and experts, and a
// re-import that changes a practice's text shows in its document.
func TestImportReachesFollowers(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		quiet := slog.New(slog.DiscardHandler)
		replica := profilestest.OpenStore(t, db)
		f := workflow.NewFollower(replica, workflow.NewMatching(replica, matcher.NewAnalyzer(workflow.NewLexicon(replica.Taxonomy())), quiet), quiet,
			workflow.FollowerConfig{Poll: 20 * time.Millisecond})
		if err := f.Build(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); f.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })

		s := openStore(t, db)
		if _, err := transfer.NewImporter(s).Import(context.Background(), files("cities_bom_semicolon.csv", "practices.csv", "experts.jsonl"), transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		pids, _ := s.LookupRefs(context.Background(), profiles.KindPractice, []string{"P-1", "P-2"})
		eids, _ := s.LookupRefs(context.Background(), profiles.KindExpert, []string{"E-1"})
		for _, id := range []string{pids["P-1"], pids["P-2"], eids["E-1"]} {
			waitFor(t, "document "+id+" in the replica's index", func() bool { _, ok := f.Matching().Index().Doc(id); return ok })
		}
		changed := mem("practices.csv", "external_ref,city_ref,title,description,language,themes\n"+
			"P-2,CRM-LYO,Tri des biodéchets à Lyon,La Métropole composte les biodéchets avec des lombricomposteurs partagés.,fr,waste\n")
		if _, err := transfer.NewImporter(s).Import(context.Background(), []transfer.Source{changed}, transfer.Options{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the re-imported practice's new version in the index", func() bool {
			d, ok := f.Matching().Index().Doc(pids["P-2"])
			if !ok {
				return false
			}
			for _, fl := range d.Fields {
				if strings.Contains(fl.Text, "lombricomposteurs") {
					return true
				}
			}
			return false
		})
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
