package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"matchmaker/profiles"
)

// A challenge of a round that gets no panel says why in the reader's
// language, with the rule and code a program keys on; a round done before
// reasons were kept in every language says its English reason as it is.
func TestRoundUnfilledInTheReadersLanguage(t *testing.T) {
	eachAPI(t, func(t *testing.T, x *env) {
		panelNetwork(t, x)
		// Three mayors on a panel of three: the network has not that many.
		r := x.do(t, "POST", "/v1/review-rounds", `{"name":"Mayors only",
			"challenges":[{"challenge_id":"{c_waste}","size":2},{"challenge_id":"{c_other}","size":3,"role_quotas":[{"roles":["mayor"],"min":3}]}]}`)
		if r.Status != http.StatusAccepted {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		id := r.json(t)["id"].(string)
		if m := x.waitRound(t, id); m["status"] != "done" {
			t.Fatalf("round %v", m)
		}

		var old profiles.ReviewRound
		old, err := x.store.CreateRound(context.Background(), profiles.ReviewRound{Name: "old", Fairness: "total", Request: json.RawMessage(`{"name":"old"}`)})
		if err != nil {
			t.Fatal(err)
		}
		old.Unfilled = json.RawMessage(`[{"challenge_id":"` + x.ids["c_other"] + `","reason":"size: 3 required, 0 eligible"}]`)
		if _, _, err := x.store.FinishRound(context.Background(), old, nil, profiles.ProposalEvent{}); err != nil {
			t.Fatal(err)
		}

		type unfilled struct {
			ChallengeID        string `json:"challenge_id"`
			Reason, Rule, Code string
		}
		get := func(t *testing.T, path, lang string) []unfilled {
			t.Helper()
			r := x.do(t, "GET", path, "", "Accept-Language", lang)
			if r.Status != http.StatusOK || r.Header.Get("Content-Language") != lang {
				t.Fatalf("status %d, Content-Language %q: %s", r.Status, r.Header.Get("Content-Language"), r.Body)
			}
			var body struct {
				Unfilled []unfilled
				Items    []struct{ Unfilled []unfilled }
			}
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			for _, it := range body.Items {
				body.Unfilled = append(body.Unfilled, it.Unfilled...)
			}
			return body.Unfilled
		}
		tests := []struct {
			name, path, lang string
			rule, code       string
			want, notWant    []string
		}{
			{name: "in French", path: "/v1/review-rounds/" + id, lang: "fr", rule: "role_quotas", code: "rules.infeasible.role_quota",
				want: []string{"quota de rôle maire : 3 requis"}, notWant: []string{"required", "eligible"}},
			{name: "in Spanish", path: "/v1/review-rounds/" + id, lang: "es", rule: "role_quotas", code: "rules.infeasible.role_quota",
				want: []string{"cuota de función alcalde o alcaldesa (requeridos: 3"}, notWant: []string{"required", "eligible"}},
			{name: "in English", path: "/v1/review-rounds/" + id, lang: "en", rule: "role_quotas", code: "rules.infeasible.role_quota",
				want: []string{"role quota mayor: 3 required"}},
			{name: "listed in French", path: "/v1/review-rounds", lang: "fr", rule: "role_quotas", code: "rules.infeasible.role_quota",
				want: []string{"quota de rôle maire : 3 requis"}},
			{name: "an old round as it was written", path: "/v1/review-rounds/" + old.ID, lang: "fr",
				want: []string{"size: 3 required, 0 eligible"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				us := get(t, tt.path, tt.lang)
				var found bool
				for _, u := range us {
					if u.ChallengeID != x.ids["c_other"] || !strings.Contains(u.Reason, tt.want[0]) {
						continue
					}
					found = true
					if u.Rule != tt.rule || u.Code != tt.code {
						t.Errorf("rule %q, code %q; want %q, %q", u.Rule, u.Code, tt.rule, tt.code)
					}
					for _, w := range tt.notWant {
						if strings.Contains(u.Reason, w) {
							t.Errorf("%q holds %q", u.Reason, w)
						}
					}
				}
				if !found {
					t.Errorf("no unfilled challenge %s says %q: %+v", x.ids["c_other"], tt.want[0], us)
				}
			})
		}
	})
}
