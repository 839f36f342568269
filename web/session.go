package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// Names of the pages' cookies and context keys.
const (
	sessionCookie  = "mm_session"
	langCookie     = "mm_lang"
	csrfField      = "_csrf"
	csrfContextKey = "csrf"
	userKey        = "web_user"
	secretKey      = "web_session_secret"
	viewKey        = "web_view"
)

// session finds the person signed in from the session cookie. An unknown or
// expired session's cookie is removed.
func (s *Server) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(sessionCookie)
		if err == nil && ck.Value != "" && s.people != nil {
			u, _, err := s.people.Session(c.Request().Context(), ck.Value)
			switch {
			case err == nil:
				c.Set(userKey, &u)
				c.Set(secretKey, ck.Value)
			case errors.Is(err, profiles.ErrNotFound):
				s.clearCookie(c, sessionCookie)
			default:
				return err
			}
		}
		return next(c)
	}
}

// userOf returns the person signed in, or nil.
func userOf(c echo.Context) *profiles.User {
	u, _ := c.Get(userKey).(*profiles.User)
	return u
}

// principalOf is who makes the request, for the rules of profiles.Principal.
func principalOf(c echo.Context) *profiles.Principal { return userOf(c).Principal() }

// require lets only who auth names open a page: "user" anyone signed in,
// profiles.RoleAdmin the admin alone, another role that role (and the
// staff). Someone not signed in is sent to sign in and brought back; someone
// signed in with another role is refused.
func (s *Server) require(auth string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := userOf(c)
		if u == nil {
			if c.Request().Method != http.MethodGet {
				return echo.NewHTTPError(http.StatusUnauthorized)
			}
			return redirect(c, "/sign-in?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		if auth == profiles.RoleAdmin {
			// The staff pass every other role's check; not this one.
			if u.Principal().IsAdmin() {
				return next(c)
			}
			return errForbidden
		}
		if auth == "user" || u.Role == auth || u.Principal().IsStaff() {
			return next(c)
		}
		return errForbidden
	}
}

// viewOf is the request's view: its language, who is signed in, its form
// token; built once per request.
func (s *Server) viewOf(c echo.Context) *View {
	if v, ok := c.Get(viewKey).(*View); ok {
		return v
	}
	u := userOf(c)
	token, _ := c.Get(csrfContextKey).(string)
	v := &View{Lang: s.langOf(c, u), User: u, CSRF: token, Path: c.Request().URL.RequestURI(), cat: s.cat}
	if s.store != nil {
		v.tax = s.store.Taxonomy()
	}
	c.Set(viewKey, v)
	return v
}

// langOf picks the reader's language: their choice (the switcher's cookie,
// then their profile), then the browser's Accept-Language, then the language
// of the city a city officer speaks for.
func (s *Server) langOf(c echo.Context, u *profiles.User) locale.Lang {
	choice := ""
	if ck, err := c.Cookie(langCookie); err == nil {
		choice = ck.Value
	}
	profile, city := "", ""
	if u != nil {
		profile = u.Lang
		if u.CityID != "" && s.store != nil && choice == "" && profile == "" {
			if ct, err := s.store.FindCityByID(c.Request().Context(), u.CityID); err == nil && len(ct.Languages) > 0 {
				city = ct.Languages[0]
			}
		}
	}
	if _, ok := locale.Parse(choice); !ok {
		choice = ""
	}
	accept := c.Request().Header.Get("Accept-Language")
	if city != "" && !speaksAny(accept) {
		accept = ""
	}
	return locale.Negotiate(choice, profile, accept, city)
}

// speaksAny reports whether an Accept-Language header names a language of the
// catalogue; one that names none leaves the choice to the city's language.
func speaksAny(header string) bool {
	for _, part := range strings.Split(header, ",") {
		tag, _, _ := strings.Cut(part, ";")
		if _, ok := locale.Parse(tag); ok {
			return true
		}
	}
	return false
}

// setCookie sets a cookie of the pages: HttpOnly, SameSite=Lax, Secure when
// configured, for the whole site.
func (s *Server) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	c.SetCookie(&http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// localPath returns next when it is a path of this site, and "/" otherwise,
// so that no link of ours sends a person to another site.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}
