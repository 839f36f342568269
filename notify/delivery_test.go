package notify_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"matchmaker/locale"
	"matchmaker/notify"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

var quiet = slog.New(slog.DiscardHandler)

// clock is a test clock that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func smtpMailer(t testing.TB, url string) notify.Mailer {
	t.Helper()
	cfg, err := notify.ParseSMTPURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return notify.NewSMTP(cfg)
}

// deliverUntilDone delivers, moving the clock past every backoff and lease,
// until nothing is pending; kills counts the deliveries stopped between
// sending and marking.
func deliverUntilDone(t *testing.T, o *notify.Outbox, clk *clock) (kills int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		_, err := o.DeliverDue(ctx)
		if err != nil {
			if !strings.Contains(err.Error(), "between sending and marking") {
				t.Fatal(err)
			}
			kills++
		}
		res, err := o.Messages(ctx, notify.MessageFilter{State: notify.StatePending})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total == 0 {
			return kills
		}
		clk.Advance(10 * time.Minute)
	}
	t.Fatal("messages still pending after 200 rounds")
	return kills
}

func TestNothingLostOrDuplicatedWhenTheMailServerFails(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		ms := startMailServer(t)
		clk := newClock()
		o, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: clk.Now, Mailer: smtpMailer(t, ms.url("")),
			Batch: 4, Senders: 2, MaxAttempts: 20, Lease: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		const n = 24
		for i := 0; i < n; i++ {
			if err := o.QueueSignIn(ctx, store.DB(), fmt.Sprintf("person%02d@example.org", i), "", locale.Langs[i%3],
				"https://example.org/signin/"+fmt.Sprint(i), clk.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		// The server refuses, drops mid-message and stalls past the
		// client's timeout; the worker is killed once between sending and
		// marking.
		ms.fail("", "refuse", "", "drop", "", "stall", "refuse", "", "drop", "drop")
		var calls int
		var mu sync.Mutex
		notify.SetCrashAfterSend(o, func() bool {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return calls == 3
		})
		if kills := deliverUntilDone(t, o, clk); kills != 1 {
			t.Errorf("%d deliveries killed, want 1", kills)
		}
		all, err := o.Messages(ctx, notify.MessageFilter{Page: profiles.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != n {
			t.Fatalf("%d messages in the outbox, want %d", all.Total, n)
		}
		got := map[string]int{}
		for _, m := range ms.messages() {
			got[m.MessageID]++
		}
		retried := 0
		for _, m := range all.Items {
			if m.State != notify.StateSent {
				t.Errorf("message %s is %s (%s)", m.ID, m.State, m.LastError)
			}
			id := notify.MessageID(m.ID, "matchmaker@localhost")
			switch got[id] {
			case 1:
			case 2:
				retried++ // sent, then the worker died before marking it
			default:
				t.Errorf("message %s arrived %d times", m.ID, got[id])
			}
			delete(got, id)
		}
		if len(got) != 0 {
			t.Errorf("messages that are not in the outbox arrived: %v", got)
		}
		// Only the messages of the killed claim arrive twice, with their
		// stable Message-ID, so that a reader recognises the repeat.
		if retried == 0 || retried > 4 {
			t.Errorf("%d messages arrived twice, want those of the one killed claim (1 to 4)", retried)
		}
		logs, err := o.Attempts(ctx, all.Items[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(logs[all.Items[1].ID]) == 0 {
			t.Error("no delivery log")
		}
	})
}

func TestRefusedRecipientIsDeadThenRetried(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		ms := startMailServer(t)
		clk := newClock()
		o, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: clk.Now, Mailer: smtpMailer(t, ms.url("")), MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.QueueConfirmEmail(ctx, store.DB(), "nobody@example.org", "Ana", locale.Spanish, "https://example.org/confirm", clk.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		ms.fail("reject")
		if _, err := o.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		dead, err := o.Messages(ctx, notify.MessageFilter{State: notify.StateDead})
		if err != nil || dead.Total != 1 || dead.Items[0].Attempts != 1 || !strings.Contains(dead.Items[0].LastError, "550") {
			t.Fatalf("a 550 must kill the message at once: %+v %v", dead, err)
		}
		// Three temporary refusals use up the tries.
		if _, err := o.Retry(ctx, dead.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := o.Retry(ctx, dead.Items[0].ID); err == nil {
			t.Error("a pending message is retried")
		}
		ms.fail("refuse", "refuse", "refuse")
		deliverUntilDone(t, o, clk)
		m, err := o.MessageByID(ctx, dead.Items[0].ID)
		if err != nil || m.State != notify.StateDead || m.Attempts != 3 {
			t.Fatalf("after 3 refusals: %+v %v", m, err)
		}
		if _, err := o.Retry(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		deliverUntilDone(t, o, clk)
		got := ms.messages()
		if len(got) != 1 || got[0].MessageID != notify.MessageID(m.ID, "matchmaker@localhost") || got[0].Lang != "es" ||
			got[0].Subject != "Confirme su dirección de correo electrónico" || !strings.Contains(got[0].Text, "https://example.org/confirm") ||
			!strings.Contains(got[0].Text, "Estimado/a Ana:") {
			t.Fatalf("received %+v", got)
		}
	})
}

func TestWithoutAMailServerEmailsAreLoggedAndKept(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		var logs strings.Builder
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
		o, err := notify.New(notify.Config{Store: store, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.QueueSignIn(ctx, store.DB(), "amina@example.org", "Amina", locale.French, "https://example.org/s/1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := o.DeliverAll(ctx); err != nil {
			t.Fatal(err)
		}
		res, err := o.Messages(ctx, notify.MessageFilter{Recipient: "amina@example.org"})
		if err != nil || res.Total != 1 || res.Items[0].State != notify.StateLogged {
			t.Fatalf("%+v %v", res, err)
		}
		mu.Lock()
		out := logs.String()
		mu.Unlock()
		if !strings.Contains(out, "Votre lien de connexion") || !strings.Contains(out, "https://example.org/s/1") {
			t.Errorf("the log does not hold the email: %s", out)
		}
		// Bad input names every bad field.
		err = o.QueueSignIn(ctx, store.DB(), "not an address", "", "de", "javascript:alert(1)", time.Now())
		var ve *profiles.ValidationError
		if !asValidation(err, &ve) || len(ve.Fields) != 3 {
			t.Errorf("bad sign-in: %v", err)
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want notify.SMTPConfig
		err  string
	}{
		{url: "smtp://u:p%40ss@mail.example.org", want: notify.SMTPConfig{Host: "mail.example.org", Port: 587, Username: "u", Password: "p@ss", TLS: "mandatory", Timeout: 15 * time.Second}},
		{url: "smtps://mail.example.org", want: notify.SMTPConfig{Host: "mail.example.org", Port: 465, TLS: "implicit", Timeout: 15 * time.Second}},
		{url: "smtp://relay:25?starttls=opportunistic&timeout=3s", want: notify.SMTPConfig{Host: "relay", Port: 25, TLS: "opportunistic", Timeout: 3 * time.Second}},
		{url: "http://mail.example.org", err: "smtp://"},
		{url: "smtps://h?starttls=none", err: "starttls does not apply"},
		{url: "smtp://h?starttls=maybe", err: "starttls must be"},
		{url: "smtp://h?tls=1", err: "unknown setting"},
		{url: "smtp://h:99999", err: "bad port"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			got, err := notify.ParseSMTPURL(tc.url)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v %v, want %+v", got, err, tc.want)
			}
		})
	}
	if got := notify.RedactURL("smtp://user:secret@h:587"); strings.Contains(got, "secret") || !strings.Contains(got, "user") {
		t.Errorf("redacted %q", got)
	}
}

func TestICS(t *testing.T) {
	ics := string(notify.ICS(notify.ICSEvent{UID: "x@matchmaker", Stamp: time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC), From: "2027-02-01",
		Until: "2027-12-15", Summary: "Confirmé : le panel, pour Dakar; " + strings.Repeat("é", 60), Organizer: "m@example.org"}))
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "DTSTART;VALUE=DATE:20270201\r\n", "DTEND;VALUE=DATE:20271216\r\n",
		"DTSTAMP:20270102T030405Z\r\n", `Confirmé : le panel\, pour Dakar\; `, "END:VCALENDAR\r\n"} {
		if !strings.Contains(ics, want) {
			t.Errorf("ics lacks %q:\n%s", want, ics)
		}
	}
	for _, line := range strings.Split(ics, "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
	}
	if strings.Contains(strings.ReplaceAll(ics, "\r\n", ""), "\n") {
		t.Error("a bare LF")
	}
}

func asValidation(err error, ve **profiles.ValidationError) bool { return errors.As(err, ve) }
