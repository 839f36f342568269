package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/api"
	"matchmaker/demo"
	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/notify"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
	"matchmaker/workflow"
)

const dakarWaste = "01m6a6ft4g7d4vqtz9xn5e3qtm" // Dakar, household waste, with a timeframe

// hookReceiver is an integration's endpoint on loopback that checks every
// delivery's signature with its own reading of the Standard Webhooks
// convention.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	events map[string]int
	ids    map[string]int
	bad    []string
	// answers are the statuses of the next requests ("slow" stalls past
	// the client's timeout); then 204.
	answers []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	var answer string
	if len(h.answers) > 0 {
		answer, h.answers = h.answers[0], h.answers[1:]
	}
	secret := h.secret
	h.mu.Unlock()
	switch answer {
	case "slow":
		time.Sleep(700 * time.Millisecond)
		return
	case "500":
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	// base64(HMAC-SHA256(key, id.timestamp.body)), key the base64 after
	// "whsec_", sent as "v1,<sig>" (space-separated when several).
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	ok := false
	for _, s := range strings.Fields(sigs) {
		v, sig, _ := strings.Cut(s, ",")
		if v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
			ok = true
		}
	}
	sec, _ := strconv.ParseInt(ts, 10, 64)
	var p struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil || !ok || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute || json.Unmarshal(body, &p) != nil || id == "" {
		h.bad = append(h.bad, id)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.events[p.Type]++
	h.ids[id]++
	w.WriteHeader(http.StatusNoContent)
}

// world is one serving process with its mail server and a webhook receiver.
type world struct {
	t     *testing.T
	ctx   context.Context
	store *profiles.Store
	clk   *clock
	ms    *mailServer
	out   *notify.Outbox
	flows *workflow.Workflows
	web   *httptest.Server
	hooks *hookReceiver
	seen  int // messages of ms already looked at
}

func newWorld(t *testing.T, db profilestest.DB) *world {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store := profilestest.OpenStore(t, db, profiles.WithLanguageDetector(func(text string) string { return string(matcher.DetectLanguage(text)) }))
	if _, err := demo.Load(ctx, store); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: ctx, store: store, clk: newClock(), ms: startMailServer(t)}
	w.web = httptest.NewUnstartedServer(nil)
	out, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: w.clk.Now, Mailer: smtpMailer(t, w.ms.url("")),
		BaseURL: "http://" + w.web.Listener.Addr().String(), SecretariatAddress: "secretariat@example.org",
		Hooks: notify.HookConfig{AllowPrivate: true, Timeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	w.out = out
	m := workflow.NewMatching(store, matcher.NewAnalyzer(workflow.NewLexicon(store.Taxonomy())), quiet)
	f := workflow.NewFollower(store, m, quiet, workflow.FollowerConfig{})
	if err := f.Build(ctx); err != nil {
		t.Fatal(err)
	}
	go f.Run(ctx)
	if w.flows, err = workflow.New(workflow.Config{Store: store, Logger: quiet, Index: m, Outbox: out, Now: w.clk.Now,
		Jobs: workflow.JobConfig{NoOutbox: true}}); err != nil {
		t.Fatal(err)
	}
	w.web.Config.Handler = api.New(api.Config{Store: store, Logger: quiet, Follower: f, Workflows: w.flows, Background: ctx})
	w.web.Start()
	t.Cleanup(w.web.Close)
	w.hooks = &hookReceiver{events: map[string]int{}, ids: map[string]int{}}
	hs := httptest.NewServer(w.hooks)
	t.Cleanup(hs.Close)
	wh, err := out.CreateWebhook(ctx, notify.WebhookInput{URL: hs.URL + "/hooks", Events: notify.Events}, "")
	if err != nil {
		t.Fatal(err)
	}
	w.hooks.secret = wh.Secret
	return w
}

// deliver sends what is due and returns the emails that arrived since the
// last call.
func (w *world) deliver() []received {
	w.t.Helper()
	deliverUntilDone(w.t, w.out, w.clk)
	all := w.ms.messages()
	got := all[w.seen:]
	w.seen = len(all)
	return got
}

// speak makes every expert of p and its city read lang first.
func (w *world) speak(p profiles.Proposal, lang locale.Lang) {
	w.t.Helper()
	first := func(ls []string) []string {
		return append([]string{string(lang)}, slices.DeleteFunc(slices.Clone(ls), func(s string) bool { return s == string(lang) })...)
	}
	var ids []string
	for _, m := range p.Members {
		ids = append(ids, m.ExpertID)
	}
	for _, a := range p.Alternates {
		ids = append(ids, a.ExpertID)
	}
	for _, id := range ids {
		if _, err := w.store.UpdateExpert(w.ctx, id, profiles.ExpertUpdate{Apply: func(in profiles.ExpertInput) (profiles.ExpertInput, error) {
			in.Languages = first(in.Languages)
			return in, nil
		}}); err != nil {
			w.t.Fatal(err)
		}
	}
	if _, err := w.store.UpdateCity(w.ctx, p.CityID, profiles.CityUpdate{Apply: func(in profiles.CityInput) (profiles.CityInput, error) {
		in.Languages = first(in.Languages)
		return in, nil
	}}); err != nil {
		w.t.Fatal(err)
	}
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+/links/(answer|optout)\?t=[A-Za-z0-9._%\-]+`)

// link finds the link of an email with the label, in its text.
func link(t *testing.T, m received, label string) string {
	t.Helper()
	for _, line := range strings.Split(m.Text, "\n") {
		if strings.HasPrefix(line, label+": ") || strings.HasPrefix(line, label+" : ") {
			if u := linkRE.FindString(line); u != "" {
				return u
			}
		}
	}
	t.Fatalf("no %q link in:\n%s", label, m.Text)
	return ""
}

// follow opens a link as a person does: the GET shows a form, which changes
// nothing; its POST acts.
func (w *world) follow(u string, form url.Values, wantStatus int) string {
	w.t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		w.t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<form method="post"`) {
		w.t.Fatalf("GET %s: %d\n%s", u, resp.StatusCode, page)
	}
	pu, _ := url.Parse(u)
	if form == nil {
		form = url.Values{}
	}
	form.Set("t", pu.Query().Get("t"))
	resp, err = http.PostForm(pu.Scheme+"://"+pu.Host+pu.Path, form)
	if err != nil {
		w.t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != wantStatus {
		w.t.Fatalf("POST %s: %d, want %d\n%s", pu.Path, resp.StatusCode, wantStatus, page)
	}
	return string(page)
}

func byKind(ms []received, subjectHas string) []received {
	var out []received
	for _, m := range ms {
		if strings.Contains(m.Subject, subjectHas) {
			out = append(out, m)
		}
	}
	return out
}

// TestEveryMessageInEachLanguage runs a panel's life in each language and
// checks that every message arrives, in the reader's language, with links
// that work: the accept link accepts, the decline link brings in the
// replacement, who hears of it; and that every documented webhook event
// arrives, signed.
func TestEveryMessageInEachLanguage(t *testing.T) {
	cat := locale.MustLoad()
	for _, lang := range locale.Langs {
		t.Run(string(lang), func(t *testing.T) {
			profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
				w := newWorld(t, db)
				ctx := w.ctx
				tx := func(id string, data map[string]any) string { return cat.Text(lang, id, data) }
				size := 3
				p, err := w.flows.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: &size})
				if err != nil {
					t.Fatal(err)
				}
				w.speak(p, lang)
				p, _ = w.flows.Proposal(ctx, p.ID)
				mode := tx("mail.mode.panel", nil)

				// An expert key does not see the panel before it is sent.
				expert := p.Members[0].ExpertID
				_, secret, err := w.store.CreateKey(ctx, profiles.KeyInput{Name: "expert", Role: profiles.RoleExpert, ExpertID: expert})
				if err != nil {
					t.Fatal(err)
				}
				listed := func() int {
					req, _ := http.NewRequest(http.MethodGet, w.web.URL+"/v1/proposals", nil)
					req.Header.Set("Authorization", "Bearer "+secret)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					var page struct{ Total int }
					if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
						t.Fatal(err)
					}
					req, _ = http.NewRequest(http.MethodGet, w.web.URL+"/v1/proposals/"+p.ID, nil)
					req.Header.Set("Authorization", "Bearer "+secret)
					one, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					one.Body.Close()
					if (one.StatusCode == http.StatusOK) != (page.Total == 1) {
						t.Errorf("list says %d, read says %d", page.Total, one.StatusCode)
					}
					return page.Total
				}
				if n := listed(); n != 0 {
					t.Errorf("an expert key lists %d proposals never sent to them", n)
				}

				// Sent: one invitation per member, in the reader's language,
				// saying why they were chosen.
				p, err = w.flows.MoveProposal(ctx, p.ID, 0, workflow.Transition{To: profiles.ProposalInvited})
				if err != nil {
					t.Fatal(err)
				}
				if n := listed(); n != 1 {
					t.Errorf("an expert key lists %d proposals after sending, want 1", n)
				}
				inv := w.deliver()
				if len(inv) != 3 {
					t.Fatalf("%d invitations, want 3", len(inv))
				}
				invSubject := tx("mail.invitation.subject", map[string]any{"Mode": mode, "City": "Dakar"})
				byAddr := map[string]received{}
				for _, m := range inv {
					if m.Subject != invSubject || m.Lang != string(lang) || !strings.Contains(m.Text, tx("mail.why.title", nil)) ||
						!strings.Contains(m.HTML, `lang="`+string(lang)+`"`) {
						t.Errorf("invitation %q (%s):\n%s", m.Subject, m.Lang, m.Text)
					}
					byAddr[m.To] = m
				}
				addrOf := func(expertID string) string {
					e, err := w.store.FindExpertByID(ctx, expertID)
					if err != nil || e.Contact == nil {
						t.Fatalf("expert %s: %v", expertID, err)
					}
					return e.Contact.Email
				}

				// The first declines by link; the next alternate is invited
				// in their place and hears of it.
				first := p.Members[0].ExpertID
				page := w.follow(link(t, byAddr[addrOf(first)], tx("mail.action.decline", nil)), url.Values{"reason": {""}}, http.StatusUnprocessableEntity)
				if !strings.Contains(page, templateEscape(tx("link.error.reason", nil))) {
					t.Errorf("a decline without reason: %s", page)
				}
				w.follow(link(t, byAddr[addrOf(first)], tx("mail.action.decline", nil)), url.Values{"reason": {"on mission"}}, http.StatusOK)
				p, _ = w.flows.Proposal(ctx, p.ID)
				var newcomer string
				for _, m := range p.Members {
					if m.Status == profiles.MemberInvited && !slices.ContainsFunc(inv, func(r received) bool { return r.To == addrOf(m.ExpertID) }) {
						newcomer = m.ExpertID
					}
				}
				if newcomer == "" {
					t.Fatalf("no replacement: %+v", p.Members)
				}
				repl := w.deliver()
				if len(repl) != 1 || repl[0].To != addrOf(newcomer) || repl[0].Subject != tx("mail.replacement.subject", map[string]any{"Mode": mode, "City": "Dakar"}) {
					t.Fatalf("replacement: %+v", repl)
				}
				byAddr[repl[0].To] = repl[0]
				// The used link says so politely, in the reader's language.
				resp, err := http.Get(link(t, byAddr[addrOf(first)], tx("mail.action.accept", nil)))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), templateEscape(tx("link.error.used", nil))) {
					t.Errorf("a used link: %d %s", resp.StatusCode, body)
				}

				// A week without an answer: a reminder, with a link that
				// turns the reminders off.
				w.clk.Advance(8 * 24 * time.Hour)
				if n, err := w.out.QueueReminders(ctx); err != nil || n != 3 {
					t.Fatalf("reminders: %d %v", n, err)
				}
				rem := w.deliver()
				if len(rem) != 3 {
					t.Fatalf("%d reminders", len(rem))
				}
				if n, _ := w.out.QueueReminders(ctx); n != 0 {
					t.Errorf("%d reminders queued twice", n)
				}
				for _, m := range rem {
					if !strings.Contains(m.Subject, tx("mail.reminder.subject", map[string]any{"Mode": mode, "City": "Dakar"})) {
						t.Errorf("reminder subject %q", m.Subject)
					}
				}
				w.follow(link(t, rem[0], tx("mail.action.optout", nil)), nil, http.StatusOK)

				// The rest accept by link (a reminder's link works as well):
				// the panel is accepted; the city hears with the members'
				// contacts, each member gets the period as a calendar file.
				for _, m := range p.Members {
					if m.Status != profiles.MemberInvited {
						continue
					}
					page := w.follow(link(t, byAddr[addrOf(m.ExpertID)], tx("mail.action.accept", nil)), nil, http.StatusOK)
					if !strings.Contains(page, templateEscape(tx("link.done.accept", nil))) {
						t.Errorf("accepted page: %s", page)
					}
				}
				p, _ = w.flows.Proposal(ctx, p.ID)
				if p.Status != profiles.ProposalAccepted {
					t.Fatalf("the proposal is %s after every accept link", p.Status)
				}
				acc := w.deliver()
				city := byKind(acc, tx("mail.accepted.subject", map[string]any{"Mode": mode, "Challenge": ""})[:8])
				eng := byKind(acc, tx("mail.engagement.subject", map[string]any{"Mode": mode, "City": "Dakar"}))
				if len(city) != 1 || len(eng) != 3 {
					t.Fatalf("accepted: %d to the city, %d to members", len(city), len(eng))
				}
				for _, m := range p.Members {
					if m.Status == profiles.MemberAccepted && !strings.Contains(city[0].Text, addrOf(m.ExpertID)) {
						t.Errorf("the city is not given %s's contact:\n%s", m.ExpertID, city[0].Text)
					}
				}
				for _, m := range eng {
					if !strings.Contains(m.Calendar, "DTSTART;VALUE=DATE:2027") || m.Lang != string(lang) {
						t.Errorf("engagement without its period: %q", m.Calendar)
					}
				}

				// Under way, then completed: everyone is asked for the outcome.
				for _, to := range []string{profiles.ProposalActive, profiles.ProposalCompleted} {
					if _, err := w.flows.MoveProposal(ctx, p.ID, 0, workflow.Transition{To: to}); err != nil {
						t.Fatal(err)
					}
				}
				if done := byKind(w.deliver(), tx("mail.completed.subject", map[string]any{"Mode": mode, "City": "Dakar"})); len(done) != 4 {
					t.Errorf("%d completion emails, want the city and 3 members", len(done))
				}

				// A second panel, sent then cancelled.
				p2, err := w.flows.AssemblePanel(ctx, dakarWaste, workflow.PanelRules{Size: &size, Excluded: exclusions(p)})
				if err != nil {
					t.Fatal(err)
				}
				w.speak(p2, lang)
				if _, err := w.flows.MoveProposal(ctx, p2.ID, 0, workflow.Transition{To: profiles.ProposalInvited}); err != nil {
					t.Fatal(err)
				}
				w.deliver()
				if _, err := w.flows.MoveProposal(ctx, p2.ID, 0, workflow.Transition{To: profiles.ProposalCancelled}); err != nil {
					t.Fatal(err)
				}
				if c := byKind(w.deliver(), tx("mail.cancelled.subject", map[string]any{"Mode": mode, "City": "Dakar"})); len(c) != 4 {
					t.Errorf("%d cancellation emails, want the city and 3 members", len(c))
				}

				// A review round: the secretariat hears that it is ready.
				r, err := w.flows.CreateRound(ctx, workflow.RoundRequest{Name: "Round", Challenges: []workflow.RoundChallenge{{ChallengeID: dakarWaste, PanelRules: workflow.PanelRules{Size: &size}}}})
				if err != nil {
					t.Fatal(err)
				}
				if err := w.flows.RunRound(ctx, r.ID); err != nil {
					t.Fatal(err)
				}
				if rp := w.deliver(); len(rp) != 1 || rp[0].To != "secretariat@example.org" {
					t.Errorf("round published: %+v", rp)
				}

				// Sign-in and confirmation links, in the language asked for.
				if err := w.out.QueueSignIn(ctx, w.store.DB(), "someone@example.org", "Ana", lang, "https://example.org/s", w.clk.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				if err := w.out.QueueConfirmEmail(ctx, w.store.DB(), "someone@example.org", "Ana", lang, "https://example.org/c", w.clk.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				last := w.deliver()
				if len(last) != 2 || len(byKind(last, tx("mail.sign_in.subject", nil))) != 1 || len(byKind(last, tx("mail.confirm_email.subject", nil))) != 1 {
					t.Errorf("sign-in and confirmation: %+v", last)
				}

				// Every documented event arrived, signed; none twice.
				w.hooks.mu.Lock()
				defer w.hooks.mu.Unlock()
				if len(w.hooks.bad) > 0 {
					t.Errorf("deliveries with a bad signature: %v", w.hooks.bad)
				}
				for _, e := range notify.Events {
					if w.hooks.events[e] == 0 && e != notify.EventProposalDeclined {
						t.Errorf("no %s event", e)
					}
				}
				for id, n := range w.hooks.ids {
					if n != 1 {
						t.Errorf("delivery %s arrived %d times", id, n)
					}
				}
			})
		})
	}
}

func exclusions(p profiles.Proposal) []workflow.Exclusion {
	var out []workflow.Exclusion
	for _, m := range p.Members {
		out = append(out, workflow.Exclusion{ExpertID: m.ExpertID, Reason: "on the first panel"})
	}
	return out
}

// templateEscape is s as html/template writes it in a page.
func templateEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", `"`, "&#34;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
