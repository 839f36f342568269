package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"matchmaker/notify"
	"matchmaker/profiles"
	"matchmaker/profiles/profilestest"
)

func TestWebhookRetriesAfterErrorsAndTimeouts(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		clk := newClock()
		o, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: clk.Now,
			Hooks: notify.HookConfig{AllowPrivate: true, Timeout: 300 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		rcv := &hookReceiver{events: map[string]int{}, ids: map[string]int{}, answers: []string{"500", "slow"}}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		wh, err := o.CreateWebhook(ctx, notify.WebhookInput{URL: srv.URL, Events: []string{notify.EventProposalAccepted}}, "key1")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(wh.Secret, "whsec_") {
			t.Fatalf("secret %q", wh.Secret)
		}
		rcv.secret = wh.Secret
		m, err := o.PingWebhook(ctx, wh.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		deliverUntilDone(t, o, clk)
		res, err := o.Messages(ctx, notify.MessageFilter{Webhook: wh.ID})
		if err != nil || res.Total != 1 || res.Items[0].ID != m.ID || res.Items[0].State != notify.StateSent || res.Items[0].Attempts != 3 {
			t.Fatalf("deliveries: %+v %v", res, err)
		}
		logs, err := o.Attempts(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		l := logs[m.ID]
		if len(l) != 3 || l[0].StatusCode != 500 || l[1].StatusCode != 0 || !strings.Contains(l[1].Error, "Timeout") || l[2].StatusCode != 204 || l[2].Error != "" {
			t.Errorf("log: %+v", l)
		}
		rcv.mu.Lock()
		if rcv.events[notify.EventPing] != 1 || len(rcv.bad) != 0 {
			t.Errorf("received %v, bad %v", rcv.events, rcv.bad)
		}
		rcv.mu.Unlock()
		// Another key does not list it; deleting it kills what is pending.
		if list, _ := o.Webhooks(ctx, "key2", profiles.Page{}); list.Total != 0 {
			t.Errorf("another key lists %d webhooks", list.Total)
		}
		if _, err := o.PingWebhook(ctx, wh.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := o.DeleteWebhook(ctx, wh.ID, ""); err != nil {
			t.Fatal(err)
		}
		if dead, _ := o.Messages(ctx, notify.MessageFilter{State: notify.StateDead}); dead.Total != 1 {
			t.Errorf("%d dead deliveries after the delete, want 1", dead.Total)
		}
	})
}

func TestWebhookAddressGuard(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		clk := newClock()
		strict, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: clk.Now, MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"http://127.0.0.1:9/x", "http://[::1]/", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/",
			"http://localhost:8080/", "https://api.localhost/", "ftp://example.org/", "http://user:pw@example.org/", "/relative"} {
			_, err := strict.CreateWebhook(ctx, notify.WebhookInput{URL: u, Events: []string{notify.EventProposalInvited}}, "")
			var ve *profiles.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != "url" {
				t.Errorf("%s: %v", u, err)
			}
		}
		_, err = strict.CreateWebhook(ctx, notify.WebhookInput{URL: "https://example.org/hook", Events: []string{"nope", notify.EventProposalInvited, notify.EventProposalInvited}}, "")
		var ve *profiles.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 2 {
			t.Errorf("bad events: %v", err)
		}

		// A subscription to loopback made where it is allowed is still
		// refused at the address dialled by a replica where it is not: no
		// request reaches the endpoint. Nor does a redirect get followed.
		var hit atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hit.Add(1)
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
		}))
		defer srv.Close()
		lax, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: clk.Now, MaxAttempts: 1, Hooks: notify.HookConfig{AllowPrivate: true}})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := lax.CreateWebhook(ctx, notify.WebhookInput{URL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1), Events: []string{notify.EventProposalInvited}}, "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := lax.PingWebhook(ctx, wh.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := strict.DeliverAll(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := strict.MessageByID(ctx, m.ID)
		if got.State != notify.StateDead || !strings.Contains(got.LastError, "private, loopback or link-local") || hit.Load() != 0 {
			t.Errorf("delivered to loopback: %+v, %d requests", got, hit.Load())
		}
		if _, err := lax.Retry(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := lax.DeliverAll(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = lax.MessageByID(ctx, m.ID)
		if got.State != notify.StateDead || !strings.Contains(got.LastError, "302") || hit.Load() != 1 {
			t.Errorf("a redirect: %+v, %d requests", got, hit.Load())
		}
	})
}

// An integration reaches only the subscriptions it created: another's is not
// found by any operation, and the staff ("") reach every one.
func TestWebhookOwnerReachesOnlyItsOwn(t *testing.T) {
	profilestest.EachDB(t, func(t *testing.T, db profilestest.DB) {
		ctx := context.Background()
		store := profilestest.OpenStore(t, db)
		o, err := notify.New(notify.Config{Store: store, Logger: quiet, Now: newClock().Now,
			Hooks: notify.HookConfig{AllowPrivate: true}})
		if err != nil {
			t.Fatal(err)
		}
		wh, err := o.CreateWebhook(ctx, notify.WebhookInput{URL: "http://127.0.0.1:9/hook", Events: []string{notify.EventProposalAccepted}}, "key1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.WebhookByID(ctx, wh.ID, "key2"); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("another owner reads it: %v", err)
		}
		if _, err := o.PingWebhook(ctx, wh.ID, "key2"); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("another owner pings it: %v", err)
		}
		if _, err := o.DeleteWebhook(ctx, wh.ID, "key2"); !errors.Is(err, profiles.ErrNotFound) {
			t.Errorf("another owner deletes it: %v", err)
		}
		if got, err := o.WebhookByID(ctx, wh.ID, "key1"); err != nil || got.ID != wh.ID {
			t.Errorf("its owner reads %+v, %v", got, err)
		}
		if got, err := o.WebhookByID(ctx, wh.ID, ""); err != nil || got.ID != wh.ID {
			t.Errorf("the staff read %+v, %v", got, err)
		}
		if _, err := o.DeleteWebhook(ctx, wh.ID, "key1"); err != nil {
			t.Errorf("its owner deletes it: %v", err)
		}
	})
}
