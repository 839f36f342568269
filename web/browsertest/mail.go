package browsertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// MailServer is a real SMTP server in the test process (emersion/go-smtp, as
// notify's own tests use) that the service's outbox sends its emails to. It
// keeps every message, as a mail client reads it.
type MailServer struct {
	addr string
	srv  *smtp.Server

	mu       sync.Mutex
	received []Mail
	// arrived is closed, and replaced, whenever a message arrives: what
	// WaitMail waits on.
	arrived chan struct{}
}

// Mail is one message the mail server received.
type Mail struct {
	To      string
	Subject string
	// Lang is its Content-Language.
	Lang string
	Text string
	HTML string
}

// startMailServer listens on a loopback port until close is called.
func startMailServer() (*MailServer, error) {
	ms := &MailServer{arrived: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{ms: ms}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 4 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ms.addr, ms.srv = ln.Addr().String(), srv
	go func() { _ = srv.Serve(ln) }()
	return ms, nil
}

// URL is the server as MATCHMAKER_SMTP_URL names it.
func (ms *MailServer) URL() string { return "smtp://" + ms.addr + "?starttls=none&timeout=5s" }

func (ms *MailServer) close() { _ = ms.srv.Close() }

// Messages is every message received so far.
func (ms *MailServer) Messages() []Mail {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]Mail(nil), ms.received...)
}

// WaitMail waits (up to two minutes: the outbox's worker runs beside the
// test's browser on a busy machine) for a message to arrive that match
// accepts, and returns it; it fails the test when none does.
func (ms *MailServer) WaitMail(t testing.TB, what string, match func(Mail) bool) Mail {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		ms.mu.Lock()
		arrived := ms.arrived
		for _, m := range ms.received {
			if match(m) {
				ms.mu.Unlock()
				return m
			}
		}
		ms.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			t.Fatalf("no email %s arrived within two minutes (%d received)", what, len(ms.Messages()))
			return Mail{}
		}
	}
}

type mailSession struct {
	ms *MailServer
	to string
}

func (s *mailSession) Reset()                                    { s.to = "" }
func (s *mailSession) Logout() error                             { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.to = to; return nil }

func (s *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parseMail(raw)
	if err != nil {
		return err
	}
	m.To = s.to
	s.ms.mu.Lock()
	s.ms.received = append(s.ms.received, m)
	close(s.ms.arrived)
	s.ms.arrived = make(chan struct{})
	s.ms.mu.Unlock()
	return nil
}

// parseMail reads a message as a mail client would: its headers decoded, its
// text and HTML parts.
func parseMail(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	subj, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	out := Mail{Subject: subj, Lang: msg.Header.Get("Content-Language")}
	err = walkParts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &out)
	return out, err
}

func walkParts(ctype, cte string, body io.Reader, out *Mail) error {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkParts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out); err != nil {
				return err
			}
		}
	}
	var data []byte
	if strings.EqualFold(cte, "base64") {
		data, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, body))
	} else {
		// multipart decodes quoted-printable parts itself.
		data, err = io.ReadAll(body)
	}
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		out.Text = string(data)
	case "text/html":
		out.HTML = string(data)
	}
	return nil
}
