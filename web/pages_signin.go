package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/locale"
	"matchmaker/profiles"
)

// switchLang records the reader's choice of language in a cookie (and in
// their profile when they are signed in) and goes back to the page they were
// on. It is a link, not a form, so that it works everywhere without
// JavaScript; it changes nothing but the reader's own preference.
func (s *Server) switchLang(c echo.Context) error {
	l, ok := locale.Parse(c.Param("lang"))
	if !ok || string(l) != strings.ToLower(c.Param("lang")) {
		return echo.ErrNotFound
	}
	s.setCookie(c, langCookie, string(l), 365*24*time.Hour)
	// A person signed in keeps the choice on every device they sign in on.
	if u := userOf(c); u != nil && u.Lang != string(l) {
		if err := s.people.SetLang(c.Request().Context(), u.ID, string(l)); err != nil {
			return err
		}
	}
	return redirect(c, localPath(c.QueryParam("next")))
}

// signInData is the sign-in form's data.
type signInData struct {
	Email string
	Next  string
	Sent  bool
	Error string
}

func (s *Server) signInForm(c echo.Context) error {
	return s.render(c, http.StatusOK, "signin", "web.signin.title", signInData{Next: localPath(c.QueryParam("next"))})
}

// requestSignIn sends a sign-in link to the address given. It answers the same
// whether the address is a user's or not, so that the form tells no one who
// has an account.
func (s *Server) requestSignIn(c echo.Context) error {
	email := strings.TrimSpace(c.FormValue("email"))
	data := signInData{Email: email, Next: localPath(c.FormValue("next"))}
	if email == "" || !strings.Contains(email, "@") || len(email) > 254 {
		data.Error = s.viewOf(c).T("web.signin.bad_email")
		return s.render(c, http.StatusUnprocessableEntity, "signin", "web.signin.title", data)
	}
	if err := s.people.RequestSignIn(c.Request().Context(), email); err != nil {
		return err
	}
	data.Sent = true
	return s.render(c, http.StatusOK, "signin", "web.signin.title", data)
}

// confirmSignIn shows the button that signs in with a link. Opening a link
// signs no one in by itself: mail scanners and link previews open links too,
// and would use up a single-use link before its owner.
func (s *Server) confirmSignIn(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	return s.render(c, http.StatusOK, "signin_confirm", "web.signin.confirm_title", nil)
}

// signIn redeems a sign-in link into a session, once.
func (s *Server) signIn(c echo.Context) error {
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	u, sess, secret, err := s.people.SignIn(c.Request().Context(), c.Param("token"))
	if errors.Is(err, profiles.ErrNotFound) {
		return s.render(c, http.StatusGone, "signin_confirm", "web.signin.confirm_title", signInData{Error: s.viewOf(c).T("web.signin.link_invalid")})
	}
	if err != nil {
		return err
	}
	// A session starts with a new form token, so that one planted before
	// sign-in is worth nothing after it.
	s.clearCookie(c, "mm_csrf")
	s.setCookie(c, sessionCookie, secret, time.Until(sess.ExpiresAt))
	s.log.Info("signed in", "user_id", u.ID, "role", u.Role)
	return redirect(c, homeOf(&u))
}

// homeOf is where a person lands after signing in.
func homeOf(u *profiles.User) string {
	if u != nil && u.Role == profiles.RoleCity {
		return "/my/city"
	}
	return "/"
}

func (s *Server) signOut(c echo.Context) error {
	if secret, _ := c.Get(secretKey).(string); secret != "" {
		if err := s.people.SignOut(c.Request().Context(), secret); err != nil {
			return err
		}
	}
	s.clearCookie(c, sessionCookie)
	return redirect(c, "/")
}
