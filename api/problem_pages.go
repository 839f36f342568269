package api

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
)

// Every problem's type is a URI of this service, /problems/<type>, that
// answers with a short page saying what the class of error means and what to
// do about it, in the reader's language. The type is relative unless the
// service knows its public URL (--public-url), which makes it absolute.

// problemTypePath is where the problem type pages are served.
const problemTypePath = "/problems/"

// typeURI is the URI of a problem type: relative, or absolute from base.
func typeURI(base, typ string) string {
	return strings.TrimSuffix(base, "/") + problemTypePath + typ
}

// statusOfType gives the HTTP status of each problem type.
var statusOfType = func() map[string]int {
	m := make(map[string]int, len(problemTypes))
	for status, typ := range problemTypes {
		m[typ] = status
	}
	return m
}()

var problemPage = template.Must(template.New("problem").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · matchmaker</title>
<style>body{font:1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}code{background:#f2f2f2;padding:0 .2em}</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Status}}</p>
<p>{{.Meaning}}</p>
<p>{{.Fields}}</p>
<p><a href="/openapi.json">{{.Reference}}</a></p>
</main>
</body>
</html>
`))

// problemType answers GET /problems/:type with the page of that type.
func (s *Server) problemType(c echo.Context) error {
	typ := c.Param("type")
	status, ok := statusOfType[typ]
	if !ok {
		return newProblem(http.StatusNotFound, say("no problem type is named %s", typ))
	}
	lang := RequestLang(c)
	cat := locale.MustLoad()
	data := struct {
		Lang                                      locale.Lang
		Title, Status, Meaning, Fields, Reference string
	}{
		Lang:      lang,
		Title:     speaker{cat: cat}.title(lang, status),
		Status:    cat.Text(lang, "problems.page.status", map[string]any{"Status": status}),
		Meaning:   cat.Text(lang, "problems.page."+typ, nil),
		Fields:    cat.Text(lang, "problems.page.fields", nil),
		Reference: cat.Text(lang, "problems.page.reference", nil),
	}
	var b bytes.Buffer
	if err := problemPage.Execute(&b, data); err != nil {
		return err
	}
	// The same page for everyone in one language: caches may keep it.
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}
