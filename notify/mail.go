package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Email is one rendered email, ready to send.
type Email struct {
	// ID is the message's stable ID: the Message-ID header is <ID@domain of
	// From>, the same on every retry.
	ID      string
	From    string
	To      string
	ToName  string
	Lang    string
	Subject string
	Text    string
	HTML    string
	// Attachments are files sent with it (an engagement's .ics).
	Attachments []Attachment
}

// Attachment is a file of an email.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mailer sends emails. Send returns one error per email, nil for each one the
// server took.
type Mailer interface {
	Send(ctx context.Context, emails []Email) []error
}

// PermanentError marks an error no retry can cure (a 5xx answer of the mail
// server to a recipient): the message is dead at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// SMTPConfig is a mail server, read from one URL.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is "implicit" (smtps://: TLS from the first byte), "mandatory"
	// (STARTTLS required), "opportunistic" (STARTTLS when offered) or
	// "none".
	TLS string
	// InsecureSkipVerify accepts any certificate (a test server).
	InsecureSkipVerify bool
	Timeout            time.Duration
}

// ParseSMTPURL reads a mail server URL:
//
//	smtp://user:password@host:587            STARTTLS required (the default)
//	smtp://host:25?starttls=opportunistic     STARTTLS when the server offers it
//	smtp://host:1025?starttls=none            no TLS (a local relay, tests)
//	smtps://user:password@host:465           TLS from the first byte
//
// A user name and a password in the URL (percent-encoded) log in with the
// best mechanism the server offers. timeout=10s bounds one exchange;
// skip_verify=true accepts any certificate (tests only).
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, errors.New("the mail server URL cannot be read")
	}
	c := SMTPConfig{Host: u.Hostname(), Timeout: 15 * time.Second}
	switch u.Scheme {
	case "smtp":
		c.TLS, c.Port = "mandatory", 587
	case "smtps":
		c.TLS, c.Port = "implicit", 465
	default:
		return SMTPConfig{}, fmt.Errorf("the mail server URL must start with smtp:// or smtps://, not %q", u.Scheme+"://")
	}
	if c.Host == "" {
		return SMTPConfig{}, errors.New("the mail server URL names no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("the mail server URL has a bad port %q", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "starttls", "timeout", "skip_verify":
		default:
			return SMTPConfig{}, fmt.Errorf("the mail server URL has an unknown setting %q (starttls, timeout, skip_verify)", k)
		}
	}
	if s := q.Get("starttls"); s != "" {
		if c.TLS == "implicit" {
			return SMTPConfig{}, errors.New("smtps:// is TLS from the first byte: starttls does not apply")
		}
		switch s {
		case "mandatory", "opportunistic", "none":
			c.TLS = s
		default:
			return SMTPConfig{}, fmt.Errorf("starttls must be mandatory, opportunistic or none, not %q", s)
		}
	}
	if s := q.Get("timeout"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return SMTPConfig{}, fmt.Errorf("timeout must be a duration such as 10s, not %q", s)
		}
		c.Timeout = d
	}
	if s := q.Get("skip_verify"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return SMTPConfig{}, fmt.Errorf("skip_verify must be true or false, not %q", s)
		}
		c.InsecureSkipVerify = b
	}
	return c, nil
}

// RedactURL is the mail server URL with its password masked, for the log.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unreadable)"
	}
	return u.Redacted()
}

// SMTP sends through a mail server with github.com/wneessen/go-mail.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP returns a mailer for the server of cfg.
func NewSMTP(cfg SMTPConfig) *SMTP { return &SMTP{cfg: cfg} }

func (s *SMTP) client() (*mail.Client, error) {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(s.cfg.Timeout),
		mail.WithTLSConfig(&tls.Config{ServerName: s.cfg.Host, InsecureSkipVerify: s.cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12})}
	switch s.cfg.TLS {
	case "implicit":
		opts = append(opts, mail.WithSSL())
	case "mandatory":
		opts = append(opts, mail.WithTLSPortPolicy(mail.TLSMandatory))
	case "opportunistic":
		opts = append(opts, mail.WithTLSPortPolicy(mail.TLSOpportunistic))
	default:
		opts = append(opts, mail.WithTLSPortPolicy(mail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	return mail.NewClient(s.cfg.Host, opts...)
}

// Send sends the emails over one connection, one after the other; a broken
// connection is opened again for the next email.
func (s *SMTP) Send(ctx context.Context, emails []Email) []error {
	errs := make([]error, len(emails))
	var c *mail.Client
	defer func() {
		if c != nil {
			_ = c.Close()
		}
	}()
	for i, e := range emails {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		msg, err := buildMsg(e)
		if err != nil {
			errs[i] = &PermanentError{Err: err}
			continue
		}
		if c == nil {
			if c, err = s.client(); err != nil {
				errs[i] = err
				c = nil
				continue
			}
			dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
			err = c.DialWithContext(dctx)
			cancel()
			if err != nil {
				errs[i] = fmt.Errorf("connect to the mail server: %w", err)
				c = nil
				continue
			}
		}
		if err := c.Send(msg); err != nil {
			errs[i] = classify(err)
			_ = c.Close()
			c = nil
		}
	}
	return errs
}

// classify marks the answers no retry cures as permanent.
func classify(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return &PermanentError{Err: err}
	}
	return err
}

// domainOf is the domain of an address, for the Message-ID.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return strings.Trim(addr[i+1:], "> ")
	}
	return "matchmaker.invalid"
}

// MessageID is the Message-ID header value (without brackets) of the message
// with id sent from from.
func MessageID(id, from string) string { return id + "@" + domainOf(from) }

// buildMsg makes the go-mail message of e.
func buildMsg(e Email) (*mail.Msg, error) {
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", e.From, err)
	}
	if e.ToName != "" {
		if err := m.AddToFormat(e.ToName, e.To); err != nil {
			return nil, fmt.Errorf("recipient %q: %w", e.To, err)
		}
	} else if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", e.To, err)
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(MessageID(e.ID, e.From))
	m.SetDate()
	if e.Lang != "" {
		m.SetGenHeader(mail.HeaderContentLang, e.Lang)
	}
	m.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	for _, a := range e.Attachments {
		ct := mail.ContentType(a.ContentType)
		m.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(ct))
	}
	return m, nil
}

// WriteEmail writes e as the bytes that go over the wire, for the docs and
// the log.
func WriteEmail(e Email) ([]byte, error) {
	m, err := buildMsg(e)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	_, err = m.WriteTo(&b)
	return b.Bytes(), err
}
