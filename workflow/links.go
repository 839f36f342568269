package workflow

import (
	"context"
	"errors"

	"matchmaker/notify"
	"matchmaker/profiles"
)

// This file is what the signed links of an email do: answer an invitation
// without signing in, turn the reminders off. A link is checked by the outbox
// (signature, expiry, single use); its use is recorded in the transaction of
// the answer, so that two clicks, even at once, answer once.

// LinkSubject is what an answer link is about, for the page that confirms it.
type LinkSubject struct {
	Link notify.Link
	// Kind is the proposal's kind (panel, team, pairing).
	Kind      string
	City      string
	Challenge string
}

// ReadAnswerLink checks an accept or decline link and says what it is about.
// It changes nothing (a GET of the link must not: mail scanners follow
// links). Its errors are notify.ErrLinkInvalid, notify.ErrLinkExpired,
// notify.ErrLinkUsed, and a *profiles.ConflictError when the invitation is no
// longer open; the Link is set whenever the signature holds, so that the
// page speaks the reader's language.
func (w *Workflows) ReadAnswerLink(ctx context.Context, token string) (LinkSubject, error) {
	l, err := w.out.CheckLink(ctx, token, notify.PurposeAccept, notify.PurposeDecline)
	subj := LinkSubject{Link: l}
	if err != nil {
		return subj, err
	}
	p, err := w.store.FindProposalByID(ctx, l.Proposal)
	if errors.Is(err, profiles.ErrNotFound) {
		return subj, conflict("the proposal is gone")
	}
	if err != nil {
		return subj, err
	}
	subj.Kind = p.Kind
	if ch, err := w.store.FindChallengeByID(ctx, p.ChallengeID); err == nil {
		subj.Challenge = ch.Title
	}
	if c, err := w.store.FindCityByID(ctx, p.CityID); err == nil {
		subj.City = c.Name
	}
	if err := stillInvited(p, l.Member); err != nil {
		return subj, err
	}
	return subj, nil
}

// stillInvited says whether member may still answer p.
func stillInvited(p profiles.Proposal, member string) error {
	if p.Status != profiles.ProposalInvited {
		return conflict("the proposal is %s", p.Status)
	}
	for i := len(p.Members) - 1; i >= 0; i-- {
		m := p.Members[i]
		if m.ExpertID == member || m.PartnerCityID == member {
			if m.Status != profiles.MemberInvited {
				return conflict("%s has already answered (%s)", member, m.Status)
			}
			return nil
		}
	}
	return conflict("%s is not invited to this proposal", member)
}

// AnswerByLink records the answer an accept or decline link carries, with
// reason for a decline, as AnswerProposal does for the member the link is
// bound to; the link's use is recorded in the same transaction.
func (w *Workflows) AnswerByLink(ctx context.Context, token, reason string) (profiles.Proposal, LinkSubject, error) {
	subj, err := w.ReadAnswerLink(ctx, token)
	if err != nil {
		return profiles.Proposal{}, subj, err
	}
	l := subj.Link
	a := Answer{Answer: l.Purpose, Reason: reason}
	if l.Purpose == notify.PurposeDecline && !profiles.Visible(reason) {
		return profiles.Proposal{}, subj, invalid("reason", "say why, so that the secretariat learns from it")
	}
	if len([]rune(reason)) > MaxReasonLen {
		return profiles.Proposal{}, subj, invalid("reason", "at most %d characters", MaxReasonLen)
	}
	p, err := w.changeProposal(ctx, l.Proposal, 0, func(p *profiles.Proposal) (change, error) {
		return w.answer(ctx, p, l.Member, a)
	}, func(tx *profiles.Store) error {
		return w.out.UseLink(ctx, tx.IDB(), l)
	})
	if err == nil {
		w.log.Info("invitation answered by link", "proposal", l.Proposal, "member", l.Member, "answer", l.Purpose)
	}
	return p, subj, err
}

// ReadOptOutLink checks a link that turns the reminders off. It changes
// nothing.
func (w *Workflows) ReadOptOutLink(ctx context.Context, token string) (notify.Link, error) {
	return w.out.CheckLink(ctx, token, notify.PurposeOptOut)
}

// OptOutByLink turns the reminders off for the person of the link.
func (w *Workflows) OptOutByLink(ctx context.Context, token string) (notify.Link, error) {
	l, err := w.ReadOptOutLink(ctx, token)
	if err != nil {
		return l, err
	}
	return l, w.out.OptOut(ctx, l)
}
