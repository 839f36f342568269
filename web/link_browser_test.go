package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/web/browsertest"
)

// wasteText is what a challenge of fresh data asks, and what its experts
// have done: close enough that the panel is theirs.
const wasteText = "Door-to-door pre-collection of household waste in dense neighbourhoods where trucks cannot enter, " +
	"with sorting at source, neighbourhood associations and composting of organic waste."

// freshPanel makes data of a test's own on a shared service: a new city
// speaking lang with a challenge on waste, and two experts of lang (with
// English) whose track record is that challenge. It waits for the index to
// hold them, and returns the challenge and the experts.
func freshPanel(t *testing.T, svc *browsertest.Service, lang string) (profiles.Challenge, []profiles.Expert) {
	t.Helper()
	ctx := t.Context()
	tag := profilestest.Name("fresh-" + lang)
	city, err := svc.Store.CreateCity(ctx, profiles.CityInput{Name: "Town " + tag, Country: "PT", Region: "europe", Languages: []string{lang},
		Contact: &profiles.Contact{Name: "Officer " + tag, Email: "officer." + tag + "@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := svc.Store.CreateChallenge(ctx, profiles.ChallengeInput{CityID: city.ID, Title: "Household waste sorting in narrow streets " + tag,
		Description: wasteText, Language: "en", Themes: []string{"waste", "circular_economy"}, Modes: []string{"exchange", "peer_review"},
		SkillsNeeded: []string{"source separation", "waste collection logistics"}})
	if err != nil {
		t.Fatal(err)
	}
	langs := []string{lang}
	if lang != "en" {
		langs = append(langs, "en")
	}
	var experts []profiles.Expert
	for i, country := range []string{"NL", "BE"} {
		capacity, active, year := 3, true, 2023
		name := "Expert " + tag + " " + country
		e, err := svc.Store.CreateExpert(ctx, profiles.ExpertInput{Name: name, Role: "public_service_manager", Seniority: "senior",
			Country: country, Languages: langs, Bio: "Led " + strings.ToLower(wasteText[:1]) + wasteText[1:],
			Themes: []string{"waste", "circular_economy"}, Skills: []string{"source separation", "waste collection logistics"},
			TrackRecord: []profiles.TrackRecordItem{{Title: "Household waste sorting in dense neighbourhoods", Summary: wasteText, Year: &year}},
			Modes:       []string{"exchange", "peer_review", "tutoring"}, Capacity: &capacity, Active: &active,
			Contact: &profiles.Contact{Name: name, Email: strings.ToLower(tag) + "." + string(rune('a'+i)) + "@example.org"}})
		if err != nil {
			t.Fatal(err)
		}
		experts = append(experts, e)
	}
	svc.Indexed(t)
	return ch, experts
}

// linkWords are what the invitation and the link pages say in each language.
var linkWords = map[string]struct{ subject, accept, title, button, done, used, accepted string }{
	"en": {"Invitation: ", "Accept", "Accept the invitation", "Yes, I accept", "Thank you", "This link has already been used", "Accepted"},
	"fr": {"Invitation : ", "Accepter", "Accepter l'invitation", "Oui, j'accepte", "Merci", "Ce lien a déjà été utilisé", "A accepté"},
	"es": {"Invitación: ", "Aceptar", "Aceptar la invitación", "Sí, acepto", "Gracias", "Este enlace ya se ha utilizado", "Aceptó"},
}

// answerLine is a line of an email's text that holds an answer link: its
// label, then the link.
var answerLine = regexp.MustCompile(`(?m)^(.+?)\s*:\s*(https?://\S+/links/answer\?\S+)\s*$`)

// TestExpertAcceptsByEmailedLink: in each language, on each database, the
// secretariat builds a review panel on its pages and sends it; the service's
// outbox mails the invitation, in the expert's language, to an SMTP server in
// the test; the expert opens the accept link of the email in a browser where
// nobody is signed in, sees a confirmation form (opening it changed nothing),
// confirms, and the secretariat's page shows them accepted; the same link
// opened again says politely that it was used. axe finds nothing serious on
// the link's pages.
func TestExpertAcceptsByEmailedLink(t *testing.T) {
	browsertest.Each(t, func(t *testing.T, svc *browsertest.Service) {
		for _, l := range langs {
			t.Run(l.code, func(t *testing.T) {
				w := linkWords[l.code]
				ch, experts := freshPanel(t, svc, l.code)
				staff := svc.Browser(t, l.code)
				staff.SignInAs(profiles.RoleSecretariat)
				staff.Open("/staff")
				row := "#challenge-" + ch.ID
				if count(staff, row) != 1 {
					t.Fatalf("the dashboard does not offer to build for the new challenge: %s", staff.Text("main"))
				}
				staff.Do(
					chromedp.SetValue(chromedp.CSS(row+" input[name='size']"), "2"),
					chromedp.Click(chromedp.CSS(row+" form.build.panel button")),
					chromedp.WaitVisible(chromedp.CSS("#members, .problem, [role='alert']")),
				)
				proposal := staff.Location()
				if !strings.HasPrefix(proposal, "/staff/proposals/") {
					t.Fatalf("after building a panel: at %s, want the proposal's page: %s", proposal, staff.Text("main"))
				}
				var expert profiles.Expert
				for _, e := range experts {
					if count(staff, "#members tr[data-expert='"+e.ID+"']") == 1 {
						expert = e
						break
					}
				}
				if expert.ID == "" {
					t.Fatalf("neither expert of the challenge is on its panel: %s", staff.Text("#members"))
				}
				member := "#members tr[data-expert='" + expert.ID + "'] td:nth-child(3)"
				staff.Submit("#send button")

				// The invitation, as the expert's mailbox receives it.
				mail := svc.Mail.WaitMail(t, "inviting "+expert.Contact.Email, func(m browsertest.Mail) bool {
					return strings.EqualFold(m.To, expert.Contact.Email) && strings.Contains(m.Text, "/links/answer?")
				})
				if mail.Lang != l.code {
					t.Errorf("the invitation is in %q, want the expert's language %q", mail.Lang, l.code)
				}
				if !strings.HasPrefix(mail.Subject, w.subject) {
					t.Errorf("the invitation's subject %q does not start with %q", mail.Subject, w.subject)
				}
				links := answerLine.FindAllStringSubmatch(mail.Text, -1)
				if len(links) != 2 || links[0][1] != w.accept {
					t.Fatalf("the invitation's answer links are %q, want %q then the decline link:\n%s", links, w.accept, mail.Text)
				}
				accept := links[0][2]
				if !strings.HasPrefix(accept, svc.URL+"/links/answer?") {
					t.Fatalf("the accept link %s does not lead to the service at %s", accept, svc.URL)
				}

				// The expert, in a browser of their own where nobody is signed in.
				b := svc.Browser(t, l.code)
				b.Do(chromedp.Navigate(accept), chromedp.WaitVisible(chromedp.CSS("form[action='/links/answer'] button")))
				if got := b.Text("h1"); got != w.title {
					t.Errorf("the link's page says %q, want %q", got, w.title)
				}
				if got := browsertest.Get(b, chromedp.AttributeValue(chromedp.CSS("html"), "lang")).Value; got != l.code {
					t.Errorf("the link's page: html lang = %q, want %q", got, l.code)
				}
				b.Axe()
				// Opening the link changed nothing (mail scanners open links).
				if got := memberStatus(t, svc, strings.TrimPrefix(proposal, "/staff/proposals/"), expert.ID); got != profiles.MemberInvited {
					t.Fatalf("after opening the link, the seat is %s, want still invited", got)
				}
				if got := b.Text("form[action='/links/answer'] button"); got != w.button {
					t.Errorf("the confirmation button says %q, want %q", got, w.button)
				}
				b.Submit("form[action='/links/answer'] button")
				if got := b.Text("h1"); got != w.done {
					t.Errorf("after confirming: %q, want %q", got, w.done)
				}
				b.Axe()
				if got := memberStatus(t, svc, strings.TrimPrefix(proposal, "/staff/proposals/"), expert.ID); got != profiles.MemberAccepted {
					t.Errorf("after confirming, the seat is %s, want accepted", got)
				}

				// The secretariat's page shows the answer.
				staff.Open(proposal)
				if got := staff.Text(member); got != w.accepted {
					t.Errorf("the secretariat's page shows the member %q, want %q", got, w.accepted)
				}

				// The same link again: used, said politely, with no form.
				b.Open(strings.TrimPrefix(accept, svc.URL))
				if got := b.Text("main p"); !strings.HasPrefix(got, w.used) {
					t.Errorf("the used link says %q, want %q…", got, w.used)
				}
				if n := count(b, "form[action='/links/answer']"); n != 0 {
					t.Error("a used link still offers to answer")
				}
				b.Axe()
			})
		}
	})
}

// memberStatus is the status of expert's seat on proposal id, as stored.
func memberStatus(t *testing.T, svc *browsertest.Service, id, expert string) string {
	t.Helper()
	p, err := svc.Store.FindProposalByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Members {
		if m.ExpertID == expert && m.Seated() {
			return m.Status
		}
	}
	t.Fatalf("%s holds no seat on %s", expert, id)
	return ""
}
