package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// langContextKey holds the reader's language in the echo context.
const langContextKey = "lang"

// negotiateLanguage picks the reader's language from Accept-Language, once per
// request, and says it: Content-Language on every answer of the JSON API and of
// the problem pages, with Vary: Accept-Language so that a cache keeps one
// answer per language.
func negotiateLanguage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		l := locale.Negotiate(c.Request().Header.Get("Accept-Language"))
		c.Set(langContextKey, l)
		if p := c.Request().URL.Path; strings.HasPrefix(p, "/v1/") || p == "/v1" || strings.HasPrefix(p, "/problems/") {
			h := c.Response().Header()
			h.Set("Content-Language", string(l))
			h.Add(echo.HeaderVary, "Accept-Language")
		}
		return next(c)
	}
}

// RequestLang is the reader's language of a request: the one negotiated from
// its Accept-Language (English when it names none of en, fr and es).
func RequestLang(c echo.Context) locale.Lang {
	if l, ok := c.Get(langContextKey).(locale.Lang); ok {
		return l
	}
	return locale.Negotiate(c.Request().Header.Get("Accept-Language"))
}

// catalogueDomain prefixes the IDs of the problems' messages in the catalogue.
const catalogueDomain = locale.ProblemsDomain

// speaker says texts in the reader's language.
type speaker struct {
	cat *locale.Catalogue
	// base is the service's public URL, which makes problem types absolute
	// ("" leaves them relative).
	base string
}

// text says t in lang: its catalogue message when it has a code the catalogue
// holds, its English otherwise.
func (sp speaker) text(lang locale.Lang, t profiles.Text) string {
	if sp.cat == nil {
		return t.English
	}
	return sp.cat.Say(lang, t)
}

// title is the title of a problem of status in lang.
func (sp speaker) title(lang locale.Lang, status int) string {
	typ, ok := problemTypes[status]
	if !ok || sp.cat == nil || !sp.cat.Has(catalogueDomain+"title."+typ) {
		return http.StatusText(status)
	}
	return sp.cat.Text(lang, catalogueDomain+"title."+typ, nil)
}

// localize says p's title, detail and field errors in lang.
func (sp speaker) localize(p *Problem, lang locale.Lang) {
	p.Title = sp.title(lang, p.Status)
	if p.detail.English == p.Detail {
		p.Detail = sp.text(lang, p.detail)
	}
	if len(p.Errors) == 0 {
		return
	}
	// A copy: the field errors may be shared with the error that made them.
	errs := make([]profiles.FieldError, len(p.Errors))
	for i, f := range p.Errors {
		f.Message = sp.text(lang, f.Text())
		errs[i] = f
	}
	p.Errors = errs
}
