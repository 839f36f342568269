package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"matchmaker/locale"
)

// The purposes of a signed link.
const (
	PurposeAccept  = "accept"
	PurposeDecline = "decline"
	PurposeOptOut  = "optout"
)

// The errors of a signed link, each said politely by the page that reads it.
var (
	// ErrLinkInvalid is a link whose signature does not hold: altered,
	// truncated, or signed with another key.
	ErrLinkInvalid = errors.New("the link is not valid")
	// ErrLinkExpired is a link past its expiry.
	ErrLinkExpired = errors.New("the link has expired")
	// ErrLinkUsed is an answer link used already (it or its twin: the
	// accept and the decline link of one invitation are one use).
	ErrLinkUsed = errors.New("the link has been used already")
)

// Link is what a signed link says: who may do what to which proposal, until
// when.
type Link struct {
	Purpose  string `json:"p"`
	Proposal string `json:"pr,omitempty"`
	Member   string `json:"m,omitempty"`
	// Party is the person it was sent to ("expert:<id>", "city:<id>").
	Party   string    `json:"r,omitempty"`
	Lang    string    `json:"l,omitempty"`
	Expires time.Time `json:"e"`
	// Nonce makes the link single-use; the accept and decline links of one
	// member of one proposal share it.
	Nonce string `json:"n,omitempty"`
}

// Language is the language the link's page speaks.
func (l Link) Language() locale.Lang {
	lang, _ := locale.Parse(l.Lang)
	return lang
}

// secretRow is a row of service_secrets.
type secretRow struct {
	bun.BaseModel `bun:"table:service_secrets"`
	Name          string    `bun:"name,pk"`
	Value         string    `bun:"value"`
	CreatedAt     time.Time `bun:"created_at"`
}

const linkSecretName = "link_signing_key"

// key returns the signing key: the configured one, or the one kept in the
// database, made by the first replica that needed it.
func (o *Outbox) key(ctx context.Context) ([]byte, error) {
	o.secretM.Lock()
	defer o.secretM.Unlock()
	if o.secret != nil {
		return o.secret, nil
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	db := o.store.DB()
	row := secretRow{Name: linkSecretName, Value: base64.RawStdEncoding.EncodeToString(raw), CreatedAt: o.timestamp()}
	if _, err := db.NewInsert().Model(&row).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("keep the link key: %w", err)
	}
	var stored secretRow
	if err := db.NewSelect().Model(&stored).Where("name = ?", linkSecretName).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read the link key: %w", err)
	}
	k, err := base64.RawStdEncoding.DecodeString(stored.Value)
	if err != nil {
		return nil, fmt.Errorf("read the link key: %w", err)
	}
	o.secret = k
	return k, nil
}

func sign(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("matchmaker-link-v1\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SignLink returns the token of l (its expiry set from LinkTTL when zero).
func (o *Outbox) SignLink(ctx context.Context, l Link) (string, error) {
	k, err := o.key(ctx)
	if err != nil {
		return "", err
	}
	if l.Expires.IsZero() {
		l.Expires = o.now().Add(o.cfg.LinkTTL)
	}
	l.Expires = l.Expires.UTC().Truncate(time.Second)
	b, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + sign(k, payload), nil
}

// ReadLink checks the token's signature and reads it, expired or not: the
// page of an expired link still speaks the reader's language. It changes
// nothing.
func (o *Outbox) ReadLink(ctx context.Context, token string) (Link, error) {
	payload, sig, ok := strings.Cut(strings.TrimSpace(token), ".")
	if !ok || payload == "" || sig == "" || len(token) > 2000 {
		return Link{}, ErrLinkInvalid
	}
	k, err := o.key(ctx)
	if err != nil {
		return Link{}, err
	}
	if !hmac.Equal([]byte(sig), []byte(sign(k, payload))) {
		return Link{}, ErrLinkInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return Link{}, ErrLinkInvalid
	}
	var l Link
	if err := json.Unmarshal(b, &l); err != nil {
		return Link{}, ErrLinkInvalid
	}
	return l, nil
}

// CheckLink reads the token for purpose and says whether it may still be
// used: ErrLinkInvalid, ErrLinkExpired or ErrLinkUsed when not. It changes
// nothing.
func (o *Outbox) CheckLink(ctx context.Context, token string, purposes ...string) (Link, error) {
	l, err := o.ReadLink(ctx, token)
	if err != nil {
		return l, err
	}
	if len(purposes) > 0 && !contains(purposes, l.Purpose) {
		return l, ErrLinkInvalid
	}
	if !o.now().Before(l.Expires) {
		return l, ErrLinkExpired
	}
	if l.Nonce != "" {
		n, err := o.store.DB().NewSelect().Table("link_uses").Where("nonce = ?", l.Nonce).Count(ctx)
		if err != nil {
			return l, fmt.Errorf("read link use: %w", err)
		}
		if n > 0 {
			return l, ErrLinkUsed
		}
	}
	return l, nil
}

// UseLink records the use of l through db, the transaction of what the link
// does: a second use, even concurrent, is ErrLinkUsed and rolls it back.
func (o *Outbox) UseLink(ctx context.Context, db bun.IDB, l Link) error {
	if l.Nonce == "" {
		return nil
	}
	res, err := db.NewRaw(`INSERT INTO link_uses (nonce, purpose, proposal_id, member_id, used_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (nonce) DO NOTHING`, l.Nonce, l.Purpose, l.Proposal, l.Member, o.timestamp()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("record link use: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLinkUsed
	}
	return nil
}

// answerNonce is the one use the answer links of a member of a proposal share.
func answerNonce(proposal, member string) string { return "answer:" + proposal + ":" + member }

// OptOut turns the reminders off for the party of l (an opt-out link).
func (o *Outbox) OptOut(ctx context.Context, l Link) error {
	if l.Purpose != PurposeOptOut || l.Party == "" {
		return ErrLinkInvalid
	}
	_, err := o.store.DB().NewRaw(`INSERT INTO mail_optouts (party, created_at) VALUES (?, ?) ON CONFLICT (party) DO NOTHING`,
		l.Party, o.timestamp()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("turn reminders off: %w", err)
	}
	o.log.Info("reminders turned off", "party", l.Party)
	return nil
}

// OptedOut reports whether party turned the reminders off.
func (o *Outbox) OptedOut(ctx context.Context, party string) (bool, error) {
	n, err := o.store.DB().NewSelect().Table("mail_optouts").Where("party = ?", party).Count(ctx)
	return n > 0, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
