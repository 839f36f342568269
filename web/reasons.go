package web

import (
	"regexp"

	"matchmaker/matcher"
)

// The matcher says why a pair is excluded in English sentences of a few
// known shapes; the pages say them in the reader's language, with the
// sentence's own values. A sentence of an unknown shape is shown as it came,
// marked as English.

// reason is one exclusion reason as a page shows it: a message of the
// catalogue and its placeholders, or the English text when no message fits.
type reason struct {
	ID      string
	Data    []any
	English string
}

var reasonShapes = []struct {
	re *regexp.Regexp
	id string
	// names are the placeholders the submatches fill, in order; a name
	// starting with "status:" or "mode:" is translated as a status or a mode.
	names []string
}{
	{regexp.MustCompile(`^same city: the \w+ is from the challenge's own city (.+)$`), "web.reason.same_city", []string{"City"}},
	{regexp.MustCompile(`^expert is paused$`), "web.reason.paused", nil},
	{regexp.MustCompile(`^challenge is (\w+)$`), "web.reason.challenge_status", []string{"status:Status"}},
	{regexp.MustCompile(`^(?:practice|expert|city|challenge) is (\w+)$`), "web.reason.status", []string{"status:Status"}},
	{regexp.MustCompile(`^expert takes no engagement \(capacity 0\)$`), "web.reason.no_capacity", nil},
	{regexp.MustCompile(`^no capacity left: (\d+) of (\d+) engagements under way$`), "web.reason.full", []string{"Load", "Capacity"}},
	{regexp.MustCompile(`^same country: the expert is from the challenge's own country (.+)$`), "web.reason.same_country", []string{"Country"}},
	{regexp.MustCompile(`^expert does not volunteer for (\w+) \(volunteers for .+\)$`), "web.reason.mode", []string{"mode:Mode"}},
	{regexp.MustCompile(`^no shared working language: challenge city works in (.+); expert speaks (.+)$`), "web.reason.no_language", []string{"City", "Expert"}},
	{regexp.MustCompile(`^expert not available: (.+)$`), "web.reason.unavailable", []string{"Detail"}},
	{regexp.MustCompile(`^no practice of the city may be suggested; its best one: .+$`), "web.reason.no_practice_suggestible", nil},
}

// Reason says an exclusion reason in the reader's language.
func (v *View) Reason(text string) reason {
	for _, sh := range reasonShapes {
		m := sh.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		r := reason{ID: sh.id}
		for i, name := range sh.names {
			val := m[i+1]
			switch {
			case len(name) > 7 && name[:7] == "status:":
				name, val = name[7:], v.T("web.status."+val)
			case len(name) > 5 && name[:5] == "mode:":
				name, val = name[5:], v.T("web.mode."+val)
			}
			r.Data = append(r.Data, name, val)
		}
		return r
	}
	return reason{English: text}
}

// Say is the reason's sentence.
func (v *View) Say(r reason) string {
	if r.ID == "" {
		return r.English
	}
	return v.T(r.ID, r.Data...)
}

// segment is one factor's part of a score's bar.
type segment struct {
	Factor       matcher.Factor
	X, Width     float64
	Contribution float64
	Weight       float64
	Value        float64
	Detail       string
	// N is the segment's colour, 0 to 5 in turn.
	N int
}

// barWidth is the width of a score's bar for a score of 1.
const barWidth = 400.0

// Segments are the parts of a score's bar, one per factor that adds to it,
// in the order of the explanation.
func (v *View) Segments(e matcher.Explanation) []segment {
	var out []segment
	x := 0.0
	for i, c := range e.Contributions {
		s := segment{Factor: c.Factor, Contribution: c.Contribution, Weight: c.Weight, Value: c.Value, Detail: c.Detail, N: i % 6}
		if c.Contribution > 0 {
			s.X, s.Width = x, min(barWidth-x, c.Contribution*barWidth)
			x += s.Width
		}
		out = append(out, s)
	}
	return out
}

// Factor is the name of a score's factor in the reader's language.
func (v *View) Factor(f matcher.Factor) string { return v.T("web.factor." + string(f)) }
