package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/web/browsertest"
)

// inviteExpert has the secretariat, through the JSON API, build a review
// panel with expertID pinned on it for the first open challenge that allows
// it, and send it. It returns the proposal's ID.
func inviteExpert(t *testing.T, svc *browsertest.Service, expertID string, skip map[string]bool) string {
	t.Helper()
	ctx := t.Context()
	_, secret, err := svc.Store.CreateKey(ctx, profiles.KeyInput{Name: "test secretariat", Role: profiles.RoleSecretariat})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, map[string]any) {
		req, err := http.NewRequestWithContext(ctx, method, svc.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	chs, err := svc.Store.FindChallenges(ctx, profiles.ChallengeFilter{Status: "open", Page: profiles.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chs.Items {
		if skip[ch.ID] {
			continue
		}
		status, p := call(http.MethodPost, "/v1/challenges/"+ch.ID+"/panels", fmt.Sprintf(`{"size": 2, "pinned": [%q], "allow_home_country": true}`, expertID))
		if status != http.StatusCreated {
			continue
		}
		skip[ch.ID] = true
		id := p["id"].(string)
		if status, p := call(http.MethodPost, "/v1/proposals/"+id+"/transitions", `{"to": "invited"}`); status != http.StatusOK {
			t.Fatalf("send the panel: %d %v", status, p)
		}
		return id
	}
	t.Fatalf("no open challenge takes a panel with expert %s", expertID)
	return ""
}

// expertWords are words of each language the expert's page shows.
var expertWords = map[string]struct{ accepted string }{
	"en": {"Thank you: you have accepted the invitation."},
	"fr": {"Merci : vous avez accepté l’invitation."},
	"es": {"Gracias: ha aceptado la invitación."},
}

// TestExpertJourney: in each language, on each database, an expert invited
// to a panel signs in, finds the invitation on their page, accepts it, and
// the seat is accepted in the store; the expert then changes their
// capacity. axe finds nothing serious on the pages.
//
// The invitation is accepted on the page: the emailed signed link that
// accepts without signing in belongs to the notifications' side.
func TestExpertJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		expert := svc.Users[profiles.RoleExpert]
		// Room for one engagement per language.
		if _, err := svc.Store.UpdateExpert(t.Context(), expert.ExpertID, profiles.ExpertUpdate{Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
			n := 10
			in.Capacity = &n
			return in, nil
		}}); err != nil {
			t.Fatal(err)
		}
		used := map[string]bool{}
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				id := inviteExpert(t, svc, expert.ExpertID, used)
				b := svc.Browser(t, l.code)
				b.SignInAs(profiles.RoleExpert)
				b.Open("/expert")
				b.Axe()
				screenshot(t, svc, b, "expert")
				sel := "#invitations li[data-proposal='" + id + "'] form.accept button"
				b.Do(chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("#done[data-done='accepted']")))
				if got := b.Text("#done"); !strings.HasPrefix(got, expertWords[l.code].accepted) {
					t.Errorf("after accepting: %q, want %q…", got, expertWords[l.code].accepted)
				}
				if n := count(b, "#invitations li[data-proposal='"+id+"']"); n != 0 {
					t.Error("the accepted invitation is still waiting for an answer")
				}
				p, err := svc.Store.FindProposalByID(t.Context(), id)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range p.Members {
					if m.ExpertID == expert.ExpertID && m.Seated() && m.Status != profiles.MemberAccepted {
						t.Errorf("the expert's seat is %s, want accepted", m.Status)
					}
				}
				b.Axe()

				// The capacity, saved from the profile form.
				b.Do(
					chromedp.SetValue(chromedp.CSS("#capacity"), "7"),
					chromedp.Click(chromedp.CSS("#expert-profile button[type='submit']")),
					chromedp.WaitVisible(chromedp.CSS("#done[data-done='saved']")),
				)
				e, err := svc.Store.FindExpertByID(t.Context(), expert.ExpertID)
				if err != nil {
					t.Fatal(err)
				}
				if e.Capacity == nil || *e.Capacity != 7 {
					t.Errorf("capacity after saving = %v, want 7", e.Capacity)
				}
				// Back to room for the next language's invitation.
				b.Do(chromedp.SetValue(chromedp.CSS("#capacity"), "10"), chromedp.Click(chromedp.CSS("#expert-profile button[type='submit']")),
					chromedp.WaitVisible(chromedp.CSS("#capacity[value='10']")))
			})
		}
	})
}
