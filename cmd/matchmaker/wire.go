package main

import (
	"context"
	"fmt"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/notify"
	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/volunteers"
)

// detectLanguage is the matcher's language detection in the shape the store takes:
// profiles does not import the matcher.
func detectLanguage(text string) string {
	return string(matcher.DetectLanguage(text))
}

// outboxSignIn sends the pages' sign-in links as emails through the outbox,
// in the person's language (their choice, else their city's or their expert
// profile's first language). Without a mail server the outbox keeps the
// message and the link is also written to the log, which is then the only
// way to it (the demo's).
type outboxSignIn struct {
	out *notify.Outbox
	log people.LogSender
}

// SendSignIn queues the link's email through tx, the transaction that made
// the link, and logs it when no mail server is set.
func (s outboxSignIn) SendSignIn(ctx context.Context, tx *profiles.Store, m people.SignIn) error {
	lang := langOf(ctx, tx, m.User)
	if err := s.out.QueueSignIn(ctx, tx.IDB(), m.User.Email, m.User.Name, lang, m.Link, m.ExpiresAt); err != nil {
		return fmt.Errorf("queue the sign-in email of %s: %w", m.User.ID, err)
	}
	if !s.out.Mailing() {
		return s.log.SendSignIn(ctx, tx, m)
	}
	return nil
}

// langOf is the language of u's emails, read through store.
func langOf(ctx context.Context, store *profiles.Store, u profiles.User) locale.Lang {
	var profile []string
	switch {
	case u.CityID != "":
		if c, err := store.FindCityByID(ctx, u.CityID); err == nil {
			profile = c.Languages
		}
	case u.ExpertID != "":
		if e, err := store.FindExpertByID(ctx, u.ExpertID); err == nil {
			profile = e.Languages
		}
	}
	candidates := []string{u.Lang}
	for _, l := range profile {
		if _, ok := locale.Parse(l); ok {
			candidates = append(candidates, l)
			break
		}
	}
	return locale.Negotiate(candidates...)
}

// outboxConfirm sends a volunteer's confirmation link as an email of the
// outbox, in the language they applied in, and to the log while no mail
// server is configured.
type outboxConfirm struct {
	out   *notify.Outbox
	store *profiles.Store
	log   volunteers.LogSender
}

// SendApplicationLink queues the link's email, and logs it when no mail
// server is set.
func (s outboxConfirm) SendApplicationLink(ctx context.Context, m volunteers.Confirmation) error {
	a := m.Application
	if err := s.out.QueueConfirmEmail(ctx, s.store.DB(), a.Email, a.Name, locale.Negotiate(a.Lang), m.Link, m.ExpiresAt); err != nil {
		return fmt.Errorf("queue the confirmation email of application %s: %w", a.ID, err)
	}
	if !s.out.Mailing() {
		return s.log.SendApplicationLink(ctx, m)
	}
	return nil
}
