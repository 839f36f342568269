package notify_test

import (
	"bytes"
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

// mailServer is a real SMTP server in the test process (emersion/go-smtp) that
// keeps what it receives and fails on demand: it refuses, times out or drops
// the connection in the middle of a message.
type mailServer struct {
	addr string

	mu       sync.Mutex
	received []received
	// faults are consumed one per message, in order: "" accepts, "refuse"
	// answers 451 to MAIL, "reject" answers 550 to RCPT, "drop" closes the
	// connection halfway through DATA, "stall" holds DATA past the client's
	// timeout and then refuses.
	faults []string
}

// received is one message as it arrived.
type received struct {
	MessageID string
	To        string
	Subject   string
	Lang      string
	Text      string
	HTML      string
	Calendar  string
	Raw       []byte
}

func startMailServer(t testing.TB) *mailServer {
	t.Helper()
	ms := &mailServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &mailSession{ms: ms, conn: c}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 4 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ms
}

// url is the MATCHMAKER_SMTP_URL of the server.
func (ms *mailServer) url(extra string) string {
	return "smtp://" + ms.addr + "?starttls=none&timeout=1s" + extra
}

func (ms *mailServer) fail(faults ...string) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.faults = append(ms.faults, faults...)
}

func (ms *mailServer) nextFault() string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if len(ms.faults) == 0 {
		return ""
	}
	f := ms.faults[0]
	ms.faults = ms.faults[1:]
	return f
}

func (ms *mailServer) messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.received...)
}

type mailSession struct {
	ms    *mailServer
	conn  *smtp.Conn
	fault string
	to    string
}

func (s *mailSession) Reset()        { s.to = "" }
func (s *mailSession) Logout() error { return nil }

func (s *mailSession) Mail(string, *smtp.MailOptions) error {
	s.fault = s.ms.nextFault()
	if s.fault == "refuse" {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.fault == "reject" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = to
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	switch s.fault {
	case "drop":
		buf := make([]byte, 512)
		_, _ = io.ReadFull(r, buf)
		_ = s.conn.Conn().Close()
		_, _ = io.Copy(io.Discard, r)
		return errors.New("dropped")
	case "stall":
		_, _ = io.Copy(io.Discard, r)
		time.Sleep(1500 * time.Millisecond)
		return &smtp.SMTPError{Code: 451, Message: "too slow"}
	}
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
	s.ms.mu.Unlock()
	return nil
}

// parseMail reads a message as a mail client would: its headers decoded, its
// text, HTML and calendar parts.
func parseMail(raw []byte) (received, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return received{}, err
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	out := received{MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>"), Subject: subj, Lang: msg.Header.Get("Content-Language"), Raw: raw}
	err = walkParts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &out)
	return out, err
}

func walkParts(ctype, cte string, body io.Reader, out *received) error {
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
	case "text/calendar":
		out.Calendar = string(data)
	}
	return nil
}
