package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// errKilled stops a delivery between sending and marking, in tests.
var errKilled = errors.New("delivery stopped between sending and marking")

// DeliverDue claims the messages that are due, sends them and records what
// came of each: sent (or logged, without a mail server), or pending again
// after a backoff, or dead after the last try. It returns how many it
// claimed. A message is claimed for Lease: a worker that dies before marking
// leaves it to the next claim after that, which sends it again with the same
// ID (at least once).
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	owner := o.newID()
	rows, err := o.claim(ctx, owner, o.cfg.Batch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	outs := make([]outcome, len(rows))
	var emails []int
	var hooks []int
	for i, r := range rows {
		outs[i].row = r
		if r.Channel == ChannelWebhook {
			hooks = append(hooks, i)
		} else {
			emails = append(emails, i)
		}
	}
	var wg sync.WaitGroup
	if len(hooks) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.deliverHooks(ctx, outs, hooks)
		}()
	}
	o.deliverEmails(ctx, outs, emails)
	wg.Wait()
	if o.crashAfterSend != nil && o.crashAfterSend() {
		return len(rows), errKilled
	}
	mctx, cancel := withoutCancel(ctx)
	defer cancel()
	if err := o.mark(mctx, owner, outs); err != nil {
		return len(rows), err
	}
	for _, oc := range outs {
		r := oc.row
		switch {
		case oc.err == nil:
		case oc.permanent || r.Attempts >= r.MaxAttempts:
			o.log.Error("message dead", "message", r.ID, "kind", r.Kind, "to", r.RecipientKind+":"+r.RecipientID, "attempts", r.Attempts, "error", oc.err)
		default:
			o.log.Warn("message not delivered: it is tried again", "message", r.ID, "kind", r.Kind, "attempt", r.Attempts, "error", oc.err)
		}
	}
	return len(rows), nil
}

// DeliverAll delivers until nothing is due or ctx ends, and returns how many
// messages it claimed.
func (o *Outbox) DeliverAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := o.DeliverDue(ctx)
		total += n
		if err != nil || n == 0 || ctx.Err() != nil {
			return total, err
		}
	}
}

// deliverEmails renders the emails of outs[idx] and sends them over Senders
// connections at once (or writes them to the log without a mail server).
func (o *Outbox) deliverEmails(ctx context.Context, outs []outcome, idx []int) {
	var ready []int
	var emails []Email
	for _, i := range idx {
		e, err := o.render(ctx, outs[i].row)
		if err != nil {
			outs[i].err = err
			outs[i].permanent = errors.Is(err, ErrNoAddress) || errors.Is(err, profiles.ErrNotFound)
			continue
		}
		outs[i].address = e.To
		ready = append(ready, i)
		emails = append(emails, e)
	}
	if len(ready) == 0 {
		return
	}
	if o.cfg.Mailer == nil {
		for k, i := range ready {
			e := emails[k]
			outs[i].logged = true
			o.log.Info("email (no mail server configured: kept in the outbox)", "message", e.ID, "kind", outs[i].row.Kind,
				"to", e.To, "lang", e.Lang, "subject", e.Subject, "text", e.Text)
		}
		return
	}
	senders := min(o.cfg.Senders, len(emails))
	per := (len(emails) + senders - 1) / senders
	var wg sync.WaitGroup
	for s := 0; s < len(emails); s += per {
		end := min(s+per, len(emails))
		wg.Add(1)
		go func(part []Email, at []int) {
			defer wg.Done()
			start := time.Now()
			errs := o.cfg.Mailer.Send(ctx, part)
			took := time.Since(start) / time.Duration(len(part))
			for k, i := range at {
				outs[i].took = took
				if k < len(errs) && errs[k] != nil {
					outs[i].err = errs[k]
					var pe *PermanentError
					outs[i].permanent = errors.As(errs[k], &pe)
				}
			}
		}(emails[s:end], ready[s:end])
	}
	wg.Wait()
}

// deliverHooks posts the webhook deliveries of outs[idx], Senders at once.
func (o *Outbox) deliverHooks(ctx context.Context, outs []outcome, idx []int) {
	subs := map[string]*webhookRow{}
	sem := make(chan struct{}, o.cfg.Senders)
	var wg sync.WaitGroup
	for _, i := range idx {
		r := outs[i].row
		w, ok := subs[r.RecipientID]
		if !ok {
			row, err := o.webhookRow(ctx, o.store.DB(), r.RecipientID, "")
			if err != nil {
				outs[i].err, outs[i].permanent = err, errors.Is(err, profiles.ErrNotFound)
				continue
			}
			w = &row
			subs[r.RecipientID] = w
		}
		outs[i].address = w.URL
		wg.Add(1)
		sem <- struct{}{}
		go func(i int, w webhookRow) {
			defer func() { <-sem; wg.Done() }()
			start := time.Now()
			code, err := o.hooks.post(ctx, w, outs[i].row)
			outs[i].took, outs[i].statusCode, outs[i].err = time.Since(start), code, err
			if err != nil && errors.Is(err, errForbiddenAddress) {
				outs[i].err = fmt.Errorf("%s (the operator setting allows private addresses)", strings.TrimSpace(err.Error()))
			}
		}(i, *w)
	}
	wg.Wait()
}

// Preview renders the email of the message with id as it would be sent now,
// in lang ("" for the recipient's own), for the docs and the secretariat. It
// changes nothing.
func (o *Outbox) Preview(ctx context.Context, id string, lang locale.Lang) (Email, error) {
	var row messageRow
	if err := o.store.DB().NewSelect().Model(&row).Where("om.id = ?", id).Scan(ctx); err != nil {
		return Email{}, fmt.Errorf("message %s: %w", id, err)
	}
	if row.Channel != ChannelEmail {
		return Email{}, invalid("id", "message %s is a webhook delivery", id)
	}
	if lang != "" {
		row.Lang = string(lang)
	}
	return o.render(ctx, row)
}
