package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// TestRoundPageSaysWhyAChallengeGotNoPanel: a round's page lists each
// challenge that got no panel, linked to its page, with why in the reader's
// language; a round done before reasons were kept in every language shows
// its English reason as it was written.
func TestRoundPageSaysWhyAChallengeGotNoPanel(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		svc := browsertest.Start(t, db)
		ctx := t.Context()
		// A city that works in Portuguese only: almost no expert of the
		// network can sit on its panel.
		city, err := svc.Store.CreateCity(ctx, profiles.CityInput{Name: "Porto Alegre", Country: "BR", Region: "latin_america", Languages: []string{"pt"}})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := svc.Store.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Language: "en", Themes: []string{"waste"}, Modes: []string{"peer_review"},
			Title: "Household waste collection and sorting", Description: "A peer review of our household waste collection, sorting at source and recycling."})
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := svc.Store.CreateKey(ctx, profiles.KeyInput{Name: "rounds", Role: profiles.RoleSecretariat})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, svc.URL+"/v1/review-rounds",
			strings.NewReader(`{"name":"Porto Alegre","challenges":[{"challenge_id":"`+ch.ID+`","size":3}]}`))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		res, body := do(t, http.DefaultClient, req)
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("create the round: %d %s", res.StatusCode, body)
		}
		var round struct{ ID string }
		if err := json.Unmarshal([]byte(body), &round); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			r, err := svc.Store.FindRoundByID(ctx, round.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status == profiles.RoundDone || r.Status == profiles.RoundFailed {
				if r.Status != profiles.RoundDone {
					t.Fatalf("round %s: %s", r.Status, r.Error)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round still %s after 30 s", r.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}

		old, err := svc.Store.CreateRound(ctx, profiles.ReviewRound{Name: "Before", Fairness: "total", Request: json.RawMessage(`{"name":"Before"}`)})
		if err != nil {
			t.Fatal(err)
		}
		old.Unfilled = json.RawMessage(`[{"challenge_id":"` + ch.ID + `","reason":"size: 3 required, 0 eligible"}]`)
		if _, _, err := svc.Store.FinishRound(ctx, old, nil, profiles.ProposalEvent{}); err != nil {
			t.Fatal(err)
		}

		staff := client(t)
		signIn(t, svc, staff, svc.Users["secretariat"].Email)
		tests := []struct {
			name, round, lang string
			want, notWant     []string
		}{
			{name: "in French", round: round.ID, lang: "fr",
				want:    []string{"1 défi sans panel", "taille : 3 requis", "aucune langue de travail de la ville (pt)", "Pourquoi"},
				notWant: []string{"required", "kept off", "working language"}},
			{name: "in Spanish", round: round.ID, lang: "es",
				want:    []string{"1 reto sin panel", "tamaño (requeridos: 3", "ningún idioma de trabajo de la ciudad (pt)", "Por qué"},
				notWant: []string{"required", "kept off", "working language"}},
			{name: "in English", round: round.ID, lang: "en",
				want: []string{"1 challenge without a panel", "size: 3 required", "kept off: no working language of the city (pt)"}},
			{name: "an old round as it was written", round: old.ID, lang: "fr",
				want: []string{"1 défi sans panel", "size: 3 required, 0 eligible"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, body := get(t, staff, svc.URL+"/staff/rounds/"+tt.round, "Accept-Language", tt.lang)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("the round's page: %d", res.StatusCode)
				}
				i := strings.Index(body, `<section aria-labelledby="unfilled-heading"`)
				if i < 0 {
					t.Fatal("the page has no section of the challenges without a panel")
				}
				section := html.UnescapeString(body[i : i+strings.Index(body[i:], "</section>")])
				if !strings.Contains(section, `<a href="/challenges/`+ch.ID+`">Household waste collection and sorting</a>`) {
					t.Errorf("the challenge is not linked by its title:\n%s", section)
				}
				for _, w := range tt.want {
					if !strings.Contains(section, w) {
						t.Errorf("the section lacks %q:\n%s", w, section)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(section, w) {
						t.Errorf("the section holds the English %q:\n%s", w, section)
					}
				}
			})
		}
	})
}
