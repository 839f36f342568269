package workflow_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"matchmaker/locale"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// englishWords are words of the English reasons of an unfilled challenge
// that none of the French and Spanish ones holds.
var englishWords = []string{"required", "eligible ", "kept off", "subject fit", "working language", " of the ", "paused", "no capacity"}

// everyPartCoded reports the first part of t, t itself or a sentence inside
// it, that has no code in the catalogue: said in any language, it would be
// English.
func everyPartCoded(cat *locale.Catalogue, t profiles.Text) (profiles.Text, bool) {
	if t.Code == "" || !cat.Has(locale.ProblemsDomain+t.Code) {
		return t, false
	}
	for _, p := range t.Params {
		if inner, ok := p.(profiles.Text); ok {
			if bad, ok := everyPartCoded(cat, inner); !ok {
				return bad, false
			}
		}
	}
	return profiles.Text{}, true
}

// A round where a rule cannot be met by any expert (three mayors on a panel
// of Dakar) and a city nobody can work with (Portuguese only) leaves both
// challenges without a panel, each with a coded reason: the rule that failed,
// what kept the experts off, each part said in French and Spanish without an
// English sentence left in it.
func TestUnfilledReasonsAreSaidInTheReadersLanguage(t *testing.T) {
	cat := locale.MustLoad()
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
		r, err := w.CreateRound(ctx, workflow.RoundRequest{Name: "nobody fits", Challenges: []workflow.RoundChallenge{
			{ChallengeID: dakarWaste, PanelRules: workflow.PanelRules{Size: intp(3), RoleQuotas: []workflow.RoleQuota{{Roles: []string{"mayor"}, Min: 3}}}},
			{ChallengeID: ch.ID, PanelRules: workflow.PanelRules{Size: intp(3)}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		v := waitRound(t, store, w, r.ID)
		if v.Status != profiles.RoundDone || len(v.Panels) != 0 {
			t.Fatalf("round: %s, panels %+v (%s)", v.Status, v.Panels, v.Error)
		}
		unfilled, err := workflow.RoundUnfilled(v.ReviewRound)
		if err != nil || len(unfilled) != 2 {
			t.Fatalf("unfilled: %s %v", v.Unfilled, err)
		}
		byID := map[string]workflow.UnfilledChallenge{}
		for _, u := range unfilled {
			byID[u.ChallengeID] = u
		}
		tests := []struct {
			name, challenge, rule, code string
			english                     []string
		}{
			{"a role quota nobody meets", dakarWaste, "role_quotas", "rules.infeasible.role_quota", []string{"role quota mayor: 3 required, "}},
			{"a city nobody speaks with", ch.ID, "size", "rules.infeasible.size", []string{"size: 3 required, ", "kept off: ", "no working language of the city (pt): "}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u, ok := byID[tt.challenge]
				if !ok {
					t.Fatalf("challenge %s is not unfilled: %+v", tt.challenge, unfilled)
				}
				if u.Rule != tt.rule || u.Code != tt.code {
					t.Errorf("rule %q code %q, want %q %q", u.Rule, u.Code, tt.rule, tt.code)
				}
				if bad, ok := everyPartCoded(cat, u.Reason); !ok {
					t.Errorf("%q has no message in the catalogue (code %q)", bad.English, bad.Code)
				}
				en := cat.Say(locale.English, u.Reason)
				if en != u.Reason.English {
					t.Errorf("said in English: %q, written %q", en, u.Reason.English)
				}
				for _, want := range tt.english {
					if !strings.Contains(en, want) {
						t.Errorf("%q lacks %q", en, want)
					}
				}
				for _, l := range []locale.Lang{locale.French, locale.Spanish} {
					said := cat.Say(l, u.Reason)
					t.Logf("%s: %s", l, said)
					for _, word := range englishWords {
						if strings.Contains(said, word) {
							t.Errorf("in %s, %q holds the English %q", l, said, word)
						}
					}
				}
			})
		}
		// The round keeps each reason's English too, as rounds kept it
		// before their reasons were coded.
		var raw []map[string]any
		if err := json.Unmarshal(v.Unfilled, &raw); err != nil {
			t.Fatal(err)
		}
		for _, u := range raw {
			if reason, _ := u["reason"].(string); !strings.Contains(reason, "required") {
				t.Errorf("stored reason %q", reason)
			}
		}
	})
}

// A round done before reasons were coded kept them in English only: they are
// read as they are.
func TestUnfilledReasonsOfOldRoundsReadAsTheyAre(t *testing.T) {
	cat := locale.MustLoad()
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		r, err := store.CreateRound(ctx, profiles.ReviewRound{Name: "old", Fairness: "total", Request: json.RawMessage(`{"name":"old"}`)})
		if err != nil {
			t.Fatal(err)
		}
		const english = "size: 3 required, 0 eligible; no expert of the network has any subject fit with the challenge"
		r.Unfilled = json.RawMessage(`[{"challenge_id":"c1","reason":"` + english + `"}]`)
		done, _, err := store.FinishRound(ctx, r, nil, profiles.ProposalEvent{})
		if err != nil {
			t.Fatal(err)
		}
		unfilled, err := workflow.RoundUnfilled(done)
		if err != nil || len(unfilled) != 1 {
			t.Fatalf("unfilled %+v: %v", unfilled, err)
		}
		u := unfilled[0]
		if u.ChallengeID != "c1" || u.Rule != "" || u.Code != "" {
			t.Errorf("old row read as %+v", u)
		}
		if got := cat.Say(locale.French, u.Reason); got != english {
			t.Errorf("said in French: %q, want the English as stored", got)
		}
		if none, err := workflow.RoundUnfilled(profiles.ReviewRound{}); err != nil || none != nil {
			t.Errorf("a round not done: %+v %v", none, err)
		}
	})
}
