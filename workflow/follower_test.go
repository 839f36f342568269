package workflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// The follower tests write through one store and watch the index of another
// store's follower, as two replicas on one database do. Nothing is timed: each
// check waits, up to a generous deadline, for the index to converge.

var quiet = slog.New(slog.DiscardHandler)

// startFollower builds an index on its own store over db, follows the feed with
// cfg until the test ends, and returns the follower and its store.
func startFollower(t *testing.T, db profilestest.DB, cfg workflow.FollowerConfig) (*workflow.Follower, *profiles.Store) {
	t.Helper()
	s := profilestest.OpenStore(t, db)
	f := workflow.NewFollower(s, workflow.NewMatching(s, matcher.NewAnalyzer(workflow.NewLexicon(s.Taxonomy())), quiet), quiet, cfg)
	if err := f.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	run(t, f)
	return f, s
}

// run follows the feed until the test ends (before the store closes).
func run(t *testing.T, f *workflow.Follower) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// eventually waits until cond holds, failing the test after 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// docOf returns the indexed document with id, ok false when there is none.
func docOf(f *workflow.Follower, id string) (matcher.Doc, bool) { return f.Matching().Index().Doc(id) }

func hasDoc(f *workflow.Follower, id string) func() bool {
	return func() bool { _, ok := docOf(f, id); return ok }
}

func noDoc(f *workflow.Follower, id string) func() bool {
	return func() bool { _, ok := docOf(f, id); return !ok }
}

func field(d matcher.Doc, name string) string {
	for _, fl := range d.Fields {
		if fl.Name == name {
			return fl.Text
		}
	}
	return ""
}

// exercise creates, changes and deletes a row of every kind the index holds
// through w, and checks after each step that f's index follows.
func exercise(t *testing.T, w *profiles.Store, f *workflow.Follower) {
	t.Helper()
	ctx := context.Background()
	city := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: profilestest.Name("Lyon"), Country: "FR", Region: "europe", Languages: []string{"fr"}}))
	practice := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Tri des déchets au marché",
		Description: "Les marchands trient les déchets organiques.", Language: "fr", Themes: []string{"waste"}}))
	challenge := must[profiles.Challenge](t)(w.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Title: "Collecte dans les quartiers denses",
		Description: "Nos camions ne passent pas.", Language: "fr", Themes: []string{"waste"}}))
	expert := must[profiles.Expert](t)(w.CreateExpert(ctx, profiles.ExpertInput{Name: "Aminata Diallo", Role: "technical_officer", Country: "FR",
		Languages: []string{"fr"}, Themes: []string{"waste"}, CityID: &city.ID, Bio: "Collecte des déchets."}))
	for _, id := range []string{practice.ID, challenge.ID, expert.ID} {
		eventually(t, "created "+id+" indexed", hasDoc(f, id))
	}

	must[profiles.Practice](t)(w.UpdatePractice(ctx, practice.ID, profiles.PracticeUpdate{Apply: func(in profiles.PracticeInput) (profiles.PracticeInput, error) {
		in.Title = "Compostage au marché"
		return in, nil
	}}))
	eventually(t, "practice title changed", func() bool { d, _ := docOf(f, practice.ID); return field(d, "title") == "Compostage au marché" })
	must[profiles.Expert](t)(w.UpdateExpert(ctx, expert.ID, profiles.ExpertUpdate{Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
		in.Bio = "Compostage et collecte."
		return in, nil
	}}))
	eventually(t, "expert bio changed", func() bool { d, _ := docOf(f, expert.ID); return field(d, "bio") == "Compostage et collecte." })
	must[profiles.Challenge](t)(w.UpdateChallenge(ctx, challenge.ID, profiles.ChallengeUpdate{Apply: func(in profiles.ChallengeInput) (profiles.ChallengeInput, error) {
		in.Title = "Collecte la nuit"
		return in, nil
	}}))
	eventually(t, "challenge title changed", func() bool { d, _ := docOf(f, challenge.ID); return field(d, "title") == "Collecte la nuit" })
	// What a city's documents inherit from it follows the city.
	must[profiles.City](t)(w.UpdateCity(ctx, city.ID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) {
		in.Region = "africa"
		return in, nil
	}}))
	eventually(t, "city region inherited", func() bool {
		p, _ := docOf(f, practice.ID)
		e, _ := docOf(f, expert.ID)
		return p.Region == "africa" && e.Region == "africa"
	})

	if err := w.DeletePractice(ctx, practice.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteExpert(ctx, expert.ID, 0); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{practice.ID, expert.ID} {
		eventually(t, "deleted "+id+" gone from the index", noDoc(f, id))
	}
	// A cascade takes the city's challenge with it.
	if err := w.DeleteCity(ctx, city.ID, 0, true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "challenge of a deleted city gone", noDoc(f, challenge.ID))
}

func TestFollowerFollowsEveryKindOfWrite(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		for _, tc := range []struct {
			name string
			cfg  workflow.FollowerConfig
			// sameStore writes through the follower's own store, as the
			// replica that serves the write does.
			sameStore bool
			pgOnly    bool
		}{
			// Every notification lost: polling alone catches up.
			{name: "another process, polling only", cfg: workflow.FollowerConfig{Poll: 20 * time.Millisecond, NoListen: true}},
			// No polling to speak of: PostgreSQL's notifications wake it.
			{name: "another process, notified", cfg: workflow.FollowerConfig{Poll: time.Hour}, pgOnly: true},
			// No polling, no notifications: its own commits wake it.
			{name: "own writes", cfg: workflow.FollowerConfig{Poll: time.Hour, NoListen: true}, sameStore: true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.pgOnly && db.Dialect != profiles.Postgres {
					t.Skip("SQLite sends no notifications: another process's writes are found by polling")
				}
				f, own := startFollower(t, db, tc.cfg)
				w := profilestest.OpenStore(t, db)
				if tc.sameStore {
					w = own
				}
				exercise(t, w, f)
			})
		}
	})
}

func TestWritesReportTheirFeedPosition(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		f, _ := startFollower(t, db, workflow.FollowerConfig{Poll: 20 * time.Millisecond, NoListen: true})
		w := profilestest.OpenStore(t, db)
		ctx, written := profiles.TrackWrites(context.Background())
		city := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: "Dakar", Country: "SN", Region: "africa", Languages: []string{"fr"}}))
		first := written.Position()
		if first <= 0 {
			t.Fatalf("a city's creation reported position %d", first)
		}
		// A write that changes nothing records nothing.
		must[profiles.City](t)(w.UpdateCity(ctx, city.ID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) { return in, nil }}))
		if got := written.Position(); got != first {
			t.Fatalf("an update that changes nothing moved the position from %d to %d", first, got)
		}
		p := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Marchés propres",
			Description: "Tri à la source.", Language: "fr", Themes: []string{"waste"}}))
		pos := written.Position()
		if pos <= first {
			t.Fatalf("a later write reported %d, not above %d", pos, first)
		}
		wctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := f.WaitFor(wctx, pos); err != nil {
			t.Fatalf("wait for position %d: %v", pos, err)
		}
		if _, ok := docOf(f, p.ID); !ok {
			t.Fatalf("position %d reached but practice %s not indexed", pos, p.ID)
		}
		if !f.Applied(pos) || f.Applied(pos+1000) {
			t.Fatalf("applied(%d) %v, applied(%d) %v", pos, f.Applied(pos), pos+1000, f.Applied(pos+1000))
		}
		// A position no write reached is never waited out.
		short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if err := f.WaitFor(short, pos+1000); err == nil {
			t.Fatal("waited out a position no write reached")
		}
		if st := f.Status(); !st.CaughtUp || st.Position < pos {
			t.Fatalf("status %+v after position %d", st, pos)
		}
	})
}

// TestFollowerAppliesAChangeThatCommitsLate holds a write's transaction open
// after its change took a position, commits a later write meanwhile, and
// checks that the follower, having applied the later one, still applies the
// earlier one when it commits. On SQLite, where one writer at a time holds the
// database, the later write waits for the earlier one, so the two commit in
// order; the test body is the same.
func TestFollowerAppliesAChangeThatCommitsLate(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		f, _ := startFollower(t, db, workflow.FollowerConfig{Poll: 20 * time.Millisecond})
		w := profilestest.OpenStore(t, db)
		city := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}}))
		early := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Avant",
			Description: "Tri à la source.", Language: "fr", Themes: []string{"waste"}}))
		eventually(t, "first practice indexed", hasDoc(f, early.ID))

		// The slow write: its change takes a position, then it waits. It is
		// written as the store writes (the row, then its change), on a
		// connection of its own.
		raw, _, err := profiles.Open(ctx, db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "UPDATE practices SET title = ?, version = version + 1 WHERE id = ?", "Après", early.ID); err != nil {
			t.Fatal(err)
		}
		var slow int64
		if err := tx.NewRaw("INSERT INTO changes (kind, id, op, at) VALUES (?, ?, ?, ?) RETURNING seq",
			"practice", early.ID, "upsert", time.Now().UTC()).Scan(ctx, &slow); err != nil {
			t.Fatal(err)
		}

		// The fast write takes a later position and commits first.
		type created struct {
			p   profiles.Practice
			pos int64
			err error
		}
		fast := make(chan created, 1)
		go func() {
			wctx, written := profiles.TrackWrites(ctx)
			p, err := w.CreatePractice(wctx, profiles.PracticeInput{CityID: city.ID, Title: "Plus tard",
				Description: "Compostage.", Language: "fr", Themes: []string{"waste"}})
			fast <- created{p, written.Position(), err}
		}()
		var later created
		if db.Dialect == profiles.Postgres {
			later = <-fast
			if later.err != nil {
				t.Fatal(later.err)
			}
			if later.pos <= slow {
				t.Fatalf("the later write took position %d, not above %d", later.pos, slow)
			}
			eventually(t, "later write applied while the earlier one is open", func() bool { return f.Applied(later.pos) })
			if _, ok := docOf(f, later.p.ID); !ok {
				t.Fatalf("position %d applied without its practice", later.pos)
			}
			if st := f.Status(); st.Head <= slow || st.Awaited == 0 || f.Applied(slow) {
				t.Fatalf("with position %d open and a later one applied, status %+v, applied %v", slow, st, f.Applied(slow))
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if db.Dialect != profiles.Postgres {
			if later = <-fast; later.err != nil {
				t.Fatal(later.err)
			}
		}
		eventually(t, "late commit applied", func() bool { d, _ := docOf(f, early.ID); return field(d, "title") == "Après" })
		eventually(t, "later write applied", hasDoc(f, later.p.ID))
		eventually(t, "nothing awaited", func() bool { return f.Applied(slow) && f.Status().Awaited == 0 })
	})
}

// TestFollowerCatchesUpAfterAnOutage cuts the follower's connections to the
// database (its pool and its notification listener) while writes go on, then
// gives them back: every write made meanwhile reaches the index.
func TestFollowerCatchesUpAfterAnOutage(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		if db.Dialect != profiles.Postgres {
			t.Skip("a SQLite file cannot be taken away from one process: the outage is PostgreSQL's")
		}
		ctx := context.Background()
		relay, via := profilestest.StartRelay(t, db.DSN)
		f, _ := startFollower(t, profilestest.DB{Name: db.Name, DSN: via, Dialect: db.Dialect}, workflow.FollowerConfig{Poll: 20 * time.Millisecond})
		w := profilestest.OpenStore(t, db)
		city := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}}))
		first := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Avant la panne",
			Description: "Tri.", Language: "fr", Themes: []string{"waste"}}))
		eventually(t, "practice indexed", hasDoc(f, first.ID))

		relay.Cut()
		eventually(t, "the follower sees the outage", func() bool { return f.Status().Err != nil })
		var during []string
		for i := range 20 {
			p := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: fmt.Sprintf("Pendant la panne %d", i),
				Description: "Tri.", Language: "fr", Themes: []string{"waste"}}))
			during = append(during, p.ID)
		}
		if err := w.DeletePractice(ctx, first.ID, 0); err != nil {
			t.Fatal(err)
		}
		relay.Restore(t)
		for _, id := range during {
			eventually(t, "write made during the outage indexed", hasDoc(f, id))
		}
		eventually(t, "delete made during the outage applied", noDoc(f, first.ID))
		eventually(t, "the follower recovers", func() bool { return f.Status().Err == nil })
	})
}

// TestFeedPruning prunes changes older than the retention that every live
// follower has applied, keeps those a live follower still needs, and makes a
// follower the pruning went past build its index again.
func TestFeedPruning(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		// The writes happened long ago: every change is past the retention.
		past := profilestest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		w := profilestest.OpenStore(t, db, profiles.WithClock(past.Now))
		city := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: "Lyon", Country: "FR", Region: "europe", Languages: []string{"fr"}}))

		// A follower that stopped early: it has not seen the practices.
		rs := profilestest.OpenStore(t, db)
		behind := workflow.NewFollower(rs, workflow.NewMatching(rs, matcher.NewAnalyzer(workflow.NewLexicon(rs.Taxonomy())), quiet), quiet,
			workflow.FollowerConfig{Poll: 20 * time.Millisecond, NoListen: true})
		if err := behind.Build(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := range 5 {
			p := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: fmt.Sprintf("Pratique %d", i),
				Description: "Tri.", Language: "fr", Themes: []string{"waste"}}))
			ids = append(ids, p.ID)
		}
		all := must[[]profiles.Change](t)(w.ReadChanges(ctx, 0, nil, 1000))
		if len(all) != 6 {
			t.Fatalf("%d changes recorded, want 6", len(all))
		}

		// A live follower that has applied only the first three keeps the rest.
		now := time.Now()
		if err := w.SaveFollower(ctx, "slow", all[2].Seq, now); err != nil {
			t.Fatal(err)
		}
		if n := must[int](t)(w.PruneChanges(ctx, now.Add(-time.Hour), now.Add(-time.Hour))); n != 3 {
			t.Fatalf("pruned %d changes below a live follower at %d, want 3", n, all[2].Seq)
		}
		if got := must[int64](t)(w.PrunedTo(ctx)); got != all[2].Seq {
			t.Fatalf("pruned to %d, want %d", got, all[2].Seq)
		}
		// Once it is silent past the retention, it is not waited for.
		if n := must[int](t)(w.PruneChanges(ctx, now.Add(-time.Hour), now.Add(time.Second))); n != 3 {
			t.Fatalf("pruned %d changes past a silent follower, want 3", n)
		}
		if left := must[[]profiles.Change](t)(w.ReadChanges(ctx, 0, nil, 1000)); len(left) != 0 {
			t.Fatalf("%d changes left", len(left))
		}

		// The follower that stopped early comes back below the pruning:
		// it builds its index again and misses nothing.
		run(t, behind)
		for _, id := range ids {
			eventually(t, "practice indexed after the rebuild", hasDoc(behind, id))
		}
		// And a follower started now, on an empty feed pruned this far, is
		// caught up rather than rebuilding for ever.
		f, _ := startFollower(t, db, workflow.FollowerConfig{Poll: 20 * time.Millisecond, NoListen: true})
		eventually(t, "new follower caught up", func() bool { return f.Status().CaughtUp })
		p := must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: city.ID, Title: "Après l'élagage",
			Description: "Tri.", Language: "fr", Themes: []string{"waste"}}))
		eventually(t, "write after the pruning indexed", hasDoc(f, p.ID))
		eventually(t, "write after the pruning indexed by the rebuilt follower", hasDoc(behind, p.ID))
	})
}

// A city's change reaches its documents whether or not it changes how they
// are indexed: after a new population, in the same size class or in another,
// or a new name, the documents carry the city's population, and the answers
// change exactly when the size class does.
func TestCityChangesReachTheirDocuments(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		s := profilestest.OpenStore(t, db)
		an := matcher.NewAnalyzer(workflow.NewLexicon(s.Taxonomy()))
		f := workflow.NewFollower(s, workflow.NewMatchingOnStore(s, an, quiet, workflow.StoreTexts{}), quiet,
			workflow.FollowerConfig{Poll: 20 * time.Millisecond})
		if err := f.Build(ctx); err != nil {
			t.Fatal(err)
		}
		run(t, f)
		w := profilestest.OpenStore(t, db)
		pop := int64(200_000)
		city := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: profilestest.Name("Lyon"), Country: "FR", Region: "europe",
			Languages: []string{"fr"}, Population: &pop}))
		other := must[profiles.City](t)(w.CreateCity(ctx, profiles.CityInput{Name: profilestest.Name("Nantes"), Country: "FR", Region: "europe",
			Languages: []string{"fr"}, Population: &pop}))
		challenge := must[profiles.Challenge](t)(w.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Title: "Collecte des biodéchets",
			Description: "Nos marchés jettent leurs déchets organiques.", Language: "fr", Themes: []string{"waste"}}))
		var own []string // the documents of city
		practice := func(cityID string, i int) string {
			return must[profiles.Practice](t)(w.CreatePractice(ctx, profiles.PracticeInput{CityID: cityID, Title: fmt.Sprintf("Compostage au marché %d", i),
				Description: "Les marchands trient les déchets organiques.", Language: "fr", Themes: []string{"waste"}})).ID
		}
		own = append(own, practice(city.ID, 0), practice(city.ID, 1), challenge.ID)
		elsewhere := practice(other.ID, 2)
		expert := must[profiles.Expert](t)(w.CreateExpert(ctx, profiles.ExpertInput{Name: "Aminata Diallo", Role: "technical_officer", Country: "FR",
			Languages: []string{"fr"}, Themes: []string{"waste"}, CityID: &city.ID, Bio: "Collecte et compostage des déchets."}))
		own = append(own, expert.ID)
		for _, id := range append([]string{elsewhere}, own...) {
			eventually(t, "created "+id+" indexed", hasDoc(f, id)) // and its texts read into the cache
		}
		answer := func() string {
			no := false
			page, err := f.Matching().Index().SuggestPage(matcher.Query{ChallengeID: challenge.ID, RequireSharedLanguage: &no, SimilarContext: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 0 {
				t.Fatal("no suggestion to compare")
			}
			b, _ := json.Marshal(page)
			return string(b)
		}
		before := answer()
		if !strings.Contains(before, `"geography.same_size"`) {
			t.Fatalf("two intermediary cities: no same size in %s", before)
		}
		// 300,000 stays intermediary, 2,000,000 is a metropolis, 40,000 small;
		// the name changes nothing the documents carry.
		for _, step := range []struct {
			pop     int64
			name    string
			changed bool // whether the answers change
		}{{300_000, city.Name + " Métropole", false}, {2_000_000, city.Name, true}, {2_500_000, city.Name, false}, {40_000, city.Name, false}} {
			must[profiles.City](t)(w.UpdateCity(ctx, city.ID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) {
				in.Population, in.Name = &step.pop, step.name
				return in, nil
			}}))
			eventually(t, fmt.Sprintf("population %d reached the city's documents", step.pop), func() bool {
				for _, id := range own {
					if d, _ := docOf(f, id); d.Population != step.pop {
						return false
					}
				}
				return f.Matching().CityName(city.ID) == step.name
			})
			if d, _ := docOf(f, elsewhere); d.Population != pop {
				t.Errorf("population %d: the other city's practice carries %d", step.pop, d.Population)
			}
			got := answer()
			if step.changed == (got == before) {
				t.Errorf("population %d: answers changed %v, want %v:\nbefore %s\nafter  %s", step.pop, got != before, step.changed, before, got)
			}
			if step.pop > 1_000_000 && !strings.Contains(got, `"geography.other_size"`) {
				t.Errorf("population %d: no other size in %s", step.pop, got)
			}
			before = got
		}
	})
}
