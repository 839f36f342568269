package workflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"matchmaker/demo"
	"matchmaker/matcher"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// These tests drive the workflows as a door would, with no HTTP: the demo
// network on real SQLite and PostgreSQL.

// Challenges of the demo network.
const (
	dakarWaste = "01m6a6ft4g7d4vqtz9xn5e3qtm" // Dakar, French, household waste
)

// demoStore opens a store on db with the demo network loaded.
func demoStore(t testing.TB, db profilestest.DB) *profiles.Store {
	t.Helper()
	store := profilestest.OpenStore(t, db, profiles.WithLanguageDetector(func(text string) string {
		return string(matcher.DetectLanguage(text))
	}))
	if _, err := demo.Load(context.Background(), store); err != nil {
		t.Fatal(err)
	}
	return store
}

// replica is what one serving process holds: a match index following the
// store, and the workflows over both.
func replica(t *testing.T, store *profiles.Store, jobs workflow.JobConfig) *workflow.Workflows {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	m := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), quiet)
	f := workflow.NewFollower(store, m, quiet, workflow.FollowerConfig{})
	if err := f.Build(ctx); err != nil {
		t.Fatal(err)
	}
	go f.Run(ctx)
	w, err := workflow.New(workflow.Config{Store: store, Logger: quiet, Jobs: jobs, Index: m})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// runJobs works w's jobs until the test ends.
func runJobs(t *testing.T, w *workflow.Workflows) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.RunJobs(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func intp(n int) *int { return &n }

func TestProposalLifeWithoutHTTP(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		w := replica(t, store, workflow.JobConfig{})

		p, err := w.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: intp(3), MaxPerCountry: 1})
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != "panel" || len(p.Members) != 3 {
			t.Fatalf("panel: kind %s, %d members", p.Kind, len(p.Members))
		}
		var rules workflow.PanelRules
		if err := json.Unmarshal(p.Rules, &rules); err != nil || rules.SizeOrDefault() != 3 || rules.MaxPerCountry != 1 {
			t.Fatalf("stored rules %s: %+v %v", p.Rules, rules, err)
		}

		// Rules a panel cannot meet are a RuleError naming the rule.
		_, err = w.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: intp(3), RoleQuotas: []workflow.RoleQuota{{Roles: []string{"mayor"}, Min: 3}}})
		var re *workflow.RuleError
		if !errors.As(err, &re) || len(re.Fields) == 0 || re.Fields[0].Field != "role_quotas" {
			t.Fatalf("impossible quota: %v", err)
		}
		// Bad rules name every bad field.
		_, err = w.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: intp(40), MaxPerRegion: -1})
		var ve *profiles.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 2 {
			t.Fatalf("bad rules: %v", err)
		}

		// Sent, then the first invitee declines: the next alternate who keeps
		// every rule takes the seat, invited at once.
		p, err = w.MoveProposal(ctx, p.ID, p.Version, workflow.Transition{To: profiles.ProposalInvited})
		if err != nil {
			t.Fatal(err)
		}
		first := p.Members[0].ExpertID
		p, err = w.AnswerProposal(ctx, p.ID, 0, first, workflow.Answer{Answer: "decline", Reason: "on mission"})
		if err != nil {
			t.Fatal(err)
		}
		seated := 0
		for _, m := range p.Members {
			if m.Seated() {
				seated++
			}
		}
		if p.Status != profiles.ProposalInvited || seated != 3 {
			t.Fatalf("after a decline: %s with %d seated", p.Status, seated)
		}
		evs, err := w.History(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(evs, func(e profiles.ProposalEvent) bool { return e.Type == "replacement" && e.ExpertID == first }) {
			t.Fatalf("no replacement in the history: %+v", evs)
		}
		// A stale version is refused.
		if _, err := w.MoveProposal(ctx, p.ID, 1, workflow.Transition{To: profiles.ProposalCancelled}); !errors.As(err, new(*profiles.StaleError)) {
			t.Fatalf("stale If-Match: %v", err)
		}
	})
}

// Rules stored before the domain rules type existed, in the JSON of the old
// request body and with a field this version does not know, are read as
// they are: sending the proposal checks every rule again.
func TestStoredRulesOfEarlierVersionsRead(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		w := replica(t, store, workflow.JobConfig{})
		p, err := w.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: intp(3)})
		if err != nil {
			t.Fatal(err)
		}
		old := p
		old.Meta = profiles.Meta{}
		old.Rules = json.RawMessage(`{"size":3,"role_quotas":[],"max_per_country":0,"common_language":false,"legacy_note":"kept by an older version"}`)
		stored, err := store.CreateProposal(ctx, old, profiles.ProposalEvent{Type: "status", ToStatus: profiles.ProposalProposed})
		if err != nil {
			t.Fatal(err)
		}
		sent, err := w.MoveProposal(ctx, stored.ID, 0, workflow.Transition{To: profiles.ProposalInvited})
		if err != nil || sent.Status != profiles.ProposalInvited {
			t.Fatalf("send a proposal with stored rules: %v", err)
		}
	})
}

// waitRound waits until the round is done or failed. It looks again at every
// commit of the store (the round's panels are one) and every second besides
// (a failed round records no change), for as long as the test may run: a
// round takes seconds on an idle machine and minutes under the race detector
// on a loaded one, and neither is what the tests check.
func waitRound(t *testing.T, store *profiles.Store, w *workflow.Workflows, id string) workflow.RoundView {
	t.Helper()
	commits, stop := store.Commits()
	defer stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	deadline := testDeadline(t)
	for {
		v, err := w.Round(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status == profiles.RoundDone || v.Status == profiles.RoundFailed {
			return v
		}
		select {
		case <-commits:
		case <-tick.C:
		case <-deadline:
			t.Fatalf("round %s still %s at %.2f when the test's time ran out", id, v.Status, v.Progress)
		}
	}
}

// testDeadline is closed a little before the test's deadline (go test
// -timeout), so that a wait that never ends fails with what it waited for
// instead of a panic; with no timeout, it is never closed.
func testDeadline(t *testing.T) <-chan time.Time {
	d, ok := t.Deadline()
	if !ok {
		return nil
	}
	return time.After(time.Until(d) - time.Until(d)/20)
}

// roundPanels counts the stored panels of a round, per challenge.
func roundPanels(t *testing.T, store *profiles.Store, id string) map[string]int {
	t.Helper()
	out := map[string]int{}
	f := profiles.ProposalFilter{RoundID: id, Page: profiles.Page{Limit: 100}}
	for {
		res, err := store.FindProposals(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Items {
			out[p.ChallengeID]++
		}
		if res.Next == "" {
			return out
		}
		f.Page.After = res.Next
	}
}

// Two replicas work jobs from one database: each round runs once, its panels
// stored once.
func TestRoundsRunOnceAcrossReplicas(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		a := replica(t, store, workflow.JobConfig{PollInterval: 50 * time.Millisecond})
		b := replica(t, store, workflow.JobConfig{PollInterval: 50 * time.Millisecond})
		runJobs(t, a)
		runJobs(t, b)
		var ids []string
		for _, name := range []string{"first", "second", "third"} {
			r, err := a.CreateRound(ctx, workflow.RoundRequest{Name: name, AllOpen: true, Defaults: &workflow.PanelRules{Size: intp(3)}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		for _, id := range ids {
			v := waitRound(t, store, b, id)
			if v.Status != profiles.RoundDone || len(v.Panels) == 0 {
				t.Fatalf("round %s: %s with %d panels (%s)", id, v.Status, len(v.Panels), v.Error)
			}
			for ch, n := range roundPanels(t, store, id) {
				if n != 1 {
					t.Errorf("round %s: %d panels for challenge %s", id, n, ch)
				}
			}
		}
	})
}

// A replica killed mid-round leaves its job claimed and its round running;
// another replica's worker takes the job back once it is overdue and finishes
// the round.
func TestRoundOfAKilledReplicaIsFinishedByAnother(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		dead := replica(t, store, workflow.JobConfig{})
		r, err := dead.CreateRound(ctx, workflow.RoundRequest{Name: "interrupted", AllOpen: true, Defaults: &workflow.PanelRules{Size: intp(3)}})
		if err != nil {
			t.Fatal(err)
		}
		// What the killed replica left: its claim on the job, an hour old,
		// and the round running part-way.
		claimed := "UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() - interval '1 hour', attempted_by = ARRAY['killed-replica'] WHERE kind = 'review_round'"
		if store.Dialect() == profiles.SQLite {
			claimed = `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', '-1 hour'), attempted_by = '["killed-replica"]' WHERE kind = 'review_round'`
		}
		if _, err := store.DB().ExecContext(ctx, claimed); err != nil {
			t.Fatal(err)
		}
		if err := store.UpdateRoundProgress(ctx, r.ID, profiles.RoundRunning, 0.4, ""); err != nil {
			t.Fatal(err)
		}
		// The killed claim is an hour old: the rescuer hands it back at
		// its first pass whatever RescueAfter is under an hour. Timeout
		// and RescueAfter are long so that the rescued run, slow under
		// -race on a loaded machine (a round of the demo network took
		// more than 20 s there), is neither timed out nor rescued again,
		// which made the job take four attempts.
		other := replica(t, store, workflow.JobConfig{PollInterval: 50 * time.Millisecond, Timeout: 10 * time.Minute, RescueAfter: 20 * time.Minute})
		runJobs(t, other)
		v := waitRound(t, store, other, r.ID)
		if v.Status != profiles.RoundDone || len(v.Panels) == 0 {
			t.Fatalf("round: %s with %d panels (%s)", v.Status, len(v.Panels), v.Error)
		}
		for ch, n := range roundPanels(t, store, r.ID) {
			if n != 1 {
				t.Errorf("%d panels for challenge %s", n, ch)
			}
		}
		var attempts int
		if err := store.DB().QueryRowContext(ctx, "SELECT attempt FROM river_job WHERE kind = 'review_round'").Scan(&attempts); err != nil {
			t.Fatal(err)
		}
		if attempts != 2 {
			t.Errorf("the job took %d attempts, want 2 (the killed one and the rescue)", attempts)
		}
	})
}

// A round tells the secretariat what it did: whether its panels are proven
// optimal, and for a challenge left without a panel, the rule that emptied it
// with counts. The hard rules apply before a pool is cut, so "unfilled" means
// that no eligible expert exists: a city working only in Portuguese, which
// almost no expert of the network speaks, gets no panel and says why.
func TestRoundSaysWhatItDid(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		city, err := store.CreateCity(ctx, profiles.CityInput{Name: "Porto Alegre", Country: "BR", Region: "latin_america", Languages: []string{"pt"}})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := store.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Language: "en", Themes: []string{"waste"}, Modes: []string{"peer_review"},
			Title: "Household waste collection and sorting", Description: "A peer review of our household waste collection, sorting at source and recycling."})
		if err != nil {
			t.Fatal(err)
		}
		w := replica(t, store, workflow.JobConfig{PollInterval: 50 * time.Millisecond})
		runJobs(t, w)
		r, err := w.CreateRound(ctx, workflow.RoundRequest{Name: "with an unreachable city", Challenges: []workflow.RoundChallenge{
			{ChallengeID: dakarWaste, PanelRules: workflow.PanelRules{Size: intp(3)}},
			{ChallengeID: ch.ID, PanelRules: workflow.PanelRules{Size: intp(3)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		v := waitRound(t, store, w, r.ID)
		if v.Status != profiles.RoundDone || len(v.Panels) != 1 || v.Panels[0].ChallengeID != dakarWaste {
			t.Fatalf("round: %s, panels %+v (%s)", v.Status, v.Panels, v.Error)
		}
		if v.Result == nil || !v.Result.Optimal || v.Result.MaxPanels != 1 || v.Result.TotalBound != v.Total {
			t.Errorf("result: %+v, total %v", v.Result, v.Total)
		}
		unfilled, err := workflow.RoundUnfilled(v.ReviewRound)
		if err != nil || len(unfilled) != 1 {
			t.Fatalf("unfilled: %s %v", v.Unfilled, err)
		}
		reason := unfilled[0].Reason.English
		t.Logf("unfilled: %s", reason)
		for _, want := range []string{"size: 3 required, ", "experts with the best subject fit are eligible", "no working language of the city (pt): "} {
			if !strings.Contains(reason, want) {
				t.Errorf("reason %q lacks %q", reason, want)
			}
		}
	})
}

// A round left queued by a version that ran rounds in its own process has no
// job: a worker starting gives it one, once, and runs it.
func TestRoundLeftWithoutAJobRuns(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := demoStore(t, db)
		plan, _ := json.Marshal(map[string]any{"name": "left", "fairness": "total",
			"challenges": []map[string]any{{"challenge_id": dakarWaste, "size": 3}}})
		r, err := store.CreateRound(ctx, profiles.ReviewRound{Name: "left", Fairness: "total", Request: plan})
		if err != nil {
			t.Fatal(err)
		}
		a := replica(t, store, workflow.JobConfig{PollInterval: 50 * time.Millisecond})
		b := replica(t, store, workflow.JobConfig{PollInterval: 50 * time.Millisecond})
		runJobs(t, a)
		runJobs(t, b)
		v := waitRound(t, store, a, r.ID)
		if v.Status != profiles.RoundDone || len(v.Panels) != 1 {
			t.Fatalf("round: %s with %d panels (%s)", v.Status, len(v.Panels), v.Error)
		}
		var jobs int
		if err := store.DB().QueryRowContext(ctx, "SELECT count(*) FROM river_job WHERE kind = 'review_round'").Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 1 {
			t.Errorf("%d jobs for one round", jobs)
		}
	})
}
