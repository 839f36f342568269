package notify

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"matchmaker/locale"
	"matchmaker/matcher"
	"matchmaker/profiles"
)

//go:embed templates/*
var templateFiles embed.FS

var (
	htmlMail = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/mail.html"))
	textMail = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/mail.txt"))
)

// body is what an email says, in words already in the reader's language: one
// layout (templates/mail.html and mail.txt) shows every kind.
type body struct {
	Lang    string
	Subject string
	// Sep is what follows a label (": ", " : " in French).
	Sep        string
	Greeting   string
	Paragraphs []string
	// Why is the heading and the lines of why the reader was chosen.
	WhyTitle string
	Why      []string
	// Details are label: value lines (the period, contacts).
	Details []detail
	Actions []action
	Notes   []string
	Signoff string
	// Footer says why the reader gets the email.
	Footer []string
	// OptOut is the link that turns reminders off, with its label.
	OptOut *action
}

type detail struct{ Label, Value string }

type action struct {
	Label, URL string
	Primary    bool
}

// ErrNoAddress is a recipient without an email address: the message is dead
// at once, with the reason, for the secretariat to see.
var ErrNoAddress = errors.New("the recipient has no email address")

// facts are what rendering a message reads from the store.
type facts struct {
	proposal  profiles.Proposal
	challenge profiles.Challenge
	city      profiles.City
}

// recipient is who reads a message: a name, an address, a language, and the
// party their opt-out link names.
type recipient struct {
	name, address string
	lang          locale.Lang
	party         string
	langs         []string
}

// resolve finds the recipient of row: their address and language.
func (o *Outbox) resolve(ctx context.Context, r messageRow, f *facts) (recipient, error) {
	var rc recipient
	var cityLangs []string
	if f != nil {
		cityLangs = f.city.Languages
	}
	switch r.RecipientKind {
	case RecipientExpert:
		e, err := o.store.FindExpertByID(ctx, r.RecipientID)
		if err != nil {
			return rc, err
		}
		rc.name, rc.party = e.Name, RecipientExpert+":"+e.ID
		if e.Contact != nil {
			rc.address = e.Contact.Email
			if e.Contact.Name != "" {
				rc.name = e.Contact.Name
			}
		}
		rc.langs = append(append(rc.langs, e.Languages...), cityLangs...)
	case RecipientCity:
		c, err := o.store.FindCityByID(ctx, r.RecipientID)
		if err != nil {
			return rc, err
		}
		rc.name, rc.party = c.Name, RecipientCity+":"+c.ID
		if c.Contact != nil {
			rc.address = c.Contact.Email
			if c.Contact.Name != "" {
				rc.name = c.Contact.Name
			}
		}
		rc.langs = c.Languages
	case RecipientAddress, RecipientSecretariat:
		rc.address = r.RecipientID
	}
	if r.Lang != "" {
		rc.langs = append([]string{r.Lang}, rc.langs...)
	}
	rc.lang = locale.Negotiate(rc.langs...)
	if rc.address == "" {
		return rc, ErrNoAddress
	}
	return rc, nil
}

// loadFacts reads the proposal of row, its challenge and its city.
func (o *Outbox) loadFacts(ctx context.Context, r messageRow) (*facts, error) {
	if r.ProposalID == nil {
		return nil, nil
	}
	var f facts
	var err error
	if f.proposal, err = o.store.FindProposalByID(ctx, *r.ProposalID); err != nil {
		return nil, err
	}
	if f.challenge, err = o.store.FindChallengeByID(ctx, f.proposal.ChallengeID); err != nil {
		return nil, err
	}
	if f.city, err = o.store.FindCityByID(ctx, f.proposal.CityID); err != nil {
		return nil, err
	}
	return &f, nil
}

// render writes the email of row in its recipient's language.
func (o *Outbox) render(ctx context.Context, r messageRow) (Email, error) {
	f, err := o.loadFacts(ctx, r)
	if err != nil {
		return Email{}, err
	}
	rc, err := o.resolve(ctx, r, f)
	if err != nil {
		return Email{}, err
	}
	b, atts, err := o.compose(ctx, r, f, rc)
	if err != nil {
		return Email{}, err
	}
	e := Email{ID: r.ID, From: o.cfg.From, To: rc.address, ToName: rc.name, Lang: string(rc.lang), Subject: b.Subject, Attachments: atts}
	if e.HTML, e.Text, err = writeBody(b); err != nil {
		return Email{}, err
	}
	return e, nil
}

func writeBody(b body) (html, text string, err error) {
	var h, t bytes.Buffer
	if err := htmlMail.Execute(&h, b); err != nil {
		return "", "", fmt.Errorf("render the html: %w", err)
	}
	if err := textMail.Execute(&t, b); err != nil {
		return "", "", fmt.Errorf("render the text: %w", err)
	}
	return h.String(), t.String(), nil
}

// compose says what a message of row's kind says to rc.
func (o *Outbox) compose(ctx context.Context, r messageRow, f *facts, rc recipient) (body, []Attachment, error) {
	l := rc.lang
	t := func(id string, data map[string]any) string { return o.cat.Text(l, id, data) }
	b := body{Lang: string(l), Signoff: t("mail.signoff", nil), Sep: t("mail.label_sep", nil)}
	if rc.name != "" {
		b.Greeting = t("mail.greeting", map[string]any{"Name": rc.name})
	} else {
		b.Greeting = t("mail.greeting_anonymous", nil)
	}
	var data map[string]any
	var atts []Attachment
	if f != nil {
		data = map[string]any{"Mode": t("mail.mode."+f.proposal.Kind, nil), "City": f.city.Name, "Challenge": f.challenge.Title}
	}
	forCity := r.RecipientKind == RecipientCity && f != nil && r.RecipientID != f.proposal.CityID
	switch r.Kind {
	case KindInvitation, KindReminder, KindReplacement:
		if f == nil || r.MemberID == nil {
			return b, nil, errors.New("an invitation without its proposal")
		}
		member := *r.MemberID
		b.Subject = t("mail."+r.Kind+".subject", data)
		if r.Kind == KindReminder {
			data["Date"] = o.cat.Date(l, r.CreatedAt)
		}
		intro := "mail." + r.Kind + ".intro"
		if forCity {
			intro += "_city"
		}
		b.Paragraphs = append(b.Paragraphs, t(intro, data))
		if d := f.challenge.Description; d != "" {
			b.Details = append(b.Details, detail{t("mail.label.challenge", nil), clip(d, 400)})
		}
		if p := o.period(l, f); p != "" {
			b.Details = append(b.Details, detail{t("mail.label.period", nil), p})
		}
		b.WhyTitle, b.Why = t("mail.why.title", nil), o.why(l, f.proposal, member)
		expires := o.now().Add(o.cfg.LinkTTL)
		link := Link{Proposal: f.proposal.ID, Member: member, Party: rc.party, Lang: string(l), Expires: expires, Nonce: answerNonce(f.proposal.ID, member)}
		acc, err := o.linkURL(ctx, "/links/answer", link, PurposeAccept)
		if err != nil {
			return b, nil, err
		}
		dec, err := o.linkURL(ctx, "/links/answer", link, PurposeDecline)
		if err != nil {
			return b, nil, err
		}
		b.Actions = []action{{t("mail.action.accept", nil), acc, true}, {t("mail.action.decline", nil), dec, false}}
		b.Notes = append(b.Notes, t("mail.links.note", map[string]any{"Expires": o.cat.Date(l, expires)}))
		b.Footer = append(b.Footer, t("mail.footer.invited", nil))
		if r.Kind == KindReminder && rc.party != "" {
			out, err := o.linkURL(ctx, "/links/optout", Link{Party: rc.party, Lang: string(l), Expires: o.now().Add(365 * 24 * time.Hour)}, PurposeOptOut)
			if err != nil {
				return b, nil, err
			}
			b.OptOut = &action{Label: t("mail.action.optout", nil), URL: out}
			b.Footer = append(b.Footer, t("mail.footer.optout", nil))
		}
	case KindAccepted:
		b.Subject = t("mail.accepted.subject", data)
		b.Paragraphs = append(b.Paragraphs, t("mail.accepted.intro", data))
		for _, m := range f.proposal.Members {
			if m.Status != profiles.MemberAccepted {
				continue
			}
			name, contact := o.contactOf(ctx, m)
			b.Details = append(b.Details, detail{name, contact})
		}
		if p := o.period(l, f); p != "" {
			b.Notes = append(b.Notes, t("mail.label.period", nil)+b.Sep+p)
		}
		b.Footer = append(b.Footer, t("mail.footer.city", nil))
	case KindEngagement:
		b.Subject = t("mail.engagement.subject", data)
		b.Paragraphs = append(b.Paragraphs, t("mail.engagement.intro", data))
		if c := f.city.Contact; c != nil && !c.IsZero() {
			b.Details = append(b.Details, detail{t("mail.label.city_contact", map[string]any{"City": f.city.Name}), contactLine(*c)})
		}
		if p := o.period(l, f); p != "" {
			b.Details = append(b.Details, detail{t("mail.label.period", nil), p})
			from, until := periodOf(f)
			ics := ICS(ICSEvent{UID: r.ID + "@matchmaker", Stamp: o.now(), From: from, Until: until,
				Summary: b.Subject, Description: f.challenge.Title, Organizer: o.cfg.From})
			atts = append(atts, Attachment{Name: "engagement.ics", ContentType: "text/calendar; charset=utf-8; method=PUBLISH", Data: ics})
			b.Notes = append(b.Notes, t("mail.engagement.ics", nil))
		}
		b.Footer = append(b.Footer, t("mail.footer.invited", nil))
	case KindCancelled:
		b.Subject = t("mail.cancelled.subject", data)
		b.Paragraphs = append(b.Paragraphs, t("mail.cancelled.intro", data))
		b.Footer = append(b.Footer, t("mail.footer.invited", nil))
	case KindCompleted:
		b.Subject = t("mail.completed.subject", data)
		b.Paragraphs = append(b.Paragraphs, t("mail.completed.intro", data), t("mail.completed.ask", nil))
		b.Actions = []action{{t("mail.action.outcome", nil), o.cfg.BaseURL + "/", true}}
		b.Footer = append(b.Footer, t("mail.footer.invited", nil))
	case KindRoundPublished:
		var d roundData
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
			return b, nil, err
		}
		rd := map[string]any{"Name": d.Name, "Panels": d.Panels}
		b.Greeting = t("mail.greeting_secretariat", nil)
		b.Subject = o.cat.Plural(l, "mail.round_published.subject", d.Panels, rd)
		b.Paragraphs = append(b.Paragraphs, o.cat.Plural(l, "mail.round_published.intro", d.Panels, rd))
		b.Actions = []action{{t("mail.action.review", nil), o.cfg.BaseURL + "/", true}}
	case KindSignIn, KindConfirmEmail:
		var d linkData
		if err := json.Unmarshal([]byte(r.Data), &d); err != nil {
			return b, nil, err
		}
		if d.Name != "" {
			b.Greeting = t("mail.greeting", map[string]any{"Name": d.Name})
		}
		ld := map[string]any{"Expires": o.cat.DateTime(l, d.Expires)}
		b.Subject = t("mail."+r.Kind+".subject", nil)
		b.Paragraphs = append(b.Paragraphs, t("mail."+r.Kind+".intro", ld))
		b.Actions = []action{{t("mail.action."+r.Kind, nil), d.Link, true}}
		b.Notes = append(b.Notes, t("mail."+r.Kind+".note", ld))
	default:
		return b, nil, fmt.Errorf("no email of kind %q", r.Kind)
	}
	return b, atts, nil
}

// linkURL is the URL of a signed link for purpose.
func (o *Outbox) linkURL(ctx context.Context, path string, l Link, purpose string) (string, error) {
	l.Purpose = purpose
	tok, err := o.SignLink(ctx, l)
	if err != nil {
		return "", err
	}
	return o.cfg.BaseURL + path + "?t=" + url.QueryEscape(tok), nil
}

// why is why the member was chosen, from the explanation of their seat.
func (o *Outbox) why(l locale.Lang, p profiles.Proposal, member string) []string {
	var raw json.RawMessage
	for _, m := range p.Members {
		if memberID(m) == member {
			raw = m.Explanation
		}
	}
	if len(raw) == 0 {
		return nil
	}
	var ex matcher.Explanation
	if err := json.Unmarshal(raw, &ex); err != nil {
		return nil
	}
	var out []string
	if len(ex.SharedThemes) > 0 {
		labels := make([]string, 0, len(ex.SharedThemes))
		for _, code := range ex.SharedThemes {
			labels = append(labels, o.themeLabel(l, code))
		}
		out = append(out, o.cat.Text(l, "mail.why.themes", map[string]any{"Themes": strings.Join(labels, ", ")}))
	}
	if len(ex.MatchedTerms) > 0 {
		var words []string
		for _, tm := range ex.MatchedTerms {
			w := tm.Term
			if len(tm.DocWords) > 0 {
				w = tm.DocWords[0]
			}
			words = append(words, w)
			if len(words) == 6 {
				break
			}
		}
		out = append(out, o.cat.Text(l, "mail.why.terms", map[string]any{"Terms": strings.Join(words, ", ")}))
	}
	if ex.TrackRecord != nil && ex.TrackRecord.Title != "" {
		out = append(out, o.cat.Text(l, "mail.why.track", map[string]any{"Title": ex.TrackRecord.Title}))
	}
	out = append(out, o.cat.Text(l, "mail.why.score", map[string]any{"Score": locale.Number(l, ex.Score, 2)}))
	return out
}

func (o *Outbox) themeLabel(l locale.Lang, code string) string {
	tx := o.store.Taxonomy()
	if tx == nil {
		return code
	}
	th, ok := tx.Theme(code)
	if !ok {
		return code
	}
	if s := th.Labels[string(l)]; s != "" {
		return s
	}
	if s := th.Labels["en"]; s != "" {
		return s
	}
	return code
}

// contactOf is the name and contact line of an accepted member, for the city.
func (o *Outbox) contactOf(ctx context.Context, m profiles.Member) (string, string) {
	if m.PartnerCityID != "" {
		c, err := o.store.FindCityByID(ctx, m.PartnerCityID)
		if err != nil {
			return m.PartnerCityID, ""
		}
		if c.Contact != nil {
			return c.Name, contactLine(*c.Contact)
		}
		return c.Name, ""
	}
	e, err := o.store.FindExpertByID(ctx, m.ExpertID)
	if err != nil {
		return m.ExpertID, ""
	}
	if e.Contact != nil {
		return e.Name, contactLine(*e.Contact)
	}
	return e.Name, ""
}

func contactLine(c profiles.Contact) string {
	var parts []string
	for _, s := range []string{c.Name, c.Email, c.Phone} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " · ")
}

// periodOf is the engagement's period: a team's, else the challenge's
// timeframe.
func periodOf(f *facts) (from, until string) {
	var rules struct {
		Period *profiles.Timeframe `json:"period"`
	}
	if f.proposal.Kind == "team" && json.Unmarshal(f.proposal.Rules, &rules) == nil && rules.Period != nil && rules.Period.From != "" {
		return rules.Period.From, rules.Period.Until
	}
	if tf := f.challenge.Timeframe; tf != nil {
		return tf.From, tf.Until
	}
	return "", ""
}

// period is the period in the reader's words, or "".
func (o *Outbox) period(l locale.Lang, f *facts) string {
	from, until := periodOf(f)
	day := func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return o.cat.Date(l, t)
	}
	switch {
	case from == "":
		return ""
	case until == "":
		return o.cat.Text(l, "mail.period_open", map[string]any{"From": day(from)})
	}
	return o.cat.Text(l, "mail.period", map[string]any{"From": day(from), "Until": day(until)})
}

func clip(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}
