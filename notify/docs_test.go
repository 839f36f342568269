package notify_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"matchmaker/locale"
	"matchmaker/notify"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

// TestNotificationsDoc holds docs/notifications.md to the templates and the
// catalogue: the section between its markers is every kind of email as it is
// sent in each language, rendered from the demo network. Run with
// MATCHMAKER_UPDATE_DOCS=1 to write it again.
func TestNotificationsDoc(t *testing.T) {
	db := profilestest.SQLiteDB(t, true)
	w := newWorld(t, db)
	ctx := w.ctx
	ids := everyKind(t, w)
	var b strings.Builder
	tokens := regexp.MustCompile(`t=[A-Za-z0-9._%\-]+`)
	host := regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)
	for _, kind := range notify.EmailKinds {
		id, ok := ids[kind]
		if !ok {
			t.Fatalf("no %s message was written", kind)
		}
		fmt.Fprintf(&b, "### %s\n\n", kind)
		for _, lang := range locale.Langs {
			e, err := w.out.Preview(ctx, id, lang)
			if err != nil {
				t.Fatal(err)
			}
			text := host.ReplaceAllString(tokens.ReplaceAllString(e.Text, "t=…"), "https://matchmaker.example.org")
			fmt.Fprintf(&b, "**%s** — Subject: %s\n\n```text\n%s```\n\n", lang, e.Subject, text)
			for _, a := range e.Attachments {
				fmt.Fprintf(&b, "Attached: `%s` (%s)\n\n", a.Name, a.ContentType)
			}
		}
	}
	generated := b.String()
	const begin, end = "<!-- BEGIN GENERATED: go test ./notify -run TestNotificationsDoc -->\n", "<!-- END GENERATED -->\n"
	path := "../docs/notifications.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no generated section", path)
	}
	want := string(doc[:i+len(begin)]) + generated + string(doc[j:])
	if want == string(doc) {
		return
	}
	if os.Getenv("MATCHMAKER_UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is not what the templates send: run MATCHMAKER_UPDATE_DOCS=1 go test ./notify -run TestNotificationsDoc", path)
}

// everyKind writes one message of every kind through the workflows and
// returns the ID of one of each.
func everyKind(t *testing.T, w *world) map[string]string {
	t.Helper()
	ctx := w.ctx
	size := 3
	p, err := w.flows.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: &size})
	must(t, err)
	p, err = w.flows.MoveProposal(ctx, p.ID, 0, workflow.Transition{To: profiles.ProposalInvited})
	must(t, err)
	_, err = w.flows.AnswerProposal(ctx, p.ID, 0, p.Members[0].ExpertID, workflow.Answer{Answer: "decline", Reason: "on mission"})
	must(t, err)
	w.clk.Advance(8 * 24 * time.Hour)
	_, err = w.out.QueueReminders(ctx)
	must(t, err)
	p, _ = w.flows.Proposal(ctx, p.ID)
	for _, m := range p.Members {
		if m.Status == profiles.MemberInvited {
			_, err = w.flows.AnswerProposal(ctx, p.ID, 0, m.ExpertID, workflow.Answer{Answer: "accept"})
			must(t, err)
		}
	}
	for _, to := range []string{profiles.ProposalActive, profiles.ProposalCompleted} {
		_, err = w.flows.MoveProposal(ctx, p.ID, 0, workflow.Transition{To: to})
		must(t, err)
	}
	p2, err := w.flows.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: &size, Excluded: exclusions(p)})
	must(t, err)
	_, err = w.flows.MoveProposal(ctx, p2.ID, 0, workflow.Transition{To: profiles.ProposalInvited})
	must(t, err)
	_, err = w.flows.MoveProposal(ctx, p2.ID, 0, workflow.Transition{To: profiles.ProposalCancelled})
	must(t, err)
	r, err := w.flows.CreateRound(ctx, workflow.RoundRequest{Name: "Peer reviews 2027", Challenges: []workflow.RoundChallenge{{ChallengeID: dakarWaste, PanelRules: workflow.PanelRules{Size: &size}}}})
	must(t, err)
	must(t, w.flows.RunRound(ctx, r.ID))
	must(t, w.out.QueueSignIn(ctx, w.store.DB(), "ana@example.org", "Ana Gómez", locale.English, "https://matchmaker.example.org/signin/…", w.clk.Now().Add(time.Hour)))
	must(t, w.out.QueueConfirmEmail(ctx, w.store.DB(), "ana@example.org", "Ana Gómez", locale.English, "https://matchmaker.example.org/confirm/…", w.clk.Now().Add(48*time.Hour)))
	res, err := w.out.Messages(ctx, notify.MessageFilter{Page: profiles.Page{Limit: 100}})
	must(t, err)
	out := map[string]string{}
	for _, m := range res.Items {
		if m.Channel != notify.ChannelEmail {
			continue
		}
		// The city's copy of a cancellation or completion, a member's of the
		// rest.
		if _, ok := out[m.Kind]; !ok || (m.RecipientKind == notify.RecipientCity && (m.Kind == notify.KindCancelled || m.Kind == notify.KindCompleted)) {
			out[m.Kind] = m.ID
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
