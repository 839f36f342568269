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
// panel for challenge with expertID pinned on it, and send it. It returns the
// proposal's ID.
func inviteExpert(t *testing.T, svc *browsertest.Service, challenge, expertID string) string {
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
	status, p := call(http.MethodPost, "/v1/challenges/"+challenge+"/panels", fmt.Sprintf(`{"size": 2, "pinned": [%q]}`, expertID))
	if status != http.StatusCreated {
		t.Fatalf("build a panel with %s pinned: %d %v", expertID, status, p)
	}
	id := p["id"].(string)
	if status, p := call(http.MethodPost, "/v1/proposals/"+id+"/transitions", `{"to": "invited"}`); status != http.StatusOK {
		t.Fatalf("send the panel: %d %v", status, p)
	}
	return id
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
// capacity. axe finds nothing serious on the pages. Each language's expert
// and challenge are its own (the service is shared).
//
// The invitation is accepted on the page here; TestExpertAcceptsByEmailedLink
// accepts by the emailed signed link.
func TestExpertJourney(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				ch, experts := freshPanel(t, svc, l.code)
				expert, err := svc.People.Ensure(t.Context(), profiles.UserInput{Email: experts[0].Contact.Email, Name: experts[0].Name,
					Role: profiles.RoleExpert, ExpertID: experts[0].ID, InvitedBy: "test"})
				if err != nil {
					t.Fatal(err)
				}
				id := inviteExpert(t, svc, ch.ID, expert.ExpertID)
				b := svc.Browser(t, l.code)
				b.SignIn(expert.Email)
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
				if got := memberStatus(t, svc, id, expert.ExpertID); got != profiles.MemberAccepted {
					t.Errorf("the expert's seat is %s, want accepted", got)
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
			})
		}
	})
}
