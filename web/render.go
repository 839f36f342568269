package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// templates are the parsed pages: each page's file parsed with the layout and
// the partials, so that every page defines its own "title" and "main".
type templates struct {
	pages map[string]*template.Template
}

func loadTemplates() (*templates, error) {
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{pages: map[string]*template.Template{}}
	for _, name := range names {
		page := strings.TrimSuffix(path.Base(name), ".html")
		tpl, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", page, err)
		}
		t.pages[page] = tpl
	}
	return t, nil
}

// funcs are the template functions that need no request; the ones that
// speak the reader's language are methods of View.
var funcs = template.FuncMap{
	// pct is a share of 1 as a width in percent, for SVG bars.
	"pct": func(v, max float64) string {
		if max <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", 100*min(max, v)/max)
	},
	"add":  func(a, b int) int { return a + b },
	"mul":  func(a, b int) int { return a * b },
	"join": strings.Join,
	// seq is the numbers from a to b.
	"seq": func(a, b int) []int {
		var out []int
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
		return out
	},
	// pair hands a partial the view and one value: {{template "factor_bar" (pair $ .Explanation)}}.
	"pair": func(v *View, x any) viewAnd { return viewAnd{V: v, X: x} },
	// first is the first n items of a list.
	"first": func(items []string, n int) []string { return items[:min(n, len(items))] },
	// int reads an optional count (a population) as an int.
	"int": func(p *int64) int {
		if p == nil {
			return 0
		}
		return int(*p)
	},
	// scale is v of max as a length out of width, for SVG bars.
	"scale": func(v, max any, width float64) string {
		fv, fm := toFloat(v), toFloat(max)
		if fm <= 0 || fv <= 0 {
			return "0"
		}
		return fmt.Sprintf("%.1f", width*min(fv, fm)/fm)
	},
}

// viewAnd is a view with one more value, for partials that need both.
type viewAnd struct {
	V *View
	X any
}

func toFloat(v any) float64 {
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return 0
}

// View is what every template sees: the reader's language, who is signed
// in, the form token, and the page's own Data. Templates speak through its
// methods: {{.T "web.nav.home"}}, {{$.Date .CreatedAt}}.
type View struct {
	Lang locale.Lang
	// User is the person signed in, or nil.
	User *profiles.User
	// CSRF is the token every form sends back (partial "csrf").
	CSRF string
	// Path is the page's path and query, for the language switcher.
	Path string
	// Title is the page's title, already in Lang.
	Title string
	// Notice is a message to show at the top of the page, already in Lang.
	Notice string
	// Data is the page's own data.
	Data any

	cat *locale.Catalogue
	tax *profiles.Taxonomy
}

// T is message id in the reader's language; kv are its placeholders as
// name, value pairs: {{.T "web.home.count" "Count" 3}}.
func (v *View) T(id string, kv ...any) string {
	return v.cat.Text(v.Lang, id, pairs(kv))
}

// N is message id in its plural form for count.
func (v *View) N(id string, count int, kv ...any) string {
	data := pairs(kv)
	if data == nil {
		data = map[string]any{}
	}
	if _, ok := data["Count"]; !ok {
		data["Count"] = locale.Integer(v.Lang, count)
	}
	return v.cat.Plural(v.Lang, id, count, data)
}

func pairs(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m
}

// Say is a sentence of the network (a field error, a rule's reason) in the
// reader's language, through the catalogue the JSON API's problems use.
func (v *View) Say(s locale.Sentence) string { return v.cat.Say(v.Lang, s) }

// Date is the day of t as the reader writes it.
func (v *View) Date(t time.Time) string { return v.cat.Date(v.Lang, t) }

// DateTime is Date with the time of day.
func (v *View) DateTime(t time.Time) string { return v.cat.DateTime(v.Lang, t) }

// Number is n with decimals, as the reader writes it.
func (v *View) Number(n float64, decimals int) string { return locale.Number(v.Lang, n, decimals) }

// Int is n with the reader's digit grouping.
func (v *View) Int(n int) string { return locale.Integer(v.Lang, n) }

// Theme is the label of theme code in the reader's language, from the
// taxonomy (the code itself for an unknown one).
func (v *View) Theme(code string) string {
	if v.tax != nil {
		if th, ok := v.tax.Theme(code); ok {
			if l := th.Labels[string(v.Lang)]; l != "" {
				return l
			}
			if l := th.Labels["en"]; l != "" {
				return l
			}
		}
	}
	return code
}

// Language is the name of language code in the reader's language.
func (v *View) Language(code string) string {
	id := "lang." + code
	if v.cat.Has(id) {
		return v.T(id)
	}
	return code
}

// Langs are the languages of the switcher.
func (v *View) Langs() []locale.Lang { return locale.Langs }

// Endonym is the name of language l in itself, as the switcher shows it.
func (v *View) Endonym(l locale.Lang) string { return v.cat.Text(l, "web.lang.self", nil) }

// SignedIn reports whether someone is signed in.
func (v *View) SignedIn() bool { return v.User != nil }

// Is reports whether the signed-in person has role.
func (v *View) Is(role string) bool { return v.User != nil && v.User.Role == role }

// Staff reports whether the signed-in person is the secretariat or an admin.
func (v *View) Staff() bool { return v.User.Principal().IsStaff() }

// Principal is who is reading: the rules of profiles.Principal decide what
// a page shows ({{if .Principal.MayEditCity .Data.City.ID}}).
func (v *View) Principal() *profiles.Principal { return v.User.Principal() }

// render writes page name with the layout, its title from message titleID.
func (s *Server) render(c echo.Context, status int, name, titleID string, data any) error {
	v := s.viewOf(c)
	v.Title = v.T(titleID)
	v.Data = data
	return s.execute(c, status, name, "layout.html", v)
}

// renderPart writes block of page name alone, for htmx's partial updates.
func (s *Server) renderPart(c echo.Context, status int, name, block string, data any) error {
	v := s.viewOf(c)
	v.Data = data
	return s.execute(c, status, name, block, v)
}

func (s *Server) execute(c echo.Context, status int, name, block string, v *View) error {
	tpl, ok := s.templates.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := tpl.ExecuteTemplate(&buf, block, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set("Content-Language", string(v.Lang))
	h.Add("Vary", "Accept-Language, Cookie")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// redirect answers a form with 303 See Other, so that reloading the page
// that follows does not send the form again.
func redirect(c echo.Context, to string) error { return c.Redirect(http.StatusSeeOther, to) }
