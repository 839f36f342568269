package locale

import (
	"time"

	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Number writes n as a reader of lang does: 12,345.6 in English, 12 345,6 in
// French, 12.345,6 in Spanish.
func Number(lang Lang, n float64, decimals int) string {
	p := message.NewPrinter(lang.Tag())
	return p.Sprint(number.Decimal(n, number.MaxFractionDigits(decimals), number.MinFractionDigits(decimals)))
}

// Integer writes n with lang's digit grouping.
func Integer(lang Lang, n int) string {
	return message.NewPrinter(lang.Tag()).Sprint(number.Decimal(n))
}

// monthIDs are the catalogue's IDs of the months' names, January first.
var monthIDs = [12]string{
	"month.1", "month.2", "month.3", "month.4", "month.5", "month.6",
	"month.7", "month.8", "month.9", "month.10", "month.11", "month.12",
}

// Date writes the day of t as a reader of lang does: "5 December 2026",
// "5 décembre 2026", "5 de diciembre de 2026".
func (c *Catalogue) Date(lang Lang, t time.Time) string {
	return c.Text(lang, "date.long", map[string]any{
		"Day":   t.Day(),
		"Month": c.Text(lang, monthIDs[t.Month()-1], nil),
		"Year":  t.Year(),
	})
}

// DateTime is Date with the time of day, on a 24-hour clock in every language.
func (c *Catalogue) DateTime(lang Lang, t time.Time) string {
	return c.Text(lang, "date.time", map[string]any{"Date": c.Date(lang, t), "Time": t.Format("15:04")})
}
