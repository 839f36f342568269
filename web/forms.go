package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"matchmaker/profiles"
)

// formErrors are the field errors of a form sent back: field name to the
// store's sentence, said in the page's language when the page is rendered
// ({{$.Say .}}). The page shows each beside its field, tied to it by
// aria-describedby, and a summary at the top. A pointer, so that a field
// without an error is nil in the templates.
type formErrors map[string]*profiles.Text

// errorsOf turns a validation error into form errors; any other error is
// returned as it is, for the error page.
func errorsOf(err error) (formErrors, error) {
	var ve *profiles.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	return fieldErrors(ve.Fields), nil
}

// fieldErrors are the messages of fields, each beside its form field.
func fieldErrors(fields []profiles.FieldError) formErrors {
	fe := formErrors{}
	for _, f := range fields {
		name := f.Field
		// "track_record[0].title", "period.start": the form's field is the
		// first part.
		if i := strings.IndexAny(name, "[."); i > 0 {
			name = name[:i]
		}
		if _, dup := fe[name]; !dup {
			t := f.Text()
			fe[name] = &t
		}
	}
	return fe
}

// list reads a comma- or line-separated form field as a list, trimmed.
func list(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// checked is the values of a group of checkboxes, in the order of choices,
// keeping only known ones.
func checked(c echo.Context, name string, choices []string) []string {
	got := c.Request().Form[name]
	var out []string
	for _, ch := range choices {
		if slices.Contains(got, ch) {
			out = append(out, ch)
		}
	}
	return out
}

// optionalInt reads a whole number field; "" is nil, and a field that is not
// a number is a form error.
func optionalInt(fe formErrors, name, s string) *int64 {
	s = strings.TrimSpace(strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", ",", "", ".", "").Replace(s))
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t := profiles.Sayf("must be a whole number")
		fe[name] = &t
		return nil
	}
	return &n
}

// themeCodes are the taxonomy's codes, the choices of a themes field.
func (s *Server) themeCodes() []string {
	var out []string
	for _, t := range s.store.Taxonomy().Themes() {
		out = append(out, t.Code)
	}
	return out
}

// formPage is the data of an edit form: the values shown, the errors, and
// the choices of its fields.
type formPage[T any] struct {
	// ID is the row edited, "" for a new one.
	ID      string
	CityID  string
	Version int64
	In      T
	Errors  formErrors
	Themes  []profiles.Theme
	Langs   []string
	Modes   []string
	States  []string
}

// Has reports whether v is among values, for checkboxes and selects.
func (f formPage[T]) Has(values []string, v string) bool { return slices.Contains(values, v) }

// renderForm shows a form, with 422 when it holds errors.
func (s *Server) renderForm(c echo.Context, name, titleID string, data any, errs formErrors) error {
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render(c, status, name, titleID, data)
}
