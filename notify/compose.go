package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// Who hears of what. These are rules of the network: a proposal's city and
// its members hear of the changes that concern them, in the transaction of the
// change (see ProposalChanged); integrations hear of every change by webhook.

// party names a member of a proposal as a recipient: an expert, or a partner
// city.
func party(m profiles.Member) (kind, id string) {
	if m.PartnerCityID != "" {
		return RecipientCity, m.PartnerCityID
	}
	return RecipientExpert, m.ExpertID
}

func memberID(m profiles.Member) string {
	if m.PartnerCityID != "" {
		return m.PartnerCityID
	}
	return m.ExpertID
}

// latestSeat is each member's latest seat, by member ID.
func latestSeat(p profiles.Proposal) map[string]profiles.Member {
	out := map[string]profiles.Member{}
	for _, m := range p.Members {
		out[memberID(m)] = m
	}
	return out
}

// ProposalChanged writes, through tx (the transaction that saves the change),
// the messages and webhook events the move from before to after causes:
//
//   - sent (proposed → invited): an invitation to every invitee;
//   - a decline replaced: an invitation to the newcomer (KindReplacement);
//   - every invitee accepted: the city hears with their contacts, each
//     member gets a confirmation with the engagement's period (.ics);
//   - cancelled: the city (once it was sent) and every invitee who had not
//     declined;
//   - completed: the city and the accepted members, asked for the outcome.
//
// Webhook events go to the subscriptions of each event type (see Events).
func (o *Outbox) ProposalChanged(ctx context.Context, tx bun.IDB, before, after profiles.Proposal) error {
	var items []item
	pid := after.ID
	email := func(kind, rk, rid, member, other string) {
		items = append(items, item{channel: ChannelEmail, kind: kind, recipKind: rk, recipID: rid, proposal: pid, member: member,
			other: other, dedupe: kind + ":" + pid + ":" + rk + ":" + rid})
	}
	prev := latestSeat(before)
	var events []event
	data := proposalEventData(after)
	// Each member whose seat changed.
	for _, m := range after.Members {
		id := memberID(m)
		was, existed := prev[id]
		if existed && was.Status == m.Status {
			continue
		}
		rk, rid := party(m)
		switch m.Status {
		case profiles.MemberInvited:
			if after.Status != profiles.ProposalInvited {
				continue
			}
			if before.Status == profiles.ProposalInvited && !existed {
				// Came in after a decline: the replacement.
				var out string
				for _, x := range after.Members {
					if x.Status == profiles.MemberDeclined && prev[memberID(x)].Status == profiles.MemberInvited {
						out = memberID(x)
					}
				}
				email(KindReplacement, rk, rid, id, out)
				events = append(events, event{Type: EventMemberReplaced, Data: withMember(data, id, out)})
			} else {
				email(KindInvitation, rk, rid, id, "")
			}
		case profiles.MemberAccepted:
			events = append(events, event{Type: EventMemberAccepted, Data: withMember(data, id, "")})
		case profiles.MemberDeclined:
			if existed && was.Status == profiles.MemberInvited {
				events = append(events, event{Type: EventMemberDeclined, Data: withMember(data, id, "")})
			}
		}
	}
	if before.Status != after.Status {
		if t, ok := statusEvents[after.Status]; ok {
			events = append(events, event{Type: t, Data: data})
		}
		switch after.Status {
		case profiles.ProposalAccepted:
			email(KindAccepted, RecipientCity, after.CityID, "", "")
			for _, m := range after.Members {
				if m.Status == profiles.MemberAccepted {
					rk, rid := party(m)
					email(KindEngagement, rk, rid, memberID(m), "")
				}
			}
		case profiles.ProposalCancelled:
			if before.Status != profiles.ProposalProposed || after.Kind == "pairing" {
				email(KindCancelled, RecipientCity, after.CityID, "", "")
			}
			for _, m := range after.Members {
				if m.Status == profiles.MemberInvited || m.Status == profiles.MemberAccepted {
					rk, rid := party(m)
					email(KindCancelled, rk, rid, memberID(m), "")
				}
			}
		case profiles.ProposalCompleted:
			email(KindCompleted, RecipientCity, after.CityID, "", "")
			for _, m := range after.Members {
				if m.Status == profiles.MemberAccepted {
					rk, rid := party(m)
					email(KindCompleted, rk, rid, memberID(m), "")
				}
			}
		}
	}
	if _, err := o.insert(ctx, tx, items); err != nil {
		return err
	}
	return o.queueEvents(ctx, tx, events)
}

// ProposalsCreated writes the webhook events of new proposals (a review
// round's panels, a pairing a city asked for).
func (o *Outbox) ProposalsCreated(ctx context.Context, tx bun.IDB, ps []profiles.Proposal) error {
	events := make([]event, 0, len(ps))
	for _, p := range ps {
		events = append(events, event{Type: EventProposalCreated, Data: proposalEventData(p)})
	}
	return o.queueEvents(ctx, tx, events)
}

// RoundPublished writes, through tx, the messages of a review round that is
// done: the secretariat hears that its panels are ready (when an address is
// configured), and the round.published event.
func (o *Outbox) RoundPublished(ctx context.Context, tx bun.IDB, r profiles.ReviewRound, panels []profiles.Proposal) error {
	if o.cfg.SecretariatAddress != "" {
		items := []item{{channel: ChannelEmail, kind: KindRoundPublished, recipKind: RecipientSecretariat, recipID: o.cfg.SecretariatAddress,
			round: r.ID, data: roundData{Name: r.Name, Panels: len(panels)}, dedupe: KindRoundPublished + ":" + r.ID}}
		if _, err := o.insert(ctx, tx, items); err != nil {
			return err
		}
	}
	ids := make([]string, 0, len(panels))
	for _, p := range panels {
		ids = append(ids, p.ID)
	}
	return o.queueEvents(ctx, tx, []event{{Type: EventRoundPublished, Data: map[string]any{
		"round_id": r.ID, "name": r.Name, "status": r.Status, "proposal_ids": ids, "total": r.Total, "worst": r.Worst, "mean": r.Mean,
	}}})
}

// roundData is what a round_published message keeps.
type roundData struct {
	Name   string `json:"name"`
	Panels int    `json:"panels"`
}

// linkData is what a sign-in or confirmation message keeps: the link the
// caller made, its expiry, the reader's name.
type linkData struct {
	Name    string    `json:"name"`
	Link    string    `json:"link"`
	Expires time.Time `json:"expires"`
}

// QueueSignIn writes, through db (the caller's transaction, or the database),
// a message carrying a sign-in link to the web application: to is the
// address, name how to greet the reader, lang the language to write in, link
// the URL the caller signed and expires when it stops working. It is for the
// sign-in flow of the pages: the link is theirs, the outbox only delivers it.
func (o *Outbox) QueueSignIn(ctx context.Context, db bun.IDB, to, name string, lang locale.Lang, link string, expires time.Time) error {
	return o.queueAddressed(ctx, db, KindSignIn, to, name, lang, link, expires)
}

// QueueConfirmEmail writes, through db, a message asking the reader to
// confirm their email address (a volunteer expert's application): the same
// shape as QueueSignIn.
func (o *Outbox) QueueConfirmEmail(ctx context.Context, db bun.IDB, to, name string, lang locale.Lang, link string, expires time.Time) error {
	return o.queueAddressed(ctx, db, KindConfirmEmail, to, name, lang, link, expires)
}

func (o *Outbox) queueAddressed(ctx context.Context, db bun.IDB, kind, to, name string, lang locale.Lang, link string, expires time.Time) error {
	var fe []profiles.FieldError
	to = strings.TrimSpace(to)
	if !validAddress(to) {
		fe = append(fe, profiles.FieldErrorf("to", "must be an email address"))
	}
	if !strings.HasPrefix(link, "https://") && !strings.HasPrefix(link, "http://") {
		fe = append(fe, profiles.FieldErrorf("link", "must be an http or https URL"))
	}
	if _, ok := locale.Parse(string(lang)); !ok {
		fe = append(fe, profiles.FieldErrorf("lang", "must be en, fr or es"))
	}
	if len(fe) > 0 {
		return &profiles.ValidationError{Fields: fe}
	}
	// A sign-in link is worth nothing once expired: no try after that.
	_, err := o.insert(ctx, db, []item{{channel: ChannelEmail, kind: kind, recipKind: RecipientAddress, recipID: to, lang: string(lang),
		data: linkData{Name: name, Link: link, Expires: expires.UTC()}}})
	return err
}

// QueueReminders writes a reminder to every invitee who has not answered
// ReminderAfter after their invitation and has not turned reminders off; one
// reminder per invitation. It returns how many it wrote.
func (o *Outbox) QueueReminders(ctx context.Context) (int, error) {
	cutoff := o.timestamp().Add(-o.cfg.ReminderAfter)
	var rows []struct {
		ProposalID    string `bun:"proposal_id"`
		MemberID      string `bun:"member_id"`
		RecipientKind string `bun:"recipient_kind"`
		RecipientID   string `bun:"recipient_id"`
	}
	err := o.store.DB().NewRaw(`SELECT m.proposal_id, m.member_id, m.recipient_kind, m.recipient_id
		FROM outbox_messages AS m
		JOIN proposals AS p ON p.id = m.proposal_id
		JOIN proposal_members AS pm ON pm.proposal_id = m.proposal_id AND (pm.expert_id = m.member_id OR pm.partner_city_id = m.member_id)
		WHERE m.channel = ? AND m.kind IN (?) AND m.created_at <= ? AND p.status = ? AND pm.status = ?
		AND NOT EXISTS (SELECT 1 FROM outbox_messages AS r WHERE r.dedupe_key = ? || m.proposal_id || ':' || m.recipient_kind || ':' || m.recipient_id)
		AND NOT EXISTS (SELECT 1 FROM mail_optouts AS x WHERE x.party = m.recipient_kind || ':' || m.recipient_id)
		ORDER BY m.id`,
		ChannelEmail, bun.List([]string{KindInvitation, KindReplacement}), cutoff, profiles.ProposalInvited, profiles.MemberInvited,
		KindReminder+":").Scan(ctx, &rows)
	if err != nil {
		return 0, fmt.Errorf("invitees to remind: %w", err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	items := make([]item, 0, len(rows))
	for _, r := range rows {
		items = append(items, item{channel: ChannelEmail, kind: KindReminder, recipKind: r.RecipientKind, recipID: r.RecipientID,
			proposal: r.ProposalID, member: r.MemberID, dedupe: KindReminder + ":" + r.ProposalID + ":" + r.RecipientKind + ":" + r.RecipientID})
	}
	err = o.store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := o.insert(ctx, tx, items)
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(items), nil
}

// validAddress is a light check of an email address: one @, something on
// each side, no spaces or angle brackets (the mail library checks the rest).
func validAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && len(s) <= 320 && !strings.ContainsAny(s, " \t\r\n<>,;\"")
}
