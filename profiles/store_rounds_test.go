package profiles_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

func rubric() *profiles.Rubric {
	return &profiles.Rubric{Criteria: []profiles.Criterion{
		{Code: "leadership", Label: "Political leadership", Min: 1, Max: 4},
		{Code: "vision", Label: "Long-term vision", Min: 0, Max: 10},
	}}
}

func TestRoundValidation(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		criteria := func(n int) *profiles.Rubric {
			r := &profiles.Rubric{}
			for i := 0; i < n; i++ {
				r.Criteria = append(r.Criteria, profiles.Criterion{Code: "c" + strings.Repeat("x", i), Label: "l", Min: 0, Max: 1})
			}
			return r
		}
		cases := []struct {
			name string
			r    profiles.ReviewRound
			want []string
		}{
			{"everything wrong", profiles.ReviewRound{Name: " ", Fairness: "fast", Request: json.RawMessage(`{"challenges":`), Rubric: &profiles.Rubric{Criteria: []profiles.Criterion{
				{Code: "Leader ship", Label: "", Min: 5, Max: 1},
				{Code: "ok", Label: "Fine", Min: -1, Max: 101},
				{Code: "ok", Label: "Again", Min: 1, Max: 4},
				{Code: "", Label: "No code", Min: 2, Max: 2},
			}}}, []string{"name", "fairness", "request", "rubric.criteria[0].code", "rubric.criteria[0].label", "rubric.criteria[0].max",
				"rubric.criteria[1].min", "rubric.criteria[1].max", "rubric.criteria[2].code", "rubric.criteria[3].code", "rubric.criteria[3].max"}},
			{"long name", profiles.ReviewRound{Name: strings.Repeat("n", 201)}, []string{"name"}},
			{"empty rubric", profiles.ReviewRound{Name: "r", Rubric: &profiles.Rubric{}}, []string{"rubric.criteria"}},
			{"too many criteria", profiles.ReviewRound{Name: "r", Rubric: criteria(21)}, []string{"rubric.criteria"}},
			{"code too long", profiles.ReviewRound{Name: "r", Rubric: &profiles.Rubric{Criteria: []profiles.Criterion{{Code: strings.Repeat("a", 41), Label: "l", Max: 1}}}},
				[]string{"rubric.criteria[0].code"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.CreateRound(ctx, tc.r)
				if got := fields(t, err); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("invalid fields: got %v, want %v", got, tc.want)
				}
			})
		}
		if _, err := s.CreateRound(ctx, profiles.ReviewRound{Name: "Twenty", Rubric: criteria(20)}); err != nil {
			t.Fatalf("twenty criteria: %v", err)
		}
	})
}

func TestRoundLifecycle(t *testing.T) {
	clock := profilestest.NewClock(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		r, err := s.CreateRound(ctx, profiles.ReviewRound{
			Name: " Spring peer reviews ", Request: json.RawMessage(`{ "challenges": [ {"id": "x", "size": 3} ] }`), Rubric: rubric(),
			Status: "done", Progress: 0.7, Total: 9, // ignored: a new round is queued
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != "Spring peer reviews" || r.Status != profiles.RoundQueued || r.Progress != 0 || r.Total != 0 || r.Fairness != "total" ||
			r.Version != 1 || string(r.Request) != `{"challenges":[{"id":"x","size":3}]}` {
			t.Fatalf("created round: %+v", r)
		}
		got, err := s.FindRoundByID(ctx, r.ID)
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Fatalf("read back:\n got %+v\nwant %+v (%v)", got, r, err)
		}
		if _, err := s.FindRoundByID(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("unknown round: %v", err)
		}
		second, _ := s.CreateRound(ctx, profiles.ReviewRound{Name: "Second", Fairness: "worst_first"})
		third, _ := s.CreateRound(ctx, profiles.ReviewRound{Name: "Third"})

		if err := s.UpdateRoundProgress(ctx, r.ID, profiles.RoundRunning, 0.5, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateRoundProgress(ctx, third.ID, profiles.RoundFailed, 0.2, "the matcher gave up"); err != nil {
			t.Fatal(err)
		}
		got, _ = s.FindRoundByID(ctx, r.ID)
		if got.Status != profiles.RoundRunning || got.Progress != 0.5 || got.Version != 2 || !got.UpdatedAt.After(r.UpdatedAt) {
			t.Fatalf("progress: %+v", got)
		}
		if got, _ := s.FindRoundByID(ctx, third.ID); got.Error != "the matcher gave up" || got.Status != profiles.RoundFailed {
			t.Fatalf("failed round: %+v", got)
		}
		if err := s.UpdateRoundProgress(ctx, r.ID, "paused", 1.5, ""); strings.Join(fields(t, err), ",") != "status,progress" {
			t.Fatalf("bad progress: %v", err)
		}
		if err := s.UpdateRoundProgress(ctx, "nope", profiles.RoundRunning, 0.1, ""); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("progress of unknown round: %v", err)
		}

		resume, err := s.RoundsToResume(ctx)
		if err != nil || len(resume) != 2 || resume[0].ID != r.ID || resume[1].ID != second.ID {
			t.Fatalf("rounds to resume: %+v, %v", resume, err)
		}

		page, err := s.FindRounds(ctx, profiles.Page{Limit: 2})
		if err != nil || page.Total != 3 || len(page.Items) != 2 || page.Next != second.ID {
			t.Fatalf("first page of rounds: %+v, %v", page, err)
		}
		page, err = s.FindRounds(ctx, profiles.Page{Limit: 2, After: page.Next})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != third.ID || page.Next != "" {
			t.Fatalf("second page of rounds: %+v, %v", page, err)
		}

		// A panel that cannot be stored leaves the round running and stores none.
		result := r
		result.Total, result.Worst, result.Mean = 5.5, 2.5, 2.75
		result.Unfilled = json.RawMessage(`[ {"challenge_id": "c3", "reason": "no expert speaks pt"} ]`)
		panels := []profiles.Proposal{f.panelOf(f.waste, 0, 1), f.panelOf(f.water, 2)}
		bad := []profiles.Proposal{panels[0], {ChallengeID: "nope", Members: []profiles.Member{{ExpertID: f.experts[3].ID}}}}
		_, _, err = s.FinishRound(ctx, result, bad, profiles.ProposalEvent{Actor: "round job"})
		if got := fields(t, err); strings.Join(got, ",") != "panels[1].challenge_id" {
			t.Fatalf("bad panel: fields %v", got)
		}
		if got, _ := s.FindRoundByID(ctx, r.ID); got.Status != profiles.RoundRunning || got.Version != 2 {
			t.Fatalf("a failed finish changed the round: %+v", got)
		}
		if l, _ := s.FindProposals(ctx, profiles.ProposalFilter{}); l.Total != 0 {
			t.Fatalf("a failed finish stored %d proposals", l.Total)
		}

		done, stored, err := s.FinishRound(ctx, result, panels, profiles.ProposalEvent{Actor: "round job"})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != profiles.RoundDone || done.Progress != 1 || done.Total != 5.5 || done.Worst != 2.5 || done.Mean != 2.75 || done.Version != 3 ||
			string(done.Unfilled) != `[{"challenge_id":"c3","reason":"no expert speaks pt"}]` || done.Rubric == nil || done.Name != r.Name {
			t.Fatalf("finished round: %+v", done)
		}
		if got, _ := s.FindRoundByID(ctx, r.ID); !reflect.DeepEqual(got, done) {
			t.Fatalf("finished round read back:\n got %+v\nwant %+v", got, done)
		}
		if len(stored) != 2 || stored[0].Kind != "panel" || stored[1].RoundID == nil || *stored[1].RoundID != r.ID || stored[1].Status != profiles.ProposalProposed {
			t.Fatalf("stored panels: %+v", stored)
		}
		l, err := s.FindProposals(ctx, profiles.ProposalFilter{RoundID: r.ID})
		if err != nil || l.Total != 2 || !reflect.DeepEqual(l.Items, stored) {
			t.Fatalf("panels of the round: %+v, %v", l.Items, err)
		}
		hist, _ := s.ProposalHistory(ctx, stored[0].ID)
		if len(hist) != 1 || hist[0].Actor != "round job" || hist[0].ToStatus != profiles.ProposalProposed {
			t.Fatalf("panel history: %+v", hist)
		}
		resume, _ = s.RoundsToResume(ctx)
		if len(resume) != 1 || resume[0].ID != second.ID {
			t.Fatalf("rounds to resume after finishing: %+v", resume)
		}
		var ce *profiles.ConflictError
		if _, _, err := s.FinishRound(ctx, result, panels, profiles.ProposalEvent{}); !errors.As(err, &ce) {
			t.Fatalf("finishing twice: %v", err)
		}
		if _, _, err := s.FinishRound(ctx, profiles.ReviewRound{Meta: profiles.Meta{ID: "nope"}}, nil, profiles.ProposalEvent{}); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("finishing an unknown round: %v", err)
		}
		// A round with no panel at all is done too.
		empty, stored, err := s.FinishRound(ctx, second, nil, profiles.ProposalEvent{})
		if err != nil || empty.Status != profiles.RoundDone || stored == nil || len(stored) != 0 {
			t.Fatalf("finishing with no panel: %+v %v %v", empty, stored, err)
		}
	}, profiles.WithClock(clock.Now))
}

func TestReviewScores(t *testing.T) {
	profilestest.EachStore(t, func(t *testing.T, s *profiles.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		plain, _ := s.CreateRound(ctx, profiles.ReviewRound{Name: "No rubric"})
		err := s.SaveReviewScores(ctx, plain.ID, []profiles.ReviewScore{{ChallengeID: f.waste.ID, ExpertID: f.experts[0].ID, Criterion: "vision", Value: 1}})
		var ce *profiles.ConflictError
		if !errors.As(err, &ce) || !strings.Contains(ce.Detail, "has no rubric") {
			t.Fatalf("round without rubric: %v", err)
		}
		if err := s.SaveReviewScores(ctx, "nope", nil); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("unknown round: %v", err)
		}

		r, err := s.CreateRound(ctx, profiles.ReviewRound{Name: "Peer reviews", Rubric: rubric()})
		if err != nil {
			t.Fatal(err)
		}
		waste := f.panelOf(f.waste, 0, 1, 3)
		waste.Members[1].Status = profiles.MemberDeclined
		waste.Members[2].Status = profiles.MemberWithdrawn
		if _, _, err := s.FinishRound(ctx, r, []profiles.Proposal{waste, f.panelOf(f.water, 2)}, profiles.ProposalEvent{}); err != nil {
			t.Fatal(err)
		}
		// A panel of the same challenge outside the round seats nobody in it.
		mustProposal(t, s, f.panelOf(f.waste, 4))

		e0, e1, e2, e3, e4 := f.experts[0].ID, f.experts[1].ID, f.experts[2].ID, f.experts[3].ID, f.experts[4].ID
		bad := []profiles.ReviewScore{
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "leadership", Value: 5},
			{ChallengeID: f.waste.ID, ExpertID: e1, Criterion: "vision", Value: 3},
			{ChallengeID: f.water.ID, ExpertID: e0, Criterion: "vision", Value: 3},
			{ChallengeID: "nope", ExpertID: e0, Criterion: "vision", Value: 3},
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "charisma", Value: 1},
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "vision", Value: 2},
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "vision", Value: 3},
			{ChallengeID: f.waste.ID, ExpertID: e3, Criterion: "vision", Value: 3},
			{ChallengeID: f.waste.ID, ExpertID: e4, Criterion: "vision", Value: 3},
			{Criterion: "vision", Value: -1},
		}
		err = s.SaveReviewScores(ctx, r.ID, bad)
		want := []string{"scores[0].value", "scores[1].expert_id", "scores[2].expert_id", "scores[3].challenge_id", "scores[4].criterion",
			"scores[6]", "scores[7].expert_id", "scores[8].expert_id", "scores[9].challenge_id", "scores[9].expert_id", "scores[9].value"}
		if got := fields(t, err); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("invalid scores: got %v, want %v", got, want)
		}
		var ve *profiles.ValidationError
		errors.As(err, &ve)
		if msg := ve.Fields[0].Message; msg != "5 is outside the scale 1..4 of criterion leadership" {
			t.Fatalf("scale message: %q", msg)
		}
		if got, _ := s.FindReviewScores(ctx, r.ID); len(got) != 0 {
			t.Fatalf("a rejected batch stored %d scores", len(got))
		}

		at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
		good := []profiles.ReviewScore{
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "leadership", Value: 2, At: at},
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "vision", Value: 7, Comment: "A clear plan to 2035.", At: at},
			{ChallengeID: f.water.ID, ExpertID: e2, Criterion: "leadership", Value: 4, At: at},
		}
		if err := s.SaveReviewScores(ctx, r.ID, good); err != nil {
			t.Fatal(err)
		}
		later := at.Add(time.Hour)
		if err := s.SaveReviewScores(ctx, r.ID, []profiles.ReviewScore{
			{ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "leadership", Value: 3, Comment: "On second thought.", At: later},
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.FindReviewScores(ctx, r.ID)
		if err != nil || len(got) != 3 {
			t.Fatalf("scores: %+v, %v", got, err)
		}
		byKey := map[string]profiles.ReviewScore{}
		for _, sc := range got {
			byKey[sc.ChallengeID+"/"+sc.ExpertID+"/"+sc.Criterion] = sc
		}
		wantScores := map[string]profiles.ReviewScore{
			f.waste.ID + "/" + e0 + "/leadership": {RoundID: r.ID, ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "leadership", Value: 3, Comment: "On second thought.", At: later},
			f.waste.ID + "/" + e0 + "/vision":     {RoundID: r.ID, ChallengeID: f.waste.ID, ExpertID: e0, Criterion: "vision", Value: 7, Comment: "A clear plan to 2035.", At: at},
			f.water.ID + "/" + e2 + "/leadership": {RoundID: r.ID, ChallengeID: f.water.ID, ExpertID: e2, Criterion: "leadership", Value: 4, At: at},
		}
		if !reflect.DeepEqual(byKey, wantScores) {
			t.Fatalf("scores:\n got %+v\nwant %+v", byKey, wantScores)
		}
		if _, err := s.FindReviewScores(ctx, "nope"); !errors.Is(err, profiles.ErrNotFound) {
			t.Fatalf("scores of unknown round: %v", err)
		}
	})
}
