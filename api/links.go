package api

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
	"matchmaker/notify"
	"matchmaker/profiles"
	"matchmaker/workflow"
)

// The pages the signed links of an email open: answer an invitation without
// signing in, turn the reminders off. A GET only shows a confirmation form (mail
// scanners follow links: a GET must never change anything); the form's POST
// acts. The token in the form is the whole authority, so the form needs no
// other CSRF token: a page that does not hold it cannot forge the POST. Every
// word comes from the catalogue, in the language the link was signed in (else
// the browser's); a used, expired or broken link says so politely and offers
// to sign in.

// pageRoutes are the routes of the link pages: HTML for people, not part of
// the JSON API (nor of its OpenAPI document).
func (s *Server) pageRoutes() []Route {
	return []Route{
		{http.MethodGet, "/links/answer", s.answerPage},
		{http.MethodPost, "/links/answer", s.answerPost},
		{http.MethodGet, "/links/optout", s.optOutPage},
		{http.MethodPost, "/links/optout", s.optOutPost},
	}
}

var linkPage = template.Must(template.New("link").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style>
body{font-family:Arial,Helvetica,sans-serif;background:#f4f4f2;color:#1d1d1b;margin:0;padding:24px}
main{max-width:560px;margin:0 auto;background:#fff;border-radius:6px;padding:28px 32px}
h1{font-size:22px;margin:0 0 16px}
p{line-height:1.5}
textarea{width:100%;min-height:90px;font:inherit;box-sizing:border-box}
button,a.button{display:inline-block;background:#0b5a8a;color:#fff;border:0;border-radius:4px;padding:12px 22px;font:inherit;font-weight:bold;text-decoration:none;cursor:pointer}
.error{color:#a31919}
</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{with .Error}}<p class="error" role="alert">{{.}}</p>
{{end}}{{if .Token}}<form method="post" action="{{.Action}}">
<input type="hidden" name="t" value="{{.Token}}">
{{if .AskReason}}<p><label for="reason">{{.ReasonLabel}}</label></p>
<p><textarea id="reason" name="reason" maxlength="2000" required>{{.Reason}}</textarea></p>
{{end}}<p><button type="submit">{{.Button}}</button></p>
</form>
{{end}}{{if .SignIn}}<p><a class="button" href="/">{{.SignIn}}</a></p>
{{end}}</main>
</body>
</html>
`))

// linkView is what a link page shows.
type linkView struct {
	Lang        locale.Lang
	Title       string
	Paragraphs  []string
	Error       string
	Token       string
	Action      string
	AskReason   bool
	ReasonLabel string
	Reason      string
	Button      string
	SignIn      string
}

func (s *Server) renderLink(c echo.Context, status int, v linkView) error {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	// The token is in the URL: no page it links to may read it.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Robots-Tag", "noindex")
	var b strings.Builder
	if err := linkPage.Execute(&b, v); err != nil {
		return err
	}
	return c.HTML(status, b.String())
}

// linkLang is the language of a link page: the link's, else the browser's.
func linkLang(c echo.Context, l notify.Link) locale.Lang {
	return locale.Negotiate(l.Lang, c.Request().Header.Get("Accept-Language"))
}

// linkError is the polite page of a link that cannot be used.
func (s *Server) linkError(c echo.Context, lang locale.Lang, err error) error {
	cat := locale.MustLoad()
	id, status := "", http.StatusOK
	var conflict *profiles.ConflictError
	switch {
	case errors.Is(err, notify.ErrLinkInvalid):
		id, status = "link.error.invalid", http.StatusBadRequest
	case errors.Is(err, notify.ErrLinkExpired):
		id, status = "link.error.expired", http.StatusGone
	case errors.Is(err, notify.ErrLinkUsed):
		id, status = "link.error.used", http.StatusConflict
	case errors.As(err, &conflict):
		id, status = "link.error.answered", http.StatusConflict
	default:
		return err
	}
	return s.renderLink(c, status, linkView{Lang: lang, Title: cat.Text(lang, "link.title.error", nil),
		Paragraphs: []string{cat.Text(lang, id, nil)}, SignIn: cat.Text(lang, "link.signin", nil)})
}

// answerForm is the confirmation form of an answer link.
func (s *Server) answerForm(c echo.Context, status int, subj workflow.LinkSubject, token, reason, problem string) error {
	cat := locale.MustLoad()
	lang := linkLang(c, subj.Link)
	data := map[string]any{"Mode": cat.Text(lang, "mail.mode."+subj.Kind, nil), "City": subj.City, "Challenge": subj.Challenge}
	p := subj.Link.Purpose
	return s.renderLink(c, status, linkView{Lang: lang, Title: cat.Text(lang, "link.title."+p, nil),
		Paragraphs: []string{cat.Text(lang, "link.confirm."+p, data)}, Error: problem, Token: token, Action: "/links/answer",
		AskReason: p == notify.PurposeDecline, ReasonLabel: cat.Text(lang, "link.reason", nil), Reason: reason,
		Button: cat.Text(lang, "link.button."+p, nil)})
}

func (s *Server) answerPage(c echo.Context) error {
	token := c.QueryParam("t")
	subj, err := s.flows.ReadAnswerLink(c.Request().Context(), token)
	if err != nil {
		return s.linkError(c, linkLang(c, subj.Link), err)
	}
	return s.answerForm(c, http.StatusOK, subj, token, "", "")
}

func (s *Server) answerPost(c echo.Context) error {
	token, reason := c.FormValue("t"), strings.TrimSpace(c.FormValue("reason"))
	_, subj, err := s.flows.AnswerByLink(c.Request().Context(), token, reason)
	lang := linkLang(c, subj.Link)
	var ve *profiles.ValidationError
	if errors.As(err, &ve) {
		cat := locale.MustLoad()
		return s.answerForm(c, http.StatusUnprocessableEntity, subj, token, reason, cat.Text(lang, "link.error.reason", nil))
	}
	if err != nil {
		return s.linkError(c, lang, err)
	}
	cat := locale.MustLoad()
	return s.renderLink(c, http.StatusOK, linkView{Lang: lang, Title: cat.Text(lang, "link.title.done", nil),
		Paragraphs: []string{cat.Text(lang, "link.done."+subj.Link.Purpose, nil)}, SignIn: cat.Text(lang, "link.signin", nil)})
}

func (s *Server) optOutPage(c echo.Context) error {
	token := c.QueryParam("t")
	l, err := s.flows.ReadOptOutLink(c.Request().Context(), token)
	lang := linkLang(c, l)
	if err != nil {
		return s.linkError(c, lang, err)
	}
	cat := locale.MustLoad()
	return s.renderLink(c, http.StatusOK, linkView{Lang: lang, Title: cat.Text(lang, "link.title.optout", nil),
		Paragraphs: []string{cat.Text(lang, "link.confirm.optout", nil)}, Token: token, Action: "/links/optout",
		Button: cat.Text(lang, "link.button.optout", nil)})
}

func (s *Server) optOutPost(c echo.Context) error {
	l, err := s.flows.OptOutByLink(c.Request().Context(), c.FormValue("t"))
	lang := linkLang(c, l)
	if err != nil {
		return s.linkError(c, lang, err)
	}
	cat := locale.MustLoad()
	return s.renderLink(c, http.StatusOK, linkView{Lang: lang, Title: cat.Text(lang, "link.title.done", nil),
		Paragraphs: []string{cat.Text(lang, "link.done.optout", nil)}})
}
