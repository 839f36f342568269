package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"matchmaker/people"
	"matchmaker/profiles"
	"matchmaker/volunteers"
)

// This file is what the pages tell the operators: every request in the
// service's request metrics, every form sent in the audit trail, the same as
// the JSON API's (api/metrics.go, api/guard.go).

// successStatus is the status a form answers when its write is done: a
// redirect to the page that shows it, for most (so that reloading does not
// send the form again); the forms that answer with a page say theirs.
func successStatus(method, route string) int {
	switch method + " " + route {
	case "POST /staff/keys":
		return http.StatusCreated
	case "POST " + people.SignInPath, "POST /volunteer", "POST " + volunteers.ConfirmPath + "/:token":
		return http.StatusOK
	}
	return http.StatusSeeOther
}

// auditPath is the path recorded for a request: the path sent, but for a
// link's secret, which is replaced by the route's placeholder.
func auditPath(c echo.Context) string {
	p := c.Request().URL.Path
	if strings.HasPrefix(p, people.SignInPath+"/") || strings.HasPrefix(p, volunteers.ConfirmPath+"/") {
		return c.Path()
	}
	return p
}

// audit records every form sent, with its outcome, in the append-only audit
// trail the API's writes go to: who sent it (the person signed in: their ID
// as the actor, their role; no key), the path, what it touched, the status
// and the request ID. As in the API, the entry travels in the request's
// context to the store, which records it in the transaction of the write, so
// that a write and its record commit together; a form that committed nothing
// (refused, failed) is recorded here after the fact with the status sent.
func (s *Server) audit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// A path no page has writes nothing: it is not recorded, so that
		// random paths cannot fill the trail.
		if c.Request().Method != http.MethodPost || c.Path() == "" || c.Path() == "/*" {
			return next(c)
		}
		e := profiles.AuditEntry{Method: c.Request().Method, Path: auditPath(c), Status: successStatus(c.Request().Method, c.Path()),
			RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
		u := userOf(c)
		if u != nil {
			e.Role, e.Actor = u.Role, u.ID
		}
		// What the form touched, named as the API names it; a creation
		// names the row it made instead (the store fills it in), and so
		// does a form under a row that makes another (a panel for a
		// challenge).
		e.Resource, e.ResourceID = resourceOfPage(c, u)
		nested := c.Param("id") != "" && !strings.HasSuffix(c.Path(), "/edit")
		pending := profiles.NewPendingAudit(e, nested)
		c.SetRequest(c.Request().WithContext(profiles.WithAudit(c.Request().Context(), pending)))
		if err := next(c); err != nil {
			c.Error(err)
		}
		if pending.Recorded() {
			return nil
		}
		e = pending.Entry()
		e.Status = c.Response().Status
		// The request's context may be cancelled by now; the record must
		// still be written.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), 5*time.Second)
		defer cancel()
		if err := s.store.AppendAudit(ctx, e); err != nil {
			s.log.Error("audit entry not written", "request_id", e.RequestID, "method", e.Method, "path", e.Path, "error", err)
		}
		return nil
	}
}

// pageResources name the rows of the pages' paths as the API's paths name
// them, by the segment before a route's ":id".
var pageResources = map[string]string{
	"challenges": "challenges", "practices": "practices", "proposals": "proposals", "rounds": "review-rounds",
	"keys": "keys", "applications": "applications",
}

// resourceOfPage is the collection and row a form writes: the row of its
// path, or the signed-in person's own city or expert profile.
func resourceOfPage(c echo.Context, u *profiles.User) (string, string) {
	route := c.Path()
	if before, _, ok := strings.Cut(route, "/:id"); ok {
		seg := before[strings.LastIndex(before, "/")+1:]
		return pageResources[seg], c.Param("id")
	}
	switch {
	case route == "/my/city/edit" && u != nil:
		return "cities", u.CityID
	case route == "/expert/profile" && u != nil:
		return "experts", u.ExpertID
	}
	return "", ""
}
