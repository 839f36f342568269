package notify

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// ICSEvent is an engagement as a calendar event: whole days, From to Until
// inclusive (dates YYYY-MM-DD; Until may be empty for a one-day start).
type ICSEvent struct {
	UID         string
	Stamp       time.Time
	From, Until string
	Summary     string
	Description string
	Organizer   string
}

// ICS writes e as an iCalendar object (RFC 5545): one VEVENT of whole days,
// CRLF line ends, lines folded at 75 octets, text escaped.
func ICS(e ICSEvent) []byte {
	var b bytes.Buffer
	line := func(s string) { b.WriteString(fold(s)); b.WriteString("\r\n") }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//matchmaker//notifications//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("BEGIN:VEVENT")
	line("UID:" + escapeText(e.UID))
	line("DTSTAMP:" + e.Stamp.UTC().Format("20060102T150405Z"))
	if from, err := time.Parse(time.DateOnly, e.From); err == nil {
		line("DTSTART;VALUE=DATE:" + from.Format("20060102"))
		end := from.AddDate(0, 0, 1)
		if until, err := time.Parse(time.DateOnly, e.Until); err == nil && !until.Before(from) {
			end = until.AddDate(0, 0, 1) // DTEND is exclusive
		}
		line("DTEND;VALUE=DATE:" + end.Format("20060102"))
	}
	line("SUMMARY:" + escapeText(e.Summary))
	if e.Description != "" {
		line("DESCRIPTION:" + escapeText(e.Description))
	}
	if e.Organizer != "" {
		line("ORGANIZER:mailto:" + e.Organizer)
	}
	line("TRANSP:TRANSPARENT")
	line("END:VEVENT")
	line("END:VCALENDAR")
	return b.Bytes()
}

// escapeText escapes a TEXT value (RFC 5545, 3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// fold cuts a content line into lines of at most 75 octets, never inside a
// UTF-8 sequence; each continuation starts with a space (RFC 5545, 3.1).
func fold(s string) string {
	if len(s) <= 75 {
		return s
	}
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	return b.String()
}
