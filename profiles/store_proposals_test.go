package profiles_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

// fixture is a small network: a city with two challenges, a partner city and six
// experts, made with the store's own API.
type fixture struct {
	dakar, lyon  profiles.City
	waste, water profiles.Challenge
	experts      []profiles.Expert
}

func newFixture(t *testing.T, s *profiles.Store) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{dakar: mustCity(t, s, newCity("Dakar", "SN", "africa", "fr")), lyon: mustCity(t, s, newCity("Lyon", "FR", "europe", "fr"))}
	challenge := func(title string) profiles.Challenge {
		c, err := s.CreateChallenge(ctx, profiles.ChallengeInput{CityID: f.dakar.ID, Title: title, Description: "Nos camions ne passent pas.",
			Language: "fr", Themes: []string{"waste"}})
		if err != nil {
			t.Fatalf("create challenge %q: %v", title, err)
		}
		return c
	}
	f.waste, f.water = challenge("Collecte dans les quartiers denses"), challenge("Eau potable dans les quartiers")
	capacity := 3 // room for the engagements the tests give one expert
	for _, name := range []string{"Aminata Diallo", "Jean Dupont", "María López", "Kofi Mensah", "Li Wei", "Ana Silva"} {
		e, err := s.CreateExpert(ctx, profiles.ExpertInput{Name: name, Role: "technical_officer", Country: "FR", Languages: []string{"fr"},
			Themes: []string{"waste"}, CityID: &f.lyon.ID, Capacity: &capacity})
		if err != nil {
			t.Fatalf("create expert %q: %v", name, err)
		}
		f.experts = append(f.experts, e)
	}
	return f
}

// ids returns the IDs of experts.
func (f fixture) ids(idx ...int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = f.experts[j].ID
	}
	return out
}

// panelOf is a proposed panel of the challenge with the experts at idx seated.
func (f fixture) panelOf(ch profiles.Challenge, idx ...int) profiles.Proposal {
	p := profiles.Proposal{Kind: "panel", ChallengeID: ch.ID, Rules: json.RawMessage(`{"size":3}`), Objective: float64(len(idx))}
	for _, id := range f.ids(idx...) {
		p.Members = append(p.Members, profiles.Member{ExpertID: id, Status: profiles.MemberProposed, Score: 1})
	}
	return p
}

func mustProposal(t *testing.T, s *profiles.Store, p profiles.Proposal) profiles.Proposal {
	t.Helper()
	out, err := s.CreateProposal(context.Background(), p, profiles.ProposalEvent{Actor: "secretariat"})
	if err != nil {
		t.Fatalf("create proposal: %v", err)
	}
	return out
}

// moveTo saves p at status, with every seated member at memberStatus.
func moveTo(t *testing.T, s *profiles.Store, p profiles.Proposal, status, memberStatus string) profiles.Proposal {
	t.Helper()
	p.Status = status
	p.Members = slices.Clone(p.Members)
	for i := range p.Members {
		if p.Members[i].Seated() {
			p.Members[i].Status = memberStatus
		}
	}
	out, err := s.SaveProposal(context.Background(), p, p.Version, nil)
	if err != nil {
		t.Fatalf("move proposal to %s: %v", status, err)
	}
	return out
}

func TestProposalRoundTrip(t *testing.T) {
	clock := profilestest.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		answered := time.Date(2026, 11, 20, 8, 30, 0, 123456789, time.FixedZone("CET", 3600))
		in := profiles.Proposal{
			Kind: "team", ChallengeID: f.waste.ID, Status: "",
			Rules:     json.RawMessage("{ \"skills\": [\"waste logistics\", \"finance\"],\n  \"period\": {\"from\": \"2027-01\"}, \"z\": 1, \"a\": null }"),
			Objective: 2.75, Language: "FR",
			Members: []profiles.Member{
				{ExpertID: f.experts[0].ID, Status: "proposed", Pinned: true, Lead: true, Skills: []string{" Waste  Logistics "}, Score: 1.5,
					Explanation: json.RawMessage(`{"themes": ["waste"], "score": 1.5}`)},
				{ExpertID: f.experts[1].ID, Status: "withdrawn", Score: 1.25, Reason: "swapped for a finance expert", AnsweredAt: &answered},
				{ExpertID: f.experts[2].ID, Skills: []string{"finance"}, Score: 1.25},
			},
			Alternates: []profiles.Alternate{
				{ExpertID: f.experts[3].ID, Score: 1.1, Explanation: json.RawMessage(`{"why":"next best"}`), For: f.experts[2].ID},
				{ExpertID: f.experts[4].ID, Score: 0.9},
			},
			Exclusions: []profiles.Exclusion{{ExpertID: f.experts[5].ID, Reason: "conflict of interest"}},
		}
		p, err := s.CreateProposal(ctx, in, profiles.ProposalEvent{Actor: "secretariat", Reason: "first draft"})
		if err != nil {
			t.Fatal(err)
		}
		if p.ID == "" || p.Version != 1 || p.Status != profiles.ProposalProposed || p.CityID != f.dakar.ID || p.Language != "fr" || p.RoundID != nil {
			t.Fatalf("created proposal not normalised: %+v", p.Meta)
		}
		if got, want := string(p.Rules), `{"skills":["waste logistics","finance"],"period":{"from":"2027-01"},"z":1,"a":null}`; got != want {
			t.Fatalf("rules: got %s, want %s", got, want)
		}
		if m := p.Members[0]; strings.Join(m.Skills, "|") != "waste logistics" || string(m.Explanation) != `{"themes":["waste"],"score":1.5}` {
			t.Fatalf("member not normalised: %+v", m)
		}
		if m := p.Members[2]; m.Status != profiles.MemberProposed {
			t.Fatalf("member status default: %q", m.Status)
		}
		if a := p.Members[1].AnsweredAt; a == nil || !a.Equal(answered.Truncate(time.Microsecond)) || a.Location() != time.UTC {
			t.Fatalf("answered_at: %v", a)
		}
		got, err := s.FindProposalByID(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("read back differs:\n got %+v\nwant %+v", got, p)
		}
		list, err := s.FindProposals(ctx, profiles.ProposalFilter{})
		if err != nil || len(list.Items) != 1 || !reflect.DeepEqual(list.Items[0], p) {
			t.Fatalf("listed proposal differs: %+v, %v", list.Items, err)
		}
		hist, err := s.ProposalHistory(ctx, p.ID)
		if err != nil || len(hist) != 1 {
			t.Fatalf("history: %+v, %v", hist, err)
		}
		if h := hist[0]; h.Type != "status" || h.ToStatus != "proposed" || h.Actor != "secretariat" || h.Reason != "first draft" || !h.At.Equal(p.CreatedAt) {
			t.Fatalf("first history entry: %+v (created %v)", h, p.CreatedAt)
		}

		// A pairing seats a partner city; empty rules and lists read back as
		// nil and [], as they were returned.
		pairing, err := s.CreateProposal(ctx, profiles.Proposal{Kind: "pairing", ChallengeID: f.water.ID, CityID: f.dakar.ID,
			Members: []profiles.Member{{PartnerCityID: f.lyon.ID, Score: 0.8}}}, profiles.ProposalEvent{})
		if err != nil {
			t.Fatal(err)
		}
		if pairing.Rules != nil || pairing.Alternates == nil || pairing.Exclusions == nil {
			t.Fatalf("empty values: %+v", pairing)
		}
		got, _ = s.FindProposalByID(ctx, pairing.ID)
		if !reflect.DeepEqual(got, pairing) {
			t.Fatalf("pairing read back differs:\n got %+v\nwant %+v", got, pairing)
		}
		if b, _ := json.Marshal(got); !strings.Contains(string(b), `"rules":null`) || !strings.Contains(string(b), `"alternates":[]`) {
			t.Fatalf("pairing JSON: %s", b)
		}

		if _, err := s.FindProposalByID(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("unknown proposal: %v", err)
		}
		if _, err := s.ProposalHistory(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("history of unknown proposal: %v", err)
		}

		experts, err := s.FindExpertsByIDs(ctx, []string{f.experts[3].ID, "nope", f.experts[0].ID, f.experts[3].ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(experts) != 2 || experts[0].ID != f.experts[3].ID || experts[1].ID != f.experts[0].ID {
			t.Fatalf("experts by id: %v", experts)
		}
		if !reflect.DeepEqual(experts[1], f.experts[0]) {
			t.Fatalf("expert by id differs:\n got %+v\nwant %+v", experts[1], f.experts[0])
		}
		if none, err := s.FindExpertsByIDs(ctx, nil); err != nil || len(none) != 0 {
			t.Fatalf("no ids: %v %v", none, err)
		}
	}, profiles.WithClock(clock.Now))
}

func TestProposalValidation(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		create := func(p profiles.Proposal) func() error {
			return func() error { _, err := s.CreateProposal(ctx, p, profiles.ProposalEvent{}); return err }
		}
		withMembers := func(p profiles.Proposal, ms ...profiles.Member) profiles.Proposal {
			p.Members = ms
			return p
		}
		e0, e1 := f.experts[0].ID, f.experts[1].ID
		cases := []struct {
			name string
			run  func() error
			want []string
		}{
			{"everything wrong", create(profiles.Proposal{Kind: "committee", Status: "done", Rules: json.RawMessage(`{"size":`), Language: "xx"}),
				[]string{"kind", "challenge_id", "status", "rules", "language"}},
			{"unknown challenge", create(profiles.Proposal{Kind: "panel", ChallengeID: "nope"}), []string{"challenge_id"}},
			{"city other than the challenge's", create(profiles.Proposal{Kind: "panel", ChallengeID: f.waste.ID, CityID: f.lyon.ID}), []string{"city_id"}},
			{"unknown round", create(profiles.Proposal{Kind: "panel", ChallengeID: f.waste.ID, RoundID: ptr("nope")}), []string{"round_id"}},
			{"members", create(withMembers(f.panelOf(f.waste),
				profiles.Member{ExpertID: e0, Status: "maybe"},
				profiles.Member{},
				profiles.Member{ExpertID: e0},
				profiles.Member{ExpertID: "nope"},
				profiles.Member{ExpertID: e1, PartnerCityID: f.lyon.ID, Explanation: json.RawMessage(`nope`)},
			)), []string{"members[0].status", "members[1].expert_id", "members[2].expert_id", "members[4].partner_city_id", "members[4].explanation", "members[3].expert_id"}},
			{"withdrawn member may come back", create(withMembers(f.panelOf(f.waste),
				profiles.Member{ExpertID: e0, Status: "withdrawn"}, profiles.Member{ExpertID: e0})), nil},
			{"pairing needs a partner city", create(profiles.Proposal{Kind: "pairing", ChallengeID: f.waste.ID,
				Members: []profiles.Member{{ExpertID: e0}, {PartnerCityID: "nope"}}}), []string{"members[0].partner_city_id", "members[1].partner_city_id"}},
			{"alternates and exclusions", create(profiles.Proposal{Kind: "panel", ChallengeID: f.waste.ID,
				Members:    []profiles.Member{{ExpertID: e0}},
				Alternates: []profiles.Alternate{{Score: 1}, {ExpertID: "nope"}},
				Exclusions: []profiles.Exclusion{{ExpertID: e0}, {ExpertID: e1}, {ExpertID: e1}, {}},
			}), []string{"alternates[0].expert_id", "exclusions[0].expert_id", "exclusions[2].expert_id", "exclusions[3].expert_id", "alternates[1].expert_id"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.run()
				if tc.want == nil {
					if err != nil {
						t.Fatalf("want no error, got %v", err)
					}
					return
				}
				if got := fields(t, err); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("invalid fields: got %v, want %v", got, tc.want)
				}
			})
		}

		// A batch is all or nothing, and names the bad proposal.
		before, _ := s.FindProposals(ctx, profiles.ProposalFilter{})
		_, err := s.CreateProposals(ctx, []profiles.Proposal{f.panelOf(f.waste, 0), {Kind: "panel", ChallengeID: "nope"}}, profiles.ProposalEvent{})
		if got := fields(t, err); strings.Join(got, ",") != "proposals[1].challenge_id" {
			t.Fatalf("batch: fields %v", got)
		}
		after, _ := s.FindProposals(ctx, profiles.ProposalFilter{})
		if after.Total != before.Total {
			t.Fatalf("a failed batch stored %d proposals", after.Total-before.Total)
		}
		ps, err := s.CreateProposals(ctx, []profiles.Proposal{f.panelOf(f.waste, 0), f.panelOf(f.water, 1)}, profiles.ProposalEvent{Actor: "job"})
		if err != nil || len(ps) != 2 || ps[0].ID == ps[1].ID || ps[1].ChallengeID != f.water.ID {
			t.Fatalf("batch: %+v, %v", ps, err)
		}
	})
}

func TestProposalListFilters(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := mustProposal(t, s, f.panelOf(f.waste, 0, 1))
		b := mustProposal(t, s, f.panelOf(f.waste, 1, 2))
		team := f.panelOf(f.water, 2, 3)
		team.Kind = "team"
		c := mustProposal(t, s, team)
		withdrawn := f.panelOf(f.water, 4)
		withdrawn.Members[0].Status = profiles.MemberWithdrawn
		d := mustProposal(t, s, withdrawn)
		b = moveTo(t, s, b, profiles.ProposalInvited, profiles.MemberInvited)
		round, err := s.CreateRound(ctx, profiles.ReviewRound{Name: "Spring reviews"})
		if err != nil {
			t.Fatal(err)
		}
		inRound := f.panelOf(f.water, 5)
		inRound.RoundID = &round.ID
		e := mustProposal(t, s, inRound)

		filters := []struct {
			name string
			f    profiles.ProposalFilter
			want []profiles.Proposal
		}{
			{"all", profiles.ProposalFilter{}, []profiles.Proposal{a, b, c, d, e}},
			{"challenge", profiles.ProposalFilter{ChallengeID: f.waste.ID}, []profiles.Proposal{a, b}},
			{"city", profiles.ProposalFilter{CityID: f.dakar.ID}, []profiles.Proposal{a, b, c, d, e}},
			{"other city", profiles.ProposalFilter{CityID: f.lyon.ID}, nil},
			{"expert", profiles.ProposalFilter{ExpertID: f.experts[2].ID}, []profiles.Proposal{b, c}},
			{"expert withdrawn", profiles.ProposalFilter{ExpertID: f.experts[4].ID}, []profiles.Proposal{d}},
			{"kind", profiles.ProposalFilter{Kind: "team"}, []profiles.Proposal{c}},
			{"status", profiles.ProposalFilter{Status: profiles.ProposalInvited}, []profiles.Proposal{b}},
			{"round", profiles.ProposalFilter{RoundID: round.ID}, []profiles.Proposal{e}},
			{"combined", profiles.ProposalFilter{ChallengeID: f.waste.ID, ExpertID: f.experts[0].ID}, []profiles.Proposal{a}},
		}
		for _, tc := range filters {
			t.Run(tc.name, func(t *testing.T) {
				r, err := s.FindProposals(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if r.Total != len(tc.want) || len(r.Items) != len(tc.want) {
					t.Fatalf("got %d items (total %d), want %d", len(r.Items), r.Total, len(tc.want))
				}
				for i := range tc.want {
					if !reflect.DeepEqual(r.Items[i], tc.want[i]) {
						t.Fatalf("item %d:\n got %+v\nwant %+v", i, r.Items[i], tc.want[i])
					}
				}
			})
		}

		// Walk pages of 2 with the cursor: 2, 2, 1, in creation order.
		var seen []string
		page := profiles.Page{Limit: 2}
		for pages := 0; ; pages++ {
			r, err := s.FindProposals(ctx, profiles.ProposalFilter{Page: page})
			if err != nil || r.Total != 5 || pages > 3 {
				t.Fatalf("page %d: %+v, %v", pages, r, err)
			}
			for _, p := range r.Items {
				seen = append(seen, p.ID)
				if len(p.Members) == 0 {
					t.Fatalf("page %d: proposal %s without its members", pages, p.ID)
				}
			}
			if r.Next == "" {
				break
			}
			page.After = r.Next
		}
		if want := []string{a.ID, b.ID, c.ID, d.ID, e.ID}; !slices.Equal(seen, want) {
			t.Fatalf("pages: %v, want %v", seen, want)
		}
		r, err := s.FindProposals(ctx, profiles.ProposalFilter{ExpertID: f.experts[1].ID, Page: profiles.Page{Limit: 1}})
		if err != nil || len(r.Items) != 1 || r.Items[0].ID != a.ID || r.Next != a.ID || r.Total != 2 {
			t.Fatalf("filtered page: %+v, %v", r, err)
		}
	})
}

func TestProposalLifecycle(t *testing.T) {
	clock := profilestest.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		feed := watchFeed(t, s)
		// notified returns the experts whose change the feed recorded since the last call.
		notified := func() []string {
			var out []string
			for _, c := range feed() {
				if c.Kind == "expert" {
					out = append(out, c.ID)
				}
			}
			return out
		}
		p := mustProposal(t, s, f.panelOf(f.waste, 0, 1, 2))
		if n := notified(); len(n) != 0 {
			t.Fatalf("a proposed panel changes no expert's load, got notices for %v", n)
		}

		// A save made against an old version is stale; the stored row is untouched.
		invited := moveTo(t, s, p, profiles.ProposalInvited, profiles.MemberInvited)
		if invited.Version != 2 || !invited.UpdatedAt.After(p.UpdatedAt) || !invited.CreatedAt.Equal(p.CreatedAt) {
			t.Fatalf("save: %+v", invited.Meta)
		}
		if n := notified(); !slices.Equal(n, sorted(f.ids(0, 1, 2))) {
			t.Fatalf("status change notices: %v", n)
		}
		stale := p
		stale.Objective = 99
		_, err := s.SaveProposal(ctx, stale, p.Version, nil)
		var se *profiles.StaleError
		if !errors.As(err, &se) || !errors.Is(err, profiles.ErrConflict) {
			t.Fatalf("stale save: want *StaleError, got %v", err)
		}
		if got, _ := s.FindProposalByID(ctx, p.ID); !reflect.DeepEqual(got, invited) {
			t.Fatalf("stale save changed the proposal: %+v", got)
		}

		// An illegal move is a conflict, and so is leaving a final state.
		back := invited
		back.Status = profiles.ProposalProposed
		_, err = s.SaveProposal(ctx, back, invited.Version, nil)
		var ce *profiles.ConflictError
		if !errors.As(err, &ce) || ce.Detail != "proposal is invited: cannot move to proposed" {
			t.Fatalf("illegal move: %v", err)
		}
		if _, err := s.SaveProposal(ctx, profiles.Proposal{Meta: profiles.Meta{ID: "nope", Version: 1}, Kind: "panel"}, 1, nil); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("save of unknown proposal: %v", err)
		}

		// One member declines and an alternate takes the seat: the decline is
		// recorded once, however often it is saved again.
		answered := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
		edit := invited
		edit.Members = slices.Clone(invited.Members)
		edit.Members[1].Status, edit.Members[1].Reason, edit.Members[1].AnsweredAt = profiles.MemberDeclined, "on leave", &answered
		edit.Members = append(edit.Members, profiles.Member{ExpertID: f.experts[3].ID, Status: profiles.MemberInvited, Score: 0.9})
		before, after := 3.0, 2.9
		edited, err := s.SaveProposal(ctx, edit, invited.Version, []profiles.ProposalEvent{
			{Type: "answer", ExpertID: f.experts[1].ID, ToStatus: "declined", Reason: "on leave", Actor: f.experts[1].ID},
			{Type: "replacement", ExpertID: f.experts[1].ID, Other: f.experts[3].ID, ObjectiveBefore: &before, ObjectiveAfter: &after},
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := notified(); !slices.Equal(n, sorted(f.ids(1, 3))) {
			t.Fatalf("member change notices: %v", n)
		}
		edited.Members[1].Reason = "on leave until March"
		edited, err = s.SaveProposal(ctx, edited, edited.Version, nil)
		if err != nil {
			t.Fatal(err)
		}
		declines, err := s.DeclinesOf(ctx, f.waste.ID)
		want := []profiles.Decline{{ChallengeID: f.waste.ID, ExpertID: f.experts[1].ID, ProposalID: p.ID, Reason: "on leave", At: answered}}
		if err != nil || !reflect.DeepEqual(declines, want) {
			t.Fatalf("declines: %+v, %v", declines, err)
		}
		// The same pair declining in another proposal keeps the first decline.
		other := mustProposal(t, s, f.panelOf(f.waste, 1))
		other.Members[0].Status = profiles.MemberDeclined
		if _, err := s.SaveProposal(ctx, other, other.Version, nil); err != nil {
			t.Fatal(err)
		}
		if declines, _ := s.DeclinesOf(ctx, f.waste.ID); !reflect.DeepEqual(declines, want) {
			t.Fatalf("declines after a second decline: %+v", declines)
		}
		if declines, err := s.DeclinesOf(ctx, f.water.ID); err != nil || len(declines) != 0 {
			t.Fatalf("declines of another challenge: %+v, %v", declines, err)
		}

		// Loads count accepted seats of invited, accepted and active proposals only.
		accepted := moveTo(t, s, edited, profiles.ProposalAccepted, profiles.MemberAccepted)
		proposedOnly := f.panelOf(f.water, 0, 4)
		proposedOnly.Members[0].Status = profiles.MemberAccepted
		mustProposal(t, s, proposedOnly)
		second := moveTo(t, s, mustProposal(t, s, f.panelOf(f.water, 0, 5)), profiles.ProposalInvited, profiles.MemberInvited)
		second.Members[0].Status = profiles.MemberAccepted
		if _, err := s.SaveProposal(ctx, second, second.Version, nil); err != nil {
			t.Fatal(err)
		}
		loads, err := s.ExpertLoads(ctx, nil)
		wantLoads := map[string]int{f.experts[0].ID: 2, f.experts[2].ID: 1, f.experts[3].ID: 1}
		if err != nil || !reflect.DeepEqual(loads, wantLoads) {
			t.Fatalf("loads: %v, %v; want %v", loads, err, wantLoads)
		}
		loads, err = s.ExpertLoads(ctx, f.ids(0, 1, 5))
		if err != nil || !reflect.DeepEqual(loads, map[string]int{f.experts[0].ID: 2}) {
			t.Fatalf("loads of some experts: %v, %v", loads, err)
		}

		// The rest of the chain, with history in order.
		active := moveTo(t, s, accepted, profiles.ProposalActive, profiles.MemberAccepted)
		completed := moveTo(t, s, active, profiles.ProposalCompleted, profiles.MemberAccepted)
		if loads, _ := s.ExpertLoads(ctx, f.ids(2, 3)); len(loads) != 0 {
			t.Fatalf("a completed proposal still loads its experts: %v", loads)
		}
		final := completed
		final.Status = profiles.ProposalInvited
		if _, err := s.SaveProposal(ctx, final, completed.Version, nil); err == nil || !errors.Is(err, profiles.ErrConflict) ||
			!strings.Contains(err.Error(), "proposal is completed: cannot move to invited") {
			t.Fatalf("move out of completed: %v", err)
		}
		hist, err := s.ProposalHistory(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var moves []string
		for i, h := range hist {
			if i > 0 && h.At.Before(hist[i-1].At) {
				t.Fatalf("history out of order at %d: %v before %v", i, h.At, hist[i-1].At)
			}
			if h.Type == "status" {
				moves = append(moves, h.FromStatus+">"+h.ToStatus)
			}
		}
		if got := strings.Join(moves, " "); got != ">proposed proposed>invited invited>accepted accepted>active active>completed" {
			t.Fatalf("status history: %s", got)
		}
		if r := hist[3]; r.Type != "replacement" || r.Other != f.experts[3].ID || *r.ObjectiveBefore != 3 || *r.ObjectiveAfter != 2.9 {
			t.Fatalf("replacement entry: %+v", r)
		}
		if !hist[len(hist)-1].At.Equal(completed.UpdatedAt) {
			t.Fatalf("last entry at %v, completed at %v", hist[len(hist)-1].At, completed.UpdatedAt)
		}
	}, profiles.WithClock(clock.Now))
}

func sorted(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestChangeNoticesWaitForCommit(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		p := moveTo(t, s, mustProposal(t, s, f.panelOf(f.waste, 0, 1)), profiles.ProposalInvited, profiles.MemberInvited)
		feed := watchFeed(t, s)
		var seen []string
		count := func() int {
			for _, c := range feed() {
				seen = append(seen, c.Kind+":"+c.ID)
			}
			return len(seen)
		}
		accept := p
		accept.Members = slices.Clone(p.Members)
		accept.Members[0].Status = profiles.MemberAccepted

		// Inside a transaction that fails, nothing is recorded.
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *profiles.Store) error {
			if _, err := tx.SaveProposal(ctx, accept, p.Version, nil); err != nil {
				return err
			}
			if n := count(); n != 0 {
				t.Errorf("change visible before the commit: %d", n)
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != 0 {
			t.Fatalf("rolled back: %v, %d notices", err, count())
		}
		if got, _ := s.FindProposalByID(ctx, p.ID); got.Version != p.Version {
			t.Fatalf("rolled-back save was stored: version %d", got.Version)
		}
		// Committed, the expert whose seat changed is recorded, once.
		err = s.InTx(ctx, func(tx *profiles.Store) error {
			_, err := tx.SaveProposal(ctx, accept, p.Version, nil)
			if n := count(); n != 0 {
				t.Errorf("change visible before the commit: %d", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		count()
		if want := []string{"expert:" + f.experts[0].ID}; !slices.Equal(seen, want) {
			t.Fatalf("notices: %v, want %v", seen, want)
		}
	})
}

func TestConcurrentSaveProposal(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		for round := 0; round < 5; round++ {
			p := mustProposal(t, s, f.panelOf(f.waste, 0, 1, 2))
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					q := p
					q.Members = slices.Clone(p.Members)
					q.Members[i].Status = profiles.MemberWithdrawn
					q.Objective = float64(10 + i)
					_, errs[i] = s.SaveProposal(ctx, q, p.Version, []profiles.ProposalEvent{{Type: "edit", ExpertID: q.Members[i].ExpertID}})
				}(i)
			}
			wg.Wait()
			var ok, stale int
			for _, err := range errs {
				var se *profiles.StaleError
				switch {
				case err == nil:
					ok++
				case errors.As(err, &se):
					stale++
				default:
					t.Fatalf("concurrent save: %v", err)
				}
			}
			if ok != 1 || stale != 1 {
				t.Fatalf("round %d: %d saves succeeded and %d were stale, want 1 and 1", round, ok, stale)
			}
			got, _ := s.FindProposalByID(ctx, p.ID)
			hist, _ := s.ProposalHistory(ctx, p.ID)
			withdrawn := 0
			for _, m := range got.Members {
				if m.Status == profiles.MemberWithdrawn {
					withdrawn++
				}
			}
			if got.Version != 2 || withdrawn != 1 || len(hist) != 2 {
				t.Fatalf("round %d: version %d, %d withdrawn, %d history entries", round, got.Version, withdrawn, len(hist))
			}
		}
	})
}

func TestOutcomesAndFeedback(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		// A panel that completes with experts 0 and 1 accepted and 2 declined.
		p := moveTo(t, s, mustProposal(t, s, f.panelOf(f.waste, 0, 1, 2)), profiles.ProposalInvited, profiles.MemberInvited)
		p.Members[2].Status = profiles.MemberDeclined
		p, err := s.SaveProposal(ctx, p, p.Version, nil)
		if err != nil {
			t.Fatal(err)
		}
		p = moveTo(t, s, p, profiles.ProposalAccepted, profiles.MemberAccepted)
		p = moveTo(t, s, p, profiles.ProposalActive, profiles.MemberAccepted)

		good := profiles.Outcome{ProposalID: p.ID, Side: "city", Applied: "Night collection in three districts.", Lessons: "Start with the markets.", Rating: 5}
		_, err = s.CreateOutcome(ctx, good)
		var ce *profiles.ConflictError
		if !errors.As(err, &ce) || ce.Detail != "proposal is active: outcomes are recorded once it is completed" {
			t.Fatalf("outcome before completion: %v", err)
		}
		p = moveTo(t, s, p, profiles.ProposalCompleted, profiles.MemberAccepted)

		cases := []struct {
			name string
			o    profiles.Outcome
			want []string
		}{
			{"everything wrong", profiles.Outcome{ProposalID: p.ID, Side: "mayor", ExpertID: f.experts[2].ID, Applied: " ", Lessons: strings.Repeat("x", 4001), Rating: 6},
				[]string{"side", "expert_id", "applied", "lessons_learned", "rating"}},
			{"expert side names no expert", profiles.Outcome{ProposalID: p.ID, Side: "expert", Applied: "a", Lessons: "l", Rating: 0},
				[]string{"expert_id", "rating"}},
			{"city rates a declined member", profiles.Outcome{ProposalID: p.ID, Side: "city", ExpertID: f.experts[2].ID, Applied: "a", Lessons: "l", Rating: 3},
				[]string{"expert_id"}},
			{"city rates an outsider", profiles.Outcome{ProposalID: p.ID, Side: "city", ExpertID: f.experts[5].ID, Applied: "a", Lessons: strings.Repeat("é", 4000), Rating: 3},
				[]string{"expert_id"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateOutcome(ctx, tc.o)
				if got := fields(t, err); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("invalid fields: got %v, want %v", got, tc.want)
				}
			})
		}
		if _, err := s.CreateOutcome(ctx, profiles.Outcome{ProposalID: "nope", Side: "city"}); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("outcome of unknown proposal: %v", err)
		}

		feed := watchFeed(t, s)
		city, err := s.CreateOutcome(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if city.ID == "" || city.CreatedAt.IsZero() || city.ExpertID != "" {
			t.Fatalf("created outcome: %+v", city)
		}
		var seen []string
		for _, c := range feed() {
			seen = append(seen, c.ID)
		}
		if !slices.Equal(seen, f.ids(0, 1)) {
			t.Fatalf("a city's rating of everyone notifies every accepted member: %v", seen)
		}
		if _, err := s.CreateOutcome(ctx, good); !errors.As(err, &ce) || !strings.Contains(ce.Detail, "outcome already recorded") {
			t.Fatalf("duplicate outcome: %v", err)
		}
		aboutOne := profiles.Outcome{ProposalID: p.ID, Side: "city", ExpertID: f.experts[1].ID, Applied: "Route plans.", Lessons: "Ask drivers.", Rating: 3}
		if _, err := s.CreateOutcome(ctx, aboutOne); err != nil {
			t.Fatal(err)
		}
		expert := profiles.Outcome{ProposalID: p.ID, Side: "expert", ExpertID: f.experts[0].ID, Applied: "Shared our plan.", Lessons: "Markets first.", Rating: 4}
		if _, err := s.CreateOutcome(ctx, expert); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateOutcome(ctx, expert); !errors.Is(err, profiles.ErrConflict) {
			t.Fatalf("duplicate expert outcome: %v", err)
		}
		outcomes, err := s.FindOutcomes(ctx, p.ID)
		if err != nil || len(outcomes) != 3 || !reflect.DeepEqual(outcomes[0], city) || outcomes[2].Side != "expert" {
			t.Fatalf("outcomes: %+v, %v", outcomes, err)
		}
		if _, err := s.FindOutcomes(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("outcomes of unknown proposal: %v", err)
		}
		hist, _ := s.ProposalHistory(ctx, p.ID)
		if last := hist[len(hist)-1]; last.Type != "outcome" || last.ExpertID != f.experts[0].ID {
			t.Fatalf("last history entry: %+v", last)
		}

		// A completed team for expert 0 too, rated by nobody.
		team := f.panelOf(f.water, 0)
		team.Kind = "team"
		tp := moveTo(t, s, mustProposal(t, s, team), profiles.ProposalInvited, profiles.MemberInvited)
		for _, st := range []string{profiles.ProposalAccepted, profiles.ProposalActive, profiles.ProposalCompleted} {
			tp = moveTo(t, s, tp, st, profiles.MemberAccepted)
		}

		feedback, err := s.FeedbackOf(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]profiles.Feedback{
			f.experts[0].ID: {ExpertID: f.experts[0].ID, Completed: 2, ByMode: map[string]int{"peer_review": 1, "tutoring": 1}, Rated: 1, RatingSum: 5},
			f.experts[1].ID: {ExpertID: f.experts[1].ID, Completed: 1, ByMode: map[string]int{"peer_review": 1}, Rated: 2, RatingSum: 8},
		}
		if !reflect.DeepEqual(feedback, want) {
			t.Fatalf("feedback:\n got %+v\nwant %+v", feedback, want)
		}
		feedback, err = s.FeedbackOf(ctx, f.ids(1, 2))
		want = map[string]profiles.Feedback{
			f.experts[1].ID: want[f.experts[1].ID],
			f.experts[2].ID: {ExpertID: f.experts[2].ID, ByMode: map[string]int{}},
		}
		if err != nil || !reflect.DeepEqual(feedback, want) {
			t.Fatalf("feedback of some experts:\n got %+v\nwant %+v (%v)", feedback, want, err)
		}
	})
}

func TestProposalsOutliveExperts(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		p := mustProposal(t, s, f.panelOf(f.waste, 0, 1))
		if err := s.DeleteExpert(ctx, f.experts[0].ID, 0); err != nil {
			t.Fatal(err)
		}
		// The history keeps the deleted expert, and a save may keep them too…
		got, err := s.FindProposalByID(ctx, p.ID)
		if err != nil || got.Members[0].ExpertID != f.experts[0].ID {
			t.Fatalf("proposal after its expert was deleted: %+v, %v", got, err)
		}
		got.Objective = 1.5
		saved, err := s.SaveProposal(ctx, got, got.Version, nil)
		if err != nil {
			t.Fatalf("save keeping a deleted expert: %v", err)
		}
		// …but cannot bring in one who is gone.
		if err := s.DeleteExpert(ctx, f.experts[2].ID, 0); err != nil {
			t.Fatal(err)
		}
		saved.Members = append(saved.Members, profiles.Member{ExpertID: f.experts[2].ID})
		_, err = s.SaveProposal(ctx, saved, saved.Version, nil)
		if got := fields(t, err); strings.Join(got, ",") != "members[2].expert_id" {
			t.Fatalf("save bringing in a deleted expert: fields %v", got)
		}
		// A deleted challenge takes its proposals with it.
		if err := s.DeleteChallenge(ctx, f.waste.ID, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindProposalByID(ctx, p.ID); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("proposal of a deleted challenge: %v", err)
		}
	})
}

// TestSaveProposalKeepsCapacity: a save that would give an expert more accepted
// engagements than their capacity is refused, naming the rule, and changes
// nothing; seats in proposals that are not live do not count.
func TestSaveProposalKeepsCapacity(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		one := 1
		if _, err := s.UpdateExpert(ctx, f.experts[0].ID, profiles.ExpertUpdate{Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
			in.Capacity = &one
			return in, nil
		}}); err != nil {
			t.Fatal(err)
		}
		first := moveTo(t, s, mustProposal(t, s, f.panelOf(f.waste, 0, 1)), profiles.ProposalInvited, profiles.MemberInvited)
		first.Members[0].Status = profiles.MemberAccepted
		if _, err := s.SaveProposal(ctx, first, first.Version, nil); err != nil {
			t.Fatal(err)
		}
		second := moveTo(t, s, mustProposal(t, s, f.panelOf(f.water, 0, 2)), profiles.ProposalInvited, profiles.MemberInvited)
		second.Members[0].Status = profiles.MemberAccepted
		_, err := s.SaveProposal(ctx, second, second.Version, nil)
		var ce *profiles.ConflictError
		if !errors.As(err, &ce) || !strings.Contains(ce.Detail, "capacity") {
			t.Fatalf("over capacity: %v", err)
		}
		if got, _ := s.FindProposalByID(ctx, second.ID); got.Members[0].Status != profiles.MemberInvited {
			t.Fatalf("a refused save changed the proposal: %+v", got.Members[0])
		}
		loads, err := s.ExpertLoads(ctx, []string{f.experts[0].ID})
		if err != nil || loads[f.experts[0].ID] != 1 {
			t.Fatalf("load %v, %v", loads, err)
		}
	})
}
