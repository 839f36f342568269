package web

import (
	"github.com/labstack/echo/v4"

	"matchmaker/matcher"
)

// inWords puts the reasons of items in the reader's language: the matcher
// gives them as data (codes and values), and the matching layer says them,
// the same words the JSON API answers with.
func (s *Server) inWords(c echo.Context, items []matcher.Suggestion) {
	if s.matching == nil {
		return
	}
	s.matching.Reasons().Suggestions(s.langOf(c, userOf(c)), items)
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
